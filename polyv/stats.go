package polyv

import (
	"context"
	"time"
)

// CallStats is what one logical call cost: the time it waited for limiter
// tokens and the HTTP attempts it made. The bot writes them to its audit line.
type CallStats struct {
	LimiterWait time.Duration
	Attempts    int
}

type statsKey struct{}

// WithCallStats returns a context under which a StopPullStream or LiveStatus
// call records its costs in s. s must not be shared by concurrent calls.
func WithCallStats(ctx context.Context, s *CallStats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

func recordWait(ctx context.Context, wait time.Duration) {
	if s, ok := ctx.Value(statsKey{}).(*CallStats); ok {
		s.LimiterWait += wait
	}
}

func recordAttempt(ctx context.Context) {
	if s, ok := ctx.Value(statsKey{}).(*CallStats); ok {
		s.Attempts++
	}
}
