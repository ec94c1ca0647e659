package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// TestFaultNoPingsReconnects is the one fault case that needs a knob the
// environment does not offer (the ping time-out), so it runs on the bot
// harness; the others drive the real main wiring in cmd/bot/fault_test.go.
func TestFaultNoPingsReconnects(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{
		cfg:       func(c *bot.Config) { c.PingTimeout = time.Second; c.VerifyStop = false },
		slackOpts: []slacktest.Option{slacktest.WithPingInterval(200 * time.Millisecond)},
	})
	first := h.slack.SocketsOpened()
	h.slack.SetPings(false)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	require.NoError(t, h.slack.WaitFor(ctx, func(s *slacktest.Server) bool { return s.SocketsOpened() > first }),
		"the bot never noticed the silent socket")
	h.slack.SetPings(true)
	require.NoError(t, h.slack.WaitConnected(ctx))
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	_, thread := h.parentWithReplies(1)
	require.Contains(t, thread[0].Text, "✅ Polyv channel 10001: stopped")
	require.NoError(t, h.stopBot())
	require.Equal(t, 1, h.stopCalls())
}
