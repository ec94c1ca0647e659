package polyv_test

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

const (
	testAppID     = "testapp01"
	testAppSecret = "S3cr3t-polyv-APPSECRET-do-not-print"
)

// syncBuffer captures logs written from many goroutines.
type syncBuffer = logtest.Buffer

// fake starts a fake Polyv that is closed when the test ends.
func fake(t *testing.T, opts ...polyvtest.Option) *polyvtest.Server {
	t.Helper()
	srv := polyvtest.NewServer(testAppID, testAppSecret, opts...)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, call := range srv.Calls() {
			for k, vs := range call.Form {
				for _, v := range vs {
					require.NotContains(t, k+"="+v, testAppSecret, "the appSecret went on the wire")
				}
			}
		}
	})
	return srv
}

// newClient returns a client of srv that logs at debug level into logs and
// retries quickly; the test checks at the end that logs never saw the secret.
func newClient(t *testing.T, srv *polyvtest.Server, opts ...polyv.Option) (*polyv.Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := []polyv.Option{
		polyv.WithBaseURL(srv.URL + "/"),
		polyv.WithLogger(log),
		polyv.WithRetries(3, time.Millisecond),
		polyv.WithTimeout(5 * time.Second),
	}
	c := polyv.NewClient(testAppID, testAppSecret, append(base, opts...)...)
	t.Cleanup(func() { require.NotContains(t, logs.String(), testAppSecret, "secret in logs") })
	return c, logs
}

// closedURL is a loopback address nobody listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// events collects observer events.
type events struct {
	mu  sync.Mutex
	got []polyv.Event
}

func (e *events) add(ev polyv.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
}

func (e *events) all() []polyv.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]polyv.Event(nil), e.got...)
}

// stop is StopPullStream for tests that look only at the error.
func stop(ctx context.Context, c *polyv.Client, id int64) error {
	_, err := c.StopPullStream(ctx, id)
	return err
}
