package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
)

func TestParseCommandAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want bot.Command
	}{
		{"", bot.Command{Verb: bot.VerbHelp}},
		{"   \t\n", bot.Command{Verb: bot.VerbHelp}},
		{"help", bot.Command{Verb: bot.VerbHelp}},
		{"HELP", bot.Command{Verb: bot.VerbHelp}},
		{"--help", bot.Command{Verb: bot.VerbHelp}},
		{"?", bot.Command{Verb: bot.VerbHelp}},
		{"stop 10001", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}}},
		// Verbs are ASCII case-insensitive: caps lock must not cost a responder a retry.
		{"STOP 10001", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}}},
		{"Stop 10001", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}}},
		{"stop 10001 leaked test stream", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}, Reason: "leaked test stream"}},
		{"stop\t10001\n  reason  with   spaces", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}, Reason: "reason with spaces"}},
		{"stop 10001,10002 10003", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001, 10002, 10003}}},
		{"stop 10001, 10002,", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001, 10002}}},
		{"stop 10001 10001 10001", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}}},
		{"stop 2147483647", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{2147483647}}},
		{"stop 1", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{1}}},
		{"stop 10001 <!channel> 'drop table'", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}, Reason: "<!channel> 'drop table'"}},
		{"stop 10001 直播泄露", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}, Reason: "直播泄露"}},
		{"status 10001 10002", bot.Command{Verb: bot.VerbStatus, ChannelIDs: []int64{10001, 10002}}},
		{"STATUS 10001", bot.Command{Verb: bot.VerbStatus, ChannelIDs: []int64{10001}}},
	}
	for _, tc := range cases {
		got, err := bot.ParseCommand(tc.text)
		require.NoError(t, err, "%q", tc.text)
		require.Equal(t, tc.want, got, "%q", tc.text)
	}
}

func TestParseCommandRefuses(t *testing.T) {
	t.Parallel()
	many := ""
	for i := range bot.MaxChannels + 1 {
		many += fmt.Sprintf(" %d", 10001+i)
	}
	cases := []struct {
		text, want string
	}{
		{"stop", "needs the Polyv channel id"},
		{"status", "needs at least one"},
		{"status 10001 now", "takes only channel ids"},
		{"stop 0", "no leading zeros"},
		{"stop 010001", "no leading zeros"},
		{"stop -1", "digits 0-9 only"},
		{"stop +10001", "digits 0-9 only"},
		{"stop 1.5", "digits 0-9 only"},
		{"stop 1e5", "digits 0-9 only"},
		{"stop 1O001", "digits 0-9 only"},
		{"stop 2147483648", "from 1 to 2147483647"},
		{"stop 99999999999999999999999", "from 1 to 2147483647"},
		{"stop １０００１", "digits 0-9 only"},
		{"stop ١٠٠٠١", "digits 0-9 only"},
		{"stop" + many, "at most 20"},
		{"stop 10001 bad\x00reason", "control"},
		{"stop 10001 \u202Eevil", "text-direction"},
		{"launch 10001", "unknown command"},
		{"ſtop 10001", "unknown command"},
		{"10001", "say what to do"},
		{"stop 10001 " + strings.Repeat("x", bot.MaxReasonRunes+1), "keep it under"},
		{strings.Repeat("a", bot.MaxCommandBytes+1), "the limit is"},
		{"stop 10001 \xff", "not valid UTF-8"},
	}
	for _, tc := range cases {
		_, err := bot.ParseCommand(tc.text)
		var ue *bot.UsageError
		require.ErrorAs(t, err, &ue, "%q", tc.text)
		require.Contains(t, ue.Msg, tc.want, "%q", tc.text)
	}
}

func TestParseCommandQuotesInputSafely(t *testing.T) {
	t.Parallel()
	_, err := bot.ParseCommand("<!channel>`x 10001")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "<!channel>", "user text in an error is escaped for Slack")
	require.NotContains(t, err.Error(), "`x", "a backtick cannot close the code span")
}
