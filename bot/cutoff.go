package bot

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/polyv"
)

// A pull stop (stop-pull-stream) ends only what Polyv pulls from a source;
// a stream the host's encoder pushes goes on. When a stop's thread shows
// that (the channel is still live when its verification ends, or Polyv
// refused the stop saying the channel is not pulling), the thread says so
// and offers what will end it: a cut-off (ban). The offer is a button for
// the requester, carrying a signed ticket (ticket.go) for `ban` of those
// channels that any replica honours, once per replica, for
// CutoffOfferTTL; and the command to type. A stop sends no extra Polyv
// call to learn how the channel is streamed: the offer follows from what
// the stop and its verification already read.

// ActionCutoff is the action id of the cut-off button.
const ActionCutoff = "polyv_cutoff"

// CutoffOfferTTL is how long a cut-off button can be used: long enough for
// a responder to read the thread and act, short enough that a forgotten
// button cannot cut off a stream the host started again hours later.
const CutoffOfferTTL = 10 * time.Minute

// newOffers signs the cut-off buttons' tickets with a key derived from the
// confirmation tickets' (shared by replicas alike), apart from it so that
// a confirmation's ticket is never taken for a cut-off's; an empty key
// means a random one, as for confirmations.
func newOffers(confirmKey []byte) *tickets {
	var key []byte
	if len(confirmKey) > 0 {
		m := hmac.New(sha256.New, confirmKey)
		m.Write([]byte("polyvbot cut-off offers v1"))
		key = m.Sum(nil)
	}
	return newTickets(key, CutoffOfferTTL, time.Now)
}

// unavailable refuses, privately and before anything is claimed or sent,
// an action that needs POLYV_USER_ID on a bot without it; it reports
// whether it did.
func (p *pipeline) unavailable(ctx context.Context, a *action, req Request, rec *Record) bool {
	if !a.needsUserID || p.set.CutoffAvailable {
		return false
	}
	rec.Decision = Unconfigured
	p.private(ctx, req, p.words.cutoffUnavailableText())
	p.auditPost(ctx, req, p.words.auditLine(*rec))
	return true
}

// notPullingIDs are the channels Polyv refused to stop saying they are not
// pulling (an undocumented answer: its message says "not pulling").
func notPullingIDs(results []ChannelResult) []int64 {
	var ids []int64
	for _, r := range results {
		var apiErr *polyv.APIError
		if r.State == Failed && errors.As(r.Err, &apiErr) && strings.Contains(strings.ToLower(apiErr.Message), "not pulling") {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// stillLiveIDs are the channels Polyv said it stopped that verification
// left live: what an encoder pushes. A channel whose answer was unclear
// and that is still live is left out: Polyv may just have failed, and its
// line says to stop it again.
func stillLiveIDs(results []ChannelResult) []int64 {
	var ids []int64
	for _, r := range results {
		if r.State == Stopped && r.Check.Verdict == StillLive {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// offerCutoff posts, in th's thread, why a pull stop cannot end ids and
// the cut-off: with the button where there is a thread and the bot has
// POLYV_USER_ID; otherwise the line (held like any other where there is no
// thread) says what to type or to set.
func (p *pipeline) offerCutoff(ctx context.Context, th *thread, ids []int64, cause offerCause) {
	if len(ids) == 0 {
		return
	}
	command, pr := th.req.Slash, th.parent
	if !p.set.CutoffAvailable || !pr.threaded() {
		th.say(ctx, p.words.cutoffOfferText(command, ids, th.names(ctx), cause, p.set.CutoffAvailable, false))
		return
	}
	ban := th.req
	ban.Command = Command{Verb: VerbBan, ChannelIDs: ids, Reason: th.req.Command.Reason, ReasonMarked: th.req.Command.ReasonMarked}
	token := p.offers.issue(ban)
	text := p.words.cutoffOfferText(command, ids, th.names(ctx), cause, true, true)
	pctx, cancel := postCtx(ctx)
	_, _, err := p.slack.Post(pctx, pr.channel, slackclient.Message{Text: text, ThreadTS: pr.ts, Blocks: offerBlocks(p.words, text, token, ids)})
	cancel()
	if err != nil {
		p.log.Warn("cut-off button not posted; the line goes without it", "request_id", th.req.ID, "err", err)
		th.say(ctx, p.words.cutoffOfferText(command, ids, th.names(ctx), cause, true, false))
	}
}

// offerBlocks are the offer's text and its button, within Slack's Block
// Kit limits: the block_id is a short hash of the ticket, the action id is
// fixed, the texts are cut to their limits.
func offerBlocks(wd words, text, token string, ids []int64) []slack.Block {
	sum := sha256.Sum256([]byte(token))
	blockID := "polyv_cutoff_" + base64.RawURLEncoding.EncodeToString(sum[:])[:22]
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(text, maxSectionText), false, false), nil, nil),
		slack.NewActionBlock(blockID, dangerButton(wd, ActionCutoff, token, cutoffButtonWords(), wd.channelsText(ids, nil))),
	}
}

// cutoffClick runs the ban a cut-off button carries, for the requester of
// the stop only, like a confirmed prompt: authorized again, with its own
// parent and thread, audited under the click's request and naming the
// stop's (ForRequest). A click that cannot be honoured is answered
// privately; the thread's message stays as it is.
func (p *pipeline) cutoffClick(ctx context.Context, c Request) Record {
	stop, decision, err := p.offers.redeem(c.Click.Value, c.User)
	if decision != Allowed {
		return p.offerRefused(ctx, c, decision, err)
	}
	spec := specOf(stop.Command.Verb)
	if stop.Command.Verb != VerbBan || spec.Verb != VerbBan {
		p.log.Warn("cut-off ticket names another verb", "user", c.User, "verb", stop.Command.Verb)
		return p.offerRefused(ctx, c, Altered, nil)
	}
	// The offer could only answer "used" now: it says who clicked it.
	defer beside(func() { p.replaceClicked(ctx, c, p.words.offerTakenText(c.User)) })()
	ban := Request{ID: c.ID, User: c.User, UserName: cmp.Or(c.UserName, stop.UserName), Channel: stop.Channel,
		ResponseURL: c.ResponseURL, Slash: stop.Slash, Command: stop.Command, Received: c.Received}
	rec := Record{Request: ban, ForRequest: stop.ID}
	if p.authorize(ctx, ban, spec.policy(p), &rec) && !p.unavailable(ctx, spec.action, ban, &rec) {
		// A ban of an approval channel waits for a second person, however
		// it was asked for.
		p.carryOut(ctx, spec.action, ban, &rec)
	}
	return rec
}

// offerRefused answers a click on a cut-off button that runs nothing.
func (p *pipeline) offerRefused(ctx context.Context, c Request, decision Decision, err error) Record {
	var text string
	switch decision {
	case NotYours:
		p.log.Warn("cut-off clicked by someone other than the requester", "user", c.User)
		p.private(ctx, Request{User: c.User, Channel: c.Channel}, p.words.offerNotYoursText())
		return Record{Request: c, Decision: NotYours}
	case Expired:
		if errors.Is(err, errIssuedAhead) {
			p.log.Warn("cut-off clicked with a ticket from a clock more than the skew ahead", "user", c.User, "err", err)
		}
		text = p.words.offerExpiredText(CutoffOfferTTL)
	case Used:
		text = p.words.offerUsedText()
	default:
		p.log.Warn("cut-off clicked with a ticket that does not check", "user", c.User, "err", err)
		decision, text = Altered, p.words.offerAlteredText()
	}
	p.private(ctx, c, text)
	return Record{Request: c, Decision: decision}
}
