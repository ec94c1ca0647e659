package bot

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// pool runs accepted requests on a fixed number of workers, so that the
// event reader never waits for slow work. Its one WaitGroup counts every
// job, the verdicts the verifier will hand on included (reserve), so that
// a drain waits for all of them. Its queue is per process and bounded twice: by count, and by time,
// since a command run minutes after it was typed helps nobody. A request the
// workers are not expected to start within maxWait is refused at once, and
// one that still waited longer is answered "busy" instead of being run.
type pool struct {
	jobs    chan Request
	workers int
	maxWait time.Duration
	service atomic.Int64 // a moving average of how long a request keeps a worker, in ns
	pending sync.WaitGroup
}

func newPool(workers, queue int, maxWait time.Duration) *pool {
	return &pool{jobs: make(chan Request, queue), workers: workers, maxWait: maxWait}
}

// admission is what submit made of a request.
type admission int

const (
	accepted admission = iota
	queueFull
)

// submit queues req unless its queue is full or the requests ahead of it
// would keep the workers busy past maxWait. The socket's reader is the only
// caller, and it has stopped before a drain starts.
func (q *pool) submit(req Request) admission {
	if q.expectedWait() > q.maxWait {
		return queueFull
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

// reserve counts a job that handOn will queue later: a verification's
// verdict, which the drain waits for from the moment its stop is verified.
func (q *pool) reserve() { q.pending.Add(1) }

// aside runs f beside the workers, counted like a job so that a drain
// waits for it: a private answer that cannot wait for a worker (the queue
// refused its request, or the ack that carried it failed). The event reader
// is the only caller.
func (q *pool) aside(f func()) { q.pending.Go(f) }

// handOn queues a reserved job. It waits for room rather than drop a
// verdict; the workers keep taking jobs until the verifier has stopped.
func (q *pool) handOn(req Request) { q.jobs <- req }

// expectedWait is how long a request queued now would wait for a worker:
// the requests ahead of it, times how long one keeps a worker, shared among
// the workers.
func (q *pool) expectedWait() time.Duration {
	ahead := time.Duration(len(q.jobs) + 1)
	return ahead * time.Duration(q.service.Load()) / time.Duration(q.workers)
}

// work runs queued requests with run until stop is closed; each runs on
// ctx, which the drain cancels when its grace period is over.
func (q *pool) work(ctx context.Context, stop <-chan struct{}, run func(context.Context, Request)) {
	for {
		select {
		case <-stop:
			return
		case req := <-q.jobs:
			start := time.Now()
			run(ctx, req)
			q.observe(time.Since(start))
			q.pending.Done()
		}
	}
}

// observe moves the average service time an eighth of the way to d.
func (q *pool) observe(d time.Duration) {
	for {
		old := q.service.Load()
		next := old + (int64(d)-old)/8
		if old == 0 {
			next = int64(d)
		}
		if q.service.CompareAndSwap(old, next) {
			return
		}
	}
}

// drain waits for the accepted requests: for grace, then, after cancel
// (the commands still running end early but post their outcome), for at
// most final more. It reports whether everything finished.
func (q *pool) drain(grace, final time.Duration, cancel func()) bool {
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
