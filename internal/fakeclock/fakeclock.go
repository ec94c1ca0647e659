// Package fakeclock is a settable clock for tests: time moves only when a
// test says so, so code that waits can be tested without sleeping.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a settable clock. Now returns the time it was set to; a channel
// from After fires once Advance has moved the clock to its time. It is safe
// for concurrent use.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	auto    bool
	timers  []timer
	changed chan struct{} // closed and replaced whenever a timer is added
}

type timer struct {
	at time.Time
	c  chan time.Time
}

// New returns a clock set to start.
func New(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// SetAuto makes every later After move the clock forward by its duration
// at once (and fire what falls due meanwhile): code that waits then runs
// through its waits in an instant, on a timeline a test can predict.
func (c *Clock) SetAuto(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.auto = on
}

// After returns a channel that receives the clock's time once it reaches
// now+d; at once when d <= 0 or the clock moves by itself (SetAuto).
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if c.auto && d > 0 {
		c.advanceLocked(d)
	}
	if d <= 0 || c.auto {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, timer{at: c.now.Add(d), c: ch})
	close(c.changed)
	c.changed = make(chan struct{})
	return ch
}

// Advance moves the clock forward by d and fires every timer that is due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advanceLocked(d)
}

func (c *Clock) advanceLocked(d time.Duration) {
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.c <- t.at // when it was due, as a real timer says
	}
	clear(c.timers[len(kept):])
	c.timers = kept
}

// Set moves the clock to t (forward only) and fires what is due.
func (c *Clock) Set(t time.Time) {
	c.Advance(t.Sub(c.Now()))
}

// Waiting reports how many timers have not fired yet.
func (c *Clock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitFor blocks until at least n timers are waiting, or until done is
// closed; it reports whether they were. Tests use it to know that the code
// under test has started to wait before they advance the clock.
func (c *Clock) WaitFor(n int, done <-chan struct{}) bool {
	for {
		c.mu.Lock()
		got, changed := len(c.timers), c.changed
		c.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-changed:
		case <-done:
			return false
		}
	}
}
