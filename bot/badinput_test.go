package bot_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// badInputs are texts a tired, hurried or hostile person may type. Each must
// be answered in the ack, privately, with help or a refusal plus the usage,
// and must send nothing to Polyv and post nothing in the channel.
//
// Verbs are matched case-insensitively over ASCII only (decided in
// bot/command.go): "STOP 10001" is a stop, so it is tested in
// TestVerbCaseAndRepeatsStopOnce, not here; look-alikes such as "ſtop" are
// refused.
var badInputs = []struct {
	name, text, want string
}{
	{"empty", "", "stops Polyv live streams"},
	{"spaces", "     ", "stops Polyv live streams"},
	{"tabs and newlines", "\t\n\r\n\t", "stops Polyv live streams"},
	{"stop alone", "stop", "needs the Polyv channel id"},
	{"STOP alone", "STOP", "needs the Polyv channel id"},
	{"stop with tabs", "stop\t\t\n", "needs the Polyv channel id"},
	{"status alone", "status", "needs at least one"},
	{"letters", "stop abc", "needs the Polyv channel id"},
	{"letter O for zero", "stop 1O001", "digits 0-9 only"},
	{"minus", "stop -10001", "digits 0-9 only"},
	{"plus", "stop +10001", "digits 0-9 only"},
	{"decimal", "stop 10001.0", "digits 0-9 only"},
	{"exponent", "stop 1e4", "digits 0-9 only"},
	{"hex", "stop 0x2711", "no leading zeros"},
	{"zero", "stop 0", "no leading zeros"},
	{"leading zeros", "stop 0010001", "no leading zeros"},
	{"int32 overflow", "stop 2147483648", "from 1 to 2147483647"},
	{"int64 overflow", "stop 9223372036854775808", "from 1 to 2147483647"},
	{"fullwidth digits", "stop １０００１", "digits 0-9 only"},
	{"arabic-indic digits", "stop ١٠٠٠١", "digits 0-9 only"},
	{"devanagari digits", "stop १०००१", "digits 0-9 only"},
	{"NUL in reason", "stop 10001 bad\x00reason", "control"},
	{"bell in reason", "stop 10001 ding\a", "control"},
	{"escape sequence", "stop 10001 \x1b[31mred", "control"},
	// Invalid UTF-8 cannot reach the bot: Slack's JSON carries U+FFFD instead
	// (ParseCommand's own refusal of it is unit-tested).
	{"byte order mark before id", "stop \ufeff10001", "needs the Polyv channel id"},
	{"zero-width space in id", "stop 10001\u200b", "digits 0-9 only"},
	{"10 KB", "stop 10001 " + strings.Repeat("x", 10<<10), "the limit is"},
	{"long reason", "stop 10001 " + strings.Repeat("长", 501), "keep it under"},
	{"RTL override", "stop 10001 \u202Egnp.exe", "text-direction"},
	{"RTL isolate", "stop 10001 \u2067abc\u2069", "text-direction"},
	{"mention instead of id", "stop <@U0BOSS>", "needs the Polyv channel id"},
	{"link instead of id", "stop <https://evil.example|10001>", "needs the Polyv channel id"},
	{"channel ping", "<!channel>", "unknown command"},
	{"here ping as id", "stop <!here>", "needs the Polyv channel id"},
	{"markdown id", "stop *10001*", "needs the Polyv channel id"},
	{"code span id", "stop `10001`", "needs the Polyv channel id"},
	{"SQL", "stop 10001; DROP TABLE channels;--", "digits 0-9 only"},
	{"shell", "stop $(rm -rf /)", "needs the Polyv channel id"},
	{"shell pipe", "stop 10001|sh", "digits 0-9 only"},
	{"unknown verb", "kill 10001", "unknown command"},
	{"verb look-alike long s", "ſtop 10001", "unknown command"},
	{"cyrillic verb", "ѕtop 10001", "unknown command"},
	{"id first", "10001 stop", "say what to do"},
	{"too many ids", "stop 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21", "at most 20"},
	{"repeated ids, one bad", "stop 10001 10001 10001x", "digits 0-9 only"},
	{"status with reason", "status 10001 why", "takes only channel ids"},
	{"only commas", "stop ,,,", "needs the Polyv channel id"},
}

func TestBadInputIsRefusedPrivately(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(badInputs), 40)
	h := newHarness(t, harnessOpts{})
	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			ack, url := h.send(slacktest.SlashCommand{Text: tc.text})
			msg, kind := ack.Text()
			require.Equal(t, "ephemeral", kind)
			require.Contains(t, msg, tc.want)
			if !strings.Contains(tc.want, "stops Polyv") {
				require.Contains(t, msg, "Usage:")
			}
			require.NotContains(t, msg, "<!channel>")
			require.NotContains(t, msg, "<@U0BOSS>")
			require.NotContains(t, msg, "\u202E")
			require.Empty(t, h.privateTo(url), "the ack is the only answer")
		})
	}
	require.Empty(t, h.slack.Messages(), "nothing is posted in any channel")
	require.Empty(t, h.slack.Ephemerals())
	require.Empty(t, h.polyv.Calls(), "Polyv is never called")
	require.NoError(t, h.stopBot())
}

// TestVerbCaseAndRepeatsStopOnce: upper-case verbs work, and naming a channel
// several times stops it once.
func TestVerbCaseAndRepeatsStopOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: noVerify})
	ack, _ := h.send(slacktest.SlashCommand{Text: "STOP 10001 10001,10001 caps lock on"})
	text, _ := ack.Text()
	require.Empty(t, text)
	_, thread := h.parentWithReplies(1)
	require.Regexp(t, "^✅ Polyv channel "+maybeNamed(10001)+": stopped", thread[0].Text)
	require.NoError(t, h.stopBot())
	require.Equal(t, 1, h.stopCalls())
	require.Len(t, thread, 1)
}
