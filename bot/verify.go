package bot

import (
	"context"
	"slices"
	"sync"
	"time"
)

// verifier checks, for the whole process, that the channels Polyv accepted
// stops for are no longer live, and whether those whose answer was unclear
// are. Each channel is checked at 1, 3, 7 and 15 fifteenths of the
// verification window after its stop: early for the usual quick stop,
// sparse later so that polling does not drain the global bucket. The verifier keeps every channel awaiting a check with its due
// time and, each round, asks Polyv about all the channels due then in one
// call (the live-status list takes up to 200 ids), so that a burst of N
// stops costs about N/200 status calls per round, not N. Commands do not
// wait for it: a worker is free once the stop's outcome is posted.
//
// A status call takes a global token only if one is free at once; when
// the bucket is short the check is missed and the channel waits for its next
// round, so verification never holds back a stop.
type verifier struct {
	p      *pipeline
	mu     sync.Mutex
	queue  []*watch      // channels awaiting a check
	wake   chan struct{} // a channel was added
	outbox outbox        // what the verdicts post to Slack
}

// verification is one command's stop being verified.
type verification struct {
	rec   *Record
	th    *thread
	head  string // what the parent says, before the verdicts
	open  int    // channels not decided yet
	end   func() // releases the command's claims; called once, when all are decided
	start time.Time
	mu    sync.Mutex
	posts []func() // its posts not yet made, in order
	busy  bool     // a poster has it, or it waits for one
}

// watch is one channel awaiting a check.
type watch struct {
	id    int64
	v     *verification
	round int // checks done so far
	due   time.Time
	check Check
}

// statusBatch is the most ids Polyv's live-status list takes in one call.
const statusBatch = 200

// rounds is how many checks a channel gets within the window.
const rounds = 4

func newVerifier(p *pipeline) *verifier {
	return &verifier{p: p, wake: make(chan struct{}, 1)}
}

// add starts verifying the channels of rec that Polyv said it stopped, or
// whose answer was unclear; head is what the parent says meanwhile, and
// end runs once all are decided, before the record is written.
func (vf *verifier) add(rec *Record, th *thread, head string, end func()) {
	ids := toVerify(rec.Channels)
	rec.Verifying = true
	// Until its record is written, the verification counts as work the
	// drain waits for.
	done := vf.p.track()
	v := &verification{rec: rec, th: th, head: head, open: len(ids), start: vf.p.clock.Now(), end: func() { end(); done() }}
	vf.mu.Lock()
	for _, id := range ids {
		vf.queue = append(vf.queue, &watch{id: id, v: v, due: v.start.Add(vf.step(1)), check: Check{Verdict: Unverified, Why: ShutDown}})
	}
	vf.mu.Unlock()
	select {
	case vf.wake <- struct{}{}:
	default:
	}
}

// run checks what is due until ctx ends, then cuts the rest short: a
// shutdown proves nothing either way, and the threads say so. It returns
// once every verdict is posted.
func (vf *verifier) run(ctx context.Context) {
	posters := vf.outbox.start(posterCount)
	defer posters()
	for {
		var timer <-chan time.Time
		if next, ok := vf.nextDue(); ok {
			timer = vf.p.clock.After(next.Sub(vf.p.clock.Now()))
		}
		select {
		case <-ctx.Done():
			vf.cut()
			return
		case <-vf.wake:
		case <-timer:
			vf.round(ctx)
		}
	}
}

// step is when check n (1-based) is due after the stop: 1, 3, 7 and 15
// fifteenths of the window.
func (vf *verifier) step(n int) time.Duration {
	return time.Duration(1<<n-1) * vf.p.set.VerifyWindow / 15
}

func (vf *verifier) nextDue() (time.Time, bool) {
	vf.mu.Lock()
	defer vf.mu.Unlock()
	if len(vf.queue) == 0 {
		return time.Time{}, false
	}
	next := vf.queue[0].due
	for _, w := range vf.queue[1:] {
		if w.due.Before(next) {
			next = w.due
		}
	}
	return next, true
}

// round checks every channel due now, or within a sixtieth of the window:
// a little early rather than one call per stop of a burst.
func (vf *verifier) round(ctx context.Context) {
	horizon := vf.p.clock.Now().Add(vf.p.set.VerifyWindow / 60)
	vf.mu.Lock()
	var due []*watch
	vf.queue = slices.DeleteFunc(vf.queue, func(w *watch) bool {
		if w.due.After(horizon) {
			return false
		}
		due = append(due, w)
		return true
	})
	vf.mu.Unlock()
	for batch := range slices.Chunk(due, statusBatch) {
		vf.checkBatch(ctx, batch)
	}
}

// checkBatch asks Polyv about a batch once and decides, or reschedules,
// each channel in it.
func (vf *verifier) checkBatch(ctx context.Context, batch []*watch) {
	ids := make([]int64, len(batch))
	for i, w := range batch {
		ids[i] = w.id
	}
	cctx, cancel := context.WithTimeout(ctx, vf.p.set.PolyvTimeout)
	statuses, err := vf.p.polyv.TryLiveStatus(cctx, ids...)
	cancel()
	for _, w := range batch {
		w.round++
		st, listed := statuses[w.id]
		switch {
		case err != nil:
			w.check = Check{Verdict: Unverified, Why: StatusUnreadable, Err: err}
		case !listed:
			// Waiting cannot prove anything about a channel Polyv leaves out.
			vf.decide(w, Check{Verdict: Unverified, Why: Unlisted})
			continue
		case st.IsNotLive():
			vf.decide(w, Check{Verdict: Verified, Status: st})
			continue
		case st.IsLive():
			w.check = Check{Verdict: StillLive, Status: st}
		default:
			w.check = Check{Verdict: Unverified, Why: StatusUnknown, Status: st}
		}
		if w.round == rounds {
			vf.decide(w, w.check)
			continue
		}
		w.due = w.v.start.Add(vf.step(w.round + 1))
		vf.mu.Lock()
		vf.queue = append(vf.queue, w)
		vf.mu.Unlock()
	}
}

// cut decides every channel still waiting as cut short by the shutdown.
func (vf *verifier) cut() {
	vf.mu.Lock()
	queue := vf.queue
	vf.queue = nil
	vf.mu.Unlock()
	for _, w := range queue {
		vf.decide(w, Check{Verdict: Unverified, Why: ShutDown})
	}
}

// decide records a channel's verdict, says it in the thread and, once the
// command's last channel is decided, updates the parent if the verdicts
// change it, releases the command's claims and writes its record.
func (vf *verifier) decide(w *watch, c Check) {
	v, p := w.v, vf.p
	var line string
	for i := range v.rec.Channels {
		if r := &v.rec.Channels[i]; r.ID == w.id {
			r.Check = c
			line = checkLine(*r, p.set.VerifyWindow, p.set.PolyvTimeout, v.rec.Command)
		}
	}
	ctx := context.Background()
	vf.outbox.add(v, func() { v.th.say(ctx, line) })
	if v.open--; v.open > 0 {
		return
	}
	rec := *v.rec
	vf.outbox.add(v, func() {
		head := verdictHead(rec.Channels, v.head)
		if head != "" {
			v.th.update(ctx, head)
		}
		v.th.flush(ctx, head)
		p.finish(rec)
		v.end()
	})
}

// verdictHead is the parent's new head once every verdict is in: flagged
// when a channel was not proven stopped, the new summary when an unclear
// answer was settled, "" when the parent (whose head was before) stands.
func verdictHead(results []ChannelResult, before string) string {
	if head := flaggedSummary(results); head != "" {
		return head
	}
	if now := summaryText(results); now != before {
		return now
	}
	return ""
}

// posterCount is how many goroutines post verdicts: a round that decides a
// thousand channels queues their posts rather than starting a thousand
// goroutines, each with its stack, waiting for a connection to Slack.
const posterCount = 8

// outbox makes the verifications' posts with a few goroutines, each
// verification's in the order they were added.
type outbox struct {
	mu    sync.Mutex
	ready []*verification // have posts and no poster yet
	wake  chan struct{}   // ready grew
	done  chan struct{}   // no more posts come: stop when ready is empty
}

// start runs n posters; the returned func waits until they have made every
// post added before it was called.
func (o *outbox) start(n int) (stop func()) {
	o.wake, o.done = make(chan struct{}, n), make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(o.post)
	}
	return func() {
		close(o.done)
		wg.Wait()
	}
}

// add queues f after v's earlier posts.
func (o *outbox) add(v *verification, f func()) {
	v.mu.Lock()
	v.posts = append(v.posts, f)
	idle := !v.busy
	v.busy = true
	v.mu.Unlock()
	if idle {
		o.mu.Lock()
		o.ready = append(o.ready, v)
		o.mu.Unlock()
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
}

// post is one poster: it serves one verification at a time, making all its
// posts in order, until no more come.
func (o *outbox) post() {
	for {
		o.mu.Lock()
		var v *verification
		if len(o.ready) > 0 {
			v, o.ready = o.ready[0], o.ready[1:]
		}
		more := len(o.ready) > 0
		o.mu.Unlock()
		if v == nil {
			select {
			case <-o.wake:
				continue
			case <-o.done:
				if o.empty() {
					return
				}
				continue
			}
		}
		if more {
			select { // another poster may take the next one
			case o.wake <- struct{}{}:
			default:
			}
		}
		v.drain()
	}
}

func (o *outbox) empty() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.ready) == 0
}

// drain makes v's posts until it has none left.
func (v *verification) drain() {
	for {
		v.mu.Lock()
		if len(v.posts) == 0 {
			v.busy = false
			v.mu.Unlock()
			return
		}
		f := v.posts[0]
		v.posts = v.posts[1:]
		v.mu.Unlock()
		f()
	}
}

// toVerify are the channels whose live status settles the stop: those
// Polyv said it stopped, and those whose answer was unclear.
func toVerify(results []ChannelResult) []int64 {
	var ids []int64
	for _, r := range results {
		if r.State == Stopped || r.State == Unclear {
			ids = append(ids, r.ID)
		}
	}
	return ids
}
