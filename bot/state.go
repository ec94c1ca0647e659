package bot

import (
	"sync"
	"time"
)

// envelopeSet remembers envelope ids for a while, so that an envelope Slack
// delivers twice is acked and answered again but not run twice.
type envelopeSet struct{ ids *recent }

func newEnvelopeSet(window time.Duration, now func() time.Time) *envelopeSet {
	return &envelopeSet{ids: newRecent(window, now)}
}

// add records id and reports whether it was seen already.
func (s *envelopeSet) add(id string) bool {
	return id != "" && s.ids.add(id)
}

// recent remembers keys for at least a window of time. It keeps them in a
// ring of time buckets, each a tenth of the window: add costs the same
// however many keys it holds, and a bucket that leaves the window is
// dropped whole (when it is reused, or by sweep while the bot is idle).
//
// Buckets count spans of time elapsed since the set was made, never the
// wall clock's epoch: time.Now's monotonic reading makes Sub immune to the
// wall clock stepping (NTP, a restored VM), and for times without one (a
// test's stepping wall clock) the count never goes back, so a step back
// only makes the set remember longer. A step forward of a clock without a
// monotonic reading does pass for elapsed time.
type recent struct {
	mu      sync.Mutex
	span    time.Duration // one bucket's share of the window
	now     func() time.Time
	start   time.Time // when the set was made
	latest  int64     // the latest span seen: the count never goes back
	buckets [recentBuckets]recentBucket
}

// recentBuckets is the ring's size: ten spans make the window, and one more
// holds the keys of the current span.
const recentBuckets = 11

type recentBucket struct {
	epoch int64 // which span of time it holds, counted from recent.start
	keys  map[string]struct{}
}

func newRecent(window time.Duration, now func() time.Time) *recent {
	return &recent{span: max(window/(recentBuckets-1), time.Millisecond), now: now, start: now()}
}

// add remembers key, for at least the window from now, and reports whether
// it was remembered already. Checking and remembering are one step, so of
// two concurrent adds of a key exactly one sees it new.
func (r *recent) add(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	epoch := r.epoch()
	for i := range r.buckets {
		b := &r.buckets[i]
		if _, ok := b.keys[key]; ok && epoch-b.epoch < recentBuckets {
			return true
		}
	}
	b := &r.buckets[epoch%recentBuckets]
	if b.epoch != epoch || b.keys == nil {
		*b = recentBucket{epoch: epoch, keys: make(map[string]struct{})}
	}
	b.keys[key] = struct{}{}
	return false
}

// sweep frees the buckets that have left the window.
func (r *recent) sweep() {
	r.mu.Lock()
	defer r.mu.Unlock()
	epoch := r.epoch()
	for i := range r.buckets {
		if b := &r.buckets[i]; b.keys != nil && epoch-b.epoch >= recentBuckets {
			*b = recentBucket{}
		}
	}
}

// size counts the keys held, expired buckets included until they are swept.
func (r *recent) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.buckets {
		n += len(b.keys)
	}
	return n
}

// epoch is the span of time now is in, counted from the set's start; r.mu
// held.
func (r *recent) epoch() int64 {
	r.latest = max(r.latest, int64(r.now().Sub(r.start)/r.span))
	return r.latest
}

// flights guards against two people stopping the same Polyv channel at once:
// the first claims it, the second is told where it is already happening.
type flights struct {
	mu sync.Mutex
	m  map[int64]flight
}

type flight struct {
	user   string
	thread *thread // the holder's, which says where it is once posted
}

func newFlights() *flights { return &flights{m: make(map[int64]flight)} }

// claim takes the ids nobody else is stopping for user's command, told in
// th; busy maps the others to the flight that holds them.
func (f *flights) claim(ids []int64, user string, th *thread) (claimed []int64, busy map[int64]flight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if other, ok := f.m[id]; ok {
			if busy == nil {
				busy = make(map[int64]flight)
			}
			busy[id] = other
			continue
		}
		f.m[id] = flight{user: user, thread: th}
		claimed = append(claimed, id)
	}
	return claimed, busy
}

// release frees the ids that owner's command holds; an id someone else
// claimed after owner had released it early stays theirs.
func (f *flights) release(ids []int64, owner *thread) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if f.m[id].thread == owner {
			delete(f.m, id)
		}
	}
}
