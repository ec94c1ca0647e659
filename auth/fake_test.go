package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/polyvbot/polyvbot/internal/fakeclock"
	"github.com/polyvbot/polyvbot/internal/logtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeDir is a Directory that counts calls and can be made to fail or block.
type fakeDir struct {
	calls atomic.Int32

	mu      sync.Mutex
	members map[string][]string
	err     error
	errFor  map[string]error // per-group failures, checked after err
	gate    chan struct{}    // when non-nil, calls wait for it to close
	started chan string      // when non-nil, receives the group of every call
	handles map[string]string
	hCalls  atomic.Int32
}

func newFakeDir(members map[string][]string) *fakeDir {
	return &fakeDir{members: members}
}

func (d *fakeDir) UserGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	d.calls.Add(1)
	d.mu.Lock()
	gate, started := d.gate, d.started
	d.mu.Unlock()
	if started != nil {
		started <- groupID
	}
	if gate != nil {
		<-gate
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return nil, d.err
	}
	if err := d.errFor[groupID]; err != nil {
		return nil, err
	}
	return append([]string(nil), d.members[groupID]...), nil
}

func (d *fakeDir) set(f func(d *fakeDir)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d)
}

// handleDir adds group handles to fakeDir.
type handleDir struct{ *fakeDir }

func (d handleDir) UserGroupHandles(ctx context.Context) (map[string]string, error) {
	d.hCalls.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.handles, nil
}

// newFakeClock is the shared settable clock, set to a fixed start.
func newFakeClock() *fakeclock.Clock {
	return fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

// syncBuffer captures logs written from many goroutines.
type syncBuffer = logtest.Buffer
