package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack/slackutilsx"
)

// HelpEntry documents one verb. The help text, the usage shown with every
// refused command and the Slack app manifest's usage hint all come from here.
type HelpEntry struct {
	Verb    Verb
	Args    string
	Summary string
	Example string
}

// Help lists every verb the bot understands.
var Help = []HelpEntry{
	{VerbStop, "<channelId>… [-- reason…]",
		"stop the pull stream of up to 20 Polyv channels; the channel gets a message and the outcome lands in its thread",
		"stop 10001 10002 -- leaked test stream"},
	{VerbStatus, "<channelId>…", "show whether Polyv channels are live (only you see the answer)", "status 10001"},
	{VerbHelp, "", "show this help", "help"},
}

// UsageHint is the one-line usage for the Slack app manifest's command.
const UsageHint = "stop <channelId>… [-- reason] | status <channelId>… | help"

// HelpText is the help message for the slash command as the workspace named
// it (a workspace may register the bot as /polyv-ops). who, when not empty,
// says who may stop streams.
func HelpText(command, who string) string {
	if command == "" {
		command = "/polyv"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* stops Polyv live streams and records who did it.\n", command)
	for _, h := range Help {
		// Slack reads <…> as markup even inside code spans, so the
		// placeholders are escaped.
		usage := slackutilsx.EscapeMessage(strings.TrimSpace(string(h.Verb) + " " + h.Args))
		fmt.Fprintf(&b, "• `%s %s` — %s. Example: `%s %s`\n", command, usage, h.Summary, command, h.Example)
	}
	b.WriteString("Channel ids are the numbers in the Polyv console (1 to 2147483647); `#10001` or a Polyv watch or console link works too; separate several with spaces.\n")
	fmt.Fprintf(&b, "Put `--` between the ids and the reason, so that a reason starting with a number is not read as an id: `%s stop 10001 -- 2 viewers reported it`.", command)
	if who != "" {
		fmt.Fprintf(&b, "\nWho may stop streams: %s.", who)
	}
	return b.String()
}

// usageText is the short reminder sent with a refused command.
func usageText(command string) string {
	if command == "" {
		command = "/polyv"
	}
	return fmt.Sprintf("Usage: `%s stop &lt;channelId&gt;… [-- reason…]`, `%s status &lt;channelId&gt;…`, `%s help`", command, command, command)
}
