package slacktest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// TestDisconnectAfter: the disconnect message arrives at once and the socket
// stays open for the grace, closed by the client or, failing that, by the
// server with a normal close frame.
func TestDisconnectAfter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		grace        time.Duration
		clientCloses bool
	}{
		{"the client closes within the grace", time.Hour, true},
		{"the server closes after the grace", 10 * time.Millisecond, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer()
			t.Cleanup(srv.Close)
			ws := dialRaw(t, srv)
			srv.DisconnectAfter("warning", tc.grace)
			var msg struct{ Type, Reason string }
			require.NoError(t, ws.ReadJSON(&msg))
			require.Equal(t, "disconnect", msg.Type)
			require.Equal(t, "warning", msg.Reason)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if tc.clientCloses {
				require.Len(t, srv.Connections(), 1, "closed before the grace was up")
				require.NoError(t, ws.Close())
			} else {
				_, _, err := ws.ReadMessage()
				require.True(t, websocket.IsCloseError(err, websocket.CloseNormalClosure), "got %v", err)
				_ = ws.Close()
			}
			require.NoError(t, srv.WaitFor(ctx, func(s *slacktest.Server) bool { return len(s.Connections()) == 0 }))
		})
	}
}

// dialRaw opens a socket as a client would, without slack-go, and reads the
// hello.
func dialRaw(t *testing.T, srv *slacktest.Server) *websocket.Conn {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.APIURL()+"apps.connections.open", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.AppToken())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var open struct {
		OK  bool
		URL string
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&open))
	require.True(t, open.OK)
	ws, _, err := websocket.DefaultDialer.Dial(open.URL, nil)
	require.NoError(t, err)
	var hello struct{ Type string }
	require.NoError(t, ws.ReadJSON(&hello))
	require.Equal(t, "hello", hello.Type)
	return ws
}
