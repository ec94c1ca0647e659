package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestHelpUsesTheCommandNameFromThePayload(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.WhoMayStop = "users U0RESP" }})
	for _, text := range []string{"", "help", "HELP"} {
		ack, _ := h.send(slacktest.SlashCommand{Command: "/polyv-ops", Text: text})
		msg, kind := ack.Text()
		require.Equal(t, "ephemeral", kind)
		require.Contains(t, msg, "/polyv-ops stop")
		require.Contains(t, msg, "/polyv-ops status")
		require.Contains(t, msg, "Who may stop streams: users U0RESP.")
	}
	require.Empty(t, h.slack.Messages())
	h.waitLog(`"decision":"help","outcome":"help"`)
}

func TestStopByUserGroupMember(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{rules: auth.Rules{Groups: []string{"S0ONCALL"}}})
	h.slack.SetUserGroup("S0ONCALL", "oncall", "U0GROUPIE")
	h.send(slacktest.SlashCommand{Text: "stop 10001", UserID: "U0GROUPIE"})
	parent, thread := h.parentWithReplies(1)
	require.Contains(t, parent.Text, "<@U0GROUPIE>")
	require.Contains(t, thread[0].Text, "✅")
}

func TestStopFailsClosedWhenGroupLookupFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{rules: auth.Rules{Groups: []string{"S0ONCALL"}}})
	h.slack.SetUserGroupError("S0ONCALL", "missing_scope")
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001", UserID: "U0GROUPIE"})
	p := h.waitPrivate(url)
	require.Contains(t, p.Text, "could not be verified")
	require.Contains(t, p.Text, "usergroups:read")
	require.Zero(t, h.stopCalls())
	require.Empty(t, h.slack.ChannelMessages(opsChannel))
}

func TestStopDeniedOutsideAllowedChannels(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{rules: auth.Rules{Users: []string{responder}, Channels: []string{"C0INCIDENT"}}})
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	p := h.waitPrivate(url)
	require.Contains(t, p.Text, "<#C0INCIDENT>")
	require.Zero(t, h.stopCalls())
}

func TestStopPerUserRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{userPerMin: 1, userBurst: 1, cfg: func(c *bot.Config) { c.AuditChannel = "C0AUDIT" }})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.parentWithReplies(1)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10002"})
	p := h.waitPrivate(url)
	require.Contains(t, p.Text, "USER_RATE_LIMIT_PER_MINUTE")
	require.Contains(t, p.Text, "Try again in")
	require.Equal(t, 1, h.stopCalls())
	h.waitFor("audit line for the refusal", func(s *slacktest.Server) bool {
		for _, m := range s.ChannelMessages("C0AUDIT") {
			if strings.Contains(m.Text, "<@"+responder+"> asked for `stop` of Polyv channel 10002 in <#C0OPS>: not sent: the requester's budget (USER_RATE_LIMIT_PER_MINUTE) is used up") {
				return true
			}
		}
		return false
	})
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1)
}

func TestStopGlobalBucketReportsRateLimitedInsteadOfHanging(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{globalPerMin: 1, globalBurst: 1, maxWait: 50 * time.Millisecond,
		cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.parentWithReplies(1)
	h.send(slacktest.SlashCommand{Text: "stop 10002"})
	h.waitFor("second thread", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 2 && len(s.Thread(opsChannel, ms[1].TS)) == 1
	})
	second := h.slack.ChannelMessages(opsChannel)[1]
	line := h.slack.Thread(opsChannel, second.TS)[0].Text
	require.Contains(t, line, "RATE_LIMIT_PER_MINUTE")
	require.Contains(t, line, "retry in")
	require.Equal(t, 1, h.stopCalls(), "the global bucket let one call through")
}

func TestConcurrentStopOfTheSameChannelCallsPolyvOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{rules: auth.Rules{Users: []string{responder, "U0SECOND"}}})
	h.polyv.Script(10001, polyvtest.Slow(700*time.Millisecond))
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.waitFor("first parent", func(s *slacktest.Server) bool { return len(s.ChannelMessages(opsChannel)) == 1 })
	time.Sleep(50 * time.Millisecond) // the bot learns the parent's ts when chat.postMessage answers
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001", UserID: "U0SECOND"})
	p := h.waitPrivate(url)
	require.Contains(t, p.Text, "already being stopped by <@"+responder+">")
	require.Contains(t, p.Text, "|thread>")
	h.parentWithReplies(1)
	require.Equal(t, 1, h.stopCalls())
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1)
}

func TestDuplicateEnvelopeIsAckedAndIgnored(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.send(slacktest.SlashCommand{Text: "stop 10001", EnvelopeID: "env-dup-1"})
	h.send(slacktest.SlashCommand{Text: "stop 10001", EnvelopeID: "env-dup-1"})
	h.parentWithReplies(1)
	h.waitFor("both deliveries acked", func(s *slacktest.Server) bool { return len(s.Acks()) == 2 })
	time.Sleep(100 * time.Millisecond) // a second action would have posted by now
	require.Equal(t, 1, h.stopCalls())
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1)
}

func TestNotInChannelFallsBackToResponseURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.slack.SetNotInChannel(opsChannel)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.waitFor("parent and outcome via response_url", func(*slacktest.Server) bool { return len(h.privateTo(url)) >= 2 })
	posts := h.privateTo(url)
	require.Equal(t, "in_channel", posts[0].ResponseType)
	require.Contains(t, posts[0].Text, "is stopping Polyv channel 10001")
	require.Contains(t, posts[0].Text, "/invite")
	require.Equal(t, "in_channel", posts[1].ResponseType)
	require.Contains(t, posts[1].Text, "✅ Polyv channel 10001: stopped")
	require.Equal(t, 1, h.stopCalls())
}

func TestPostingRetriesOnSlack429(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.slack.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: 429, RetryAfter: "1", Error: "ratelimited"})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	_, thread := h.parentWithReplies(1)
	require.Contains(t, thread[0].Text, "✅")
	require.GreaterOrEqual(t, h.slack.Calls("chat.postMessage"), 3, "the refused post, its retry, the thread reply")
}

func TestReconnectAfterDisconnect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.slack.Disconnect("refresh_requested")
	h.waitFor("a second socket", func(s *slacktest.Server) bool { return s.SocketsOpened() >= 2 && s.Connected() })
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.parentWithReplies(1)
	ready, _ := h.bot.Ready()
	require.True(t, ready)
}

func TestShutdownFinishesTheCommandInFlight(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.polyv.Script(10001, polyvtest.Slow(600*time.Millisecond))
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.polyv.WaitCalls(ctx, 1))
	require.NoError(t, h.stopBot(), "a drained shutdown returns nil")
	parent := h.slack.ChannelMessages(opsChannel)[0]
	thread := h.slack.Thread(opsChannel, parent.TS)
	require.Len(t, thread, 1, "the outcome was posted before Run returned")
	require.Contains(t, thread[0].Text, "✅")
}

func TestFullQueueStillAcksWithBusy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.Workers, c.Queue, c.VerifyStop = 1, 1, false }})
	h.polyv.Script(10001, polyvtest.Slow(500*time.Millisecond))
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.polyv.WaitCalls(ctx, 1))
	h.send(slacktest.SlashCommand{Text: "stop 10002"}) // waits in the queue
	ack, _ := h.send(slacktest.SlashCommand{Text: "stop 10003"})
	text, kind := ack.Text()
	require.Equal(t, "ephemeral", kind)
	require.Contains(t, text, "busy")
	h.waitFor("two threads", func(s *slacktest.Server) bool { return len(s.ChannelMessages(opsChannel)) == 2 })
	require.Zero(t, h.polyv.StopCalls(10003))
}

func TestRejectedAppTokenIsFatal(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	defer srv.Close()
	sc := slackclient.New(slackclient.Options{BotToken: srv.BotToken(), AppToken: "xapp-1-wrong-token", APIURL: srv.APIURL()})
	policy, err := auth.NewPolicy(auth.Rules{Users: []string{responder}}, nil)
	require.NoError(t, err)
	b, err := bot.New(bot.Config{Slack: sc, Socket: sc.Socket(0), Polyv: polyv.NewClient("a", "b"), StopPolicy: policy, Users: auth.NewUserLimiter(10, 5), StatusUsers: auth.NewUserLimiter(10, 5)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx)
	var fatal *slackclient.FatalError
	require.True(t, errors.As(err, &fatal), "got %v", err)
	require.Equal(t, "invalid_auth", fatal.SlackError)
	require.Contains(t, err.Error(), "SLACK_APP_TOKEN")
	require.False(t, strings.Contains(err.Error(), "wrong-token"), "the token is never printed")
}

func TestAuditChannelGetsActionDenialAndOutcome(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.AuditChannel, c.VerifyStop = "C0AUDIT", false }})
	h.send(slacktest.SlashCommand{Text: "stop 10001 leak"})
	h.parentWithReplies(1)
	h.send(slacktest.SlashCommand{Text: "stop 10002", UserID: "U0STRANGER"})
	h.waitFor("three audit lines", func(s *slacktest.Server) bool { return len(s.ChannelMessages("C0AUDIT")) == 3 })
	// The denial may overtake the outcome line: only the action's own two
	// lines have an order.
	var lines []string
	for _, m := range h.slack.ChannelMessages("C0AUDIT") {
		lines = append(lines, m.Text)
	}
	joined := strings.Join(lines, "\n")
	require.Contains(t, joined, "<@"+responder+"> is stopping Polyv channel 10001 in <#"+opsChannel+">")
	require.Contains(t, joined, "|thread>")
	require.Contains(t, joined, "✅ 1 stopped")
	require.Contains(t, joined, "🚫 <@U0STRANGER> asked for `stop` of Polyv channel 10002 in <#C0OPS>: denied: not in the allowed users or groups")
	require.Less(t, strings.Index(joined, "is stopping"), strings.Index(joined, "✅ 1 stopped"))
}

func TestChannelAlreadyInProgressCostsNoUserToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{userPerMin: 1, userBurst: 3, cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.polyv.Script(10001, polyvtest.Slow(800*time.Millisecond))
	h.send(slacktest.SlashCommand{Text: "stop 10001"}) // token 1
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.polyv.WaitCalls(ctx, 1))
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002"}) // 10001 is busy: token 2 for 10002 only
	h.waitFor("10002 stopped", func(*slacktest.Server) bool { return h.polyv.StopCalls(10002) == 1 })
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10003"}) // token 3
	h.waitFor("10003 stopped", func(*slacktest.Server) bool { return h.polyv.StopCalls(10003) == 1 })
	require.Empty(t, h.privateTo(url), "no refusal for the third channel")
	require.Equal(t, 1, h.polyv.StopCalls(10001))
}

func TestParentNamesEveryChannelAskedFor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{userPerMin: 1, userBurst: 2, cfg: func(c *bot.Config) { c.VerifyStop = false }})
	h.send(slacktest.SlashCommand{Text: "stop 10001 10002 10003"})
	parent, thread := h.parentWithReplies(3)
	require.Contains(t, parent.Text, "Polyv channels 10001, 10002, 10003")
	require.Contains(t, parent.Latest(), "✅ 2 stopped, ⏳ 1 rate-limited")
	require.Contains(t, parent.Latest(), "10001, 10002, 10003")
	require.Equal(t, 1, countLines(thread, "⏳ Polyv channel 10003: not sent"))
	require.Zero(t, h.polyv.StopCalls(10003))
}
