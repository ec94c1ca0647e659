package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestMultiHappyPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	ack, _ := h.send(slacktest.SlashCommand{Text: "stop 10001 10002 10003 -- leaked test streams"})
	text, _ := ack.Text()
	require.Empty(t, text)

	parent, thread := h.parentWithReplies(6)
	require.Contains(t, parent.Text, "Polyv channels 10001, 10002, 10003")
	require.Contains(t, parent.Text, "leaked test streams")
	require.Contains(t, parent.Latest(), "✅ 3 stopped")
	require.NotContains(t, parent.Latest(), "failed")
	for _, id := range []int64{10001, 10002, 10003} {
		require.Equal(t, 1, h.polyv.StopCalls(id))
		require.Equal(t, 1, countLines(thread, fmt.Sprintf("✅ Polyv channel %d: stopped", id)), id)
		require.Equal(t, 1, countLines(thread, fmt.Sprintf("🔎 Polyv channel %d: verified, no longer live", id)), id)
	}
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1, "one parent for all channels")
}

func TestMultiMixed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.polyv.Script(10002, polyvtest.ChannelNotFound())
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002 10003 -- leaked test streams"})

	parent, thread := h.parentWithReplies(5)
	t.Logf("TRANSCRIPT\nparent (posted): %s\nparent (final):  %s", parent.Text, parent.Latest())
	for i, m := range thread {
		t.Logf("thread[%d]: %s", i, m.Text)
	}
	require.Contains(t, parent.Latest(), "✅ 2 stopped, ❌ 1 failed")
	require.Contains(t, parent.Latest(), "10001, 10002, 10003")
	require.Equal(t, 1, countLines(thread, "❌ Polyv channel 10002: Polyv says this channel does not exist"))
	require.Zero(t, countLines(thread, "Polyv channel 10002: verified"), "a failed stop is not verified")
	for _, id := range []int64{10001, 10003} {
		require.Equal(t, 1, countLines(thread, fmt.Sprintf("✅ Polyv channel %d: stopped", id)), id)
		require.Equal(t, 1, countLines(thread, fmt.Sprintf("🔎 Polyv channel %d: verified, no longer live (ended)", id)), id)
	}
	require.Len(t, thread, 5)
	for _, c := range h.polyv.Calls() {
		if strings.HasSuffix(c.Path, "live-status/list") {
			require.NotContains(t, c.ChannelIDs, int64(10002), "only accepted stops are verified")
		}
	}
}

func TestMultiDuplicatesCollapsed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.send(slacktest.SlashCommand{Text: "stop 10001 10001,10002 10001 10002 why"})
	parent, thread := h.parentWithReplies(4)
	require.Contains(t, parent.Text, "Polyv channels 10001, 10002\n")
	require.Equal(t, 1, h.polyv.StopCalls(10001))
	require.Equal(t, 1, h.polyv.StopCalls(10002))
	require.Equal(t, 2, h.stopCalls())
	require.Contains(t, parent.Latest(), "✅ 2 stopped")
	require.Len(t, thread, 4)
}

func TestMultiLimits(t *testing.T) {
	t.Parallel()
	ids := func(n int) string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprint(10001+i))
		}
		return strings.Join(s, " ")
	}
	cases := []struct {
		name, text, want string
	}{
		{"21 ids", "stop " + ids(21), "at most 20"},
		{"21 ids with commas", "stop " + strings.ReplaceAll(ids(21), " ", ","), "at most 20"},
		{"one bad id among good ones", "stop 10001 1O002 10003", "`1O002` is not a Polyv channel id"},
		{"bad id last", "stop 10001 10002 -3", "`-3` is not a Polyv channel id"},
		{"21 ids for status", "status " + ids(21), "at most 20"},
	}
	h := newHarness(t, harnessOpts{})
	for _, tc := range cases {
		ack, _ := h.send(slacktest.SlashCommand{Text: tc.text})
		msg, kind := ack.Text()
		require.Equal(t, "ephemeral", kind, tc.name)
		require.Contains(t, msg, tc.want, tc.name)
		require.Contains(t, msg, "Usage:", tc.name)
	}
	require.Empty(t, h.polyv.Calls(), "a refused command makes no Polyv call at all")
	require.Empty(t, h.slack.Messages())
}

func TestMultiTwentyIDsAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprint(20001+i))
	}
	h.send(slacktest.SlashCommand{Text: "stop " + strings.Join(ids, " ")})
	parent, thread := h.parentWithReplies(20)
	require.Contains(t, parent.Latest(), "✅ 20 stopped")
	require.Equal(t, 20, h.stopCalls())
	require.Len(t, thread, 20)
}

func TestMultiPerUserBucketPerChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{userPerMin: 0.001, userBurst: 2, cfg: noVerify})
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002 10003"})
	parent, thread := h.parentWithReplies(3)
	require.Equal(t, 2, h.stopCalls(), "each channel takes a token; the third is refused")
	require.Zero(t, h.polyv.StopCalls(10003))
	require.Equal(t, 1, countLines(thread, "⏳ Polyv channel 10003: not sent, your per-user limit"))
	require.Contains(t, parent.Latest(), "✅ 2 stopped, ⏳ 1 rate-limited")

	_, url := h.send(slacktest.SlashCommand{Text: "stop 10004"})
	require.Contains(t, h.waitPrivate(url).Text, "You have used your stop budget")
	require.Zero(t, h.polyv.StopCalls(10004))
}

func TestMultiGlobalBucketPerChannel(t *testing.T) {
	t.Parallel()
	// One token, refilling once a minute, and no waiting: the second and
	// third channel are refused by the bot's own Polyv budget.
	h := newHarness(t, harnessOpts{globalPerMin: 1, globalBurst: 1, maxWait: 1, cfg: noVerify})
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002 10003"})
	parent, thread := h.parentWithReplies(3)
	require.Equal(t, 1, h.stopCalls())
	require.Equal(t, 2, countLines(thread, "RATE_LIMIT_PER_MINUTE"))
	require.Contains(t, parent.Latest(), "✅ 1 stopped, ⏳ 2 rate-limited")
}

func TestMultiInFlightGuardPerChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{polyvTimeout: time.Second, cfg: noVerify, rules: auth.Rules{Users: []string{responder, "U0SECOND"}}})
	h.polyv.Script(10001, polyvtest.Hang())
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.polyv.WaitCalls(ctx, 1))

	// 10001 hangs in the first command until POLYV_TIMEOUT: the second
	// command stops 10002 only and points at the first thread for 10001.
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002", UserID: "U0SECOND"})
	h.waitFor("both outcomes", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 2 && len(ms[0].Updates) > 0 && len(ms[1].Updates) > 0
	})
	ms := h.slack.ChannelMessages(opsChannel)
	first, second := ms[0], ms[1]
	require.Contains(t, first.Latest(), "❌ 1 failed")
	require.Contains(t, second.Latest(), "✅ 1 stopped, ⏳ 1 already in progress")
	thread := h.slack.Thread(opsChannel, second.TS)
	require.Equal(t, 1, countLines(thread, "⏳ Polyv channel 10001: already being stopped by <@"+responder+">"))
	require.Equal(t, 1, countLines(thread, "(<https://test.slack.com/archives/C0OPS/p"), "the busy line links the first thread")
	require.Equal(t, 1, h.polyv.StopCalls(10001), "the busy channel is not called again")
	require.Equal(t, 1, h.polyv.StopCalls(10002))
}

func TestMultiWithoutThreadFitsResponseURLLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.slack.SetNotInChannel(opsChannel)
	h.polyv.Script(10002, polyvtest.ChannelNotFound())
	h.polyv.KeepLive(10003)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001 10002 10003 10004"})
	h.waitFor("parent, outcomes and verification", func(*slacktest.Server) bool { return len(h.privateTo(url)) >= 3 })
	h.waitAudit()
	posts := h.privateTo(url)
	require.Len(t, posts, 3, "Slack takes five posts per response_url: outcomes and checks are batched")
	for _, p := range posts {
		require.Equal(t, "in_channel", p.ResponseType)
	}
	require.Contains(t, posts[0].Text, "is stopping Polyv channels 10001, 10002, 10003, 10004")
	outcomes := strings.Split(posts[1].Text, "\n")
	require.Equal(t, "✅ 3 stopped, ❌ 1 failed", outcomes[0], "the summary heads the outcomes")
	require.Len(t, outcomes, 5)
	checks := strings.Split(posts[2].Text, "\n")
	require.Equal(t, "⚠️ ✅ 3 stopped, ❌ 1 failed, still live: 10003", checks[0])
	require.Len(t, checks, 4)
	require.Contains(t, posts[2].Text, "🔎 Polyv channel 10001: verified")
	require.Contains(t, posts[2].Text, "🔎 Polyv channel 10004: verified")
	require.Contains(t, posts[2].Text, "⚠️ Polyv channel 10003: Polyv accepted the stop, but the channel still reports live")
	require.NotContains(t, h.logs.String(), "outcome not posted")
}

// countLines counts the thread messages that contain want.
func countLines(thread []slacktest.Message, want string) int {
	return len(slices.DeleteFunc(slices.Clone(thread), func(m slacktest.Message) bool { return !strings.Contains(m.Text, want) }))
}
