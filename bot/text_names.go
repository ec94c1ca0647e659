package bot

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// The wording of channel names and of what status and the confirmation
// prompt learnt about each channel. A name is text from outside: every
// message shows it through named, which cleans, escapes and cuts it, and
// never puts it in a Block Kit id.

// maxShownName bounds a name in a message, escaped, "…" included. Forty
// characters tell one event from another (most titles are shorter), and
// twenty channels named that long still leave, in one message, room for the
// longest reason escaped: 20 × 55 + 2500 characters stay within the 4000
// Slack advises for a message's text.
const maxShownName = 40

// named is a channel as messages show it: `10001 «Spring Launch»`, or the
// number alone when no name is known (not looked up in time, none given, or
// a channel Polyv does not know).
func (k channelNames) named(id int64) string {
	n, ok := k[id]
	if !ok || n.NotFound || n.Title == "" {
		return strconv.FormatInt(id, 10)
	}
	return fmt.Sprintf("%d «%s»", id, shownName(n.Title))
}

// namedList is several channels as named shows them, separated by commas.
func (k channelNames) namedList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = k.named(id)
	}
	return strings.Join(parts, ", ")
}

// shownName is a name or a host fit to show in mrkdwn, inside «…» or after
// a word: on one line (line breaks and invisible characters become spaces),
// without a backtick that would pair with one of the message's code spans,
// without a «» that would fake where the name ends, escaped and cut.
func shownName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '`':
			return '\''
		case r == '«':
			return '‹'
		case r == '»':
			return '›'
		case unicode.IsSpace(r) || isControl(r) || unicode.Is(unicode.Cf, r):
			return ' '
		}
		return r
	}, s)
	return truncate(escape(strings.Join(strings.Fields(s), " ")), maxShownName)
}

// statusLine is one channel of the answer to status: its name, live status,
// viewers, host and stream type, each part Polyv did not tell in time
// said so in a word.
func statusLine(s story) string {
	if !s.listed {
		return "• Polyv channel " + noStatusWords(s)
	}
	return fmt.Sprintf("• Polyv channel %s: %s", s.names.named(s.id), strings.Join([]string{
		escape(s.status.Describe()), viewersWords(s), hostWords(s), streamWords(s)}, " · "))
}

// promptLine is one channel of the confirmation prompt: what the stop will
// end, as far as Polyv told it in time.
func promptLine(s story) string {
	if !s.listed && s.read {
		return "• " + noStatusWords(s)
	}
	status := "live status unknown"
	if s.listed {
		status = escape(s.status.Describe())
	}
	return fmt.Sprintf("• %s: %s · %s", s.names.named(s.id), status, viewersWords(s))
}

// told reports whether Polyv told anything about any channel in time: a
// prompt lists the channels' lines only then.
func told(stories []story) bool {
	for _, s := range stories {
		if s.read || s.counted {
			return true
		}
	}
	return false
}

// noStatusWords is a channel Polyv's live-status answer left out: one it
// says it does not know, or one it may not know.
func noStatusWords(s story) string {
	if s.unknown() {
		return fmt.Sprintf("%d: unknown to Polyv (no such channel in this account); check the id", s.id)
	}
	return s.names.named(s.id) + ": Polyv returned no status (does the channel exist?)"
}

func viewersWords(s story) string {
	if !s.counted {
		return "viewers unknown"
	}
	return thousands(s.viewers) + " watching now"
}

func hostWords(s story) string {
	n, ok := s.names[s.id]
	switch {
	case !ok:
		return "host unknown"
	case n.Publisher == "":
		return "no host given"
	}
	return "host " + shownName(n.Publisher)
}

// streamWords says how the channel gets its video, which decides whether a
// stop (of a pulled stream) can end it.
func streamWords(s story) string {
	if !s.streamed {
		return "push or pull unknown"
	}
	switch {
	case s.stream.Pushed():
		return "pushed by an encoder"
	case s.stream.Pulled():
		return "pulled by Polyv from a source"
	}
	switch shown := s.stream.Shown(); shown {
	case "disk":
		return "played from a stored video"
	case "audio":
		return "audio only"
	case "":
		return "push or pull not given"
	default:
		return "stream type “" + escape(shown) + "”"
	}
}

// thousands writes n with commas between groups of three digits: 1,234.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
