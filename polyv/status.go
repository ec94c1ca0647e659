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

// Describe returns the status in words a responder understands, such as
// "live (streaming now)" or "ended". Values Polyv has not documented are shown
// as `unknown status "x"`.
func (s LiveStatus) Describe() string {
	switch s {
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
	}
	return fmt.Sprintf("unknown status %q", sanitize(string(s), 40))
}
