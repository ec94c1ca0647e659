package slackclient

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
)

// TestRetryAfterIsCappedAtMaxReconnectWait: Slack's 429 on
// apps.connections.open is honoured up to MaxReconnectWait and no further,
// so that a Retry-After of an hour does not keep the bot offline for one.
func TestRetryAfterIsCappedAtMaxReconnectWait(t *testing.T) {
	t.Parallel()
	const maxWait = time.Second
	rig := newSocketRig(t, rigOpts{maxReconnectWait: maxWait, sleepForReal: true})
	rig.srv.FailNext("apps.connections.open", 1, slacktest.Failure{HTTPStatus: 429, RetryAfter: "3600"})
	rig.srv.DropConnections()
	rig.waitSockets(2, maxWait+5*time.Second)
	require.Equal(t, 3, rig.srv.ConnectionsOpened(), "the first, the refused one, the one that worked")
	waits := rig.waits()
	require.Len(t, waits, 3)
	require.Equal(t, maxWait, waits[2], "Slack's Retry-After is honoured up to the cap")
	for _, w := range waits {
		require.LessOrEqual(t, w, maxWait)
	}
}

// TestRequestedDisconnectsReconnectAtOnce: a refresh or a warning from Slack
// is no failure, so however many come in a row, each reconnect goes without
// a backoff wait; link_disabled (Socket Mode turned off for the app) is
// backed off and said plainly in the log.
func TestRequestedDisconnectsReconnectAtOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		reason  string
		atOnce  bool
		logLine string
	}{
		{"refresh_requested", true, "reconnecting at once"},
		{"warning", true, "reconnecting at once"},
		{"link_disabled", false, "turn it back on under Socket Mode in the app's settings"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			rig := newSocketRig(t, rigOpts{})
			const inARow = 6
			for i := range inARow {
				rig.srv.DisconnectAfter(tc.reason, 10*time.Second)
				rig.waitSockets(i+2, 10*time.Second)
			}
			waits := rig.waits()
			require.Len(t, waits, inARow+1, "one attempt per connection")
			for i, w := range waits[1:] {
				if tc.atOnce {
					require.Zero(t, w, "reconnect %d waited\n%s", i+1, rig.logs.String())
				} else {
					require.Positive(t, w, "reconnect %d went at once", i+1)
				}
			}
			require.Equal(t, inARow, strings.Count(rig.logs.String(), tc.logLine), rig.logs.String())
		})
	}
}

// socketRig runs a Socket against the fake Slack and records what the gate
// made each connection attempt wait.
type socketRig struct {
	t      *testing.T
	srv    *slacktest.Server
	client *Client
	socket *Socket
	logs   *logtest.Buffer

	hellos   chan struct{} // one per hello the socket handed on
	seen     int           // hellos taken from the channel so far
	mu       sync.Mutex
	gateWait []time.Duration
}

type rigOpts struct {
	maxReconnectWait time.Duration
	// sleepForReal makes the gate wait as it would in production; without
	// it the waits are only recorded, so that a test of how long they are
	// does not take that long.
	sleepForReal bool
}

// newSocketRig starts the socket and waits for its first connection.
func newSocketRig(t *testing.T, o rigOpts) *socketRig {
	t.Helper()
	rig := &socketRig{t: t, srv: slacktest.NewServer(), logs: &logtest.Buffer{}, hellos: make(chan struct{}, 100)}
	t.Cleanup(rig.srv.Close)
	log := slog.New(slog.NewJSONHandler(rig.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rig.client = New(Options{BotToken: rig.srv.BotToken(), AppToken: rig.srv.AppToken(), APIURL: rig.srv.APIURL(),
		Logger: log, MaxReconnectWait: o.maxReconnectWait})
	rig.client.gate.sleep = func(ctx context.Context, d time.Duration) error {
		rig.mu.Lock()
		rig.gateWait = append(rig.gateWait, d)
		rig.mu.Unlock()
		if o.sleepForReal {
			return sleep(ctx, d)
		}
		return ctx.Err()
	}
	rig.socket = rig.client.Socket(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rig.socket.Run(ctx, Handlers{Connected: func() { rig.hellos <- struct{}{} }}) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	rig.waitSockets(1, 10*time.Second)
	return rig
}

// waitSockets waits until the socket has handed on the hello of its nth
// connection: from then on slack-go is reading that connection, as it is
// when Slack sends a disconnect message, minutes or hours after the hello.
func (r *socketRig) waitSockets(n int, within time.Duration) {
	r.t.Helper()
	timeout := time.NewTimer(within)
	defer timeout.Stop()
	for r.seen < n {
		select {
		case <-r.hellos:
			r.seen++
		case <-timeout.C:
			r.t.Fatalf("%d connections up within %s; %d wanted", r.seen, within, n)
		}
	}
}

// waits returns what the gate made each attempt wait, in order.
func (r *socketRig) waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.gateWait...)
}
