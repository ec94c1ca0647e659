package bot

import (
	"context"
	"time"
)

// verify polls Polyv's live status after it accepted stops, says in the
// thread whether each channel really stopped, and flags the parent when
// one did not. Status calls take global tokens too. Checks come at 1, 3, 7
// and 15 fifteenths of the window: early for the usual quick stop, sparse
// later so that polling does not drain the global bucket.
func (p *pipeline) verify(ctx context.Context, th *thread, rec *Record) {
	pending := stoppedIDs(rec.Channels)
	if len(pending) == 0 {
		return
	}
	rec.Verifying = true
	checks := make(map[int64]*Check, len(pending))
	for _, id := range pending {
		checks[id] = &Check{Verdict: Unverified, Why: ShutDown}
	}
	var spent time.Duration
	for step := p.set.VerifyWindow / 15; len(pending) > 0 && spent+step <= p.set.VerifyWindow; step *= 2 {
		if !wait(ctx, p.clock, step) {
			// A shutdown cut it short: that proves nothing either way.
			for _, id := range pending {
				*checks[id] = Check{Verdict: Unverified, Why: ShutDown}
			}
			break
		}
		spent += step
		pending = p.check(ctx, th, pending, checks)
	}
	for _, id := range pending {
		th.say(ctx, checkLine(id, *checks[id], p.set.VerifyWindow, p.set.PolyvTimeout))
	}
	for i := range rec.Channels {
		if c, ok := checks[rec.Channels[i].ID]; ok {
			rec.Channels[i].Check = *c
		}
	}
	head := flaggedSummary(rec.Channels)
	if head != "" {
		th.update(ctx, head)
	}
	th.flush(ctx, head)
}

// check asks Polyv about the pending channels once and returns those still
// pending. A channel Polyv documents as not live is verified and said at
// once; one Polyv leaves out is unverified and said at once, as waiting
// cannot prove anything about it; live and unknown statuses stay pending.
func (p *pipeline) check(ctx context.Context, th *thread, pending []int64, checks map[int64]*Check) []int64 {
	cctx, cancel := context.WithTimeout(ctx, p.set.PolyvTimeout)
	statuses, err := p.polyv.LiveStatus(cctx, pending...)
	cancel()
	if err != nil {
		for _, id := range pending {
			*checks[id] = Check{Verdict: Unverified, Why: StatusUnreadable, Err: err, Status: checks[id].Status}
		}
		return pending
	}
	var still []int64
	for _, id := range pending {
		st, listed := statuses[id]
		c := checks[id]
		switch {
		case !listed:
			*c = Check{Verdict: Unverified, Why: Unlisted}
			th.say(ctx, checkLine(id, *c, p.set.VerifyWindow, p.set.PolyvTimeout))
		case st.IsNotLive():
			*c = Check{Verdict: Verified, Status: st}
			th.say(ctx, checkLine(id, *c, p.set.VerifyWindow, p.set.PolyvTimeout))
		case st.IsLive():
			*c = Check{Verdict: StillLive, Status: st}
			still = append(still, id)
		default:
			*c = Check{Verdict: Unverified, Why: StatusUnknown, Status: st}
			still = append(still, id)
		}
	}
	return still
}

// stoppedIDs are the channels Polyv said it stopped: the ones to verify.
func stoppedIDs(results []ChannelResult) []int64 {
	var ids []int64
	for _, r := range results {
		if r.State == Stopped {
			ids = append(ids, r.ID)
		}
	}
	return ids
}
