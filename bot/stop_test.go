package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestStopHappyPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	ack, _ := h.send(slacktest.SlashCommand{Text: "stop 10001 leaked test stream"})
	text, _ := ack.Text()
	require.Empty(t, text, "an accepted stop is acked without a private reply")

	parent, thread := h.parentWithReplies(2)
	require.Contains(t, parent.Text, "<@"+responder+">")
	require.Contains(t, parent.Text, "10001")
	require.Contains(t, parent.Text, "leaked test stream")
	require.Contains(t, thread[0].Text, "✅ Polyv channel 10001: stopped")
	require.Equal(t, parent.TS, thread[0].ThreadTS)
	require.Contains(t, thread[1].Text, "🔎 Polyv channel 10001: verified, no longer live")
	require.Contains(t, parent.Latest(), "✅ 1 stopped")

	calls := h.polyv.Calls()
	require.Len(t, calls, 2, "one stop and one status call")
	stop := calls[0]
	require.Equal(t, "POST", stop.Method)
	require.Equal(t, "ok", stop.Verdict)
	require.Equal(t, "10001", stop.Form.Get("channelId"))
	require.Len(t, stop.Form.Get("timestamp"), 13)
	require.Equal(t, polyv.Sign(map[string]string{"appId": testAppID, "timestamp": stop.Form.Get("timestamp"), "channelId": "10001"}, testAppSecret), stop.Form.Get("sign"))
	require.NoError(t, h.stopBot())
	require.NotContains(t, h.logs.String(), testAppSecret)
	require.Contains(t, h.logs.String(), `"msg":"audit"`)
}

func TestStopPolyvFailuresInResponderWords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply polyvtest.Reply
		want  string
	}{
		{"invalid signature", polyvtest.InvalidSignature(), "check POLYV_APP_SECRET"},
		{"invalid timestamp", polyvtest.InvalidTimestamp(), "clock is off by more than 3 minutes"},
		{"application not found", polyvtest.AppNotFound(), "check POLYV_APP_ID"},
		{"channel not found", polyvtest.ChannelNotFound(), "does not exist"},
		{"quota", polyvtest.QuotaExceeded(), "retry in 5 minutes"},
		{"html 502", polyvtest.HTML(502), "server error"},
		{"garbage", polyvtest.Garbage(), "cannot read"},
		{"empty", polyvtest.Empty(200), "cannot read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{})
			h.polyv.Script(10001, tc.reply, tc.reply, tc.reply)
			h.send(slacktest.SlashCommand{Text: "stop 10001"})
			parent, thread := h.parentWithReplies(1)
			require.Contains(t, thread[0].Text, "❌ Polyv channel 10001")
			require.Contains(t, thread[0].Text, tc.want)
			require.Contains(t, parent.Latest(), "❌ 1 failed")
			require.NotContains(t, parent.Latest(), "stopped")
		})
	}
}

func TestStopBadInputGetsUsagePrivately(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	for _, text := range []string{"stop", "stop 10001abc", "stop 1.5", "stop -1", "stop 0", "stop １０００１", "stop 2147483648", "launch 10001", "stop <!channel>"} {
		ack, _ := h.send(slacktest.SlashCommand{Text: text})
		msg, kind := ack.Text()
		require.Equal(t, "ephemeral", kind, text)
		require.Contains(t, msg, "Usage:", text)
	}
	require.Empty(t, h.slack.Messages())
	require.Zero(t, h.stopCalls())
}

func TestStopMentionInjectionPostsNothingThatPings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.send(slacktest.SlashCommand{Text: "stop 10001 <!channel> <@U999> <https://evil.example|click> & more"})
	parent, _ := h.parentWithReplies(1)
	for _, text := range []string{parent.Text, parent.Latest()} {
		require.NotContains(t, text, "<!channel>")
		require.NotContains(t, text, "<@U999>")
		require.NotContains(t, text, "<https://evil")
		require.Contains(t, text, "&lt;!channel&gt;")
		require.Contains(t, text, "&amp; more")
	}
	for _, m := range h.slack.Messages() {
		require.Empty(t, m.Params.Get("link_names"))
		require.NotEqual(t, "full", m.Params.Get("parse"))
	}
}

func TestStopDeniedUserAndChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001", UserID: "U0STRANGER"})
	p := h.waitPrivate(url)
	require.Equal(t, "ephemeral", p.ResponseType)
	require.Contains(t, p.Text, "Not allowed")
	require.Regexp(t, `[.!?] Nothing was sent to Polyv\.$`, p.Text, "the reason ends its sentence")
	require.Zero(t, h.stopCalls())
	require.Empty(t, h.slack.ChannelMessages(opsChannel))
	require.Eventually(t, func() bool { return strings.Contains(h.logs.String(), `"decision":"denied:user"`) }, 5*time.Second, 10*time.Millisecond)
}
