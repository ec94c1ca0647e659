package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack/slackutilsx"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
)

// FuzzParseCommand checks what the parser promises for any text Slack may
// deliver: it never panics, refuses only with a *UsageError whose words are
// safe to post, and accepts only commands that name valid, distinct ids and a
// printable reason — and that read back the same when written out again.
// Whatever follows a reason marker is the reason, word for word: no id is
// ever taken from it.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"", "help", "stop 10001", "STOP 10001 leaked", "status 10001,10002", "stop 1O001",
		"stop １０００１", "stop 10001 \u202Eevil", "stop 0", "stop 2147483648", "stop <!channel>",
		"stop 10001 <@U1> `x` *bold*", "stop 10001 10001", "stop ,,,", "ſtop 1", "10001",
		"stop 10001 -- 2 viewers", "stop 10001: 2", "stop 10001 — 2", "stop #10001 leaked",
		"stop <https://live.polyv.cn/watch/10001|live.polyv.cn/watch/10001>", "stop 10001 A&amp;B &lt;t&gt;",
		"ban 10001 -- host keeps pushing", "RESUME 10001,10002", "ban", "resume 10001: 2", "ban 10001 2 viewers",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkMarkedReason(t, text)
		cmd, err := bot.ParseCommand(text)
		if err != nil {
			checkRefusal(t, text, err)
			return
		}
		checkCommand(t, text, cmd)
		again, err := bot.ParseCommand(render(cmd))
		require.NoError(t, err, "re-parsing %q", render(cmd))
		require.Equal(t, cmd, again)
	})
}

// checkMarkedReason puts text after a marker: it is the reason as typed
// (Slack's three entities decoded once, white space collapsed), or the
// command is refused for the reason itself, never for an id.
func checkMarkedReason(t *testing.T, text string) {
	t.Helper()
	marked := "stop 10001 -- " + text
	cmd, err := bot.ParseCommand(marked)
	if err != nil {
		checkRefusal(t, marked, err)
		require.Regexp(t, "the limit is|not valid UTF-8|control or text-direction|keep it under", err.Error())
		return
	}
	want := strings.Join(strings.Fields(decodeSlack(text)), " ")
	require.Equal(t, []int64{10001}, cmd.ChannelIDs, "an id taken from after the marker in %q", marked)
	require.Equal(t, want, cmd.Reason)
	require.Equal(t, want != "", cmd.ReasonMarked)
	require.False(t, cmd.Ambiguous())
}

// decodeSlack undoes Slack's escaping in one pass.
func decodeSlack(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
}

func checkRefusal(t *testing.T, text string, err error) {
	t.Helper()
	var ue *bot.UsageError
	require.ErrorAs(t, err, &ue, "%q", text)
	require.True(t, utf8.ValidString(ue.Error()), "%q", text)
	require.LessOrEqual(t, len(ue.Error()), 400, "a refusal stays short: %q", ue.Error())
	// Slack markup in the input (<!channel>, <@U…>, links) is escaped, and
	// no control or direction character survives into the message.
	require.NotContains(t, ue.Error(), "<", "%q", text)
	require.NotContains(t, ue.Error(), ">", "%q", text)
	for _, r := range ue.Error() {
		require.False(t, r < 0x20 || r == 0x7f || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069), "%U in %q", r, ue.Error())
	}
}

func checkCommand(t *testing.T, text string, cmd bot.Command) {
	t.Helper()
	switch cmd.Verb {
	case bot.VerbHelp:
		require.Empty(t, cmd.ChannelIDs)
		require.Empty(t, cmd.Reason)
		return
	case bot.VerbStop, bot.VerbBan, bot.VerbResume, bot.VerbStatus:
	default:
		t.Fatalf("unknown verb %q from %q", cmd.Verb, text)
	}
	require.NotEmpty(t, cmd.ChannelIDs, "%q", text)
	require.LessOrEqual(t, len(cmd.ChannelIDs), bot.MaxChannels)
	seen := map[int64]bool{}
	for _, id := range cmd.ChannelIDs {
		require.True(t, id >= 1 && id <= bot.MaxChannelID, "id %d from %q", id, text)
		require.False(t, seen[id], "id %d twice from %q", id, text)
		seen[id] = true
		require.Contains(t, text, fmt.Sprint(id), "an id the text does not hold")
	}
	require.LessOrEqual(t, utf8.RuneCountInString(cmd.Reason), bot.MaxReasonRunes)
	require.Equal(t, strings.Join(strings.Fields(cmd.Reason), " "), cmd.Reason, "reason is normalised")
	if cmd.Verb == bot.VerbStatus {
		require.Empty(t, cmd.Reason)
	}
	if cmd.ReasonMarked {
		require.NotEmpty(t, cmd.Reason, "an empty reason is not marked")
	}
	require.Equal(t, len(cmd.ChannelIDs) > 1 && cmd.Reason != "" && !cmd.ReasonMarked, cmd.Ambiguous())
}

// render writes cmd out as Slack would deliver it: the reason escaped.
func render(cmd bot.Command) string {
	parts := []string{string(cmd.Verb)}
	for _, id := range cmd.ChannelIDs {
		parts = append(parts, fmt.Sprint(id))
	}
	if cmd.ReasonMarked {
		parts = append(parts, "--")
	}
	if cmd.Reason != "" {
		parts = append(parts, slackutilsx.EscapeMessage(cmd.Reason))
	}
	return strings.Join(parts, " ")
}
