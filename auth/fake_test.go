package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/polyvbot/polyvbot/internal/logtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeDir is a Directory that counts calls and can be made to fail or
// block. Like Slack's client, a blocked call gives up when its ctx ends.
type fakeDir struct {
	calls atomic.Int32

	mu      sync.Mutex
	members map[string][]string
	err     error
	errFor  map[string]error // per-group failures, checked after err
	panics  any              // when non-nil, calls panic with it
	gate    chan struct{}    // when non-nil, calls wait for it to close
	started chan string      // when non-nil, receives the group of every call
	handles map[string]string
	hGate   chan struct{} // like gate, for UserGroupHandles
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
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.panics != nil {
		panic(d.panics)
	}
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
	gate := d.hGate
	d.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.handles, nil
}

// syncBuffer captures logs written from many goroutines.
type syncBuffer = logtest.Buffer
