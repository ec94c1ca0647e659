package polyv

import "time"

// CallStats is what one logical call cost: the time it waited for limiter
// tokens and the HTTP attempts it made. StopPullStream returns them with its
// result; the bot writes them to its audit line.
type CallStats struct {
	LimiterWait time.Duration
	Attempts    int
}
