package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// The cache's tests run in synctest bubbles: time.Sleep moves the bubble's
// clock at once, and synctest.Wait returns when every lookup has finished
// or is held at its gate.

func TestGroupCacheHitAndExpiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		// No stale window: an expired entry must be looked up again at once.
		g := NewGroupCache(dir, WithTTL(time.Minute), WithMaxStale(time.Minute))

		requireMember(t, g, "S1A", "U1A", true)
		requireMember(t, g, "S1A", "U2B", false)
		synctest.Wait()
		require.Equal(t, int32(1), dir.calls.Load(), "second lookup is a cache hit")

		dir.set(func(d *fakeDir) { d.members["S1A"] = []string{"U2B"} })
		time.Sleep(59 * time.Second)
		requireMember(t, g, "S1A", "U1A", true)
		synctest.Wait()
		require.Equal(t, int32(1), dir.calls.Load(), "still fresh")

		time.Sleep(time.Second)
		ok, err := g.IsMember(context.Background(), "S1A", "U1A")
		require.NoError(t, err)
		require.False(t, ok, "expired entry was looked up again")
		require.Equal(t, int32(2), dir.calls.Load())
	})
}

func TestGroupCacheServesStaleWhileRefreshing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		g := NewGroupCache(dir, WithTTL(time.Minute))
		requireMember(t, g, "S1A", "U1A", true)

		gate := make(chan struct{})
		dir.set(func(d *fakeDir) { d.members["S1A"], d.gate = nil, gate })
		time.Sleep(90 * time.Second)
		requireMember(t, g, "S1A", "U1A", true) // stale, answered while the refresh is held
		synctest.Wait()
		require.Equal(t, int32(2), dir.calls.Load(), "a refresh started")
		requireMember(t, g, "S1A", "U1A", true) // refresh running: no second call
		synctest.Wait()
		require.Equal(t, int32(2), dir.calls.Load())

		close(gate)
		synctest.Wait()
		requireMember(t, g, "S1A", "U1A", false) // the refreshed list replaced the stale one
		require.Equal(t, int32(2), dir.calls.Load())
	})
}

func TestGroupCachePastMaxStaleBlocks(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		g := NewGroupCache(dir, WithTTL(time.Minute), WithMaxStale(2*time.Minute))
		requireMember(t, g, "S1A", "U1A", true)

		gate := make(chan struct{})
		dir.set(func(d *fakeDir) { d.members["S1A"], d.gate = nil, gate })
		time.Sleep(2 * time.Minute)
		res := make(chan bool, 1)
		go func() {
			ok, _ := g.IsMember(context.Background(), "S1A", "U1A")
			res <- ok
		}()
		synctest.Wait()
		require.Equal(t, int32(2), dir.calls.Load(), "the lookup started")
		select {
		case <-res:
			t.Fatal("answered from an entry older than the max staleness")
		default:
		}
		close(gate)
		require.False(t, recv(t, res), "caller got the fresh answer")
	})
}

func TestGroupCacheSharesConcurrentLookups(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		gate := make(chan struct{})
		dir.gate = gate
		g := NewGroupCache(dir)

		const n = 1000
		var done sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			done.Go(func() {
				ok, err := g.IsMember(context.Background(), "S1A", "U1A")
				if err == nil && !ok {
					err = errors.New("member reported as non-member")
				}
				if err != nil {
					errs <- err
				}
			})
		}
		synctest.Wait() // all n callers wait on the one lookup held at the gate
		close(gate)
		done.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Equal(t, int32(1), dir.calls.Load())
	})
}

func TestGroupCacheLogsOncePerCause(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var buf syncBuffer
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		dir.err = errors.New("missing_scope")
		g := NewGroupCache(dir, WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))

		failures := func(n int) {
			t.Helper()
			for range n {
				time.Sleep(maxErrorBackoff) // every check reaches the Directory
				ok, err := g.IsMember(context.Background(), "S1A", "U1A")
				require.False(t, ok)
				require.Error(t, err)
			}
		}
		failures(100)
		require.Equal(t, int32(100), dir.calls.Load())
		require.Equal(t, 1, strings.Count(buf.String(), "lookup failed"), buf.String())
		require.Contains(t, buf.String(), "missing_scope")

		dir.set(func(d *fakeDir) { d.err = errors.New("ratelimited") })
		failures(10)
		require.Equal(t, 2, strings.Count(buf.String(), "lookup failed"), "a new cause is logged")

		dir.set(func(d *fakeDir) { d.err = nil })
		time.Sleep(maxErrorBackoff)
		requireMember(t, g, "S1A", "U1A", true)
		require.Equal(t, 1, strings.Count(buf.String(), "level=INFO msg=\"user-group lookup recovered\""), buf.String())

		dir.set(func(d *fakeDir) { d.err = errors.New("ratelimited") })
		time.Sleep(10 * DefaultGroupTTL) // past max staleness
		failures(1)
		require.Equal(t, 3, strings.Count(buf.String(), "lookup failed"), "a failure after recovery is news")
	})
}

func TestGroupCacheBacksOffAfterFailure(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(nil)
		dir.err = errors.New("missing_scope")
		g := NewGroupCache(dir)
		for range 50 {
			_, err := g.IsMember(context.Background(), "S1A", "U1A")
			require.ErrorContains(t, err, "missing_scope")
		}
		require.Equal(t, int32(1), dir.calls.Load(), "failure remembered for the backoff")
		time.Sleep(maxErrorBackoff)
		_, err := g.IsMember(context.Background(), "S1A", "U1A")
		require.Error(t, err)
		require.Equal(t, int32(2), dir.calls.Load())
	})
}

func TestGroupCacheDirectoryPanicFailsClosed(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var buf syncBuffer
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		dir.panics = "nil map"
		g := NewGroupCache(dir, WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))

		ok, err := g.IsMember(context.Background(), "S1A", "U1A")
		require.False(t, ok)
		require.ErrorContains(t, err, "nil map")
		require.Contains(t, buf.String(), "lookup failed")

		dir.set(func(d *fakeDir) { d.panics = nil })
		time.Sleep(maxErrorBackoff)
		requireMember(t, g, "S1A", "U1A", true)
	})
}

func TestGroupCacheCallerCancelDoesNotCancelLookup(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		gate := make(chan struct{})
		dir.gate = gate
		g := NewGroupCache(dir)

		ctx, cancel := context.WithCancel(context.Background())
		res := make(chan error, 1)
		go func() {
			_, err := g.IsMember(ctx, "S1A", "U1A")
			res <- err
		}()
		synctest.Wait()
		require.Equal(t, int32(1), dir.calls.Load(), "the lookup started")
		cancel()
		require.ErrorIs(t, recv(t, res), context.Canceled)
		close(gate)
		synctest.Wait()
		requireMember(t, g, "S1A", "U1A", true)
		require.Equal(t, int32(1), dir.calls.Load(), "the shared lookup finished and was cached")
	})
}

func TestGroupCacheLookupTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		gate := make(chan struct{})
		dir.gate = gate
		g := NewGroupCache(dir)

		start := time.Now()
		ok, err := g.IsMember(context.Background(), "S1A", "U1A")
		require.False(t, ok)
		require.ErrorIs(t, err, context.DeadlineExceeded, "a caller without a deadline still gets an answer")
		require.Equal(t, lookupTimeout, time.Since(start))
		close(gate)
	})
}

func TestGroupCacheForgetsGroupsNoLongerAsked(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		g := NewGroupCache(dir) // max staleness 5 minutes
		maxLen := 0
		for i := range 2000 {
			requireMember(t, g, fmt.Sprintf("S%05d", i), "U1A", false)
			time.Sleep(time.Second)
			maxLen = max(maxLen, g.len())
		}
		// Groups of the last two sweep periods at most: 600, not 2000.
		require.LessOrEqual(t, maxLen, 2*300+1)

		time.Sleep(time.Hour)
		requireMember(t, g, "S1A", "U1A", true)
		require.Equal(t, 1, g.len(), "every group idle for the max staleness is forgotten")
	})
}

func TestGroupCacheSweepKeepsLookupsInFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		dir := newFakeDir(map[string][]string{"S1A": {"U1A"}})
		gate := make(chan struct{})
		dir.gate, dir.started = gate, make(chan string, 2)
		// Max staleness 25 s, so a sweep is due before the held lookup times out.
		g := NewGroupCache(dir, WithTTL(5*time.Second))

		res := make(chan bool, 1)
		go func() {
			ok, _ := g.IsMember(context.Background(), "S1A", "U1A")
			res <- ok
		}()
		require.Equal(t, "S1A", recv(t, dir.started))
		time.Sleep(25 * time.Second)
		canceled, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := g.IsMember(canceled, "S2B", "U1A") // sweeps while S1A is in flight
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, "S2B", recv(t, dir.started))
		close(gate)
		require.True(t, recv(t, res))
		requireMember(t, g, "S1A", "U1A", true)
		require.Equal(t, int32(2), dir.calls.Load(), "S1A's lookup was kept and cached, not repeated")
	})
}

func requireMember(t *testing.T, g *GroupCache, group, user string, want bool) {
	t.Helper()
	// The deadline only turns a wrongly blocking lookup into a failure.
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()
	ok, err := g.IsMember(ctx, group, user)
	require.NoError(t, err)
	require.Equal(t, want, ok, "IsMember(%s, %s)", group, user)
}

// failAfter bounds waits that only a broken implementation would exceed;
// no test asserts on speed.
const failAfter = 10 * time.Second

// recv receives from ch, failing the test rather than hanging.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(failAfter):
		t.Fatal("timed out: the code under test is stuck")
		panic("unreachable")
	}
}

// len is the number of groups the cache tracks.
func (g *GroupCache) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.entries)
}
