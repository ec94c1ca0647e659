package slackclient

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
)

// Tokens distinctive enough that finding them anywhere is a leak.
const (
	outageBotToken = "xoxb-1234-5678-outageBotToken-c0ffee"
	outageAppToken = "xapp-1-A0TEST-4242-outageAppToken-beef"
)

// TestUnreachableSlackIsLoggedAndReported: with nothing listening where
// Slack should be, the first failed attempt is logged at once with its
// error and the wait before the next, LastConnectFailure says the same for
// /readyz, and an hour of it logs a line a minute at most, every failed
// attempt counted in one of them.
func TestUnreachableSlackIsLoggedAndReported(t *testing.T) {
	t.Parallel()
	apiURL := "http://" + closedPort(t) + "/api/"
	synctest.Test(t, func(t *testing.T) {
		logs := &logtest.Buffer{}
		c := New(Options{BotToken: outageBotToken, AppToken: outageAppToken, APIURL: apiURL, Logger: jsonLogger(logs)})
		s := c.Socket(0)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, Handlers{}) }()

		synctest.Wait() // the first attempt failed; the second waits at the gate
		warned := logLines(t, logs, "cannot connect to Slack")
		require.Len(t, warned, 1)
		require.Equal(t, "WARN", warned[0]["level"])
		require.Contains(t, warned[0]["err"], "connection refused")
		require.NotEmpty(t, warned[0]["next_attempt_in"])
		f, failing := s.LastConnectFailure()
		require.True(t, failing)
		require.Equal(t, 1, f.Attempts)
		require.Contains(t, f.Err, "connection refused")
		require.Regexp(t, `^last attempt failed 0s ago: .*connection refused; next attempt in \d+ms$`, f.String())

		time.Sleep(time.Hour)
		f, _ = s.LastConnectFailure()
		cancel()
		require.NoError(t, <-done)

		warned = logLines(t, logs, "cannot connect to Slack")
		t.Logf("an hour: %d attempts failed, %d lines logged", f.Attempts, len(warned))
		require.LessOrEqual(t, len(warned), 1+int(time.Hour/reportEvery), "one line a minute at most")
		require.Greater(t, f.Attempts, 2*len(warned), "the lines are fewer than the attempts")
		logged := 0
		for _, l := range warned {
			logged += int(l["failed_attempts"].(float64))
		}
		require.LessOrEqual(t, f.Attempts-logged, int(reportEvery/(15*time.Second))+1,
			"every attempt is counted in a line, but those of the last minute")
		require.NotContains(t, logs.String(), outageBotToken)
		require.NotContains(t, logs.String(), outageAppToken)
	})
}

// TestGateWaitOutlastsTheHTTPTimeout: the wait between attempts is the
// gate's to decide, up to MaxReconnectWait, whatever the HTTP time-out; an
// attempt cut short by the time-out while it waits would count as one more
// failure, make the next wait longer, and hide the real error behind
// "Client.Timeout exceeded".
func TestGateWaitOutlastsTheHTTPTimeout(t *testing.T) {
	t.Parallel()
	apiURL := "http://" + closedPort(t) + "/api/"
	synctest.Test(t, func(t *testing.T) {
		c := New(Options{BotToken: outageBotToken, AppToken: outageAppToken, APIURL: apiURL,
			Timeout: time.Second, MaxReconnectWait: 30 * time.Second})
		s := c.Socket(0)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, Handlers{}) }()
		const outage = 5 * time.Minute
		time.Sleep(outage)
		f, _ := s.LastConnectFailure()
		cancel()
		require.NoError(t, <-done)
		require.Contains(t, f.Err, "connection refused")
		// About 16 s of doubling waits up to the cap, then one attempt every
		// 15 to 30 s.
		require.LessOrEqual(t, f.Attempts, 9+int(outage/(15*time.Second)))
	})
}

// TestRecoveryIsLoggedOnce: the end of an outage is one line saying how
// long it lasted and how many attempts failed, and the failure is no
// longer reported.
func TestRecoveryIsLoggedOnce(t *testing.T) {
	t.Parallel()
	rig := newSocketRig(t, rigOpts{})
	rig.srv.FailAlways("apps.connections.open", slacktest.Failure{HTTPStatus: 503})
	before := rig.srv.ConnectionsOpened()
	rig.srv.DropConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, rig.srv.WaitFor(ctx, func(s *slacktest.Server) bool { return s.ConnectionsOpened() >= before+3 }))
	rig.srv.FailAlways("apps.connections.open", slacktest.Failure{})
	rig.waitSockets(2, 10*time.Second)

	_, failing := rig.socket.LastConnectFailure()
	require.False(t, failing, "the connection is up")
	recovered := logLines(t, rig.logs, "connected to Slack again")
	require.Len(t, recovered, 1)
	require.Equal(t, "INFO", recovered[0]["level"])
	require.GreaterOrEqual(t, recovered[0]["failed_attempts"], float64(3))
	require.NotEmpty(t, recovered[0]["down_for"])
	warned := logLines(t, rig.logs, "cannot connect to Slack")
	require.Len(t, warned, 1, "the first failure at once; the others within the minute are counted, not logged")
	require.Contains(t, warned[0]["err"], "503")
}

func TestConnectFailureString(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const refused = "dial tcp 127.0.0.1:9: connect: connection refused"
	cases := []struct {
		name string
		f    ConnectFailure
		want string
	}{
		{"waiting", ConnectFailure{Err: refused, At: at, Next: at.Add(20 * time.Second), AsOf: at.Add(12 * time.Second)},
			"last attempt failed 12s ago: " + refused + "; next attempt in 8s"},
		{"under way", ConnectFailure{Err: refused, At: at, Next: at.Add(time.Second), AsOf: at.Add(90 * time.Second)},
			"last attempt failed 1m30s ago: " + refused + "; next attempt under way"},
		{"not planned yet", ConnectFailure{Err: refused, At: at, Next: at.Add(-time.Minute), AsOf: at.Add(250 * time.Millisecond)},
			"last attempt failed 250ms ago: " + refused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.f.String())
		})
	}
}

func TestTokenRedactor(t *testing.T) {
	t.Parallel()
	redact := tokenRedactor("odd-shaped-secret", "")
	cases := []struct{ name, in, want string }{
		{"bot token in a URL", `Post "https://x/api?token=xoxb-1-2-abc": EOF`, `Post "https://x/api?token=[redacted]": EOF`},
		{"app token", "Bearer xapp-1-A0-1-ff rejected", "Bearer [redacted] rejected"},
		{"rotating token", "xoxe.xoxp-1-Mi0yLTEx", "[redacted]"},
		{"the client's own, whatever its shape", "proxy said odd-shaped-secret", "proxy said [redacted]"},
		{"nothing to take out", "dial tcp 127.0.0.1:9: connect: connection refused", "dial tcp 127.0.0.1:9: connect: connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, redact(tc.in))
		})
	}
}

// FuzzTokenRedactor: whatever an error quotes, no token survives.
func FuzzTokenRedactor(f *testing.F) {
	f.Add("Post \"http://h/api\": token=xoxb-1-2-3", "1-2-3")
	f.Add("xapp-1-A0-1-ffxoxp-9", "A0-1-ff")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if len(secret) < 4 {
			return
		}
		token := "xoxb-" + secret
		out := tokenRedactor(token)(text + token + text)
		require.NotContains(t, out, token)
		require.False(t, slackToken.MatchString(out), "left %q", out)
	})
}

// closedPort is an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func jsonLogger(w *logtest.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// logLines returns the JSON log lines whose msg is msg.
func logLines(t *testing.T, logs *logtest.Buffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var l map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &l), line)
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}
