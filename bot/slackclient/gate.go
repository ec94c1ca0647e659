package slackclient

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// connectGate is the one reconnect backoff: every apps.connections.open
// call passes it. After a connection that lived healthyAfter, the next
// attempt goes at once; otherwise each attempt waits longer (doubling from
// base, capped, with jitter so that many bots restarting together do not
// reconnect in step).
type connectGate struct {
	now          func() time.Time
	base, max    time.Duration
	healthyAfter time.Duration

	mu        sync.Mutex
	attempts  int
	lastOpen  time.Time
	lastHello time.Time
}

func newConnectGate(now func() time.Time, max time.Duration) *connectGate {
	return &connectGate{now: now, base: 250 * time.Millisecond, max: max, healthyAfter: 30 * time.Second}
}

// wrap makes apps.connections.open requests wait at the gate first.
func (g *connectGate) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if strings.HasSuffix(req.URL.Path, "/apps.connections.open") {
			if err := sleep(req.Context(), g.next()); err != nil {
				return nil, err
			}
		}
		return next.RoundTrip(req)
	})
}

// hello records that a connection came up.
func (g *connectGate) hello() {
	g.mu.Lock()
	g.lastHello = g.now()
	g.mu.Unlock()
}

// next is how long the attempt starting now must wait.
func (g *connectGate) next() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	first := g.lastOpen.IsZero()
	lived := !g.lastHello.Before(g.lastOpen) && now.Sub(g.lastHello) >= g.healthyAfter
	g.lastOpen = now
	if first || lived {
		g.attempts = 0
		return 0
	}
	d := g.base << min(g.attempts, 16)
	if d > g.max || d <= 0 {
		d = g.max
	}
	g.attempts++
	return d/2 + rand.N(d/2+1)
}

// sleep waits d unless ctx ends first, whose error it then returns.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
