package bot

import "context"

// status answers privately with each channel's live status in words. It
// takes a token from the requester's status bucket, never the stop budget:
// the bot tells people to check with status before retrying a stop.
func (p *pipeline) status(ctx context.Context, req Request, rec *Record) {
	if ok, wait := p.statusUsers.Take(req.User); !ok {
		p.metrics.limiterRefusals.WithLabelValues("user").Inc()
		rec.Decision = OverBudget
		p.private(ctx, req, p.words.statusBudgetText(wait))
		return
	}
	cctx, cancel := context.WithTimeout(ctx, p.set.PolyvTimeout+gracePad)
	defer cancel()
	statuses, err := p.polyv.LiveStatus(cctx, req.Command.ChannelIDs...)
	if err != nil {
		rec.StatusErr = err
		p.private(ctx, req, p.words.statusFailedText(err, p.set.PolyvTimeout))
		return
	}
	p.private(ctx, req, p.words.statusText(req.Command.ChannelIDs, statuses))
}
