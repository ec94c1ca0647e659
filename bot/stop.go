package bot

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/polyvbot/polyvbot/polyv"
)

// stop authorizes, then asks to confirm or runs the stop. verifying says
// that the verifier now owns the record and writes it when it is done.
func (p *pipeline) stop(ctx context.Context, req Request) (rec Record, verifying bool) {
	rec = Record{Request: req}
	if !p.authorize(ctx, req, p.stopPolicy, &rec) {
		return rec, false
	}
	if p.set.ConfirmStop {
		p.askConfirmation(ctx, req, &rec)
		return rec, false
	}
	verifying = p.runStop(ctx, req, &rec)
	return rec, verifying
}

// runStop is the action itself, also reached by a confirmation click. The
// Polyv calls go out as soon as the channels are claimed and throttled; the
// parent is posted alongside (see thread). It returns once the outcome is
// posted; verification, when on, goes on in the verifier, and the claims on
// the channels last until it is over.
func (p *pipeline) runStop(ctx context.Context, req Request, rec *Record) (verifying bool) {
	// Claim first, so that a channel someone else is already stopping costs
	// the requester no token.
	link := newParentLink()
	claimed, busy := p.flights.claim(req.Cmd.ChannelIDs, req.User, link)
	claimed, skipped := p.takeTokens(req.User, claimed)
	release := func() {
		link.set("") // whoever waits for this thread's link stops waiting
		p.flights.release(claimed)
	}
	lane := p.newLane(req)
	if len(claimed) == 0 {
		release()
		p.refuseAll(ctx, req, rec, lane, append(skipped, p.elsewhere(ctx, busy)...))
		return false
	}
	th := p.openThread(ctx, req, func(pr parent) {
		link.set(pr.link)
		lane.post(ctx, startLine(req, pr.link))
	})
	results := p.callAll(ctx, th, claimed)
	// After the calls: naming another requester's thread may mean waiting
	// for its parent post, which must not hold up ours.
	skipped = append(skipped, p.elsewhere(ctx, busy)...)
	for _, r := range skipped {
		th.say(ctx, channelLine(r, p.set.PolyvTimeout))
	}
	rec.Channels = inOrder(req.Cmd.ChannelIDs, append(results, skipped...))
	summary := summaryText(rec.Channels)
	pr := th.wait()
	rec.Thread = pr.link
	th.update(ctx, summary)
	th.flush(ctx, summary)
	lane.post(ctx, outcomeLine(*rec))
	if p.set.VerifyStop && !p.set.DryRun && len(stoppedIDs(rec.Channels)) > 0 {
		p.verifier.add(rec, th, release)
		return true
	}
	release()
	return false
}

// refuseAll answers privately when no channel of the command can be
// called: the requester's budget is used up, or others are stopping them.
func (p *pipeline) refuseAll(ctx context.Context, req Request, rec *Record, lane *lane, results []ChannelResult) {
	rec.Channels = inOrder(req.Cmd.ChannelIDs, results)
	rec.Decision = InProgress
	if count(results)[NotSent] > 0 {
		rec.Decision = OverBudget
	}
	p.private(ctx, req, notSentText(rec.Channels))
	lane.post(ctx, auditLine(*rec))
}

// takeTokens spends one token of the requester's bucket per channel.
func (p *pipeline) takeTokens(user string, ids []int64) (ok []int64, refused []ChannelResult) {
	for _, id := range ids {
		took, wait := p.users.Take(user)
		if took {
			ok = append(ok, id)
			continue
		}
		refused = append(refused, ChannelResult{ID: id, State: NotSent, RetryIn: wait})
		p.flights.release([]int64{id})
		p.metrics.limiterRefusals.WithLabelValues("user").Inc()
	}
	return ok, refused
}

// elsewhere names, for each channel another command holds, who holds it
// and where, waiting (within one post's bound) for that thread's link.
func (p *pipeline) elsewhere(ctx context.Context, busy map[int64]flight) []ChannelResult {
	var out []ChannelResult
	for _, id := range slices.Sorted(maps.Keys(busy)) {
		fl := busy[id]
		wctx, cancel := postCtx(ctx)
		out = append(out, ChannelResult{ID: id, State: Elsewhere, Holder: fl.user, Thread: fl.parent.wait(wctx)})
		cancel()
	}
	return out
}

// callAll calls Polyv for every claimed channel at once; each outcome is
// said in the thread as soon as it is known.
func (p *pipeline) callAll(ctx context.Context, th *thread, ids []int64) []ChannelResult {
	results := make([]ChannelResult, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			results[i] = p.call(ctx, id)
			th.say(ctx, channelLine(results[i], p.set.PolyvTimeout))
		})
	}
	wg.Wait()
	return results
}

// call stops one channel and says what happened in a State.
func (p *pipeline) call(ctx context.Context, id int64) ChannelResult {
	start := p.clock.Now()
	stats, err := p.polyv.StopPullStream(ctx, id)
	r := ChannelResult{ID: id, Err: err, Elapsed: p.clock.Now().Sub(start), Wait: stats.LimiterWait, Attempts: stats.Attempts}
	switch {
	case err == nil && p.set.DryRun:
		r.State = DryRun
	case err == nil:
		r.State = Stopped
	case errors.Is(err, polyv.ErrRateLimited):
		r.State = RateLimited
	default:
		r.State = Failed
	}
	return r
}

// inOrder sorts results into the order the channels were asked for.
func inOrder(asked []int64, results []ChannelResult) []ChannelResult {
	pos := make(map[int64]int, len(asked))
	for i, id := range asked {
		pos[id] = i
	}
	slices.SortStableFunc(results, func(a, b ChannelResult) int { return pos[a.ID] - pos[b.ID] })
	return results
}
