package slackclient

import (
	"context"
	"log/slog"
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

// socketRig runs a Socket against the fake Slack and records what the gate
// made each connection attempt wait.
type socketRig struct {
	t      *testing.T
	srv    *slacktest.Server
	client *Client
	socket *Socket
	logs   *logtest.Buffer

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
	rig := &socketRig{t: t, srv: slacktest.NewServer(), logs: &logtest.Buffer{}}
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
	go func() { done <- rig.socket.Run(ctx, Handlers{}) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	rig.waitSockets(1, 10*time.Second)
	return rig
}

// waitSockets waits until n sockets have had their hello.
func (r *socketRig) waitSockets(n int, within time.Duration) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	err := r.srv.WaitFor(ctx, func(s *slacktest.Server) bool { return s.SocketsOpened() >= n && s.Connected() })
	require.NoError(r.t, err, "%d sockets opened within %s; %d wanted", r.srv.SocketsOpened(), within, n)
}

// waits returns what the gate made each attempt wait, in order.
func (r *socketRig) waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.gateWait...)
}
