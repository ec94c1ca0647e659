package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/internal/logtest"
)

func TestHealthHandler(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	bot.NewMetrics(reg)
	tests := []struct {
		name       string
		path       string
		ready      bool
		why        string
		wantStatus int
		wantBody   string
	}{
		{"healthz while not ready", healthzPath, false, "not connected yet", 200, "ok"},
		{"healthz while ready", healthzPath, true, "connected", 200, "ok"},
		{"readyz while ready", readyzPath, true, "connected", 200, "ready"},
		{"readyz says why not", readyzPath, false, "socket mode disconnected: refresh_requested", 503, "not ready: socket mode disconnected: refresh_requested"},
		{"metrics", metricsPath, false, "", 200, "polyvbot_socket_connected 0"},
		{"unknown path", "/debug/pprof/", true, "", 404, "404 page not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := healthHandler(func() (bool, string) { return tc.ready, tc.why }, reg)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			require.Equal(t, tc.wantStatus, rec.Code)
			require.Contains(t, rec.Body.String(), tc.wantBody)
		})
	}
}

func TestHealthServerFollowsTheBot(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	logs := &logtest.Buffer{}
	a, stop := startApp(t, f, f.env(map[string]string{"HEALTH_ADDR": "127.0.0.1:0"}), logs)
	require.NotNil(t, a.health)
	base := "http://" + a.health.Addr()

	require.Eventually(t, func() bool {
		code, _ := get(t, base+readyzPath)
		return code == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "readyz never turned 200")
	code, body := get(t, base+metricsPath)
	require.Equal(t, http.StatusOK, code)
	for _, name := range []string{"polyvbot_socket_connected 1", "go_goroutines", "process_start_time_seconds"} {
		require.Contains(t, body, name)
	}

	require.NoError(t, stop())
	_, err := http.Get(base + healthzPath)
	require.Error(t, err, "the health server must go down with the bot")
}

// TestReadyzSaysWhySlackIsUnreachable: with nothing listening at
// SLACK_API_URL, /readyz says what the last attempt ran into and when the
// next goes, and the log says it at the default level, with no token in
// either.
func TestReadyzSaysWhySlackIsUnreachable(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	require.NoError(t, ln.Close())
	cfg, err := loadConfig(mapLookup(f.env(map[string]string{
		"HEALTH_ADDR": "127.0.0.1:0", "SLACK_API_URL": "http://" + closed + "/api/"})))
	require.NoError(t, err)
	logs := &logtest.Buffer{}
	a, err := newApp(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.LogLevel})))
	require.NoError(t, err)
	require.NoError(t, a.start())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()

	var code int
	var body string
	require.Eventually(t, func() bool {
		code, body = get(t, "http://"+a.health.Addr()+readyzPath)
		// The next attempt is planned just after the failure is recorded;
		// a read in between names the failure alone.
		return strings.Contains(body, "last attempt failed") && strings.Contains(body, "next attempt")
	}, 10*time.Second, 20*time.Millisecond, "readyz never named the failure and the next attempt")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Regexp(t, `^not ready: (connecting to|cannot connect to) Slack; last attempt failed \S+ ago: .*`+
		regexp.QuoteMeta(closed)+`: connect: connection refused; next attempt (in \S+|under way)\n$`, body)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"msg":"cannot connect to Slack"`) },
		10*time.Second, 20*time.Millisecond)
	require.Regexp(t, `"level":"WARN","msg":"cannot connect to Slack","err":".*?connection refused","next_attempt_in":"[^"]+"`, logs.String())
	for _, secret := range []string{cfg.SlackAppToken, cfg.SlackBotToken} {
		require.NotContains(t, body, secret)
		require.NotContains(t, logs.String(), secret)
	}
}

func TestHealthAddrInUseFailsStart(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	taken := httptest.NewServer(http.NotFoundHandler())
	defer taken.Close()
	cfg, err := loadConfig(mapLookup(f.env(map[string]string{"HEALTH_ADDR": strings.TrimPrefix(taken.URL, "http://")})))
	require.NoError(t, err)
	a, err := newApp(cfg, discardLogger())
	require.NoError(t, err)
	err = a.Run(context.Background())
	require.ErrorContains(t, err, "HEALTH_ADDR")
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
