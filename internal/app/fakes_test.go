package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

const (
	testAppID     = "appTEST01"
	testAppSecret = "s3cr3t-polyv-app-secret-value"
	testResponder = "U0RESP"
	testChannel   = "C0OPS"
)

// fakes are the fake Slack and fake Polyv a test runs the real wiring against.
type fakes struct {
	slack *slacktest.Server
	polyv *polyvtest.Server
}

func newFakes(t *testing.T) *fakes {
	t.Helper()
	f := &fakes{slack: slacktest.NewServer(), polyv: polyvtest.NewServer(testAppID, testAppSecret)}
	t.Cleanup(func() {
		f.slack.Close()
		f.polyv.Close()
	})
	return f
}

// env is a complete, valid environment pointing at the fakes; extra
// overrides or adds variables ("" removes one).
func (f *fakes) env(extra map[string]string) map[string]string {
	return withOverrides(map[string]string{
		"SLACK_APP_TOKEN": f.slack.AppToken(), "SLACK_BOT_TOKEN": f.slack.BotToken(),
		"SLACK_API_URL": f.slack.APIURL(),
		"POLYV_APP_ID":  testAppID, "POLYV_APP_SECRET": testAppSecret, "POLYV_API_URL": f.polyv.URL,
		"POLYV_TIMEOUT": "2s", "ALLOWED_USERS": testResponder,
	}, extra)
}

// staticEnv is run's environment for a test: the map, and no .env file.
func staticEnv(env map[string]string) EnvLoader {
	return func() (Environment, error) { return mapLookup(env), nil }
}

// withOverrides is base with extra applied: a value replaces or adds a
// variable, "" removes it.
func withOverrides(base, extra map[string]string) map[string]string {
	for k, v := range extra {
		if v == "" {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	return base
}

// startApp wires the real app from env, starts it and waits until the fake
// Slack sees it connected. The app stops when the test ends.
func startApp(t *testing.T, f *fakes, env map[string]string, logs *logtest.Buffer, opts ...Option) (*App, func() error) {
	t.Helper()
	cfg, err := loadConfig(mapLookup(env))
	require.NoError(t, err)
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := newApp(cfg, log, append([]Option{func(c *bot.Config) { c.VerifyWindow = 300 * time.Millisecond }}, opts...)...)
	require.NoError(t, err)
	require.NoError(t, a.start())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				t.Error("app did not stop within 30s")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	require.NoError(t, f.slack.WaitConnected(wctx), "bot never connected")
	return a, stop
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// countStops is how many stop calls reached the fake Polyv.
func countStops(pv *polyvtest.Server) int {
	n := 0
	for _, c := range pv.Calls() {
		if strings.HasSuffix(c.Path, "stop-pull-stream") {
			n++
		}
	}
	return n
}
