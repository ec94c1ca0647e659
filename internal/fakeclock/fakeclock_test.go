package fakeclock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/internal/fakeclock"
)

var start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestAfterFiresOnlyWhenTheClockGetsThere(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(start)
	early, late := c.After(time.Second), c.After(3*time.Second)
	require.Equal(t, 2, c.Waiting())

	c.Advance(999 * time.Millisecond)
	require.Empty(t, early)
	c.Advance(time.Millisecond)
	require.Equal(t, start.Add(time.Second), <-early)
	require.Empty(t, late)
	require.Equal(t, 1, c.Waiting())

	c.Set(start.Add(5 * time.Second))
	require.Equal(t, start.Add(3*time.Second), <-late, "a timer says when it was due")
	require.Zero(t, c.Waiting())
	require.Equal(t, start.Add(5*time.Second), c.Now())
}

func TestAfterZeroFiresAtOnce(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(start)
	require.Equal(t, start, <-c.After(0))
	require.Zero(t, c.Waiting())
}

func TestWaitForSeesATimerStartedElsewhere(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(start)
	fired := make(chan time.Time)
	go func() { fired <- <-c.After(time.Minute) }()
	require.True(t, c.WaitFor(1, make(chan struct{})))
	c.Advance(time.Minute)
	require.Equal(t, start.Add(time.Minute), <-fired)

	done := make(chan struct{})
	close(done)
	require.False(t, c.WaitFor(5, done), "gives up when done is closed")
}

func TestAutoMovesTheClockByEachWait(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(start)
	pending := c.After(2 * time.Second)
	c.SetAuto(true)
	require.Equal(t, start.Add(time.Second), <-c.After(time.Second))
	require.Empty(t, pending, "not due yet")
	require.Equal(t, start.Add(3*time.Second), <-c.After(2*time.Second))
	require.Equal(t, start.Add(2*time.Second), <-pending, "fired on the way")
	require.Equal(t, start.Add(3*time.Second), c.Now())
}
