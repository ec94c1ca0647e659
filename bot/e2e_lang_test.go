package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
)

// A bot with LANGUAGE=zh-CN over the real transport: a Chinese verb, the
// longest command in Chinese characters, and the prompt that confirms it
// stay within Block Kit's limits as the fake Slack counts them (characters,
// not bytes); text from outside forms no mention; the thread speaks Chinese.
func TestEndToEndChinesePrompt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: func(c *bot.Config) {
		c.Language, c.ConfirmStop, c.VerifyStop = bot.Chinese, true, false
	}})
	ids := make([]string, bot.MaxChannels)
	for i := range ids {
		ids[i] = fmt.Sprint(10001 + i)
	}
	reason := "<!here> " + strings.Repeat("直播画面泄露", (bot.MaxReasonRunes-8)/6)
	_, url := h.send(slacktest.SlashCommand{Text: "停止 " + strings.Join(ids, " ") + " -- " + reason, EnvelopeID: "env-zh"})
	p := h.waitPrivate(url)
	require.True(t, strings.HasPrefix(p.Text, "停止保利威频道 10001"), p.Text)
	require.NotContains(t, p.Text, "<!here>", "the reason forms no mention")
	require.Contains(t, p.Text, "&lt;!here&gt;")
	require.Empty(t, h.slack.Refusals(), "the prompt is within Block Kit's limits")
	btns := buttons(t, p)
	require.Len(t, btns, 2)
	require.Equal(t, bot.VerbStop, h.waitRecord("env-zh").Command.Verb, "audited under the English verb")

	h.click(responder, url, bot.ActionConfirm, btns[0])
	parent, thread := h.parentWithReplies(bot.MaxChannels)
	require.Contains(t, parent.Text, "<@U0RESP> 正在停止保利威频道 10001")
	require.NotContains(t, parent.Text, "<!here>", "the reason forms no mention")
	require.True(t, strings.HasPrefix(thread[0].Text, "✅ 保利威频道 10001 «polyvtest channel 10001»：已停止拉流（保利威 "), thread[0].Text)
	require.NoError(t, h.stopBot())
	require.Equal(t, bot.MaxChannels, h.stopCalls())
	require.Empty(t, h.slack.Refusals())
}

// The cut-off button a pushed stop offers, in Chinese, within Block Kit's
// limits.
func TestEndToEndChineseCutoffOffer(t *testing.T) {
	t.Parallel()
	o := withUserID()
	o.cfg = func(c *bot.Config) { c.CutoffAvailable, c.Language = true, bot.Chinese }
	h := newHarness(t, o)
	h.polyv.SetStreamType(10001, polyv.StreamClient)
	_, _ = h.send(slacktest.SlashCommand{Text: "stop 10001", EnvelopeID: "env-pushed"})
	require.Equal(t, bot.StillLive, h.waitRecord("env-pushed").Channels[0].Check.Verdict)
	_, thread := h.parentWithReplies(3)
	offer := thread[2]
	require.True(t, strings.HasPrefix(offer.Text, "✂️ 停止之后保利威频道 10001 «polyvtest channel 10001» 仍在直播"), offer.Text)
	require.Len(t, buttons(t, slacktest.ResponsePost{Blocks: offer.Blocks}), 1)
	require.Contains(t, string(offer.Blocks), "禁止推流")
	require.NoError(t, h.stopBot())
	require.Empty(t, h.slack.Refusals())
}
