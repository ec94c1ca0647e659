package auth

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestUserLimiterBurstThenRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		perMinute float64
		burst     int
		wantBurst int
		wantRetry time.Duration // after the burst is spent
	}{
		{name: "defaults", perMinute: DefaultUserPerMinute, burst: DefaultUserBurst, wantBurst: 5, wantRetry: 6 * time.Second},
		{name: "one a minute", perMinute: 1, burst: 1, wantBurst: 1, wantRetry: time.Minute},
		{name: "fast", perMinute: 120, burst: 3, wantBurst: 3, wantRetry: 500 * time.Millisecond},
		{name: "zero means defaults", perMinute: 0, burst: 0, wantBurst: 5, wantRetry: 6 * time.Second},
		{name: "negative means defaults", perMinute: -3, burst: -1, wantBurst: 5, wantRetry: 6 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				l := NewUserLimiter(tt.perMinute, tt.burst)
				for i := range tt.wantBurst {
					ok, retry := l.Take("U1A")
					require.True(t, ok, "take %d of the burst", i+1)
					require.Zero(t, retry)
				}
				ok, retry := l.Take("U1A")
				require.False(t, ok)
				require.InDelta(t, tt.wantRetry, retry, float64(time.Millisecond))
				require.GreaterOrEqual(t, retry, tt.wantRetry, "never tells a caller to come back too early")

				ok, _ = l.Take("U2B")
				require.True(t, ok, "other users have their own bucket")

				time.Sleep(retry / 2)
				ok, retry2 := l.Take("U1A")
				require.False(t, ok)
				require.InDelta(t, retry-retry/2, retry2, float64(time.Millisecond), "a refused take costs nothing")

				time.Sleep(retry2)
				ok, _ = l.Take("U1A")
				require.True(t, ok, "refilled after retryAfter")
			})
		})
	}
}

func TestUserLimiterEviction(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewUserLimiter(10, 5) // a bucket refills in 30s
		maxLen := 0
		for i := range 10_000 {
			ok, _ := l.Take(fmt.Sprintf("U%06d", i))
			require.True(t, ok)
			time.Sleep(time.Second)
			maxLen = max(maxLen, l.Len())
		}
		// Users of the last two refill periods at most: 60, not 10 000.
		require.LessOrEqual(t, maxLen, 62)

		time.Sleep(time.Hour)
		l.Take("U1A")
		require.Equal(t, 1, l.Len(), "everyone idle for a refill period is forgotten")
	})
}

func TestUserLimiterEvictionKeepsPartialBuckets(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewUserLimiter(10, 5) // a token every 6s, full in 30s
		l.Take("U2B")              // the first sweep happens here
		time.Sleep(20 * time.Second)
		for range 5 {
			l.Take("U1A")
		}
		time.Sleep(13 * time.Second) // a sweep is due; U1A has regained 2 tokens of 5
		require.Equal(t, 2, l.Len())
		for range 2 {
			ok, _ := l.Take("U1A")
			require.True(t, ok)
		}
		ok, _ := l.Take("U1A")
		require.False(t, ok, "a partly spent bucket survives the sweep")
		require.Equal(t, 1, l.Len(), "U2B, full again, was dropped")
	})
}

func TestUserLimiterConcurrent(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := NewUserLimiter(60, 10)
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for range 100 {
			wg.Go(func() {
				if ok, _ := l.Take("U1A"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Equal(t, 10, allowed, "exactly the burst, however the calls interleave")
	})
}
