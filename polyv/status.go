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
// has not documented are shown as `unknown status "x"`, and "" as
// "no status given".
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
	return fmt.Sprintf("unknown status %q", sanitize(string(s), 40))
}

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
