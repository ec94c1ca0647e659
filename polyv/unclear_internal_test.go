package polyv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNeverLeft: only a failure to connect proves the request never left;
// a failure on a connection that was made may come after Polyv read it.
func TestNeverLeft(t *testing.T) {
	t.Parallel()
	post := func(err error) error { return &url.Error{Op: "Post", URL: "https://api.polyv.net/x", Err: err} }
	tests := []struct {
		name  string
		err   error
		never bool
	}{
		{"connection refused", post(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"dial timeout", post(&net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}), true},
		{"no such host", post(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.polyv.net", IsNotFound: true}}), true},
		{"bare DNS error", fmt.Errorf("lookup: %w", &net.DNSError{Err: "server misbehaving", Name: "api.polyv.net"}), true},
		{"reset while reading", post(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), false},
		{"broken pipe while writing", post(&net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}), false},
		{"EOF", post(io.EOF), false},
		{"deadline", post(context.DeadlineExceeded), false},
		{"anything else", errors.New("tls: handshake failure"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.never, neverLeft(tc.err))
			require.Equal(t, !tc.never, unanswered(answer{sent: true}, tc.err, tc.err))
		})
	}
	require.False(t, unanswered(answer{}, errors.New("bad URL"), errors.New("bad URL")), "a request never handed over")
}
