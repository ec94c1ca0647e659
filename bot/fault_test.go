package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// TestFaultNoPingsReconnects is the one fault case that needs a knob the
// environment does not offer (the ping time-out), so it runs on the bot
// harness; the others drive the real main wiring in cmd/bot/fault_test.go.
func TestFaultNoPingsReconnects(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{
		pingTimeout: time.Second, cfg: noVerify,
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
	require.Regexp(t, "^✅ Polyv channel "+maybeNamed(10001)+": stopped", thread[0].Text)
	require.NoError(t, h.stopBot())
	require.Equal(t, 1, h.stopCalls())
}

// TestSlackTokensTravelOnlyInHeaders: slack-go puts the token in the form
// body of most calls; the Slack client moves it to the Authorization header,
// where request dumps and proxies know to redact it.
func TestSlackTokensTravelOnlyInHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.parentWithReplies(1)
	require.NoError(t, h.stopBot())
	posts := 0
	for _, r := range h.slack.Requests() {
		require.NotContains(t, string(r.Body), h.slack.BotToken(), r.Path)
		require.NotContains(t, string(r.Body), h.slack.AppToken(), r.Path)
		require.NotContains(t, r.Path, "token=", r.Path)
		if r.Path == "/api/chat.postMessage" || r.Path == "/api/auth.test" {
			posts++
			require.Equal(t, "Bearer "+h.slack.BotToken(), r.Header.Get("Authorization"), r.Path)
		}
	}
	require.GreaterOrEqual(t, posts, 3, "auth.test, the parent and the thread line")
}

// TestRedeliveredRefusalIsAnsweredAgain: when the first ack died with its
// socket, Slack's redelivery of the envelope must bring the refusal again,
// not an empty ack that leaves the invoker with nothing.
func TestRedeliveredRefusalIsAnsweredAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	for _, text := range []string{"stop 1O001", "help"} {
		env := "env-again-" + text[:4]
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		for range 2 {
			_, _, err := h.slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: text, UserID: responder, ChannelID: opsChannel, EnvelopeID: env})
			require.NoError(t, err)
		}
		var acks []slacktest.Ack
		require.NoError(t, h.slack.WaitFor(ctx, func(s *slacktest.Server) bool {
			acks = acks[:0]
			for _, a := range s.Acks() {
				if a.EnvelopeID == env {
					acks = append(acks, a)
				}
			}
			return len(acks) == 2
		}))
		cancel()
		first, _ := acks[0].Text()
		second, kind := acks[1].Text()
		require.NotEmpty(t, first, text)
		require.Equal(t, first, second, text)
		require.Equal(t, "ephemeral", kind)
	}
	require.Empty(t, h.slack.Messages())
	require.Empty(t, h.polyv.Calls())
}

// TestReconnectWaitIsCappedDuringASlackOutage: slack-go's own backoff between
// failed connection attempts grows to 5 minutes, so after a long outage the
// bot could stay away for minutes after Slack is back. The connect gate is
// the only wait between attempts, capped at MaxReconnectWait.
func TestReconnectWaitIsCappedDuringASlackOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of reconnect attempts")
	}
	t.Parallel()
	h := newHarness(t, harnessOpts{maxReconnectWait: 300 * time.Millisecond, cfg: noVerify})
	h.slack.FailAlways("apps.connections.open", slacktest.Failure{HTTPStatus: 500})
	attempts := h.slack.ConnectionsOpened()
	h.slack.DropConnections()
	// Uncapped, eight failed attempts would take slack-go tens of seconds.
	h.waitFor("eight failed attempts", func(s *slacktest.Server) bool { return s.ConnectionsOpened() >= attempts+8 })
	opened := h.slack.SocketsOpened()
	h.slack.FailAlways("apps.connections.open", slacktest.Failure{})
	back := time.Now()
	h.waitFor("the bot back on a new socket", func(s *slacktest.Server) bool { return s.SocketsOpened() > opened && s.Connected() })
	require.Less(t, time.Since(back), 2500*time.Millisecond, "reconnected within a few MaxReconnectWaits of Slack coming back")
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.parentWithReplies(1)
}
