package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestNamed(t *testing.T) {
	t.Parallel()
	names := channelNames{
		10001: {Title: "Spring Launch"},
		10002: {Title: "<!channel> pwn"},
		10003: {NotFound: true},
		10004: {Title: "", Publisher: "a host, but no title"},
		10005: {Title: " \n\t "},
	}
	cases := []struct {
		name string
		id   int64
		want string
	}{
		{"a name", 10001, "10001 «Spring Launch»"},
		{"a mention, escaped", 10002, "10002 «&lt;!channel&gt; pwn»"},
		{"unknown to Polyv: the number", 10003, "10003"},
		{"no title: the number", 10004, "10004"},
		{"no name known: the number", 10009, "10009"},
		{"a title of spaces only", 10005, "10005 «»"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, names.named(tc.id))
		})
	}
	require.Equal(t, "10001", channelNames(nil).named(10001), "no names: numbers")
}

func TestShownName(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"plain", "Spring Launch", "Spring Launch"},
		{"Chinese", "春季发布会", "春季发布会"},
		{"mentions and links", "<!here> <@U1> <https://x|y>", "&lt;!here&gt; &lt;@U1&gt; &lt;https://x…"},
		{"line breaks and tabs become one space", "a\n\nb\tc\r\nd", "a b c d"},
		{"backticks cannot open a code span", "`rm -rf`", "'rm -rf'"},
		{"guillemets cannot end the name early", "a» b «c", "a› b ‹c"},
		{"invisible characters", "a\u200bb\u202ec", "a b c"},
		{"cut to 40, the … included", strings.Repeat("x", 50), strings.Repeat("x", 39) + "…"},
		{"cut never halves an escape", strings.Repeat("x", 37) + "&&", strings.Repeat("x", 37) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, shownName(tc.in))
		})
	}
}

// Twenty channels with names as long and as escape-heavy as Polyv may send
// (200 bytes of "&") and the longest reason, escaped, still make a parent,
// an update and audit lines within the 4000 characters Slack advises.
func TestNamedMessagesStayShortForTwentyChannels(t *testing.T) {
	t.Parallel()
	cmd, err := ParseCommand("stop " + ids(MaxChannelID-19, 20) + " -- " + strings.Repeat("&", MaxReasonRunes))
	require.NoError(t, err)
	req := Request{ID: envelopeID("long"), User: "U07ABCDEF12", Channel: "C07ABCDEF12", Slash: "/polyv", Command: cmd}
	names := channelNames{}
	results := make([]ChannelResult, len(cmd.ChannelIDs))
	for i, id := range cmd.ChannelIDs {
		names[id] = channelName{Title: strings.Repeat("&", 200), Publisher: strings.Repeat("<", 200)}
		results[i] = ChannelResult{ID: id, State: Stopped}
	}
	rec := Record{Request: req, Decision: Allowed, Channels: results, names: names}
	link := "https://t.slack.com/archives/C07ABCDEF12/p1700000000000001"
	for name, text := range map[string]string{
		"parent":         english.parentText(req, names, true, ""),
		"parent updated": english.parentText(req, names, true, english.flaggedSummary(stopWords, results)),
		"audit start":    english.startLine(req, link, names) + english.auditStamp(req.ID, epoch),
		"audit outcome":  english.outcomeLine(rec, link, names) + english.auditStamp(req.ID, epoch),
		"confirmed":      english.confirmedText(stopWords, cmd.ChannelIDs, names),
	} {
		require.LessOrEqual(t, utf8.RuneCountInString(text), 4000, name)
		require.Equal(t, 20, strings.Count(text, "«&amp;"), "%s names every channel", name)
	}
}

// FuzzShownName: whatever Polyv sends as a name, what a message shows of it
// is one line, cut, mentions nobody and opens no code span.
func FuzzShownName(f *testing.F) {
	for _, s := range []string{"Spring Launch", "<!channel> pwn", "a\nb`c`«d»", strings.Repeat("&", 60), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := shownName(s)
		if utf8.RuneCountInString(got) > maxShownName {
			t.Fatalf("%q is longer than %d", got, maxShownName)
		}
		if strings.ContainsAny(got, "<>`\n\r«»") {
			t.Fatalf("%q holds markup or a line break", got)
		}
	})
}
