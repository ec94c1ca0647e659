package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
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
	// VerbBan cuts off what an encoder pushes to a channel (Polyv's
	// 禁止推流), which a pull stop cannot end; VerbResume lifts it.
	VerbBan    Verb = "ban"
	VerbResume Verb = "resume"
)

// verbAliases are the Chinese verbs a responder may type instead of the
// English ones: the same command, audited under the English verb.
var verbAliases = []struct {
	alias string
	verb  Verb
}{{"停止", VerbStop}, {"状态", VerbStatus}, {"封禁", VerbBan}, {"恢复", VerbResume}, {"帮助", VerbHelp}}

// verbOf is the verb a command's first word names: its English verb for an
// alias, else the word in ASCII lower case.
func verbOf(word string) string {
	for _, a := range verbAliases {
		if word == a.alias {
			return string(a.verb)
		}
	}
	return asciiLower(word)
}

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
	// Reason is the free text after the ids (stop, ban, resume) as the person typed
	// it: Slack's &amp; &lt; &gt; are decoded once, so whoever posts it must
	// escape it once. Runs of white space are one space.
	Reason string
	// ReasonMarked is true when a marker (`--`, `—`, `–`, `-` or a colon)
	// said where the reason starts. An empty reason is never marked.
	ReasonMarked bool
}

// Ambiguous reports a stop (or ban, or resume) whose reason may have
// started with a number that was read as a channel id: several ids
// followed by a reason without a marker, as in `stop 10001 2 viewers`. The
// bot must then say which channels it acts on and how to mark the reason.
func (c Command) Ambiguous() bool {
	return c.Verb.takesReason() && len(c.ChannelIDs) > 1 && c.Reason != "" && !c.ReasonMarked
}

// takesReason reports the verbs that act on channels, which all read
// `<id>… [-- reason]` alike.
func (v Verb) takesReason() bool { return v == VerbStop || v == VerbBan || v == VerbResume }

// UsageError is a command that cannot be run as typed: which Problem, and
// the words it is about. Its Error text, worded in text.go, is meant for the
// person who typed it, who also gets the usage.
type UsageError struct {
	Problem Problem
	Verb    Verb   // the verb being read, when known
	Arg     string // the word the problem is about, as typed
	N       int    // a length, a count or a rune, where the problem has one
}

func (e *UsageError) Error() string { return english.usageProblem(e) }

// Problem is what is wrong with a command.
type Problem int

// The problems ParseCommand reports.
const (
	TooLong          Problem = iota + 1 // N bytes: over MaxCommandBytes
	NotUTF8                             // the text is not UTF-8
	NoVerb                              // Arg is an id typed without a verb
	UnknownVerb                         // Arg is not a verb
	NoChannel                           // Verb was given no channel id; Arg, when set, is the word where one belongs
	NoReasonHere                        // status with a reason marker
	NotAnID                             // status: Arg is not a channel id
	TooManyChannels                     // N channels: over MaxChannels
	NotDigits                           // Arg is not written with the digits 0-9 only
	LeadingZero                         // Arg starts with 0
	OutOfRange                          // Arg is above MaxChannelID
	NotPolyvLink                        // Arg, after ids, is a link but not Polyv's
	NoChannelBadLink                    // Arg, the first word, is a link but not Polyv's
	LinkWithoutID                       // Arg is a Polyv link that shows no single channel
	ReasonControl                       // N is a control or text-direction rune in the reason
	ReasonTooLong                       // N runes: over MaxReasonRunes
)

// ParseCommand parses the text after the slash command:
//
//	stop <channelId>… [-- reason…]
//	ban <channelId>… [-- reason…]
//	resume <channelId>… [-- reason…]
//	status <channelId>…
//	help
//
// An empty text means help. Ids are plain ASCII decimal integers from 1 to
// 2147483647, separated by spaces or commas, without signs, leading zeros,
// exponents or non-ASCII digits; any bad id rejects the whole command. An id
// may also be written `#10001` or as a link to the channel's Polyv watch or
// console page.
//
// The reason starts at the first word that is not an id, or after a marker:
// `--`, its typographic substitutes `—` and `–`, a lone `-`, or a colon alone
// or at the end of the last id (`stop 10001: 2 viewers`). Everything after a
// marker is the reason, numbers and links included.
//
// Slack sends &, < and > as &amp;, &lt; and &gt;; they are decoded once
// before anything else reads the text.
func ParseCommand(text string) (Command, error) {
	if len(text) > MaxCommandBytes {
		return Command{}, &UsageError{Problem: TooLong, N: len(text)}
	}
	if !utf8.ValidString(text) {
		return Command{}, &UsageError{Problem: NotUTF8}
	}
	fields := joinBracketed(strings.Fields(slackEntities.Replace(text)))
	if len(fields) == 0 {
		return Command{Verb: VerbHelp}, nil
	}
	verb, rest := verbOf(fields[0]), fields[1:]
	switch Verb(verb) {
	case VerbHelp, "-h", "--help", "?":
		return Command{Verb: VerbHelp}, nil
	case VerbStop, VerbBan, VerbResume:
		return parseAction(Verb(verb), rest)
	case VerbStatus:
		return parseStatus(rest)
	}
	if isChannelRef(fields[0]) {
		return Command{}, &UsageError{Problem: NoVerb, Arg: fields[0]}
	}
	return Command{}, &UsageError{Problem: UnknownVerb, Arg: fields[0]}
}

// parseAction reads an acting verb's arguments: stop, ban and resume share
// one grammar, its limits and its refusals.
func parseAction(verb Verb, fields []string) (Command, error) {
	a, err := parseArgs(verb, fields)
	if err != nil {
		return Command{}, err
	}
	if len(a.ids) == 0 {
		return Command{}, noChannel(verb, a)
	}
	reason, err := parseReason(verb, a.reason)
	if err != nil {
		return Command{}, err
	}
	return Command{Verb: verb, ChannelIDs: a.ids, Reason: reason, ReasonMarked: a.marked && reason != ""}, nil
}

func parseStatus(fields []string) (Command, error) {
	a, err := parseArgs(VerbStatus, fields)
	if err != nil {
		return Command{}, err
	}
	if len(a.ids) == 0 {
		return Command{}, noChannel(VerbStatus, a)
	}
	if a.marked {
		return Command{}, &UsageError{Problem: NoReasonHere, Verb: VerbStatus}
	}
	if len(a.reason) > 0 {
		return Command{}, &UsageError{Problem: NotAnID, Verb: VerbStatus, Arg: a.reason[0]}
	}
	return Command{Verb: VerbStatus, ChannelIDs: a.ids}, nil
}

// noChannel refuses a command without ids, naming the word where the first
// id belongs (`stop abc`), unless a marker said the words are a reason.
func noChannel(verb Verb, a args) error {
	e := &UsageError{Problem: NoChannel, Verb: verb}
	if !a.marked && len(a.reason) > 0 {
		e.Arg = a.reason[0]
	}
	return e
}

// args is what follows the verb.
type args struct {
	ids    []int64  // distinct, in the order given
	reason []string // the words after the ids
	marked bool     // a marker ended the ids
}

// parseArgs takes the leading words that name channels and returns the
// distinct ids and the words after them. A word that looks like an id but is
// not a valid one is an error rather than the start of the reason, so
// `stop 1O001` never stops the wrong stream; so is a link that does not name
// a Polyv channel.
func parseArgs(verb Verb, fields []string) (args, error) {
	var a args
	seen := make(map[int64]bool)
	for i, f := range fields {
		if isMarker(f) {
			a.reason, a.marked = fields[i+1:], true
			break
		}
		ref, colon := cutColon(f)
		if !isChannelRef(ref) {
			a.reason = fields[i:]
			break
		}
		ids, err := parseChannelRef(verb, ref, len(a.ids) > 0)
		if err != nil {
			return args{}, err
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				a.ids = append(a.ids, id)
			}
		}
		if colon {
			a.reason, a.marked = fields[i+1:], true
			break
		}
	}
	if len(a.ids) > MaxChannels {
		return args{}, &UsageError{Problem: TooManyChannels, Verb: verb, N: len(a.ids)}
	}
	return a, nil
}

// isMarker reports a word that only says "the reason starts here". The
// dashes are what macOS and phone keyboards make of a typed `--`; the
// full-width colon is what Chinese input methods type.
func isMarker(field string) bool {
	switch field {
	case "--", "—", "–", "-", ":", "：":
		return true
	}
	return false
}

// cutColon removes a colon that ends a word, as in `stop 10001: reason`.
func cutColon(field string) (string, bool) {
	for _, c := range []string{":", "："} {
		if rest, ok := strings.CutSuffix(field, c); ok && rest != "" {
			return rest, true
		}
	}
	return field, false
}

// isChannelRef reports a word that names channels or tries to: ids (start
// with a digit, a sign or any numeric rune), `#10001`, or a web link.
func isChannelRef(field string) bool {
	return looksLikeID(field) || (strings.HasPrefix(field, "#") && looksLikeID(field[1:])) || isLink(field)
}

func looksLikeID(field string) bool {
	r, _ := utf8.DecodeRuneInString(field)
	return r == '+' || r == '-' || r == ',' || unicode.IsNumber(r)
}

func parseChannelRef(verb Verb, ref string, haveIDs bool) ([]int64, error) {
	if isLink(ref) {
		id, err := parseLink(verb, ref, haveIDs)
		if err != nil {
			return nil, err
		}
		return []int64{id}, nil
	}
	var ids []int64
	for _, part := range strings.Split(ref, ",") {
		if part == "" {
			continue
		}
		if len(part) > 1 {
			part = strings.TrimPrefix(part, "#")
		}
		id, err := parseID(part)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// parseID accepts exactly [1-9][0-9]* up to MaxChannelID.
func parseID(s string) (int64, error) {
	bad := func(p Problem) error { return &UsageError{Problem: p, Arg: s} }
	if s == "" {
		return 0, bad(NotDigits)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, bad(NotDigits)
		}
		if i == 0 && c == '0' {
			return 0, bad(LeadingZero)
		}
		n = n*10 + int64(c-'0')
		if n > MaxChannelID {
			return 0, bad(OutOfRange)
		}
	}
	return n, nil
}

func parseReason(verb Verb, fields []string) (string, error) {
	reason := strings.Join(fields, " ")
	for _, r := range reason {
		if isControl(r) {
			return "", &UsageError{Problem: ReasonControl, Verb: verb, N: int(r)}
		}
	}
	if n := utf8.RuneCountInString(reason); n > MaxReasonRunes {
		return "", &UsageError{Problem: ReasonTooLong, Verb: verb, N: n}
	}
	return reason, nil
}

// slackEntities decodes the three entities Slack uses for &, < and > in
// all text, once and only those: a Replacer does not rescan what it wrote,
// so `A&amp;lt;B` reads `A&lt;B`, as typed.
var slackEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// joinBracketed keeps a Slack link whose label has spaces
// (`<https://…|Watch the launch>`) in one word. Words are joined with one
// space, as the reason joins them, so the reason reads the same either way.
func joinBracketed(fields []string) []string {
	out := make([]string, 0, len(fields))
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.HasPrefix(f, "<") && strings.Contains(f, "|") && !strings.Contains(f, ">") {
			for j := i + 1; j < len(fields); j++ {
				if strings.Contains(fields[j], ">") {
					f = strings.Join(fields[i:j+1], " ")
					i = j
					break
				}
			}
		}
		out = append(out, f)
	}
	return out
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
