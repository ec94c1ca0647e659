package bot

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/polyvbot/polyvbot/polyv"
)

// act asks to confirm or carries out an acting verb's action (a stop, a
// ban, a resume), unless it needs what the bot lacks.
func (p *pipeline) act(ctx context.Context, a *action, req Request, rec *Record) {
	if p.unavailable(ctx, a, req, rec) {
		return
	}
	if a.confirms && p.set.ConfirmStop {
		p.askConfirmation(ctx, req, rec)
		return
	}
	p.carryOut(ctx, a, req, rec)
}

// runAction is the action itself, also reached by a confirmation click. The
// Polyv calls go out as soon as the channels are claimed and throttled; the
// parent is posted alongside, by the command's poster (see thread). It
// returns once the outcome is posted; verification, when on, goes on in
// the verifier. A channel Polyv definitely did not stop is released at
// once, so that someone else may try it again; the others' claims last
// until their verdict.
func (p *pipeline) runAction(ctx context.Context, a *action, req Request, rec *Record) {
	// Claim first, so that a channel someone else is already stopping costs
	// the requester no token.
	th := p.newThread(req)
	settled := req.approval.results()
	claimed, busy := p.flights.claim(unsettled(req.Command.ChannelIDs, settled), req.User, th)
	claimed, skipped := p.takeTokens(a.bucket(p), req.User, claimed, th)
	release := func() {
		th.giveUp() // whoever waits for this thread's link stops waiting
		p.flights.release(claimed, th)
	}
	if len(claimed) == 0 && req.approval == nil {
		release()
		p.refuseAll(ctx, req, rec, append(skipped, p.elsewhere(ctx, busy)...))
		return
	}
	th.open(ctx)
	rec.Channels = p.resolveAll(ctx, a, th, req.Command.ChannelIDs, p.resolvers(ctx, a, th, claimed, append(skipped, settled...), busy))
	summary := p.words.summaryText(a.words, rec.Channels)
	var cannotEnd []int64
	if a.offersCutoff {
		cannotEnd = notPullingIDs(rec.Channels)
	}
	th.then(func() {
		p.offerCutoff(ctx, th, cannotEnd, notPulling)
		th.update(ctx, summary)
		th.flush(ctx, summary)
		p.auditPost(ctx, req, p.words.outcomeLine(*rec, th.parent.link, th.names(ctx)))
	})
	th.close()
	rec.Thread = th.parent.link
	if a.verifies && p.checking() && len(toVerify(rec.Channels)) > 0 {
		rec.Verifying = true
		p.verifier.add(*rec, th.parent, summary, release)
		return
	}
	release()
}

// refuseAll answers privately when no channel of the command can be
// called: the requester's budget is used up, or others are stopping them.
func (p *pipeline) refuseAll(ctx context.Context, req Request, rec *Record, results []ChannelResult) {
	rec.Channels = inOrder(req.Command.ChannelIDs, results)
	rec.Decision = InProgress
	if count(results)[NotSent] > 0 {
		rec.Decision = OverBudget
	}
	rec.names = p.knownNames(req.Command.ChannelIDs)
	p.private(ctx, req, p.words.notSentText(rec.Channels, rec.names))
	p.auditPost(ctx, req, p.words.auditLine(*rec))
}

// takeTokens spends one token of the requester's bucket per channel; a
// channel refused a token is released from owner's claim.
func (p *pipeline) takeTokens(bucket UserThrottle, user string, ids []int64, owner *thread) (ok []int64, refused []ChannelResult) {
	for _, id := range ids {
		took, wait := bucket.Take(user)
		if took {
			ok = append(ok, id)
			continue
		}
		refused = append(refused, ChannelResult{ID: id, State: NotSent, RetryIn: wait})
		p.flights.release([]int64{id}, owner)
		p.metrics.limiterRefusals.WithLabelValues("user").Inc()
	}
	return ok, refused
}

// elsewhere names, for each channel another command holds, who holds it
// and where (see heldBy).
func (p *pipeline) elsewhere(ctx context.Context, busy map[int64]flight) []ChannelResult {
	var out []ChannelResult
	for _, id := range slices.Sorted(maps.Keys(busy)) {
		out = append(out, p.heldBy(ctx, id, busy[id]))
	}
	return out
}

// heldBy says who holds a channel and where, waiting (within one post's
// bound) for that thread's link.
func (p *pipeline) heldBy(ctx context.Context, id int64, fl flight) ChannelResult {
	wctx, cancel := postCtx(ctx)
	defer cancel()
	return ChannelResult{ID: id, State: Elsewhere, Holder: fl.user, Thread: fl.thread.link(wctx)}
}

// resolvers say how each channel of a stop gets its result: a Polyv call
// for the claimed ones, the holder for those someone else is stopping, the
// refusal for those over the requester's budget.
func (p *pipeline) resolvers(ctx context.Context, a *action, owner *thread, claimed []int64, skipped []ChannelResult, busy map[int64]flight) map[int64]func() ChannelResult {
	out := make(map[int64]func() ChannelResult, len(claimed)+len(skipped)+len(busy))
	for _, id := range claimed {
		out[id] = func() ChannelResult {
			r := p.call(ctx, a, id)
			if refused(r) {
				p.flights.release([]int64{id}, owner)
			}
			return r
		}
	}
	for _, r := range skipped {
		out[r.ID] = func() ChannelResult { return r }
	}
	for id, fl := range busy {
		out[id] = func() ChannelResult { return p.heldBy(ctx, id, fl) }
	}
	return out
}

// resolveAll resolves every channel at once and queues each one's line on
// the command's poster in the order the command named them: a line waits
// for its result and the lines before it, and no Polyv call waits for a
// line.
func (p *pipeline) resolveAll(ctx context.Context, a *action, th *thread, asked []int64, resolve map[int64]func() ChannelResult) []ChannelResult {
	results := make([]ChannelResult, len(asked))
	var g errgroup.Group
	for i, id := range asked {
		resolved := make(chan struct{})
		th.then(func() {
			<-resolved
			th.say(ctx, p.words.channelLine(a.words, results[i], th.names(ctx), p.set.PolyvTimeout, th.req.Slash, p.checking()))
		})
		g.Go(func() error {
			defer close(resolved)
			results[i] = resolve[id]()
			return nil
		})
	}
	_ = g.Wait() // the resolvers return no error: a failure is a State
	return results
}

// beside makes a Slack write while the action that follows runs, so that a
// slow Slack never delays a Polyv call (the clicked prompt or offer being
// replaced); the returned wait ends once the write has.
func beside(write func()) (wait func()) {
	var g errgroup.Group
	g.Go(func() error { write(); return nil })
	return func() { _ = g.Wait() }
}

// refused reports a channel Polyv definitely did not stop: nothing was
// sent, or Polyv said no.
func refused(r ChannelResult) bool {
	return r.State == Failed || r.State == RateLimited
}

// checking reports whether stops are verified: VERIFY_STOP, and not a dry
// run, which sends nothing to verify.
func (p *pipeline) checking() bool { return p.set.VerifyStop && !p.set.DryRun }

// call carries out a's Polyv call for one channel and says what happened
// in a State.
func (p *pipeline) call(ctx context.Context, a *action, id int64) ChannelResult {
	start := time.Now()
	stats, err := a.call(p.polyv, ctx, id)
	r := ChannelResult{ID: id, Err: err, Elapsed: time.Since(start), Wait: stats.LimiterWait, Attempts: stats.Attempts}
	switch {
	case err == nil && p.set.DryRun:
		r.State = DryRun
	case err == nil:
		r.State = Stopped
	case unclear(stats, err):
		r.State = Unclear
	case errors.Is(err, polyv.ErrRateLimited):
		r.State = RateLimited
	default:
		r.State = Failed
	}
	return r
}

// unclear reports a failed stop that Polyv may have carried out without an
// answer saying so: the client says so (CallStats.Unclear: a time-out or a
// reset after sending, or a refusal after such an attempt), or the answer
// came but does not say (a 5xx, an unreadable answer, one cut short).
func unclear(stats polyv.CallStats, err error) bool {
	return stats.Unclear || errors.Is(err, polyv.ErrServer) || errors.Is(err, polyv.ErrBadResponse) ||
		errors.Is(err, polyv.ErrAnswerCut)
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
