package slacktest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// Slack retries events whose ack did not come, over any connection.
func TestEventsAreRetried(t *testing.T) {
	t.Parallel()
	event := map[string]any{
		"type": "event_callback", "team_id": "T0TEST", "api_app_id": "A0TEST", "event_id": "Ev1", "event_time": 1,
		"event": map[string]any{"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1", "ts": "1.2"},
	}
	never := func(socketmode.Request) bool { return false }
	always := func(socketmode.Request) bool { return true }
	tests := []struct {
		name    string
		timeout time.Duration
		clients []clientOpts
		// conns and acked describe each attempt, in order.
		conns   []int
		acked   []bool
		unacked int
	}{
		{"unacked: every retry, then given up", 20 * time.Millisecond,
			[]clientOpts{{ackEvent: never}},
			[]int{1, 1, 1, 1}, []bool{false, false, false, false}, 4},
		{"a retry acked ends the retries", 500 * time.Millisecond,
			[]clientOpts{{ackEvent: func(r socketmode.Request) bool { return r.RetryAttempt == 1 }}},
			[]int{1, 1}, []bool{false, true}, 0},
		{"the retry goes to another connection", 500 * time.Millisecond,
			[]clientOpts{{ackEvent: never}, {ackEvent: always}},
			[]int{1, 2}, []bool{false, true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer(slacktest.WithAckTimeout(tt.timeout), slacktest.WithEventRetries(0, 0, 0))
			hs := startClients(t, srv, tt.clients...)
			id, err := srv.SendEvent(testCtx(t), event)
			require.NoError(t, err)
			for i, conn := range tt.conns {
				req := receive(t, hs[conn-1].events, fmt.Sprintf("attempt %d", i))
				require.Equal(t, i, req.RetryAttempt)
				if i > 0 {
					require.Equal(t, "timeout", req.RetryReason)
				}
			}
			last := len(tt.conns) - 1
			if tt.acked[last] {
				require.NoError(t, srv.WaitFor(testCtx(t), func(s *slacktest.Server) bool { return len(s.Acks()) == 1 }))
			}
			srv.Close() // waits for the retries to end
			envs := srv.Envelopes()
			require.Len(t, envs, len(tt.conns))
			for i, e := range envs {
				require.Equal(t, "events_api", e.Type)
				require.Equal(t, tt.conns[i], e.Conn, "attempt %d", i)
				require.Equal(t, tt.acked[i], e.Acked, "attempt %d", i)
				require.Equal(t, i, e.RetryAttempt)
				if i == 0 {
					require.Equal(t, id, e.EnvelopeID)
					require.Empty(t, e.RetryOf)
					continue
				}
				require.Equal(t, id, e.RetryOf)
				require.Equal(t, "timeout", e.RetryReason)
				require.NotEqual(t, id, e.EnvelopeID)
			}
			require.Len(t, srv.Unacked(), tt.unacked)
		})
	}
}

// A retry waiting its turn must not keep Close (or a goroutine) waiting.
func TestCloseEndsPendingEventRetries(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer(slacktest.WithAckTimeout(time.Millisecond), slacktest.WithEventRetries(time.Hour))
	startClients(t, srv, clientOpts{ackEvent: func(socketmode.Request) bool { return false }})
	_, err := srv.SendEvent(testCtx(t), map[string]any{"type": "event_callback", "event": map[string]any{"type": "app_mention"}})
	require.NoError(t, err)
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for an event retry an hour away")
	}
	require.Len(t, srv.Envelopes(), 1)
}
