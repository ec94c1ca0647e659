package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func noVerify(c *bot.Config) { c.VerifyStop = false }

func TestVerifyStatusTurnsEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	parent, thread := h.parentWithReplies(2)
	require.Contains(t, thread[0].Text, "✅ Polyv channel 10001: stopped")
	require.Equal(t, "🔎 Polyv channel 10001: verified, no longer live (ended)", thread[1].Text)
	require.Equal(t, parent.TS, thread[1].ThreadTS)
	require.NotContains(t, parent.Latest(), "⚠️")
	require.Equal(t, 1, h.statusCalls(), "the first check already saw the channel ended")
	h.waitLog(`"verification":"verified"`)
}

func TestVerifyStillLive(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.polyv.KeepLive(10002)
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002"})
	h.waitFor("the still-live warning", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 1 && strings.HasPrefix(ms[0].Latest(), "⚠️")
	})
	parent, thread := h.parentWithReplies(4)
	require.Len(t, thread, 4)
	require.Equal(t, 1, countLines(thread, "🔎 Polyv channel 10001: verified, no longer live"))
	require.Equal(t, 1, countLines(thread, "⚠️ Polyv channel 10002: Polyv accepted the stop, but the channel still reports live after 300ms"))
	require.Zero(t, countLines(thread, "Polyv channel 10002: verified"))
	require.Contains(t, parent.Latest(), "⚠️ ✅ 2 stopped, still live: 10002")
	// Checks at 1/15, 3/15, 7/15 and 15/15 of the window; the channel that
	// ended is not asked about again.
	require.Equal(t, 4, h.statusCalls())
	for _, c := range h.polyv.Calls()[3:] {
		require.Equal(t, []int64{10002}, c.ChannelIDs)
	}
	h.waitLog(`"verification":"still live: 10002"`)
}

func TestVerifyStatusUnreadable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.polyv.KeepLive(10001)
	fail := polyvtest.InvalidSignature() // not retried: one reply per check
	h.polyv.ScriptStatus(10001, fail, fail, fail, fail)
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.waitFor("the unverified warning", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 1 && strings.HasPrefix(ms[0].Latest(), "⚠️")
	})
	parent, thread := h.parentWithReplies(2)
	require.Contains(t, thread[1].Text, "⚠️ Polyv channel 10001: Polyv accepted the stop, but the bot could not verify it")
	require.NotContains(t, thread[1].Text, "still reports live", "an unreadable status proves nothing")
	require.Contains(t, parent.Latest(), "unverified: 10001")
}

func TestVerifyChannelMissingFromTheAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.polyv.ScriptStatus(10001, polyvtest.Custom(200, `{"code":200,"status":"success","requestId":"x","data":[],"success":true}`))
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002"})
	h.waitFor("the unverified flag", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 1 && strings.HasPrefix(ms[0].Latest(), "⚠️")
	})
	parent, thread := h.parentWithReplies(4)
	require.Equal(t, 1, countLines(thread, "⚠️ Polyv channel 10001: Polyv accepted the stop, but its status answer does not list the channel"))
	require.Zero(t, countLines(thread, "Polyv channel 10001: verified"), "a missing row proves nothing")
	require.Zero(t, countLines(thread, "Polyv channel 10002: verified"), "10002 was asked in the same call, also missing")
	require.Contains(t, parent.Latest(), "⚠️ ✅ 2 stopped, unverified: 10001, 10002")
	require.Equal(t, 1, h.statusCalls(), "nothing is left to poll")
}

func TestVerifyOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.parentWithReplies(1)
	h.waitAudit()
	require.Zero(t, h.statusCalls())
	require.Len(t, h.slack.Thread(opsChannel, h.slack.ChannelMessages(opsChannel)[0].TS), 1)
}

func TestVerifyNotInDryRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.DryRun = true }})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	_, thread := h.parentWithReplies(1)
	h.waitAudit()
	require.Contains(t, thread[0].Text, "dry run")
	require.Zero(t, h.statusCalls(), "nothing was stopped, so nothing is verified")
}

func (h *harness) statusCalls() int {
	n := 0
	for _, c := range h.polyv.Calls() {
		if strings.HasSuffix(c.Path, "live-status/list") {
			n++
		}
	}
	return n
}

// waitAudit waits for the command's audit line, written once it is done.
func (h *harness) waitAudit() {
	h.t.Helper()
	require.Eventually(h.t, func() bool { return strings.Contains(h.logs.String(), `"msg":"audit"`) },
		10*time.Second, 5*time.Millisecond, "no audit line")
}
