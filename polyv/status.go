package polyv

import "fmt"

// LiveStatus is a channel's liveStatus as Polyv reports it.
type LiveStatus string

// The liveStatus values Polyv documents.
const (
	StatusUnstart  LiveStatus = "unStart"
	StatusLive     LiveStatus = "live"
	StatusEnd      LiveStatus = "end"
	StatusWaiting  LiveStatus = "waiting"
	StatusPlayback LiveStatus = "playback"
	StatusBanpush  LiveStatus = "banpush"
)

// IsLive reports whether s says the channel is streaming now: "live" in any
// letter case.
func (s LiveStatus) IsLive() bool { return s.canonical() == StatusLive }

// IsNotLive reports whether s is a documented value that means the channel is
// not streaming: unStart, end, waiting, playback or banpush, in any letter
// case. "" (no status) and undocumented values are neither IsLive nor
// IsNotLive: they prove nothing either way.
func (s LiveStatus) IsNotLive() bool {
	switch s.canonical() {
	case StatusUnstart, StatusEnd, StatusWaiting, StatusPlayback, StatusBanpush:
		return true
	}
	return false
}

// Describe returns the status in words a responder understands, such as
// "live (streaming now)" or "ended", whatever the letter case. Values Polyv
// has not documented are shown cleaned as `unknown status "x"`, with "with
// spaces or invisible characters" added when only those make it unknown,
// and "" as "no status given".
func (s LiveStatus) Describe() string {
	switch s.canonical() {
	case StatusUnstart:
		return "not started"
	case StatusLive:
		return "live (streaming now)"
	case StatusEnd:
		return "ended"
	case StatusWaiting:
		return "waiting"
	case StatusPlayback:
		return "playback"
	case StatusBanpush:
		return "banned from pushing"
	case "":
		return "no status given"
	}
	shown := string(s.Shown())
	switch {
	case shown == "":
		return "unknown status made only of spaces or invisible characters"
	case LiveStatus(shown).documented():
		return fmt.Sprintf("unknown status %q with spaces or invisible characters", shown)
	}
	return fmt.Sprintf("unknown status %q", shown)
}

// Shown is s as a person may see it: the documented value it spells in any
// letter case, or else s cleaned of control and invisible characters and
// cut to 40 characters. Describe words it in English; a caller that words
// statuses in another language starts from it.
func (s LiveStatus) Shown() LiveStatus {
	if c := s.canonical(); c.documented() {
		return c
	}
	return LiveStatus(sanitize(string(s), maxShownStatus))
}

// Limits on a status that is not a documented value: how much of it is
// kept, and how much of it is shown.
const (
	maxRawStatus   = 100
	maxShownStatus = 40
)

// reported is a row's liveStatus as the client keeps it: a documented value
// in any letter case becomes that value; anything else is kept as sent
// (see asSent).
func reported(raw string, redact func(string) string) LiveStatus {
	if st := LiveStatus(raw).canonical(); st.documented() {
		return st
	}
	return LiveStatus(asSent(raw, redact))
}

// asSent is an undocumented value of a field that carries meaning (a
// liveStatus, a streamType) as the client keeps it: as Polyv sent it (cut
// to maxRawStatus bytes), never cleaned, so that the methods that say what
// a value means cannot match what cleaning alone turns into a documented
// value. The appSecret is redacted. When cleaning would join the pieces of
// a secret that an invisible character keeps apart (and showing it
// cleans), the cleaned, redacted form is kept instead: it says
// "[redacted]", which no documented value does.
func asSent(raw string, redact func(string) string) string {
	if redact != nil {
		raw = redact(raw)
		if c := clean(raw); redact(c) != c {
			return keep(raw, maxShownStatus, redact)
		}
	}
	return cut(raw, maxRawStatus)
}

// documented reports whether s is one of the values Polyv documents, in any
// letter case.
func (s LiveStatus) documented() bool { return s.IsLive() || s.IsNotLive() }

// canonical returns the documented value s spells in another letter case,
// or s itself.
func (s LiveStatus) canonical() LiveStatus {
	for _, d := range [...]LiveStatus{StatusUnstart, StatusLive, StatusEnd, StatusWaiting, StatusPlayback, StatusBanpush} {
		if equalFoldASCII(string(s), string(d)) {
			return d
		}
	}
	return s
}

// equalFoldASCII is strings.EqualFold for ASCII letters only. Unicode folding
// would read "ſuccess" (long s) as "success" and "playbacK" (Kelvin sign) as
// "playback": words Polyv never sends must not pass for ones it does.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
