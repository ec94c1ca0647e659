package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// The names tests run in synctest bubbles: a slow Polyv costs no real time,
// and how long a Lookup took is exact.

func TestNamesCacheHitMakesNoCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		n := testNames(t, f)
		require.Equal(t, map[int64]channelName{10001: f.want(10001)}, n.Lookup(t.Context(), []int64{10001}, time.Second))
		for range 3 {
			require.Equal(t, map[int64]channelName{10001: f.want(10001)}, n.Lookup(t.Context(), []int64{10001}, 0))
		}
		require.Equal(t, 1, f.callsOf(10001))
	})
}

func TestNamesOneLookupPerChannel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		f.delay = 100 * time.Millisecond
		n := testNames(t, f)
		var wg sync.WaitGroup
		got := make([]map[int64]channelName, 50)
		for i := range got {
			wg.Go(func() { got[i] = n.Lookup(t.Context(), []int64{10001, 10002, 10001}, time.Second) })
		}
		wg.Wait()
		want := map[int64]channelName{10001: f.want(10001), 10002: f.want(10002)}
		for i := range got {
			require.Equal(t, want, got[i], "lookup %d", i)
		}
		require.Equal(t, 1, f.callsOf(10001))
		require.Equal(t, 1, f.callsOf(10002))
	})
}

// TestNamesSlowLookupDelaysNothing: a message waits its stated bound for a
// name and no more; the lookup goes on, and a later message has the name.
func TestNamesSlowLookupDelaysNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		f.delay = 5 * time.Second
		n := testNames(t, f, withLookupTimeout(10*time.Second))
		start := time.Now()
		require.Empty(t, n.Lookup(t.Context(), []int64{10001}, 300*time.Millisecond))
		require.Equal(t, 300*time.Millisecond, time.Since(start))

		// A second message joins the lookup in flight, and has the name as
		// soon as it arrives.
		require.Equal(t, map[int64]channelName{10001: f.want(10001)}, n.Lookup(t.Context(), []int64{10001}, time.Minute))
		require.Equal(t, 5*time.Second, time.Since(start))
		require.Equal(t, map[int64]channelName{10001: f.want(10001)}, n.Lookup(t.Context(), []int64{10001}, 0))
		require.Equal(t, 1, f.callsOf(10001))
	})
}

func TestNamesLookupEndsWithItsContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		f.delay = 5 * time.Second
		n := testNames(t, f)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		require.Empty(t, n.Lookup(ctx, []int64{10001}, time.Minute))
		require.Equal(t, 100*time.Millisecond, time.Since(start))
	})
}

// TestNamesExpire: a name is kept for nameTTL, a channel Polyv does not
// know and a failed lookup for missTTL; then Polyv is asked again.
func TestNamesExpire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		delay time.Duration
		want  map[int64]channelName
		ttl   time.Duration
	}{
		{"a name", nil, 0, map[int64]channelName{10001: {Title: "channel 10001", Publisher: "host 10001"}}, nameTTL},
		{"not found", fmt.Errorf("polyv channel-info: %w", polyv.ErrChannelNotFound), 0, map[int64]channelName{10001: {NotFound: true}}, missTTL},
		{"failed", fmt.Errorf("polyv channel-info: %w", polyv.ErrServer), 0, map[int64]channelName{}, missTTL},
		{"timed out", nil, time.Hour, map[int64]channelName{}, missTTL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFakeNames()
				f.err, f.delay = tc.err, tc.delay
				n := testNames(t, f)
				require.Equal(t, tc.want, n.Lookup(t.Context(), []int64{10001}, 2*lookupTimeout))
				done := time.Now()
				time.Sleep(tc.ttl - time.Nanosecond)
				require.Equal(t, tc.want, n.Lookup(t.Context(), []int64{10001}, 0))
				require.Equal(t, 1, f.callsOf(10001), "kept until its time is up")

				time.Sleep(time.Nanosecond)
				require.Equal(t, tc.ttl, time.Since(done))
				n.Lookup(t.Context(), []int64{10001}, 0)
				synctest.Wait()
				require.Equal(t, 2, f.callsOf(10001), "asked again")
			})
		})
	}
}

func TestNamesKeepAtMostMaxOldestOut(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		n := testNames(t, f, withMaxNames(2))
		for _, id := range []int64{10001, 10002, 10003} {
			require.Len(t, n.Lookup(t.Context(), []int64{id}, time.Second), 1)
		}
		got := n.Lookup(t.Context(), []int64{10001, 10002, 10003}, 0)
		require.Equal(t, map[int64]channelName{10002: f.want(10002), 10003: f.want(10003)}, got)
		synctest.Wait()
		require.Equal(t, map[int64]int{10001: 2, 10002: 1, 10003: 1}, f.allCalls(), "the oldest was dropped and asked again")
		require.Len(t, n.entries, 2)
	})
}

// TestNamesBudget: names leave the global bucket's reserve to stops, and
// keep to their own budget.
func TestNamesBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		global func() *rate.Limiter
		ids    int
		calls  int
	}{
		{"no global limiter: names' own burst", func() *rate.Limiter { return nil }, 20, nameBurst},
		{"a full bucket", func() *rate.Limiter { return rate.NewLimiter(100, 100) }, 20, nameBurst},
		{"more than the reserve free", func() *rate.Limiter { return drained(rate.NewLimiter(100, 100), 49) }, 1, 1},
		{"only the reserve free", func() *rate.Limiter { return drained(rate.NewLimiter(100, 100), 50) }, 1, 0},
		{"nearly empty", func() *rate.Limiter { return drained(rate.NewLimiter(1, 10), 9) }, 1, 0},
		{"stops waiting in the bucket", func() *rate.Limiter { return drained(rate.NewLimiter(1, 10), 15) }, 1, 0},
		{"the default bucket: five names at once, half left to stops", func() *rate.Limiter { return rate.NewLimiter(1, 10) }, 8, 5},
		{"no limit at all", func() *rate.Limiter { return rate.NewLimiter(rate.Inf, 0) }, 20, nameBurst},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFakeNames()
				n := testNames(t, f, withQuota(tc.global()))
				for id := range int64(tc.ids) {
					n.Lookup(t.Context(), []int64{10001 + id}, time.Second)
				}
				synctest.Wait()
				require.Equal(t, tc.calls, f.total())
			})
		})
	}
}

// TestNamesShareOfTheGlobalRate: names refill at a tenth of the global
// rate, so in a long burst of stops at that rate they add at most a tenth.
func TestNamesShareOfTheGlobalRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		n := testNames(t, f, withQuota(rate.NewLimiter(20, 100))) // names: 2/s, burst 10
		id := int64(10001)
		look := func(count int) {
			for range count {
				n.Lookup(t.Context(), []int64{id}, time.Second)
				id++
			}
		}
		look(nameBurst + 1)
		require.Equal(t, nameBurst, f.total(), "the burst, then nothing")
		time.Sleep(time.Second)
		look(5)
		require.Equal(t, nameBurst+2, f.total(), "two more a second later")
	})
}

// TestNamesAtMostMaxLookupsInFlight: a slow Polyv ties up maxLookups
// lookups, not one per channel named.
func TestNamesAtMostMaxLookupsInFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		f.delay = time.Second
		n := testNames(t, f)
		ids := []int64{10001, 10002, 10003, 10004, 10005, 10006}
		require.Len(t, n.Lookup(t.Context(), ids, time.Minute), maxLookups)
		require.Equal(t, maxLookups, f.total())
		require.Len(t, n.Lookup(t.Context(), ids, time.Minute), len(ids), "the rest on the next message")
	})
}

func TestNamesCloseEndsLookups(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeNames()
		f.delay = time.Hour
		n := newNames(f, withLookupTimeout(2*time.Hour))
		waited := make(chan map[int64]channelName)
		go func() { waited <- n.Lookup(context.Background(), []int64{10001}, 3*time.Hour) }()
		synctest.Wait()
		start := time.Now()
		n.Close()
		require.Empty(t, <-waited, "a waiting message goes without the name")
		require.Zero(t, time.Since(start), "Close cancels, it does not wait the lookup out")
		require.Empty(t, n.Lookup(context.Background(), []int64{10002}, time.Minute))
		require.Equal(t, map[int64]int{10001: 1}, f.allCalls(), "no lookup after Close")
	})
}

// TestNamesFromPolyv: with the real client, a name comes back as Polyv
// sent it, however hostile (escaping is the wording's), cut to
// polyv.MaxNameBytes; a channel Polyv does not know is NotFound.
func TestNamesFromPolyv(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	srv := polyvtest.NewServer(testAppID, testAppSecret)
	t.Cleanup(srv.Close)
	srv.SetName(10001, "<!channel> pwn", "<@U0ADMIN> *host*")
	srv.SetName(10002, long, long)
	srv.Unknown(10003)
	c := polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL(srv.URL))
	n := testNames(t, c, withQuota(rate.NewLimiter(100, 100)))

	got := n.Lookup(t.Context(), []int64{10001, 10002, 10003}, time.Minute)
	cut := long[:polyv.MaxNameBytes-len("…")] + "…"
	require.Equal(t, map[int64]channelName{
		10001: {Title: "<!channel> pwn", Publisher: "<@U0ADMIN> *host*"},
		10002: {Title: cut, Publisher: cut},
		10003: {NotFound: true},
	}, got)
	require.Len(t, got[10002].Title, polyv.MaxNameBytes)
	require.Len(t, srv.Calls(), 3)
}

func BenchmarkNamesLookupCached(b *testing.B) {
	f := newFakeNames()
	n := newNames(f)
	defer n.Close()
	ids := []int64{10001}
	require.Len(b, n.Lookup(context.Background(), ids, time.Minute), 1)
	b.ReportAllocs()
	for b.Loop() {
		n.Lookup(context.Background(), ids, time.Second)
	}
}

// testNames is a names cache closed when the test ends.
func testNames(t *testing.T, r channelReader, opts ...namesOption) *names {
	t.Helper()
	n := newNames(r, opts...)
	t.Cleanup(n.Close)
	return n
}

// drained takes n tokens from l, as stops do; beyond its tokens, as stops
// waiting in it.
func drained(l *rate.Limiter, n int) *rate.Limiter {
	for range n {
		l.Reserve()
	}
	return l
}

// fakeNames is a Polyv that names channel id "channel <id>", hosted by
// "host <id>", after delay (or fails with err), honouring the context.
type fakeNames struct {
	delay time.Duration
	err   error

	mu    sync.Mutex
	calls map[int64]int
}

func newFakeNames() *fakeNames { return &fakeNames{calls: map[int64]int{}} }

func (f *fakeNames) TryChannelInfo(ctx context.Context, id int64) (polyv.ChannelInfo, error) {
	f.mu.Lock()
	f.calls[id]++
	f.mu.Unlock()
	t := time.NewTimer(f.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return polyv.ChannelInfo{}, fmt.Errorf("polyv channel-info: %w", ctx.Err())
	}
	if f.err != nil {
		return polyv.ChannelInfo{}, f.err
	}
	w := f.want(id)
	return polyv.ChannelInfo{ID: id, Name: w.Title, Publisher: w.Publisher}, nil
}

func (f *fakeNames) want(id int64) channelName {
	return channelName{Title: fmt.Sprintf("channel %d", id), Publisher: fmt.Sprintf("host %d", id)}
}

func (f *fakeNames) callsOf(id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

func (f *fakeNames) allCalls() map[int64]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[int64]int{}
	for id, c := range f.calls {
		out[id] = c
	}
	return out
}

func (f *fakeNames) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	sum := 0
	for _, c := range f.calls {
		sum += c
	}
	return sum
}
