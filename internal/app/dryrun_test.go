package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv"
)

// TestDryRunWiring runs the real wiring with DRY_RUN=true: Polyv gets no stop
// call, the channel and thread say it was a dry run, and the signed form is
// logged without the secret.
func TestDryRunWiring(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	logs := &logtest.Buffer{}
	startApp(t, f, f.env(map[string]string{"DRY_RUN": "true"}), logs)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, _, err := f.slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 10001 drill", UserID: testResponder, ChannelID: testChannel})
	require.NoError(t, err)
	_, err = f.slack.WaitAck(ctx, env)
	require.NoError(t, err)
	require.NoError(t, f.slack.WaitFor(ctx, func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(testChannel)
		return len(ms) == 1 && len(ms[0].Updates) > 0 && len(s.Thread(testChannel, ms[0].TS)) > 0
	}))

	parent := f.slack.ChannelMessages(testChannel)[0]
	require.Contains(t, parent.Latest(), "Dry run")
	thread := f.slack.Thread(testChannel, parent.TS)
	require.Contains(t, thread[0].Text, "dry run")
	require.Equal(t, 0, f.polyv.StopCalls(10001), "a dry run must not reach Polyv")

	line := logLine(t, logs.String(), "dry run: stop-pull-stream not sent")
	require.Equal(t, "10001", line["channelId"])
	require.Equal(t, testAppID, line["appId"])
	ts, _ := line["timestamp"].(string)
	require.Equal(t, polyv.Sign(map[string]string{"appId": testAppID, "timestamp": ts, "channelId": "10001"}, testAppSecret), line["sign"],
		"the logged sign must be the one Polyv would check")
	require.NotContains(t, logs.String(), testAppSecret)
}

func TestDryRunFlag(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logtest.Buffer{}
	done := make(chan int, 1)
	go func() { done <- Run(ctx, []string{"-dry-run"}, staticEnv(f.env(nil)), logs, logs) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	require.NoError(t, f.slack.WaitConnected(wctx))
	cancel()
	require.Equal(t, 0, <-done)
	require.Contains(t, logs.String(), "dry run: stop calls are signed and logged, not sent to Polyv")
}

// logLine finds the JSON log line whose msg is msg.
func logLine(t *testing.T, logs, msg string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			return m
		}
	}
	t.Fatalf("no log line %q in:\n%s", msg, logs)
	return nil
}
