package bot

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkEnvelopeSet measures one add at 150 envelopes a second on a
// simulated clock, after the set has been filled for a while: the cost
// must stay flat past the 10-minute window, where it used to copy every
// remaining id on every add. A benchmark cannot run in a synctest bubble,
// so the set reads a time the benchmark moves itself.
func BenchmarkEnvelopeSet(b *testing.B) {
	const rate = 150
	for _, filled := range []time.Duration{time.Minute, 11 * time.Minute, 30 * time.Minute} {
		b.Run("after "+filled.String(), func(b *testing.B) {
			now := epoch
			s := newEnvelopeSet(10*time.Minute, func() time.Time { return now })
			n := 0
			add := func() {
				now = now.Add(time.Second / rate)
				s.add("env-" + strconv.Itoa(n))
				n++
			}
			for range int(filled.Seconds()) * rate {
				add()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				add()
			}
		})
	}
}

func TestEnvelopeSetRemembersForTheWindow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := newEnvelopeSet(10*time.Minute, time.Now)
		require.False(t, s.add("a"), "new")
		require.True(t, s.add("a"), "seen")
		time.Sleep(9*time.Minute + 59*time.Second)
		require.True(t, s.add("a"), "still within the window")
		for i := range 20 * 60 {
			time.Sleep(time.Second)
			s.add(fmt.Sprint("other-", i))
		}
		require.False(t, s.add("a"), "forgotten after the window")
	})
}

func TestRecentFreesMemoryWhileIdle(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := newRecent(10*time.Minute, time.Now)
		for i := range 1000 {
			require.False(t, r.add(strconv.Itoa(i)))
		}
		time.Sleep(10 * time.Minute)
		r.sweep()
		require.Equal(t, 1000, r.size(), "still within the window (plus one span)")
		require.True(t, r.add("7"), "remembered")
		time.Sleep(2 * time.Minute)
		r.sweep()
		require.Zero(t, r.size(), "an idle bot frees what left the window")
		require.False(t, r.add("7"), "forgotten")
	})
}

// TestTicketIsUsedOnceUnderConcurrentClicks: a double click whose two
// payloads are handled at once still runs the stop once.
func TestTicketIsUsedOnceUnderConcurrentClicks(t *testing.T) {
	t.Parallel()
	tk := newTickets(nil, 2*time.Minute, time.Now)
	value := tk.issue(Request{ID: "env-1", User: responder, Channel: opsChannel, Command: Command{Verb: VerbStop, ChannelIDs: []int64{10001}}})
	const clicks = 32
	decisions := make(chan Decision, clicks)
	var start sync.WaitGroup
	start.Add(1)
	var done sync.WaitGroup
	for range clicks {
		done.Go(func() {
			start.Wait()
			_, d, err := tk.redeem(value, responder)
			require.NoError(t, err)
			decisions <- d
		})
	}
	start.Done()
	done.Wait()
	close(decisions)
	count := map[Decision]int{}
	for d := range decisions {
		count[d]++
	}
	require.Equal(t, map[Decision]int{Allowed: 1, Used: clicks - 1}, count)
}

// BenchmarkTicketsRedeem is one click redeemed while 36 000 tickets are
// remembered as used: the prompts' map used to scan them all on every add.
func BenchmarkTicketsRedeem(b *testing.B) {
	tk := newTickets(nil, 2*time.Minute, time.Now)
	req := Request{ID: "env", User: responder, Channel: opsChannel, Command: Command{Verb: VerbStop, ChannelIDs: []int64{10001}}}
	for i := range 36000 {
		req.ID = "env-used-" + strconv.Itoa(i)
		_, _, _ = tk.redeem(tk.issue(req), responder)
	}
	values := make([]string, b.N)
	for i := range values {
		req.ID = "env-" + strconv.Itoa(i)
		values[i] = tk.issue(req)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, v := range values {
		if _, d, _ := tk.redeem(v, responder); d != Allowed {
			b.Fatal(d)
		}
	}
}

// A wall clock that steps back (NTP, a VM restored) must never make the
// de-duplication or used-ticket set forget an id early. A bubble's clock
// never steps back, so the set reads a wall clock that does: the bubble's
// time less the step, without a monotonic reading, so the set sees the
// step as it would real time when the monotonic clock is missing, the
// worst case.
func TestRecentSurvivesABackwardClockStep(t *testing.T) {
	t.Parallel()
	const window = 10 * time.Minute
	for _, step := range []time.Duration{window / 10, window + window/10, 2 * window, 24 * time.Hour} {
		t.Run("back "+step.String(), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				wall := &steppingWall{}
				r := newRecent(window, wall.now)
				require.False(t, r.add("a"))
				wall.back = step
				for i := range 100 {
					require.False(t, r.add(fmt.Sprint("other-", i)))
					time.Sleep(window / 100)
				}
				r.sweep()
				require.True(t, r.add("a"), "remembered for the window of time that passed, whatever the clock said")
			})
		})
	}
}

// steppingWall is a wall clock set back from the bubble's by back, whose
// times carry no monotonic reading.
type steppingWall struct{ back time.Duration }

func (w *steppingWall) now() time.Time { return time.Now().Add(-w.back).Round(0) }

// Once time has moved on past the window, a stepped-back set forgets as it
// should: the step delays forgetting, it does not make the set hold ids
// for ever.
func TestRecentForgetsAfterTheWindowDespiteAStep(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		wall := &steppingWall{}
		r := newRecent(10*time.Minute, wall.now)
		require.False(t, r.add("a"))
		wall.back = time.Minute
		time.Sleep(time.Minute + 12*time.Minute)
		r.sweep()
		require.Zero(t, r.size())
		require.False(t, r.add("a"))
	})
}
