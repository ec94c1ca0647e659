package auth

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for USER_RATE_LIMIT_PER_MINUTE and USER_RATE_LIMIT_BURST.
const (
	DefaultUserPerMinute = 10
	DefaultUserBurst     = 5
)

// UserLimiter is a token bucket per Slack user, so one person (or one
// stuck script) cannot spend the shared Polyv budget. Buckets that have
// refilled completely are dropped, since they are indistinguishable from
// new ones; memory is bounded by the users active in the last refill period
// however many ever called. It is safe for concurrent use and starts no
// goroutine.
type UserLimiter struct {
	limit     rate.Limit
	burst     int
	refill    time.Duration // time for an empty bucket to fill: burst / rate
	mu        sync.Mutex
	users     map[string]*rate.Limiter
	lastSweep time.Time
}

// NewUserLimiter returns a limiter allowing perMinute commands a minute per
// user with bursts of burst. The configuration layer validates the values;
// here a perMinute that is not a positive finite number, or a burst <= 0,
// is treated as the default (DefaultUserPerMinute, DefaultUserBurst)
// rather than as "unlimited" or "nothing".
func NewUserLimiter(perMinute float64, burst int) *UserLimiter {
	if !(perMinute > 0) || math.IsInf(perMinute, 0) {
		perMinute = DefaultUserPerMinute
	}
	if burst <= 0 {
		burst = DefaultUserBurst
	}
	l := &UserLimiter{
		limit: rate.Limit(perMinute / 60),
		burst: burst,
		users: make(map[string]*rate.Limiter),
	}
	l.refill = time.Duration(math.Ceil(float64(burst) / perMinute * float64(time.Minute)))
	return l
}

// Take takes one token for userID; when refused it returns how long until
// one is available.
func (l *UserLimiter) Take(userID string) (ok bool, retryAfter time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	lim, found := l.users[userID]
	if !found {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.users[userID] = lim
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - lim.TokensAt(now)
	// Round up: a retry at exactly retryAfter must succeed.
	return false, time.Duration(math.Ceil(missing / float64(l.limit) * float64(time.Second)))
}

// Len is the number of tracked users (for tests and metrics).
func (l *UserLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users)
}

// sweepLocked drops full buckets, at most once per refill period so the
// cost stays amortised: O(users) work per period. Caller holds l.mu.
func (l *UserLimiter) sweepLocked(now time.Time) {
	if now.Sub(l.lastSweep) < l.refill {
		return
	}
	l.lastSweep = now
	full := float64(l.burst)
	for id, lim := range l.users {
		if lim.TokensAt(now) >= full {
			delete(l.users, id)
		}
	}
}
