package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/polyvbot/polyvbot/polyv"
)

// authorize checks the policy; a denial is answered privately, counted and
// audited.
func (b *Bot) authorize(ctx context.Context, j job, rec *auditRecord, policy Authorizer) bool {
	d := policy.Check(ctx, j.cmd.UserID, j.cmd.ChannelID)
	if d.Allowed {
		rec.decision = "allowed"
		return true
	}
	rec.decision = "denied:" + string(d.Denial)
	rec.outcome = "denied"
	b.metrics.denials.WithLabelValues(string(d.Denial)).Inc()
	b.private(ctx, j, "🚫 Not allowed: "+sentence(d.Message)+" Nothing was sent to Polyv.")
	b.auditPost(ctx, rec, fmt.Sprintf("🚫 denied <@%s> `%s` in <#%s>: %s", j.cmd.UserID, j.parsed.Verb, j.cmd.ChannelID, d.Denial))
	return false
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// handleStatus answers privately with each channel's live status in words.
func (b *Bot) handleStatus(ctx context.Context, j job) {
	rec := b.newAudit(j)
	defer b.writeAudit(rec)
	if !b.authorize(ctx, j, rec, b.cfg.StatusPolicy) {
		return
	}
	if ok, wait := b.cfg.StatusUsers.Take(j.cmd.UserID); !ok {
		b.metrics.limiterRefusals.WithLabelValues("user").Inc()
		rec.outcome = "rate_limited_user"
		b.private(ctx, j, fmt.Sprintf("⏳ You have used your status budget (USER_RATE_LIMIT_PER_MINUTE, counted apart from stops); try again in %s. Your stop budget is untouched.", roundUp(wait)))
		return
	}
	cctx, cancel := context.WithTimeout(ctx, b.cfg.PolyvTimeout+5*time.Second)
	defer cancel()
	statuses, err := b.cfg.Polyv.LiveStatus(cctx, j.parsed.ChannelIDs...)
	if err != nil {
		rec.outcome = "failed"
		rec.polyvErr = err
		b.private(ctx, j, "❌ Could not read the status: "+explainStatus(err, b.cfg.PolyvTimeout))
		return
	}
	rec.outcome = "ok"
	b.private(ctx, j, statusText(j.parsed.ChannelIDs, statuses))
}

func statusText(ids []int64, statuses map[int64]polyv.LiveStatus) string {
	lines := make([]string, 0, len(ids))
	for _, id := range ids {
		st, ok := statuses[id]
		if !ok {
			lines = append(lines, fmt.Sprintf("• Polyv channel %d: Polyv returned no status (does the channel exist?)", id))
			continue
		}
		lines = append(lines, fmt.Sprintf("• Polyv channel %d: %s", id, st.Describe()))
	}
	return strings.Join(lines, "\n")
}

// explainStatus reuses the stop wording, minus what only applies to a stop.
func explainStatus(err error, timeout time.Duration) string {
	s := explain(err, timeout)
	s = strings.ReplaceAll(s, "the stream may or may not be stopped; check with `status` before retrying", "try again")
	s = strings.ReplaceAll(s, "the stream may or may not be stopped; check with `status`", "try again")
	return strings.ReplaceAll(s, "the stream is probably not stopped; ", "")
}

// verify polls LiveStatus after Polyv accepted stops, and says in the thread
// whether each channel really stopped. Status calls take global tokens too.
// It returns the verdict for the audit line: "verified", or what was not.
func (b *Bot) verify(ctx context.Context, th *thread, claimed []int64, results []result, summary string) string {
	var pending []int64
	for _, r := range results {
		if r.state == "stopped" {
			pending = append(pending, r.id)
		}
	}
	if len(pending) == 0 {
		return "nothing to verify"
	}
	v := verification{pending: pending}
	// Checks at 1, 3, 7 and 15 s of a 15 s window: early for the usual quick
	// stop, sparse later so the global bucket is not drained by polling.
	for wait, spent := b.cfg.VerifyWindow/15, time.Duration(0); len(v.pending) > 0 && spent+wait <= b.cfg.VerifyWindow; spent, wait = spent+wait, wait*2 {
		if !sleep(ctx, wait) {
			v.cut = true
			break
		}
		cctx, cancel := context.WithTimeout(ctx, b.cfg.PolyvTimeout)
		statuses, err := b.cfg.Polyv.LiveStatus(cctx, v.pending...)
		cancel()
		if err != nil {
			v.lastErr = err
			continue
		}
		v.lastErr = nil
		reportStopped(ctx, th, &v, statuses)
	}
	return b.reportUnverified(ctx, th, claimed, v, summary)
}

// unverifiedLine says why a channel Polyv accepted a stop for was not seen
// to stop, and whether it was seen still live.
func (b *Bot) unverifiedLine(id int64, v verification) (line string, stillLive bool) {
	st, unknown := v.unknown[id]
	switch {
	case v.lastErr != nil:
		return fmt.Sprintf("⚠️ Polyv channel %d: Polyv accepted the stop, but the bot could not verify it: %s", id, explainStatus(v.lastErr, b.cfg.PolyvTimeout)), false
	case v.cut:
		return fmt.Sprintf("⚠️ Polyv channel %d: Polyv accepted the stop, but the bot shut down before it could verify it; check with `status`", id), false
	case unknown:
		return fmt.Sprintf("⚠️ Polyv channel %d: Polyv accepted the stop, but reports its status as %s, which does not say whether it is live; check the Polyv console", id, st.Describe()), false
	}
	return fmt.Sprintf("⚠️ Polyv channel %d: Polyv accepted the stop, but the channel still reports live after %s; check the Polyv console", id, b.cfg.VerifyWindow), true
}

// verification is where polling left the channels Polyv accepted stops for.
type verification struct {
	pending  []int64 // not yet seen to be no longer live
	unlisted []int64 // missing from Polyv's status answer
	lastErr  error   // the last status call failed
	cut      bool    // the bot shut down before the window was over
	// unknown holds pending channels whose last status was one the bot
	// cannot read as live or not live.
	unknown map[int64]polyv.LiveStatus
}

// reportStopped posts a line for each channel whose status means it is no
// longer live and keeps the others pending. Only documented statuses count:
// one the bot does not know ("", or a value Polyv has not documented) proves
// nothing, so the channel stays pending and, if that is still all Polyv says
// at the end, unverified. A channel missing from Polyv's answer proves
// nothing either, so it is warned about at once and counted as unverified.
func reportStopped(ctx context.Context, th *thread, v *verification, statuses map[int64]polyv.LiveStatus) {
	var still []int64
	for _, id := range v.pending {
		st, ok := statuses[id]
		switch {
		case !ok:
			v.unlisted = append(v.unlisted, id)
			th.say(ctx, fmt.Sprintf("⚠️ Polyv channel %d: Polyv accepted the stop, but its status answer does not list the channel; check the Polyv console", id))
		case st.IsNotLive():
			delete(v.unknown, id)
			th.say(ctx, fmt.Sprintf("🔎 Polyv channel %d: verified, no longer live (%s)", id, st.Describe()))
		case st.IsLive():
			delete(v.unknown, id)
			still = append(still, id)
		default:
			if v.unknown == nil {
				v.unknown = make(map[int64]polyv.LiveStatus)
			}
			v.unknown[id] = st
			still = append(still, id)
		}
	}
	v.pending = still
}

// reportUnverified warns about each channel not seen to stop, saying why:
// still live, status unreadable, or verification cut short by a shutdown
// (which proves nothing either way). The parent gets a ⚠️ in every case.
func (b *Bot) reportUnverified(ctx context.Context, th *thread, claimed []int64, v verification, summary string) string {
	var live []int64
	for _, id := range v.pending {
		line, stillLive := b.unverifiedLine(id, v)
		if stillLive {
			live = append(live, id)
		} else {
			v.unlisted = append(v.unlisted, id)
		}
		th.say(ctx, line)
	}
	var flags []string
	if len(live) > 0 {
		flags = append(flags, "still live: "+describeIDs(live))
	}
	if len(v.unlisted) > 0 {
		slices.Sort(v.unlisted)
		flags = append(flags, "unverified: "+describeIDs(v.unlisted))
	}
	head, verdict := "", "verified"
	if len(flags) > 0 {
		verdict = strings.Join(flags, ", ")
		head = "⚠️ " + summary + ", " + verdict
		b.updateParent(ctx, th.j, th.parent, b.parentText(th.j, head))
	}
	th.flush(ctx, head)
	return verdict
}
