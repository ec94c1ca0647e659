package bot

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// pipeNet is an in-memory network between the Polyv client and the fake
// Polyv: each dial is a net.Pipe handed to the listener. The pipeline's
// tests run in testing/synctest bubbles, whose clock moves only when every
// goroutine waits on something inside the bubble; a goroutine reading a
// loopback socket never does, so a real connection would stop the clock.
type pipeNet struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept returns the server's end of the next dial.
func (n *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-n.conns:
		return c, nil
	case <-n.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept, and later dials, fail.
func (n *pipeNet) Close() error {
	n.once.Do(func() { close(n.closed) })
	return nil
}

func (n *pipeNet) Addr() net.Addr { return pipeAddr{} }

// dial connects to the listener, whatever the address.
func (n *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case n.conns <- server:
		return client, nil
	case <-n.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// client is an HTTP client whose every connection is a dial on n.
func (n *pipeNet) client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: n.dial}}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "polyv.pipe" }
