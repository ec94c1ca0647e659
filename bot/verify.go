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
// sparse later so that polling does not drain the global bucket. The
// verifier keeps every channel awaiting a check with its due time and, each round, asks Polyv about all the channels due then in one
// call (the live-status list takes up to 200 ids), so that a burst of N
// stops costs about N/200 status calls per round, not N. Commands do not
// wait for it: a worker is free once the stop's outcome is posted. Once
// every channel of a stop is decided, the verdict is a job of its own that
// a worker runs (pipeline.verdict): it posts the lines, updates the parent
// and writes the verdict's audit record.
//
// A status call takes a global token only if one is free at once; when
// the bucket is short the check is missed and the channel waits for its next
// round, so verification never holds back a stop.
type verifier struct {
	p     *pipeline
	mu    sync.Mutex
	queue []*watch      // channels awaiting a check
	wake  chan struct{} // a channel was added
}

// verification is one command's stop being verified.
type verification struct {
	rec     Record // the stop's, whose checks the verifier fills in
	parent  parent // where the stop's thread is
	head    string // what the parent says, before the verdicts
	open    int    // channels not decided yet
	release func() // releases the command's claims, once all are decided
	start   time.Time
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
// release runs once all are decided, before the verdict's record is
// written. Until then the verification counts as work the drain waits for.
func (vf *verifier) add(rec Record, pr parent, head string, release func()) {
	ids := toVerify(rec.Channels)
	vf.p.workers.reserve()
	v := &verification{rec: rec, parent: pr, head: head, open: len(ids), start: time.Now(), release: release}
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
// shutdown proves nothing either way, and the threads say so.
func (vf *verifier) run(ctx context.Context) {
	for {
		var timer <-chan time.Time
		if next, ok := vf.nextDue(); ok {
			timer = time.After(time.Until(next))
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
	horizon := time.Now().Add(vf.p.set.VerifyWindow / 60)
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

// decide records a channel's verdict and, once the command's last channel
// is decided, hands the verdict to a worker.
func (vf *verifier) decide(w *watch, c Check) {
	v := w.v
	for i := range v.rec.Channels {
		if v.rec.Channels[i].ID == w.id {
			v.rec.Channels[i].Check = c
		}
	}
	if v.open--; v.open == 0 {
		req := v.rec.Request
		req.verdict = v
		vf.p.workers.handOn(req)
	}
}

// verdict is the job that says a verification's verdict: a line per
// channel checked, the parent updated if the verdicts change it, and the
// verdict's own record. The command's claims are released before it
// returns.
func (p *pipeline) verdict(ctx context.Context, v *verification) Record {
	defer v.release()
	th := &thread{p: p, req: v.rec.Request, parent: v.parent}
	a := specOf(v.rec.Command.Verb).action
	names := th.names(ctx)
	for _, r := range v.rec.Channels {
		if r.Check.Verdict != NotChecked {
			th.say(ctx, a.words.check(p.words, r, names, p.set.VerifyWindow, p.set.PolyvTimeout, v.rec.Slash))
		}
	}
	if a.offersCutoff {
		p.offerCutoff(ctx, th, stillLiveIDs(v.rec.Channels), stillLive)
	}
	head := verdictHead(p.words, a.words, v.rec.Channels, v.head)
	if head != "" {
		th.update(ctx, head)
	}
	th.flush(ctx, head)
	rec := v.rec
	rec.Event = EventVerified
	return rec
}

// verdictHead is the parent's new head once every verdict is in: flagged
// when a channel was not proven stopped, the new summary when an unclear
// answer was settled, "" when the parent (whose head was before) stands.
func verdictHead(wd words, w actionWords, results []ChannelResult, before string) string {
	if head := wd.flaggedSummary(w, results); head != "" {
		return head
	}
	if now := wd.summaryText(w, results); now != before {
		return now
	}
	return ""
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
