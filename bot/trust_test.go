package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// The stop goes to Polyv as soon as the command is authorized and
// throttled: a slow, hanging or rate-limiting Slack delays what the channel
// sees, never the stop itself.
func TestStopDoesNotWaitForSlack(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		failure slacktest.Failure
		audit   bool
	}{
		{"chat.postMessage hangs", slacktest.Failure{Delay: 4 * time.Second, Channel: opsChannel}, false},
		{"chat.postMessage hangs and AUDIT_CHANNEL is set", slacktest.Failure{Delay: 4 * time.Second}, true},
		{"chat.postMessage answers 429 with Retry-After: 120", slacktest.Failure{HTTPStatus: 429, RetryAfter: "120", Channel: opsChannel}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) {
				c.VerifyStop = false
				if tc.audit {
					c.AuditChannel = "C0AUDIT"
				}
			}})
			h.slack.FailAlways("chat.postMessage", tc.failure)
			h.send(slacktest.SlashCommand{Text: "stop 10001 leak"})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			require.NoError(t, h.polyv.WaitCalls(ctx, 1), "the stop waited for Slack")
			require.Equal(t, 1, h.polyv.StopCalls(10001))
			h.slack.FailAlways("chat.postMessage", slacktest.Failure{})
		})
	}
}

// slack-go retries a post that answered 5xx; when a proxy had in fact
// delivered it, the channel got two parents, one stuck at "is stopping".
func TestParentIsPostedOnceWhenSlackAnswers502AfterPosting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.slack.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: 502, Delivered: true, Channel: opsChannel})
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001 leak"})
	h.waitFor("the outcome through response_url", func(*slacktest.Server) bool { return len(h.privateTo(url)) > 0 })
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1, "the parent was posted twice")
	out := h.privateTo(url)[0]
	require.Equal(t, "in_channel", out.ResponseType)
	require.Contains(t, out.Text, "<@"+responder+">")
	require.Contains(t, out.Text, "Reason: leak")
	require.Contains(t, out.Text, "✅ Polyv channel 10001: stopped")
	require.Equal(t, 1, h.stopCalls())
}

// When the parent cannot be posted, the outcome takes the next way that
// works: response_url (naming the requester and the reason as the parent
// would), then chat.postEphemeral, then a direct message.
func TestRequesterLearnsTheOutcomeWhateverFails(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		breakSlack func(*slacktest.Server)
		got        func(h *harness, responseURL string) string
	}{
		{"parent fails: response_url", func(s *slacktest.Server) {},
			func(h *harness, url string) string {
				for _, p := range h.privateTo(url) {
					if p.ResponseType == "in_channel" {
						return p.Text
					}
				}
				return ""
			}},
		{"parent and response_url fail: ephemeral", func(s *slacktest.Server) {
			s.FailAlways("response_url", slacktest.Failure{HTTPStatus: 404, Error: "expired_url"})
		}, func(h *harness, _ string) string {
			for _, e := range h.slack.Ephemerals() {
				if e.User == responder && e.Channel == opsChannel {
					return e.Text
				}
			}
			return ""
		}},
		{"parent, response_url and ephemeral fail: direct message", func(s *slacktest.Server) {
			s.FailAlways("response_url", slacktest.Failure{HTTPStatus: 410, Error: "expired_url"})
			s.FailAlways("chat.postEphemeral", slacktest.Failure{Error: "fatal_error"})
		}, func(h *harness, _ string) string {
			for _, m := range h.slack.ChannelMessages(responder) {
				return m.Text
			}
			return ""
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.VerifyStop = false }})
			h.slack.FailAlways("chat.postMessage", slacktest.Failure{Error: "fatal_error", Channel: opsChannel})
			tc.breakSlack(h.slack)
			_, url := h.send(slacktest.SlashCommand{Text: "stop 10001 leaked test stream"})
			var text string
			h.waitFor("the outcome", func(*slacktest.Server) bool { text = tc.got(h, url); return text != "" })
			require.Contains(t, text, "<@"+responder+">")
			require.Contains(t, text, "Reason: leaked test stream")
			require.Contains(t, text, "✅ Polyv channel 10001: stopped")
			require.Equal(t, 1, h.stopCalls())
			require.False(t, strings.Contains(text, "is stopping"), "the outcome, not the announcement")
		})
	}
}

// `stop 10001 2 viewers` stops 10001 and 2; the ack and the parent say so
// and how to write a reason that starts with a number, so nothing is
// stopped silently. With the marker, the number stays in the reason.
func TestAmbiguousReasonIsCalledOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	ack, _ := h.send(slacktest.SlashCommand{Text: "stop 10001 2 viewers reported it"})
	text, kind := ack.Text()
	require.Equal(t, "ephemeral", kind)
	require.Contains(t, text, "Read as: stop Polyv channels 10001, 2, with the reason “viewers reported it”")
	require.Contains(t, text, "`/polyv stop 10001 -- 2 viewers reported it`")
	parent, _ := h.parentWithReplies(2)
	require.Contains(t, parent.Text, "Read as channels 10001, 2; a reason that starts with a number goes after `--`")
	require.Equal(t, 1, h.polyv.StopCalls(2), "the ambiguous form still does what it says")

	ack, _ = h.send(slacktest.SlashCommand{Text: "stop 10003 -- 2 viewers reported it"})
	text, _ = ack.Text()
	require.Empty(t, text, "a marked reason needs no note")
	h.waitFor("the second parent", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 2 && len(ms[1].Updates) > 0
	})
	second := h.slack.ChannelMessages(opsChannel)[1]
	require.Contains(t, second.Text, "Reason: 2 viewers reported it")
	require.NotContains(t, second.Text, "Read as")
	require.Equal(t, 1, h.polyv.StopCalls(10003))
	require.Equal(t, 1, h.polyv.StopCalls(2), "channel 2 was stopped by the first command only")
}

// A stop is reported stopped only when Polyv says so in every field that
// carries it; a redirect is never followed.
func TestStopSuccessMustBeSaid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply polyvtest.Reply
		want  string
	}{
		{"code 200 with status error", polyvtest.Custom(200, `{"code":200,"status":"error","message":"stop failed","data":""}`),
			"❌ Polyv channel 10001: the bot cannot read Polyv's answer as a success"},
		{"redirect to another host", polyvtest.Redirect(302, "http://elsewhere.example/live/v3/channel/stream/stop-pull-stream"),
			"❌ Polyv channel 10001: nothing was sent to Polyv: its address answered with a redirect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{})
			h.polyv.Script(10001, tc.reply)
			h.send(slacktest.SlashCommand{Text: "stop 10001"})
			parent, thread := h.parentWithReplies(1)
			require.Contains(t, thread[0].Text, tc.want)
			require.Contains(t, parent.Latest(), "❌ 1 failed")
			h.waitAudit()
			require.Zero(t, countLines(h.slack.Thread(opsChannel, parent.TS), "✅"))
			require.Zero(t, countLines(h.slack.Thread(opsChannel, parent.TS), "🔎"))
			require.Zero(t, h.statusCalls(), "nothing to verify after a failed stop")
		})
	}
}

// Verification accepts only statuses documented to mean not live, in any
// letter case; anything else is unverified, never verified.
func TestVerifyReadsOnlyKnownStatuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status  polyv.LiveStatus
		line    string
		verdict string
	}{
		{"End", "🔎 Polyv channel 10001: verified, no longer live (ended)", `"verification":"verified"`},
		{"LIVE", "⚠️ Polyv channel 10001: Polyv accepted the stop, but the channel still reports live", `"verification":"still live: 10001"`},
		{"", "⚠️ Polyv channel 10001: Polyv accepted the stop, but reports its status as no status given", `"verification":"unverified: 10001"`},
		{"recording", "⚠️ Polyv channel 10001: Polyv accepted the stop, but reports its status as unknown status", `"verification":"unverified: 10001"`},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.status), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{})
			h.polyv.KeepLive(10001)
			h.polyv.SetLiveStatus(10001, tc.status)
			h.send(slacktest.SlashCommand{Text: "stop 10001"})
			h.waitLog(tc.verdict)
			parent := h.slack.ChannelMessages(opsChannel)[0]
			thread := h.slack.Thread(opsChannel, parent.TS)
			require.Equal(t, 1, countLines(thread, tc.line), "thread: %v", thread)
			if tc.verdict != `"verification":"verified"` {
				require.Zero(t, countLines(thread, "verified, no longer live"))
				require.True(t, strings.HasPrefix(parent.Latest(), "⚠️"))
			}
		})
	}
}

// Polyv (or a proxy) echoing the appSecret must not put it in the thread,
// the parent or the logs.
func TestEchoedSecretNeverReachesSlackOrLogs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.AuditChannel = "C0AUDIT" }})
	h.polyv.Script(10001, polyvtest.Custom(400, `{"code":400,"status":"error","message":"sign mismatch for secret `+testAppSecret+`"}`))
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	_, thread := h.parentWithReplies(1)
	require.Contains(t, thread[0].Text, "[redacted]")
	h.waitAudit()
	for _, m := range h.slack.Messages() {
		require.NotContains(t, m.Latest(), testAppSecret)
		require.NotContains(t, m.Text, testAppSecret)
	}
	require.NotContains(t, h.logs.String(), testAppSecret)
}
