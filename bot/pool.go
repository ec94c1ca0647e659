package bot

import (
	"context"
	"sync"
	"time"
)

// pool runs accepted requests on a fixed number of workers, so that the
// event reader never waits for slow work. It also counts every piece of
// background work a request starts (spawn), so that a drain waits for all
// of it. Its queue is per process: a full queue refuses at once rather than
// letting a request wait.
type pool struct {
	jobs     chan Request
	mu       sync.Mutex // guards draining and the first pending.Add of a request
	draining bool
	pending  sync.WaitGroup
}

func newPool(queue int) *pool { return &pool{jobs: make(chan Request, queue)} }

// admission is what submit made of a request.
type admission int

const (
	accepted admission = iota
	queueFull
	shuttingDown
)

// submit queues req unless the pool is draining or its queue is full.
func (q *pool) submit(req Request) admission {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.draining {
		return shuttingDown
	}
	q.pending.Add(1) // before a worker can take it and call Done
	select {
	case q.jobs <- req:
		return accepted
	default:
		q.pending.Done()
		return queueFull
	}
}

// spawn runs f in the background as part of a request that is already
// pending, so that the drain waits for it too.
func (q *pool) spawn(f func()) {
	q.pending.Add(1)
	go func() {
		defer q.pending.Done()
		f()
	}()
}

// work runs queued requests with run until stop is closed; each runs on
// ctx, which the drain cancels when its grace period is over.
func (q *pool) work(ctx context.Context, stop <-chan struct{}, run func(context.Context, Request)) {
	for {
		select {
		case <-stop:
			return
		case req := <-q.jobs:
			run(ctx, req)
			q.pending.Done()
		}
	}
}

// drain stops admitting requests and waits for the accepted ones: for
// grace, then, after cancel (the commands still running end early but post
// their outcome), for at most final more. It reports whether everything
// finished.
func (q *pool) drain(grace, final time.Duration, cancel func()) bool {
	q.mu.Lock()
	q.draining = true
	q.mu.Unlock()
	done := make(chan struct{})
	go func() {
		q.pending.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(grace):
		cancel()
	}
	select {
	case <-done:
		return true
	case <-time.After(final):
		return false
	}
}
