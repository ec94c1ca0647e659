package slackclient

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// connectGate is the one reconnect backoff: every apps.connections.open
// call passes it, and nothing else waits between attempts (slack-go's own
// retries of the call are off, see retryPolicy). After a connection that
// lived healthyAfter, the next attempt goes at once; otherwise each attempt
// waits longer (doubling from base, capped at max, with jitter so that many
// bots restarting together do not reconnect in step). A reconnect Slack
// asked for (see disconnectWatch) is no failure and goes at once, every
// time. A 429 from Slack
// makes the next attempt wait its Retry-After, but never longer than max:
// an hour's Retry-After must not keep the bot offline for an hour.
//
// The gate also keeps the record of an outage (see outage): it logs the
// failed attempts, a bounded number of lines however long Slack stays
// unreachable, and the recovery once.
type connectGate struct {
	now          func() time.Time
	sleep        func(context.Context, time.Duration) error
	base, max    time.Duration
	healthyAfter time.Duration
	log          *slog.Logger
	redact       func(string) string // takes tokens out of errors

	mu         sync.Mutex
	attempts   int
	lastOpen   time.Time
	lastHello  time.Time
	retryAfter time.Duration // Slack's last 429, capped at max
	asked      bool          // Slack asked for the reconnect
	outage     outage
}

func newConnectGate(now func() time.Time, max time.Duration, log *slog.Logger, redact func(string) string) *connectGate {
	return &connectGate{now: now, sleep: sleep, base: 250 * time.Millisecond, max: max, healthyAfter: 30 * time.Second,
		log: log, redact: redact}
}

// client makes apps.connections.open calls wait at the gate before hc
// sends them. The wait is outside hc's time-out, which bounds the exchange
// with Slack and not the wait before it: inside, every wait longer than the
// time-out would end as one more failed attempt.
func (g *connectGate) client(hc *http.Client) doer {
	return doerFunc(func(req *http.Request) (*http.Response, error) {
		if !opensConnection(req) {
			return hc.Do(req)
		}
		if err := g.sleep(req.Context(), g.next()); err != nil {
			return nil, err
		}
		resp, err := hc.Do(req)
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			g.refused(resp.Header.Get("Retry-After"))
		}
		return resp, err
	})
}

// doer is the HTTP client slack-go wants.
type doer interface {
	Do(*http.Request) (*http.Response, error)
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// opensConnection reports an apps.connections.open call.
func opensConnection(req *http.Request) bool {
	return strings.HasSuffix(req.URL.Path, "/apps.connections.open")
}

// refused records a 429: the next attempt waits Slack's Retry-After, capped
// at max; without a readable one, the backoff alone decides.
func (g *connectGate) refused(retryAfter string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if d, ok := parseRetryAfter(retryAfter, g.now()); ok {
		g.retryAfter = min(d, g.max)
	}
}

// requested records that Slack asked for a new connection: the next
// attempt goes at once.
func (g *connectGate) requested() {
	g.mu.Lock()
	g.asked = true
	g.mu.Unlock()
}

// hello records that a connection came up, which ends an outage.
func (g *connectGate) hello() {
	g.mu.Lock()
	g.lastHello = g.now()
	report := g.outage.recover(g.lastHello)
	g.mu.Unlock()
	logWith(g.log, report)
}

// failed records an attempt that failed; the attempt after it reports it.
func (g *connectGate) failed(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.outage.fail(g.redact(err.Error()), g.now())
}

// lastFailure is the outage so far; see Socket.LastConnectFailure.
func (g *connectGate) lastFailure() (ConnectFailure, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.outage.failure(g.now())
}

// next is how long the attempt starting now must wait. It logs the failed
// attempts before it, when a line is due.
func (g *connectGate) next() time.Duration {
	g.mu.Lock()
	now := g.now()
	d := g.wait(now)
	report := g.outage.plan(now, d)
	g.mu.Unlock()
	logWith(g.log, report)
	return d
}

// wait decides how long the attempt starting now waits; g.mu is held.
func (g *connectGate) wait(now time.Time) time.Duration {
	first := g.lastOpen.IsZero()
	lived := !g.lastHello.Before(g.lastOpen) && now.Sub(g.lastHello) >= g.healthyAfter
	g.lastOpen = now
	refused, asked := g.retryAfter, g.asked
	g.retryAfter, g.asked = 0, false
	if first || lived || asked {
		g.attempts = 0
		return refused
	}
	d := g.base << min(g.attempts, 16)
	if d > g.max || d <= 0 {
		d = g.max
	}
	g.attempts++
	return max(d/2+rand.N(d/2+1), refused)
}

func logWith(log *slog.Logger, report func(*slog.Logger)) {
	if report != nil {
		report(log)
	}
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
