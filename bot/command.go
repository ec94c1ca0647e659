package bot

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack/slackutilsx"
)

// Verb is what a command asks the bot to do.
type Verb string

// The verbs the bot understands. Verbs are matched case-insensitively (ASCII
// only), so a responder with caps lock on still gets `STOP` done, while look-alike
// letters such as the long s in "ſtop" are rejected.
const (
	VerbHelp   Verb = "help"
	VerbStop   Verb = "stop"
	VerbStatus Verb = "status"
)

// Limits on what one command may carry.
const (
	// MaxChannels is how many Polyv channel ids one command may name.
	MaxChannels = 20
	// MaxReasonRunes bounds the reason so that the parent message and the audit
	// line stay readable.
	MaxReasonRunes = 500
	// MaxCommandBytes bounds the whole text; Slack allows far more.
	MaxCommandBytes = 4000
	// MaxChannelID is the largest id Polyv's int channel ids can hold.
	MaxChannelID = 2147483647
)

// Command is a parsed slash command.
type Command struct {
	Verb       Verb
	ChannelIDs []int64 // distinct, in the order given
	Reason     string  // free text after the ids (stop only); not escaped
}

// UsageError is a command that cannot be run as typed. Its message is meant for
// the person who typed it, who also gets the usage.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ParseCommand parses the text after the slash command:
//
//	stop <channelId>… [reason…]
//	status <channelId>…
//	help
//
// An empty text means help. Ids are plain ASCII decimal integers from 1 to
// 2147483647, separated by spaces or commas, without signs, leading zeros,
// exponents or non-ASCII digits; any bad id rejects the whole command.
func ParseCommand(text string) (Command, error) {
	if len(text) > MaxCommandBytes {
		return Command{}, usagef("that command is %d bytes long; the limit is %d", len(text), MaxCommandBytes)
	}
	if !utf8.ValidString(text) {
		return Command{}, usagef("the command is not valid UTF-8 text")
	}
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Command{Verb: VerbHelp}, nil
	}
	verb, rest := asciiLower(fields[0]), fields[1:]
	switch Verb(verb) {
	case VerbHelp, "-h", "--help", "?":
		return Command{Verb: VerbHelp}, nil
	case VerbStop:
		return parseStop(rest)
	case VerbStatus:
		return parseStatus(rest)
	}
	if looksLikeID(fields[0]) {
		return Command{}, usagef("say what to do with it, e.g. `stop %s`", quote(fields[0]))
	}
	return Command{}, usagef("unknown command `%s`", quote(fields[0]))
}

func parseStop(args []string) (Command, error) {
	ids, rest, err := parseIDs(args)
	if err != nil {
		return Command{}, err
	}
	if len(ids) == 0 {
		return Command{}, usagef("`stop` needs the Polyv channel id to stop, e.g. `stop 10001 stream leaked`")
	}
	reason, err := parseReason(rest)
	if err != nil {
		return Command{}, err
	}
	return Command{Verb: VerbStop, ChannelIDs: ids, Reason: reason}, nil
}

func parseStatus(args []string) (Command, error) {
	ids, rest, err := parseIDs(args)
	if err != nil {
		return Command{}, err
	}
	if len(ids) == 0 {
		return Command{}, usagef("`status` needs at least one Polyv channel id, e.g. `status 10001`")
	}
	if len(rest) > 0 {
		return Command{}, usagef("`status` takes only channel ids; `%s` is not one", quote(rest[0]))
	}
	return Command{Verb: VerbStatus, ChannelIDs: ids}, nil
}

// parseIDs takes the leading fields that look like ids (start with a digit, a
// sign or any numeric rune) and returns the distinct ids and the fields after
// them. A field that looks like an id but is not a valid one is an error rather
// than the start of the reason, so `stop 1O001` never stops the wrong stream.
func parseIDs(fields []string) ([]int64, []string, error) {
	var ids []int64
	seen := make(map[int64]bool)
	i := 0
	for ; i < len(fields) && looksLikeID(fields[i]); i++ {
		for _, part := range strings.Split(fields[i], ",") {
			if part == "" {
				continue
			}
			id, err := parseID(part)
			if err != nil {
				return nil, nil, err
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) > MaxChannels {
		return nil, nil, usagef("that is %d channels; one command may name at most %d", len(ids), MaxChannels)
	}
	return ids, fields[i:], nil
}

func looksLikeID(field string) bool {
	r, _ := utf8.DecodeRuneInString(field)
	return r == '+' || r == '-' || r == ',' || unicode.IsNumber(r)
}

// parseID accepts exactly [1-9][0-9]* up to MaxChannelID.
func parseID(s string) (int64, error) {
	bad := func(why string) error {
		return usagef("`%s` is not a Polyv channel id: %s", quote(s), why)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, bad("ids are whole numbers written with the digits 0-9 only")
		}
		if i == 0 && c == '0' {
			return 0, bad("ids are from 1 to 2147483647 and have no leading zeros")
		}
		n = n*10 + int64(c-'0')
		if n > MaxChannelID {
			return 0, bad("ids are from 1 to 2147483647")
		}
	}
	return n, nil
}

func parseReason(fields []string) (string, error) {
	reason := strings.Join(fields, " ")
	for _, r := range reason {
		if isControl(r) {
			return "", usagef("the reason contains a control or text-direction character (%U); type it again as plain text", r)
		}
	}
	if n := utf8.RuneCountInString(reason); n > MaxReasonRunes {
		return "", usagef("the reason is %d characters long; keep it under %d", n, MaxReasonRunes)
	}
	return reason, nil
}

// isControl reports runes that would corrupt an audit line or flip how the
// rest of a message reads (bidirectional overrides and isolates).
func isControl(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F', r == '\u061C':
		return true
	}
	return false
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// quote makes user text safe to show inside a code span: escaped for Slack,
// control characters made visible, backticks replaced, and cut to a length a
// person can read.
func quote(s string) string {
	const max = 40
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		switch {
		case r == '`':
			r = '\''
		case isControl(r) || r == utf8.RuneError:
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return slackutilsx.EscapeMessage(b.String())
}

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// asUsageError reports whether err is a UsageError and returns it.
func asUsageError(err error) (*UsageError, bool) {
	var ue *UsageError
	ok := errors.As(err, &ue)
	return ue, ok
}
