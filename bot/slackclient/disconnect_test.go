package slackclient

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/internal/logtest"
)

func TestDisconnectReason(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, frame, want string
		ok                bool
	}{
		{"refresh", `{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"h"}}`, "refresh_requested", true},
		{"no reason", `{"type":"disconnect"}`, "", true},
		{"hello", `{"type":"hello","num_connections":1}`, "", false},
		{"a command whose text says disconnect", `{"type":"slash_commands","payload":{"text":"disconnect"}}`, "", false},
		{"not JSON", `disconnect`, "", false},
		{"redacted by slack-go", `[invalid JSON]`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := disconnectReason(tc.frame)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

// FuzzDisconnectReason: a frame is read as a disconnect message only when
// it is one.
func FuzzDisconnectReason(f *testing.F) {
	f.Add(`{"type":"disconnect","reason":"warning"}`)
	f.Add(`{"type":"slash_commands","payload":{"text":"disconnect"}}`)
	f.Fuzz(func(t *testing.T, frame string) {
		reason, ok := disconnectReason(frame)
		if !ok {
			require.Empty(t, reason)
			return
		}
		var msg struct{ Type, Reason string }
		require.NoError(t, json.Unmarshal([]byte(frame), &msg))
		require.Equal(t, "disconnect", msg.Type)
		require.Equal(t, msg.Reason, reason)
	})
}

// TestDisconnectWatchLogsNoPayload: slack-go's debug lines carry payloads
// (a command's text, user names); the watch passes none of them on.
func TestDisconnectWatchLogsNoPayload(t *testing.T) {
	t.Parallel()
	logs := &logtest.Buffer{}
	w := disconnectWatch{gate: newConnectGate(time.Now, time.Second, slog.New(slog.DiscardHandler), tokenRedactor()), log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, line := range []string{
		`Received WebSocket message: {"type":"slash_commands","payload":{"text":"stop 10001 -- payload-text"}}`,
		`Scheduling Socket Mode response for envelope ID e1: {"envelope_id":"e1","payload":{"text":"payload-text"}}`,
		`Starting SocketMode`,
	} {
		require.NoError(t, w.Output(2, line))
	}
	require.Empty(t, logs.String())
}
