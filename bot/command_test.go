package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
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
		// The Chinese verbs are aliases: the same command, under the English verb.
		{"停止 10001 -- 直播泄露", bot.Command{Verb: bot.VerbStop, ChannelIDs: []int64{10001}, Reason: "直播泄露", ReasonMarked: true}},
		{"状态 10001", bot.Command{Verb: bot.VerbStatus, ChannelIDs: []int64{10001}}},
		{"封禁 10001", bot.Command{Verb: bot.VerbBan, ChannelIDs: []int64{10001}}},
		{"恢复 10001", bot.Command{Verb: bot.VerbResume, ChannelIDs: []int64{10001}}},
		{"帮助", bot.Command{Verb: bot.VerbHelp}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.text), func(t *testing.T) {
			t.Parallel()
			got, err := bot.ParseCommand(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
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
		t.Run(fmt.Sprintf("%.40q", tc.text), func(t *testing.T) {
			t.Parallel()
			_, err := bot.ParseCommand(tc.text)
			var ue *bot.UsageError
			require.ErrorAs(t, err, &ue)
			require.Contains(t, ue.Error(), tc.want)
		})
	}
}

// TestParseCommandNamesTheBadToken: a word where a channel id belongs is
// named in the refusal, escaped and cut short, so the person sees what to
// fix rather than only the usage.
func TestParseCommandNamesTheBadToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text, want string
	}{
		{"letters", "stop abc", "`abc` is not a Polyv channel id: `stop` needs the Polyv channel id first, e.g. `stop 10001 -- stream leaked`"},
		{"letters, then more", "stop abc 10001", "`abc` is not a Polyv channel id"},
		{"status", "status abc", "`abc` is not a Polyv channel id: `status` needs at least one Polyv channel id, e.g. `status 10001`"},
		{"a mention", "stop <@U0BOSS>", "`&lt;@U0BOSS&gt;` is not a Polyv channel id"},
		{"a backtick", "stop `10001`", "`'10001'` is not a Polyv channel id"},
		{"an invisible character", "stop \ufeff10001", "`?10001` is not a Polyv channel id"},
		{"a long word", "stop " + strings.Repeat("x", 100), "`" + strings.Repeat("x", 40) + "…` is not a Polyv channel id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, refused(t, tc.text), tc.want)
		})
	}
	require.Equal(t, "`stop` needs the Polyv channel id to stop, e.g. `stop 10001 -- stream leaked`", refused(t, "stop -- only a reason"),
		"with only a reason after a marker, there is no word to blame")
}

func TestParseCommandQuotesInputSafely(t *testing.T) {
	t.Parallel()
	_, err := bot.ParseCommand("<!channel>`x 10001")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "<!channel>", "user text in an error is escaped for Slack")
	require.NotContains(t, err.Error(), "`x", "a backtick cannot close the code span")
}

// refused parses text and returns the message it was refused with.
func refused(t *testing.T, text string) string {
	t.Helper()
	_, err := bot.ParseCommand(text)
	var ue *bot.UsageError
	require.ErrorAs(t, err, &ue, "%q", text)
	return ue.Error()
}

// stopParse is a stop command's text and what it must parse to.
type stopParse struct {
	name, text string
	ids        []int64
	reason     string
}

// requireStops checks that each text parses to a stop of its ids and reason.
func requireStops(t *testing.T, cases []stopParse) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := bot.ParseCommand(tc.text)
			require.NoError(t, err)
			require.Equal(t, bot.VerbStop, got.Verb)
			require.Equal(t, tc.ids, got.ChannelIDs)
			require.Equal(t, tc.reason, got.Reason)
		})
	}
}

// TestParseCommandReasonMarker: a marker says where the reason starts, so a
// reason that begins with a number is not read as channel ids.
func TestParseCommandReasonMarker(t *testing.T) {
	t.Parallel()
	cases := []stopParse{
		{"double dash", "stop 10001 -- 2 viewers reported it", []int64{10001}, "2 viewers reported it"},
		{"colon on the id", "stop 10001: 2 viewers", []int64{10001}, "2 viewers"},
		{"colon alone", "stop 10001 : 2 viewers", []int64{10001}, "2 viewers"},
		{"full-width colon", "stop 10001： 2 位观众", []int64{10001}, "2 位观众"},
		{"em dash from macOS", "stop 10001 — 2 viewers", []int64{10001}, "2 viewers"},
		{"en dash from a phone", "stop 10001 – 2 viewers", []int64{10001}, "2 viewers"},
		{"lone dash", "stop 10001 - leaked", []int64{10001}, "leaked"},
		{"several ids then marker", "stop 10001 10002,10003 -- 4 leaks", []int64{10001, 10002, 10003}, "4 leaks"},
		{"colon after a comma list", "stop 10001,10002: 3", []int64{10001, 10002}, "3"},
		{"colon after #id", "stop #10001: 2 viewers", []int64{10001}, "2 viewers"},
		{"marked reason is verbatim", "stop 10001 -- 10002 #10003 https://live.polyv.cn/watch/10004 -- : x", []int64{10001}, "10002 #10003 https://live.polyv.cn/watch/10004 -- : x"},
		{"empty reason after marker", "stop 10001 --", []int64{10001}, ""},
		{"empty reason after colon", "stop 10001:", []int64{10001}, ""},
		{"white space is one space", "stop 10001 --\n  2\tviewers", []int64{10001}, "2 viewers"},
		{"colon inside a word is the reason", "stop 10001 cause: 2 viewers", []int64{10001}, "cause: 2 viewers"},
	}
	requireStops(t, cases)
}

func TestParseCommandReasonMarkerRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, want string }{
		{"status with marked reason", "status 10001 -- why", "`status` takes no reason"},
		{"status with colon", "status 10001: why", "`status` takes no reason"},
		{"status with bare marker", "status 10001 —", "`status` takes no reason"},
		{"marker before any id", "stop -- 10001", "needs the Polyv channel id"},
		{"dash glued to a number", "stop 10001 --2 viewers", "digits 0-9 only"},
		{"colon inside an id", "stop 10001:2 viewers", "digits 0-9 only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, refused(t, tc.text), tc.want)
		})
	}
}

// TestCommandAmbiguous: several ids followed by an unmarked reason are the
// case the bot must call out; a marker, a single id or no reason is not.
func TestCommandAmbiguous(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text        string
		marked, ambiguous bool
	}{
		{"number then words", "stop 10001 2 viewers", false, true},
		{"several ids then words", "stop 10001 10002 leaked", false, true},
		{"marked", "stop 10001 -- 2 viewers", true, false},
		{"colon", "stop 10001 10002: 3 viewers", true, false},
		{"one id", "stop 10001 leaked", false, false},
		{"no reason", "stop 10001 10002", false, false},
		{"empty marked reason", "stop 10001 10002 --", false, false},
		{"status", "status 10001 10002", false, false},
		{"help", "help", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := bot.ParseCommand(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.marked, got.ReasonMarked)
			require.Equal(t, tc.ambiguous, got.Ambiguous())
		})
	}
	got, err := bot.ParseCommand("stop 10001 2 viewers")
	require.NoError(t, err)
	require.Equal(t, []int64{10001, 2}, got.ChannelIDs, "an unmarked number is still an id")
	require.Equal(t, "viewers", got.Reason)
}

// TestParseCommandChannelRefs: `#10001` and links to a channel's Polyv watch
// or console page name that channel.
func TestParseCommandChannelRefs(t *testing.T) {
	t.Parallel()
	cases := []stopParse{
		{"hash id", "stop #10001", []int64{10001}, ""},
		{"hash ids in a list", "stop #10001,#10002", []int64{10001, 10002}, ""},
		{"watch link", "stop https://live.polyv.cn/watch/10001", []int64{10001}, ""},
		{"watch link as Slack sends it", "stop <https://live.polyv.cn/watch/10001>", []int64{10001}, ""},
		{"labelled Slack link", "stop <https://live.polyv.cn/watch/10001|live.polyv.cn/watch/10001>", []int64{10001}, ""},
		{"label with spaces", "stop <https://live.polyv.cn/watch/10001|Watch the launch> leaked", []int64{10001}, "leaked"},
		{"old watch page", "stop http://live.polyv.net/watch/10001.htm", []int64{10001}, ""},
		{"splash page", "stop https://live.polyv.cn/splash/10001", []int64{10001}, ""},
		{"customer subdomain with query", "stop https://b7130a8d0b.live.polyv.cn/watch/10001?userid=7", []int64{10001}, ""},
		{"console channel page", "stop https://live.polyv.net/#/channel/10001/playback", []int64{10001}, ""},
		{"console channel route", "stop https://console.polyv.net/live/index.html#/channel/10001", []int64{10001}, ""},
		{"upper case and trailing slash", "stop HTTPS://LIVE.POLYV.CN/watch/10001/", []int64{10001}, ""},
		{"without scheme", "stop live.polyv.cn/watch/10001", []int64{10001}, ""},
		{"links in a list", "stop https://live.polyv.cn/watch/10001, https://live.polyv.cn/watch/10002", []int64{10001, 10002}, ""},
		{"mixed forms", "stop 10001 #10002 https://live.polyv.cn/watch/10003 leaked", []int64{10001, 10002, 10003}, "leaked"},
		{"duplicates collapse", "stop 10001 #10001 https://live.polyv.cn/watch/10001 <https://live.polyv.net/#/channel/10001>", []int64{10001}, ""},
		{"hashtag is a reason", "stop 10001 #ops leaked", []int64{10001}, "#ops leaked"},
	}
	requireStops(t, cases)
	got, err := bot.ParseCommand("status #10001 <https://live.polyv.cn/watch/10002>")
	require.NoError(t, err)
	require.Equal(t, bot.Command{Verb: bot.VerbStatus, ChannelIDs: []int64{10001, 10002}}, got)
}

func TestParseCommandChannelRefRefusals(t *testing.T) {
	t.Parallel()
	const typeID = "type the channel id, e.g. `stop 10001`"
	cases := []struct{ name, text, want string }{
		{"other site", "stop https://example.com/watch/10001", "is not a Polyv watch or console link: " + typeID},
		{"Slack link to another site", "stop <https://evil.example|10001>", "`stop` needs the Polyv channel id, and `&lt;https://evil.example|10001&gt;` is not a Polyv watch or console link"},
		{"look-alike host", "stop https://live.polyv.cn.evil.example/watch/10001", "is not a Polyv watch or console link"},
		{"host ending in polyv.cn", "stop https://evilpolyv.cn/watch/10001", "is not a Polyv watch or console link"},
		{"user info hides the host", "stop https://live.polyv.cn@evil.example/watch/10001", "is not a Polyv watch or console link"},
		{"link after ids", "stop 10001 https://status.example.com down", "put `--` before it"},
		{"status names its own verb", "status https://example.com/1", "e.g. `status 10001`"},
		{"console without a channel", "stop https://live.polyv.net/#/channel", "does not show which Polyv channel it is: " + typeID},
		{"role login, not a channel", "stop https://console.polyv.net/live/login.html?channelId=0024368180", "does not show which Polyv channel"},
		{"watch page and console route disagree", "stop https://live.polyv.net/watch/10001#/channel/10002", "does not show which Polyv channel"},
		{"Polyv home page", "stop https://www.polyv.net/", "does not show which Polyv channel"},
		{"link with leading zeros", "stop https://live.polyv.cn/watch/010001", "no leading zeros"},
		{"link id too large", "stop https://live.polyv.cn/watch/2147483648", "from 1 to 2147483647"},
		{"link id with a letter", "stop https://live.polyv.cn/watch/1O001", "digits 0-9 only"},
		{"hash id with a letter", "stop #1O001", "digits 0-9 only"},
		{"hash zero", "stop #0", "no leading zeros"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg := refused(t, tc.text)
			require.Contains(t, msg, tc.want)
			require.NotContains(t, msg, "<", "links are quoted escaped")
		})
	}
}

// TestParseCommandDecodesSlackEntitiesOnce: Slack sends &, < and > as
// entities; the reason keeps what was typed, however it arrived.
func TestParseCommandDecodesSlackEntitiesOnce(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, reason string }{
		{"escaped by Slack", "stop 10001 A&amp;B &lt;test&gt;", "A&B <test>"},
		{"raw", "stop 10001 A&B <test>", "A&B <test>"},
		{"escaped after a marker", "stop 10001 -- A&amp;B &lt;test&gt;", "A&B <test>"},
		{"decoded only once", "stop 10001 &amp;lt;", "&lt;"},
		{"only those three", "stop 10001 &quot;x&quot; &#60; &AMP; &nbsp;", "&quot;x&quot; &#60; &AMP; &nbsp;"},
		{"length counted after decoding", "stop 10001 " + strings.Repeat("&amp;", bot.MaxReasonRunes), strings.Repeat("&", bot.MaxReasonRunes)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := bot.ParseCommand(tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.reason, got.Reason)
		})
	}
	got, err := bot.ParseCommand("stop &lt;https://live.polyv.cn/watch/10001?a=1&amp;b=2&gt; leaked")
	require.NoError(t, err)
	require.Equal(t, []int64{10001}, got.ChannelIDs, "links are read after decoding")
	require.Equal(t, "leaked", got.Reason)

	msg := refused(t, "&lt;!channel&gt; 10001")
	require.Contains(t, msg, "`&lt;!channel&gt;`", "shown as typed: escaped exactly once")
	require.NotContains(t, msg, "&amp;")
	require.Contains(t, refused(t, "stop 10001 "+strings.Repeat("&amp;", bot.MaxReasonRunes+1)), "keep it under")
}

// TestStopReasonIsPostedAsTyped: whichever way Slack delivers `A&B <test>`,
// the parent message shows it as typed, escaped once for Slack.
func TestStopReasonIsPostedAsTyped(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"stop 10001 A&amp;B &lt;test&gt;", "stop 10001 A&B <test>"} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{cfg: noVerify})
			h.send(slacktest.SlashCommand{Text: text})
			parent, _ := h.parentWithReplies(1)
			for _, msg := range []string{parent.Text, parent.Latest()} {
				require.Contains(t, msg, "\nReason: A&amp;B &lt;test&gt;")
				require.NotContains(t, msg, "&amp;amp;", "escaped twice")
				require.NotContains(t, msg, "&amp;lt;", "escaped twice")
			}
		})
	}
}
