package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/fakeclock"
)

const intruder = "U0OTHER"

func TestConfirmPromptAsksBeforeCallingPolyv(t *testing.T) {
	t.Parallel()
	h, _ := newConfirmHarness(t)
	ack, url := h.send(slacktest.SlashCommand{Text: "stop 10001 10002 -- leaked <!here> stream"})
	text, _ := ack.Text()
	require.Empty(t, text)
	p := h.waitPrivate(url)
	require.Equal(t, "ephemeral", p.ResponseType)
	require.Contains(t, p.Text, "Stop the pull stream of Polyv channels 10001, 10002?")
	require.Contains(t, p.Text, "Reason: leaked &lt;!here&gt; stream")
	require.Contains(t, p.Text, "expires in 2 minutes.")

	btns := buttons(t, p)
	require.Len(t, btns, 2)
	stop, cancel := btns[0], btns[1]
	require.Equal(t, bot.ActionConfirm, stop.ActionID)
	require.Equal(t, "Stop stream", stop.Text.Text)
	require.Equal(t, "danger", stop.Style)
	require.NotNil(t, stop.Confirm, "the stop button asks Slack for a confirm dialog")
	require.Contains(t, stop.Confirm.Text.Text, "10001, 10002")
	require.Equal(t, bot.ActionCancel, cancel.ActionID)
	require.Equal(t, "Cancel", cancel.Text.Text)
	require.Empty(t, cancel.Style)
	require.Equal(t, stop.Value, cancel.Value, "both buttons carry the prompt's token")
	require.NotEmpty(t, stop.Value)

	h.waitAudit()
	require.Empty(t, h.polyv.Calls(), "nothing goes to Polyv before the click")
	require.Empty(t, h.slack.Messages())
}

func TestConfirmClicked(t *testing.T) {
	t.Parallel()
	h, _ := newConfirmHarness(t)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001 bad stream"})
	token := buttons(t, h.waitPrivate(url))[0].Value

	h.click(responder, url, bot.ActionConfirm, token)
	parent, thread := h.parentWithReplies(2)
	require.Contains(t, parent.Text, "<@"+responder+"> is stopping Polyv channel 10001")
	require.Contains(t, parent.Text, "Reason: bad stream")
	require.Contains(t, thread[0].Text, "✅ Polyv channel 10001: stopped")
	require.Contains(t, thread[1].Text, "🔎 Polyv channel 10001: verified")
	require.Contains(t, parent.Latest(), "✅ 1 stopped")
	require.Equal(t, 1, h.stopCalls())
	replaced := h.replacements(url)
	require.Len(t, replaced, 1)
	require.Contains(t, replaced[0].Text, "Confirmed: stopping Polyv channel 10001")
}

func TestConfirmCancelled(t *testing.T) {
	t.Parallel()
	h, _ := newConfirmHarness(t)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	token := buttons(t, h.waitPrivate(url))[0].Value

	h.click(responder, url, bot.ActionCancel, token)
	h.waitFor("cancel answer", func(*slacktest.Server) bool { return len(h.replacements(url)) == 1 })
	require.Equal(t, "Cancelled: nothing was sent to Polyv.", h.replacements(url)[0].Text)

	// The prompt is used up: a late "Stop stream" click does nothing.
	h.click(responder, url, bot.ActionConfirm, token)
	h.waitLog("click on a used or unknown prompt ignored")
	require.Zero(t, h.stopCalls())
	require.Empty(t, h.slack.Messages())
	require.Len(t, h.replacements(url), 1)
}

func TestConfirmExpired(t *testing.T) {
	t.Parallel()
	h, clock := newConfirmHarness(t)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	token := buttons(t, h.waitPrivate(url))[0].Value

	clock.Advance(2*time.Minute + time.Second)
	h.click(responder, url, bot.ActionConfirm, token)
	h.waitFor("expiry answer", func(*slacktest.Server) bool { return len(h.replacements(url)) == 1 })
	require.Contains(t, h.replacements(url)[0].Text, "⌛ This confirmation expired after 2 minutes; nothing was sent to Polyv")
	require.Zero(t, h.stopCalls())
	require.Empty(t, h.slack.Messages())
}

func TestConfirmStillValidJustBeforeExpiry(t *testing.T) {
	t.Parallel()
	h, clock := newConfirmHarness(t)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	token := buttons(t, h.waitPrivate(url))[0].Value

	clock.Advance(2*time.Minute - time.Second)
	h.click(responder, url, bot.ActionConfirm, token)
	h.parentWithReplies(1)
	require.Equal(t, 1, h.stopCalls())
}

func TestConfirmClickedBySomeoneElse(t *testing.T) {
	t.Parallel()
	h, _ := newConfirmHarness(t)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	token := buttons(t, h.waitPrivate(url))[0].Value

	for _, action := range []string{bot.ActionConfirm, bot.ActionCancel} {
		h.click(intruder, url, action, token)
	}
	h.waitFor("two 'not yours' answers", func(s *slacktest.Server) bool { return len(s.Ephemerals()) == 2 })
	for _, e := range h.slack.Ephemerals() {
		require.Equal(t, intruder, e.User)
		require.Equal(t, opsChannel, e.Channel)
		require.Contains(t, e.Text, "This confirmation is not yours")
	}
	require.Zero(t, h.stopCalls())
	require.Empty(t, h.replacements(url), "the requester's prompt is left alone")

	// The prompt is still the requester's to confirm.
	h.click(responder, url, bot.ActionConfirm, token)
	h.parentWithReplies(1)
	require.Equal(t, 1, h.stopCalls())
}

func TestConfirmClickedTwice(t *testing.T) {
	t.Parallel()
	h, _ := newConfirmHarness(t)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	token := buttons(t, h.waitPrivate(url))[0].Value

	h.click(responder, url, bot.ActionConfirm, token)
	h.click(responder, url, bot.ActionConfirm, token)
	h.parentWithReplies(2)
	h.waitLog("click on a used or unknown prompt ignored")
	require.Equal(t, 1, h.polyv.StopCalls(10001), "exactly one Polyv call")
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1)
	require.Len(t, h.replacements(url), 1)
}

func TestConfirmIgnoresOtherActions(t *testing.T) {
	t.Parallel()
	h, _ := newConfirmHarness(t)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001"})
	token := buttons(t, h.waitPrivate(url))[0].Value

	// Acked, but an action id that is not one of the two buttons never stops.
	h.click(responder, url, "polyv_stop_other", token)
	h.click(responder, url, bot.ActionCancel, token)
	h.waitFor("cancel answer", func(*slacktest.Server) bool { return len(h.replacements(url)) == 1 })
	require.Zero(t, h.stopCalls())
	require.Contains(t, h.replacements(url)[0].Text, "Cancelled")
}

func TestConfirmPromptFallsBackToEphemeral(t *testing.T) {
	t.Parallel()
	h, _ := newConfirmHarness(t)
	h.slack.FailAlways("response_url", slacktest.Failure{HTTPStatus: 404, Error: "expired_url"})
	h.send(slacktest.SlashCommand{Text: "stop 10001"})
	h.waitFor("ephemeral prompt", func(s *slacktest.Server) bool { return len(s.Ephemerals()) == 1 })
	e := h.slack.Ephemerals()[0]
	require.Equal(t, responder, e.User)
	require.Contains(t, e.Text, "Stop the pull stream of Polyv channel 10001?")
	btns := buttons(t, slacktest.ResponsePost{Blocks: e.Blocks})
	require.Len(t, btns, 2)
	require.Equal(t, bot.ActionConfirm, btns[0].ActionID)
	require.Zero(t, h.stopCalls())
}

func newConfirmHarness(t *testing.T) (*harness, *fakeclock.Clock) {
	clock := fakeclock.New(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))
	clock.SetAuto(true) // verification's waits pass at once
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) {
		c.ConfirmStop = true
		c.Clock = clock
	}})
	return h, clock
}

// button is a Block Kit button as the bot posted it.
type button struct {
	Type     string `json:"type"`
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Style    string `json:"style"`
	Text     struct {
		Text string `json:"text"`
	} `json:"text"`
	Confirm *struct {
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
	} `json:"confirm"`
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
			out = append(out, b.Elements...)
		}
	}
	return out
}

// click sends a block_actions payload shaped like Slack's for a click on the
// prompt posted through responseURL, and waits for the ack.
func (h *harness) click(user, responseURL, actionID, token string) {
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
			"action_id": actionID, "block_id": "polyv_stop_" + token, "value": token, "type": "button",
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

// replacements are the posts that rewrote the prompt at responseURL.
func (h *harness) replacements(responseURL string) []slacktest.ResponsePost {
	var out []slacktest.ResponsePost
	for _, p := range h.privateTo(responseURL) {
		if p.ReplaceOriginal {
			out = append(out, p)
		}
	}
	return out
}

func (h *harness) waitLog(msg string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool { return strings.Contains(h.logs.String(), msg) },
		10*time.Second, 5*time.Millisecond, "no log %q", msg)
}
