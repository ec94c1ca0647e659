package bot_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// withUserID is a bot whose Polyv client has the fake account's userId.
func withUserID() harnessOpts {
	return harnessOpts{polyvOpts: []polyv.Option{polyv.WithUserID(polyvtest.DefaultUserID)},
		cfg: func(c *bot.Config) { c.CutoffAvailable = true }}
}

// A ban over the real transport: the signed cut-off reaches Polyv with the
// userId, the thread says what happened in a responder's words, and the
// verification reads banpush as cut off.
func TestEndToEndBan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withUserID())
	ack, _ := h.send(slacktest.SlashCommand{Command: "/polyv-ops", Text: "ban 10001 -- host keeps pushing", EnvelopeID: "env-ban"})
	text, _ := ack.Text()
	require.Empty(t, text, "an accepted ban is acked without a private reply")
	rec := h.waitRecord("env-ban")
	require.Equal(t, []bot.State{bot.Stopped}, []bot.State{rec.Channels[0].State})
	require.Equal(t, bot.Verified, rec.Channels[0].Check.Verdict)
	parent, thread := h.parentWithReplies(2)
	require.Regexp(t, "^⛔ <@U0RESP> is cutting off Polyv channel "+maybeNamed(10001)+"\nReason: host keeps pushing$", parent.Text)
	require.Regexp(t, `^✅ Polyv channel `+maybeNamed(10001)+`: cut off \(Polyv answered in `, thread[0].Text)
	require.True(t, strings.HasSuffix(thread[0].Text, "; the host cannot push again for 24 h or until `/polyv-ops resume 10001`"), thread[0].Text)
	require.Regexp(t, `^🔎 Polyv channel `+maybeNamed(10001)+`: verified, no longer live \(banned from pushing\)$`, thread[1].Text)
	require.NoError(t, h.stopBot())
	require.Equal(t, 1, h.polyv.OpCalls(polyvtest.OpCutoff, 10001))
	require.Zero(t, h.stopCalls())
	for _, c := range h.polyv.Calls() {
		require.Equal(t, "ok", c.Verdict, "every call was signed as Polyv checks it")
	}
}

// A pushed channel stopped over the real transport: the thread offers the
// cut-off button, and the requester's click, a block_actions envelope,
// runs the ban.
func TestEndToEndPushedStopToCutoffClick(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withUserID())
	h.polyv.SetStreamType(10001, polyv.StreamClient)
	_, url := h.send(slacktest.SlashCommand{Text: "stop 10001", EnvelopeID: "env-pushed"})
	require.Equal(t, bot.StillLive, h.waitRecord("env-pushed").Channels[0].Check.Verdict)
	_, thread := h.parentWithReplies(3)
	offer := thread[2]
	require.Contains(t, offer.Text, "a pull stop cannot end a stream that the host's encoder pushes")
	btns := buttons(t, slacktest.ResponsePost{Blocks: offer.Blocks})
	require.Len(t, btns, 1)
	require.Equal(t, bot.ActionCutoff, btns[0].ActionID)

	h.click(responder, url, bot.ActionCutoff, btns[0])
	h.waitFor("the cut-off's own thread", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 2 && len(s.Thread(opsChannel, ms[1].TS)) >= 2
	})
	cut := h.slack.ChannelMessages(opsChannel)[1]
	require.Regexp(t, "^⛔ <@U0RESP> is cutting off Polyv channel "+maybeNamed(10001)+"$", cut.Text)
	require.NoError(t, h.stopBot())
	require.Equal(t, 1, h.polyv.OpCalls(polyvtest.OpCutoff, 10001))
	h.mu.Lock()
	defer h.mu.Unlock()
	var ban *bot.Record
	for i, r := range h.records {
		if r.ForRequest == "env-pushed" && r.Command.Verb == bot.VerbBan && !r.Pending() {
			ban = &h.records[i]
		}
	}
	require.NotNil(t, ban, "the ban is audited, naming the stop")
	require.Equal(t, bot.Verified, ban.Channels[0].Check.Verdict)
}
