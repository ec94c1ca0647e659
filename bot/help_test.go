package bot_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack/slackutilsx"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// everyVerb is every verb ParseCommand accepts; a new verb must be added here
// and to bot.Help.
var everyVerb = []bot.Verb{bot.VerbStop, bot.VerbBan, bot.VerbResume, bot.VerbStatus, bot.VerbHelp}

func TestHelpListsEveryVerbWithAnExample(t *testing.T) {
	t.Parallel()
	for _, v := range everyVerb {
		var entry *bot.HelpEntry
		for i := range bot.Help {
			if bot.Help[i].Verb == v {
				entry = &bot.Help[i]
			}
		}
		require.NotNil(t, entry, "verb %q has no help entry", v)
		require.True(t, strings.HasPrefix(entry.Example, string(v)), "example %q does not use %q", entry.Example, v)
		cmd, err := bot.ParseCommand(entry.Example)
		require.NoError(t, err, "the example for %q must parse", v)
		require.Equal(t, v, cmd.Verb)
		require.Contains(t, bot.UsageHint, string(v), "manifest usage hint")
	}
	require.Len(t, bot.Help, len(everyVerb), "a help entry for a verb the parser does not know")

	h := newHarness(t, harnessOpts{})
	for _, text := range []string{"help", "", "HELP"} {
		ack, _ := h.send(slacktest.SlashCommand{Text: text, Command: "/polyv"})
		msg, kind := ack.Text()
		require.Equal(t, "ephemeral", kind)
		for _, e := range bot.Help {
			require.Contains(t, msg, "Example: `/polyv "+e.Example+"`", "help for %q", text)
			// Placeholders are escaped: Slack reads <…> as markup even in code spans.
			usage := slackutilsx.EscapeMessage(strings.TrimSpace(string(e.Verb) + " " + e.Args))
			require.Contains(t, msg, "`/polyv "+usage+"`")
			require.NotContains(t, msg, "<channelId>")
		}
	}
	ack, _ := h.send(slacktest.SlashCommand{Text: "launch 10001", Command: "/polyv"})
	msg, _ := ack.Text()
	for _, v := range everyVerb {
		require.Contains(t, msg, "`/polyv "+string(v), "the usage sent with a refusal names %q", v)
	}
	require.Empty(t, h.polyv.Calls())
}

// TestHelpAndUsageShowTheReasonMarker: every place that teaches the syntax
// shows `--`, so a reason that starts with a number is not read as ids.
func TestHelpAndUsageShowTheReasonMarker(t *testing.T) {
	t.Parallel()
	var stop bot.HelpEntry
	for _, e := range bot.Help {
		if e.Verb == bot.VerbStop {
			stop = e
		}
	}
	require.Contains(t, stop.Args, "[-- reason…]")
	require.Contains(t, stop.Example, " -- ")
	cmd, err := bot.ParseCommand(stop.Example)
	require.NoError(t, err)
	require.NotEmpty(t, cmd.Reason, "the example's reason is read as a reason")
	require.Contains(t, bot.UsageHint, "stop <channelId>… [-- reason]")

	help := bot.HelpText("/polyv-ops", "")
	require.Contains(t, help, "`/polyv-ops stop 10001 -- 2 viewers reported it`")
	require.Contains(t, help, "`#10001`")
	require.Contains(t, help, "Polyv watch or console link")

	h := newHarness(t, harnessOpts{})
	ack, _ := h.send(slacktest.SlashCommand{Text: "status 10001 -- why", Command: "/polyv"})
	msg, _ := ack.Text()
	require.Contains(t, msg, "`status` takes no reason")
	require.Contains(t, msg, "Usage: `/polyv stop &lt;channelId&gt;… [-- reason…]`")
	require.Empty(t, h.polyv.Calls())
}
