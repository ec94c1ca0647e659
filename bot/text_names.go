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
func (wd words) statusLine(s story) string {
	if !s.listed {
		return wd.f("• Polyv channel %s", wd.noStatusWords(s))
	}
	return wd.f("• Polyv channel %s: %s", s.names.named(s.id), strings.Join([]string{
		wd.liveStatus(s.status), wd.viewersWords(s), wd.hostWords(s), wd.streamWords(s)}, " · "))
}

// promptLine is one channel of the confirmation prompt: what the stop will
// end, as far as Polyv told it in time.
func (wd words) promptLine(s story) string {
	if !s.listed && s.read {
		return "• " + wd.noStatusWords(s)
	}
	status := wd.f("live status unknown")
	if s.listed {
		status = wd.liveStatus(s.status)
	}
	return wd.f("• %s: %s · %s", s.names.named(s.id), status, wd.viewersWords(s))
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
func (wd words) noStatusWords(s story) string {
	if s.unknown() {
		return wd.f("%d: unknown to Polyv (no such channel in this account); check the id", digits(s.id))
	}
	return wd.f("%s: Polyv returned no status (does the channel exist?)", s.names.named(s.id))
}

// viewersWords is how many watch, a count formatted for the language.
func (wd words) viewersWords(s story) string {
	if !s.counted {
		return wd.f("viewers unknown")
	}
	return wd.f("%d watching now", s.viewers)
}

func (wd words) hostWords(s story) string {
	n, ok := s.names[s.id]
	switch {
	case !ok:
		return wd.f("host unknown")
	case n.Publisher == "":
		return wd.f("no host given")
	}
	return wd.f("host %s", shownName(n.Publisher))
}

// streamWords says how the channel gets its video, which decides whether a
// stop (of a pulled stream) can end it.
func (wd words) streamWords(s story) string {
	if !s.streamed {
		return wd.f("push or pull unknown")
	}
	switch {
	case s.stream.Pushed():
		return wd.f("pushed by an encoder")
	case s.stream.Pulled():
		return wd.f("pulled by Polyv from a source")
	}
	switch shown := s.stream.Shown(); shown {
	case "disk":
		return wd.f("played from a stored video")
	case "audio":
		return wd.f("audio only")
	case "":
		return wd.f("push or pull not given")
	default:
		return wd.f("stream type “%s”", escape(shown))
	}
}
