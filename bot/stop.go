package bot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/polyvbot/polyvbot/polyv"
)

// postTimeout bounds each Slack post of an outcome; it is cut from the
// command's context so that outcomes are still posted during shutdown.
const postTimeout = 20 * time.Second

// result is what happened to one Polyv channel.
type result struct {
	id       int64
	err      error
	elapsed  time.Duration
	wait     time.Duration // spent waiting for the global bucket
	attempts int
	line     string // the thread line
	state    string // stopped, failed, rate_limited, busy, dry_run
}

// handleStop authorizes, throttles and runs (or asks to confirm) a stop.
func (b *Bot) handleStop(ctx context.Context, j job) {
	rec := b.newAudit(j)
	defer b.writeAudit(rec)
	if !b.authorize(ctx, j, rec, b.cfg.StopPolicy) {
		return
	}
	if b.cfg.ConfirmStop {
		b.askConfirmation(ctx, j, rec)
		return
	}
	b.runStop(ctx, j, rec)
}

// runStop is the action itself, also reached by a confirmation click. The
// Polyv calls go out as soon as the channels are claimed and throttled; the
// parent message is posted alongside, and the thread lines follow once it
// exists. A slow or failing Slack delays what the channel sees, never the
// stop.
func (b *Bot) runStop(ctx context.Context, j job, rec *auditRecord) {
	// Claim first, so a channel someone else is already stopping costs the
	// requester no token.
	link := newParentLink()
	defer link.set("") // whoever waits for this thread's link stops waiting
	claimed, busy := b.flights.claim(j.parsed.ChannelIDs, j.cmd.UserID, link)
	claimed, throttled := b.takeUserTokens(j.cmd.UserID, claimed)
	for _, t := range throttled {
		b.flights.release([]int64{t.id})
	}
	defer b.flights.release(claimed)
	lane := b.newAuditLane(rec)
	if len(claimed) == 0 {
		b.refuseAll(ctx, j, rec, lane, throttled, busy)
		return
	}
	rec.decision = "allowed"
	th := b.openThread(ctx, j, func(parent msgRef) {
		link.set(parent.Link)
		lane.post(ctx, fmt.Sprintf("🛑 <@%s> is stopping Polyv channel %s in <#%s>%s", j.cmd.UserID, describeIDs(claimed), j.cmd.ChannelID, linkSuffix(parent.Link)))
	})
	results := b.stopAll(ctx, th, claimed)
	// After the stops: naming another requester's thread may mean waiting
	// for its parent post, which must not hold up ours.
	skipped := b.skipped(ctx, throttled, busy)
	for _, r := range skipped {
		th.say(ctx, r.line)
	}
	results = append(skipped, results...)
	summary := summarize(results)
	parent := th.wait()
	rec.results, rec.outcome, rec.thread = results, summary, parent.Link
	b.updateParent(ctx, j, parent, b.parentText(j, summary))
	th.flush(ctx, summary)
	lane.post(ctx, fmt.Sprintf("%s — <@%s> asked to stop Polyv %s %s%s", summary, j.cmd.UserID, channelNoun(claimed), describeIDs(claimed), linkSuffix(parent.Link)))
	if b.cfg.VerifyStop && !b.cfg.DryRun {
		rec.verification = b.verify(ctx, th, claimed, results, summary)
	}
}

// refuseAll answers privately when no channel of the command can be called.
func (b *Bot) refuseAll(ctx context.Context, j job, rec *auditRecord, lane *auditLane, throttled []throttledID, busy map[int64]flight) {
	var lines []string
	if len(busy) > 0 {
		rec.outcome = "already_in_progress"
		lines = append(lines, busyText(ctx, busy))
	}
	if len(throttled) > 0 {
		rec.outcome = "rate_limited_user"
		lines = append(lines, fmt.Sprintf("⏳ You have used your stop budget (USER_RATE_LIMIT_PER_MINUTE); nothing was sent to Polyv. Try again in %s.", roundUp(throttled[0].wait)))
	}
	b.private(ctx, j, strings.Join(lines, "\n"))
	lane.post(ctx, fmt.Sprintf("⏳ not sent: <@%s> stop of Polyv channel %s in <#%s>: %s", j.cmd.UserID,
		describeIDs(j.parsed.ChannelIDs), j.cmd.ChannelID, strings.ReplaceAll(rec.outcome, "_", " ")))
}

type throttledID struct {
	id   int64
	wait time.Duration
}

// takeUserTokens spends one token of the requester's bucket per channel.
func (b *Bot) takeUserTokens(user string, ids []int64) (ok []int64, refused []throttledID) {
	for _, id := range ids {
		if took, wait := b.cfg.Users.Take(user); took {
			ok = append(ok, id)
		} else {
			refused = append(refused, throttledID{id, wait})
			b.metrics.limiterRefusals.WithLabelValues("user").Inc()
		}
	}
	return ok, refused
}

// skipped are the thread lines for channels that will not be called.
func (b *Bot) skipped(ctx context.Context, throttled []throttledID, busy map[int64]flight) []result {
	var out []result
	for _, t := range throttled {
		out = append(out, result{id: t.id, state: "rate_limited",
			line: fmt.Sprintf("⏳ Polyv channel %d: not sent, your per-user limit (USER_RATE_LIMIT_PER_MINUTE) is used up; retry in %s", t.id, roundUp(t.wait))})
	}
	for _, id := range sortedIDs(busy) {
		fl := busy[id]
		out = append(out, result{id: id, state: "busy",
			line: fmt.Sprintf("⏳ Polyv channel %d: already being stopped by <@%s>%s", id, fl.user, linkSuffix(flightLink(ctx, fl)))})
	}
	return out
}

// flightLink waits, within the bound of one post, for the thread of the
// command that holds a channel.
func flightLink(ctx context.Context, fl flight) string {
	wctx, cancel := postCtx(ctx)
	defer cancel()
	return fl.parent.wait(wctx)
}

// stopAll calls Polyv for every claimed channel at once; each outcome is
// posted in the thread as soon as it is known.
func (b *Bot) stopAll(ctx context.Context, th *thread, ids []int64) []result {
	results := make([]result, len(ids))
	if len(ids) == 1 {
		// The usual case: a fresh goroutine would cost a scheduling hop and
		// grow its stack through the HTTP call chain on the critical path
		// (runtime.newstack/copystack in the load tool's profile).
		results[0] = b.stopOne(ctx, ids[0])
		th.say(ctx, results[0].line)
		return results
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			results[i] = b.stopOne(ctx, id)
			th.say(ctx, results[i].line)
		})
	}
	wg.Wait()
	return results
}

func (b *Bot) stopOne(ctx context.Context, id int64) result {
	start := b.now()
	stats, err := b.cfg.Polyv.StopPullStream(ctx, id)
	r := result{id: id, err: err, elapsed: b.now().Sub(start), wait: stats.LimiterWait, attempts: stats.Attempts}
	switch {
	case err == nil && b.cfg.DryRun:
		r.state = "dry_run"
		r.line = fmt.Sprintf("🧪 Polyv channel %d: dry run (DRY_RUN=true): the signed stop call was logged, not sent", id)
	case err == nil:
		r.state = "stopped"
		r.line = fmt.Sprintf("✅ Polyv channel %d: stopped (Polyv answered in %s)", id, elapsedText(r.elapsed))
	default:
		r.state = "failed"
		if polyv.Kind(err) == "rate_limited" {
			r.state = "rate_limited"
		}
		r.line = fmt.Sprintf("❌ Polyv channel %d: %s", id, explain(err, b.cfg.PolyvTimeout))
	}
	return r
}

// elapsedText shows an elapsed time to the millisecond, never as "0s".
func elapsedText(d time.Duration) string {
	if d < time.Millisecond {
		return "under 1ms"
	}
	return d.Round(time.Millisecond).String()
}

// summarize is the at-a-glance result for the parent, e.g. "✅ 2 stopped, ❌ 1 failed".
func summarize(results []result) string {
	counts := map[string]int{}
	for _, r := range results {
		counts[r.state]++
	}
	parts := []string{}
	add := func(state, emoji, words string) {
		if n := counts[state]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d %s", emoji, n, words))
		}
	}
	add("stopped", "✅", "stopped")
	add("dry_run", "🧪", "dry run")
	add("failed", "❌", "failed")
	add("rate_limited", "⏳", "rate-limited")
	add("busy", "⏳", "already in progress")
	return strings.Join(parts, ", ")
}

// parentText names the requester, every channel asked for (the thread says
// why any was not called) and the reason (escaped); the summary is added once
// the outcome is known.
func (b *Bot) parentText(j job, summary string) string {
	ids := j.parsed.ChannelIDs
	noun := channelNoun(ids)
	var s string
	if summary == "" {
		s = fmt.Sprintf("🛑 <@%s> is stopping Polyv %s %s", j.cmd.UserID, noun, describeIDs(ids))
	} else {
		s = fmt.Sprintf("%s — <@%s> asked to stop Polyv %s %s", summary, j.cmd.UserID, noun, describeIDs(ids))
	}
	if j.parsed.Reason != "" {
		s += "\nReason: " + slackutilsx.EscapeMessage(j.parsed.Reason)
	}
	if j.parsed.Ambiguous() {
		s += "\n_Read as channels " + describeIDs(ids) + "; a reason that starts with a number goes after `--`._"
	}
	if b.cfg.DryRun {
		s += "\n_Dry run: nothing is sent to Polyv._"
	}
	return s
}

func busyText(ctx context.Context, busy map[int64]flight) string {
	var lines []string
	for _, id := range sortedIDs(busy) {
		fl := busy[id]
		lines = append(lines, fmt.Sprintf("⏳ Polyv channel %d is already being stopped by <@%s>%s; nothing more was sent.", id, fl.user, linkSuffix(flightLink(ctx, fl))))
	}
	return strings.Join(lines, "\n")
}

// sortedIDs keeps messages about busy channels in a stable order.
func sortedIDs(busy map[int64]flight) []int64 {
	ids := slices.Collect(maps.Keys(busy))
	slices.Sort(ids)
	return ids
}

func linkSuffix(link string) string {
	if link == "" {
		return ""
	}
	return " (<" + link + "|thread>)"
}

func (b *Bot) postParent(ctx context.Context, j job) (msgRef, error) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	return b.msg.postParent(pctx, j.cmd.ChannelID, j.cmd.ResponseURL, b.parentText(j, ""))
}

func (b *Bot) updateParent(ctx context.Context, j job, parent msgRef, text string) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	if err := b.msg.update(pctx, parent, text); err != nil {
		b.log.Warn("parent not updated", "request_id", j.reqID, "err", err)
	}
}

// thread is where an action's outcome lines go. The parent is posted in the
// background while Polyv is called; lines wait for it. Where there is no
// thread (the bot is not in the channel, or the parent could not be posted)
// and where a thread reply fails, lines are held and flush delivers them
// together the next way that works: Slack takes only five posts per
// response_url.
type thread struct {
	b      *Bot
	j      job
	ready  chan struct{} // closed once the parent post has returned
	parent msgRef        // set before ready is closed
	mu     sync.Mutex    // keeps the lines in order
	held   []string
}

// openThread starts posting the parent and returns at once; onParent runs
// once the parent post has returned, whatever its result.
func (b *Bot) openThread(ctx context.Context, j job, onParent func(msgRef)) *thread {
	t := &thread{b: b, j: j, ready: make(chan struct{})}
	b.spawn(func() {
		defer close(t.ready)
		parent, err := b.postParent(ctx, j)
		if err != nil {
			b.log.Error("parent message not posted; the outcome goes to the requester another way", "request_id", j.reqID, "err", err)
		}
		t.parent = parent
		onParent(parent)
	})
	return t
}

// wait returns the parent once its post has returned.
func (t *thread) wait() msgRef {
	<-t.ready
	return t.parent
}

// say posts line in the thread once the parent exists, or holds it for
// flush when there is no thread or the reply fails.
func (t *thread) say(ctx context.Context, line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	parent := t.wait()
	if parent.threaded() {
		pctx, cancel := postCtx(ctx)
		err := t.b.msg.reply(pctx, parent, line)
		cancel()
		if err == nil {
			return
		}
		t.b.log.Warn("thread reply failed; the line goes to the requester another way", "request_id", t.j.reqID, "thread_ts", parent.TS, "err", err)
	}
	t.held = append(t.held, line)
}

// flush delivers the held lines as one message. summary heads it where the
// parent could not show it: after a parent posted through response_url, the
// summary alone; where no parent was posted at all, the whole parent text,
// so the message still names the requester and the reason.
func (t *thread) flush(ctx context.Context, summary string) {
	t.mu.Lock()
	lines := t.held
	t.held = nil
	t.mu.Unlock()
	if len(lines) == 0 {
		return
	}
	parent := t.wait()
	switch {
	case parent.announced && summary != "":
		lines = append([]string{summary}, lines...)
	case !parent.threaded() && !parent.announced && summary != "":
		lines = append([]string{t.b.parentText(t.j, summary)}, lines...)
	}
	text := strings.Join(lines, "\n")
	pctx, cancel := postCtx(ctx)
	defer cancel()
	if err := t.b.msg.deliver(pctx, t.j.cmd.ResponseURL, slack.ResponseTypeInChannel, t.j.cmd.ChannelID, t.j.cmd.UserID, text); err != nil {
		t.b.log.Error("outcome not posted", "request_id", t.j.reqID, "user", t.j.cmd.UserID, "channel", t.j.cmd.ChannelID,
			"thread_ts", parent.TS, "outcome", text, "err", err)
	}
}

// private answers only the invoker; if no way works the answer is logged.
func (b *Bot) private(ctx context.Context, j job, text string) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	if err := b.msg.deliver(pctx, j.cmd.ResponseURL, slack.ResponseTypeEphemeral, j.cmd.ChannelID, j.cmd.UserID, text); err != nil {
		b.log.Error("private answer not posted", "request_id", j.reqID, "user", j.cmd.UserID, "channel", j.cmd.ChannelID,
			"text", text, "err", err)
	}
}

// postCtx keeps posting alive after the command's context is cancelled at
// the end of the shutdown grace period: the outcome must still reach Slack.
func postCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
}
