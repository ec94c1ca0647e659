package bot_test

import (
	"context"
	"encoding/json"
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

// These tests drive the whole bot over the real slack-go client and the
// fake Slack's websocket: what the transport does (acks, redeliveries,
// reconnects, the Web API client's retries, the drain). What the pipeline
// decides is tested without a websocket, in the package's own tests.

func TestEndToEndStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	ack, _ := h.send(slacktest.SlashCommand{Text: "stop 10001 -- leaked test stream", EnvelopeID: "env-stop"})
	text, _ := ack.Text()
	require.Empty(t, text, "an accepted stop is acked without a private reply")
	rec := h.waitRecord("env-stop")
	require.Equal(t, bot.Allowed, rec.Decision)
	require.Equal(t, bot.Verified, rec.Channels[0].Check.Verdict)

	parent, thread := h.parentWithReplies(2)
	require.Regexp(t, "^🛑 <@U0RESP> is stopping Polyv channel "+maybeNamed(10001)+"\nReason: leaked test stream$", parent.Text)
	require.Regexp(t, "^✅ Polyv channel "+maybeNamed(10001)+": stopped", thread[0].Text)
	require.Equal(t, parent.TS, thread[0].ThreadTS)
	require.Regexp(t, "^🔎 Polyv channel "+maybeNamed(10001)+": verified, no longer live", thread[1].Text)
	require.Equal(t, "https://test.slack.com/archives/C0OPS/p"+strings.Replace(parent.TS, ".", "", 1), rec.Thread)
	for _, m := range h.slack.Messages() {
		require.Empty(t, m.Params.Get("link_names"))
		require.NotEqual(t, "full", m.Params.Get("parse"))
	}
	require.NoError(t, h.stopBot())
	require.NotContains(t, h.logs.String(), testAppSecret)
}

func TestAckAnswersWhatNeedsNoWork(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.WhoMayStop, c.VerifyStop = "users U0RESP", false }})
	cases := []struct {
		name, command, text string
		want                []string
		decision            bot.Decision
	}{
		{"empty means help", "/polyv-ops", "", []string{"/polyv-ops stop", "/polyv-ops status", "Who may stop streams: users U0RESP."}, bot.Helped},
		{"help", "/polyv-ops", "help", []string{"/polyv-ops stop"}, bot.Helped},
		{"HELP", "/polyv", "HELP", []string{"/polyv stop"}, bot.Helped},
		{"bad input", "/polyv", "stop 1O001", []string{"`1O001` is not a Polyv channel id", "Usage: `/polyv stop"}, bot.Invalid},
		{"an ambiguous stop", "/polyv", "stop 10008 2 viewers reported it", []string{
			"ℹ️ Read as: stop Polyv channels 10008, 2, with the reason “viewers reported it”. If 2 belongs to the reason, put `--` before it: `/polyv stop 10008 -- 2 viewers reported it`"}, bot.Allowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := "env-ack-" + tc.name
			ack, _ := h.send(slacktest.SlashCommand{Command: tc.command, Text: tc.text, EnvelopeID: env})
			msg, kind := ack.Text()
			require.Equal(t, "ephemeral", kind)
			for _, w := range tc.want {
				require.Contains(t, msg, w)
			}
			require.Equal(t, tc.decision, h.waitRecord(env).Decision)
		})
	}
	require.NoError(t, h.stopBot())
	require.Equal(t, 1, h.polyv.StopCalls(10008), "the ambiguous stop ran")
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1, "nothing else reached the channel")
}

func TestDuplicateEnvelopeIsAnsweredAgainButRunOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	for _, text := range []string{"stop 10001", "stop 1O001", "help"} {
		env := "env-dup-" + text
		first, _ := h.send(slacktest.SlashCommand{Text: text, EnvelopeID: env})
		again, _ := h.send(slacktest.SlashCommand{Text: text, EnvelopeID: env})
		want, _ := first.Text()
		got, _ := again.Text()
		require.Equal(t, want, got, "%q: a redelivery gets the same instant answer", text)
	}
	require.NoError(t, h.stopBot(), "the drain waits for everything accepted")
	require.Equal(t, 1, h.stopCalls())
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.records, 3, "one record per command, none for the redeliveries")
}

func TestSlackPostFailures(t *testing.T) {
	t.Parallel()
	t.Run("a 429 is retried", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{cfg: noVerify})
		h.slack.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: 429, RetryAfter: "1", Error: "ratelimited"})
		h.send(slacktest.SlashCommand{Text: "stop 10001"})
		_, thread := h.parentWithReplies(1)
		require.Contains(t, thread[0].Text, "✅")
		require.Equal(t, 3, h.slack.Calls("chat.postMessage"), "the refused post, its retry, the thread reply")
	})
	// slack-go would retry a post that answered 5xx; when a proxy had in
	// fact delivered it, the channel got two parents, one stuck at "is
	// stopping". A post is never retried after a 5xx: the outcome reaches
	// the requester through response_url instead.
	t.Run("a 502 after the post was delivered", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{cfg: noVerify})
		h.slack.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: 502, Delivered: true, Channel: opsChannel})
		_, url := h.send(slacktest.SlashCommand{Text: "stop 10001 -- leak", EnvelopeID: "env-502"})
		h.waitRecord("env-502")
		require.NoError(t, h.stopBot())
		require.Len(t, h.slack.ChannelMessages(opsChannel), 1, "the parent was posted once")
		out := h.privateTo(url)
		require.Len(t, out, 1)
		require.Equal(t, "in_channel", out[0].ResponseType)
		require.Regexp(t, "^✅ 1 stopped — <@U0RESP> asked to stop Polyv channel "+maybeNamed(10001)+"\nReason: leak\n"+
			"✅ Polyv channel "+maybeNamed(10001)+`: stopped \(Polyv answered in `, out[0].Text)
		require.Equal(t, 1, h.stopCalls())
	})
}

func TestReconnectAfterDisconnect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	h.slack.Disconnect("refresh_requested")
	h.waitFor("a second socket", func(s *slacktest.Server) bool { return s.SocketsOpened() >= 2 && s.Connected() })
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.parentWithReplies(1)
	ready, _ := h.bot.Ready()
	require.True(t, ready)
}

func TestShutdownFinishesTheCommandInFlight(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
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
	ack, _ := h.send(slacktest.SlashCommand{Text: "stop 10003", EnvelopeID: "env-busy"})
	text, kind := ack.Text()
	require.Equal(t, "ephemeral", kind)
	require.Contains(t, text, "busy")
	require.Equal(t, bot.Busy, h.waitRecord("env-busy").Decision)
	require.NoError(t, h.stopBot())
	require.Len(t, h.slack.ChannelMessages(opsChannel), 2)
	require.Zero(t, h.polyv.StopCalls(10003))
}

func TestRejectedAppTokenIsFatal(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	defer srv.Close()
	sc := slackclient.New(slackclient.Options{BotToken: srv.BotToken(), AppToken: "xapp-1-wrong-token", APIURL: srv.APIURL()})
	policy, err := auth.NewPolicy(auth.Rules{Users: []string{responder}}, nil)
	require.NoError(t, err)
	b, err := bot.New(bot.Config{Slack: sc, Socket: sc.Socket(0), Polyv: polyv.NewClient("a", "b"), StopPolicy: policy,
		Users: auth.NewUserLimiter(10, 5), StatusUsers: auth.NewUserLimiter(10, 5)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx)
	var fatal *slackclient.FatalError
	require.True(t, errors.As(err, &fatal), "got %v", err)
	require.Equal(t, "invalid_auth", fatal.SlackError)
	require.Contains(t, err.Error(), "SLACK_APP_TOKEN")
	require.NotContains(t, err.Error(), "wrong-token", "the token is never printed")
}

// A click travels as an interactive envelope: acked at once, and only the
// prompt's two buttons can run a stop.
func TestConfirmationClickOverTheSocket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) { c.ConfirmStop, c.VerifyStop = true, false }})
	ack, url := h.send(slacktest.SlashCommand{Text: "stop 10001 -- bad stream"})
	text, _ := ack.Text()
	require.Empty(t, text, "the prompt comes through response_url")
	p := h.waitPrivate(url)
	btns := buttons(t, p)
	require.Len(t, btns, 2)
	require.Zero(t, h.stopCalls(), "no stop goes to Polyv before the click")

	h.click(responder, url, "polyv_stop_other", btns[0])
	h.click(responder, url, bot.ActionConfirm, btns[0])
	_, thread := h.parentWithReplies(1)
	require.Regexp(t, "^✅ Polyv channel "+maybeNamed(10001)+": stopped", thread[0].Text)
	require.NoError(t, h.stopBot())
	require.Equal(t, 1, h.stopCalls(), "the other action ran nothing; the confirm ran once")
}

// button is a Block Kit button as the bot posted it, with the block_id of
// its actions block.
type button struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	BlockID  string `json:"-"`
}

// buttons returns the buttons of the prompt's actions block.
func buttons(t *testing.T, p slacktest.ResponsePost) []button {
	t.Helper()
	var blocks []struct {
		Type     string   `json:"type"`
		BlockID  string   `json:"block_id"`
		Elements []button `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(p.Blocks, &blocks), "prompt blocks: %s", p.Blocks)
	var out []button
	for _, b := range blocks {
		if b.Type == "actions" {
			for _, el := range b.Elements {
				el.BlockID = b.BlockID
				out = append(out, el)
			}
		}
	}
	return out
}

// click sends a block_actions payload shaped like Slack's for a click with
// actionID on btn's block in the prompt posted through responseURL, and
// waits for the ack.
func (h *harness) click(user, responseURL, actionID string, btn button) {
	h.t.Helper()
	payload := map[string]any{
		"type":         "block_actions",
		"api_app_id":   "A0TEST",
		"token":        "fake-verification-token",
		"trigger_id":   "1.trigger.click",
		"team":         map[string]any{"id": "T0TEST", "domain": "test"},
		"user":         map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": "T0TEST"},
		"channel":      map[string]any{"id": opsChannel, "name": "ops"},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000001", "channel_id": opsChannel, "is_ephemeral": true},
		"response_url": responseURL,
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": btn.BlockID, "value": btn.Value, "type": "button",
			"text": map[string]any{"type": "plain_text", "text": "Stop stream"}, "action_ts": "1700000001.000002",
		}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, err := h.slack.SendInteractive(ctx, payload)
	require.NoError(h.t, err)
	ack, err := h.slack.WaitAck(ctx, env)
	require.NoError(h.t, err)
	require.Empty(h.t, ack.Payload, "interactive envelopes are acked at once, without a payload")
}

// TestEndToEndHostileName: a channel whose Polyv name is a mention, over the
// real Socket Mode transport and Web API client: status tells its story,
// and every message Slack gets shows the name escaped, mentioning nobody.
func TestEndToEndHostileName(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	h.polyv.SetName(10001, "<!channel> pwn", "<@U0ADMIN>")
	h.polyv.SetViewers(10001, 42)
	_, url := h.send(slacktest.SlashCommand{Text: "status 10001"})
	require.Equal(t, "• Polyv channel 10001 «&lt;!channel&gt; pwn»: live (streaming now) · 42 watching now · host &lt;@U0ADMIN&gt; · pulled by Polyv from a source",
		h.waitPrivate(url).Text)

	// The status put the name in the cache: the stop's messages all have it.
	h.send(slacktest.SlashCommand{Text: "stop 10001 -- leak", EnvelopeID: "env-hostile"})
	h.waitRecord("env-hostile")
	parent, thread := h.parentWithReplies(1)
	require.Equal(t, "🛑 <@U0RESP> is stopping Polyv channel 10001 «&lt;!channel&gt; pwn»\nReason: leak", parent.Text)
	require.Regexp(t, `^✅ Polyv channel 10001 «&lt;!channel&gt; pwn»: stopped \(Polyv answered in `, thread[0].Text)
	require.NoError(t, h.stopBot())
	for _, m := range h.slack.Messages() {
		for _, text := range append([]string{m.Text}, m.Updates...) {
			require.NotContains(t, text, "<!channel>")
			require.NotContains(t, text, "<@U0ADMIN>")
		}
	}
	require.Equal(t, 1, h.stopCalls())
}
