package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/sync/errgroup"

	"github.com/polyvbot/polyvbot/bot/slackclient"
)

// The two-person rule (APPROVAL_CHANNELS). An approvable action (a stop)
// that names a listed Polyv channel sends nothing to Polyv for it until a
// second person allowed to run the verb approves: the command posts an
// approval request in the channel where it was typed, with Approve and
// Cancel buttons carrying a signed ticket (ticket.go, kind approval), and
// its other channels run at once. Any replica honours a click: an Approve
// runs the action on the request's channels through runAction, with the
// request message as the parent of its thread.
//
// How a request ended is kept per replica (endings), as used tickets are:
// two Approve clicks on two replicas at the same moment may both run, and
// the in-flight guard is per replica too. What keeps it from mattering:
// the first click replaces the request's buttons at once, so that nobody
// sees them afterwards, and an approved action first reads the live status
// and sends nothing to a channel that is no longer live. An expiry is
// recorded by the first click after it (event approval_expired): a timer
// on the replica that posted could not know whether another replica had
// approved the request, and would overwrite its outcome.

// Action ids of an approval request's buttons.
const (
	ActionApprove        = "polyv_approve"
	ActionApprovalCancel = "polyv_approve_cancel"
)

// isApprovalAction reports a click on an approval request's button.
func isApprovalAction(action string) bool {
	return action == ActionApprove || action == ActionApprovalCancel
}

// approvals is the two-person rule of one replica: the channels it
// covers, the tickets of its requests and how those ended here.
type approvals struct {
	all     bool
	ids     map[int64]bool
	tickets *tickets
	ends    *endings
}

func newApprovals(all bool, ids []int64, ttl time.Duration, key []byte, now func() time.Time) *approvals {
	tk := newTickets(key, ttl, now)
	tk.kind = kindApproval
	ap := &approvals{all: all, ids: make(map[int64]bool, len(ids)), tickets: tk, ends: newEndings(ttl+2*maxClockSkew, now)}
	for _, id := range ids {
		ap.ids[id] = true
	}
	return ap
}

// split sorts ids into those that wait for approval under a and the others.
func (ap *approvals) split(a *action, ids []int64) (gated, free []int64) {
	for _, id := range ids {
		if a.approvable && (ap.all || ap.ids[id]) {
			gated = append(gated, id)
		} else {
			free = append(free, id)
		}
	}
	return gated, free
}

// approvalRun is what runAction is told about an approval: results settled
// without a Polyv call, and the request message to tell the thread in.
type approvalRun struct {
	settled []ChannelResult
	parent  *parent // nil: the command's own parent is posted
	// opening is the parent's first write ("Approved by…"), made by the
	// command's poster so that it comes before the outcome's update and
	// never delays a Polyv call.
	opening func()
}

// results are the settled results; none without an approval.
func (r *approvalRun) results() []ChannelResult {
	if r == nil {
		return nil
	}
	return r.settled
}

// at is the approval request the thread is told in, if any.
func (r *approvalRun) at() (parent, bool) {
	if r == nil || r.parent == nil {
		return parent{}, false
	}
	return *r.parent, true
}

// unsettled are the ids of asked that no settled result covers.
func unsettled(asked []int64, settled []ChannelResult) []int64 {
	if len(settled) == 0 {
		return asked
	}
	done := make(map[int64]bool, len(settled))
	for _, r := range settled {
		done[r.ID] = true
	}
	var out []int64
	for _, id := range asked {
		if !done[id] {
			out = append(out, id)
		}
	}
	return out
}

// carryOut runs an authorized (and confirmed) action: at once for the
// channels no approval covers, through an approval request for the others.
func (p *pipeline) carryOut(ctx context.Context, a *action, req Request, rec *Record) {
	gated, free := p.approval.split(a, req.Command.ChannelIDs)
	switch {
	case len(gated) == 0:
		p.runAction(ctx, a, req, rec)
	case len(free) == 0:
		p.askApproval(ctx, req, gated, rec)
	default:
		p.runBeside(ctx, a, req, gated, rec)
	}
}

// askApproval posts the approval request for a command whose every
// channel needs one. If Slack takes it no way, nothing is sent and the
// requester is told why.
func (p *pipeline) askApproval(ctx context.Context, req Request, gated []int64, rec *Record) {
	rec.Channels = held(gated)
	link, err := p.postApprovalRequest(ctx, req, gated)
	if err != nil {
		rec.Decision, rec.PromptErr = ApprovalFailed, err
		p.private(ctx, req, p.words.approvalFailedText(gated, err))
		return
	}
	rec.Decision, rec.Event, rec.Thread = AwaitingApproval, EventApprovalRequested, link
}

// runBeside runs the channels no approval covers while the approval
// request for the others is posted: a slow Slack delays neither. The
// command's thread says which channels wait.
func (p *pipeline) runBeside(ctx context.Context, a *action, req Request, gated []int64, rec *Record) {
	var asked errgroup.Group
	asked.Go(func() error {
		_, err := p.postApprovalRequest(ctx, req, gated)
		return err
	})
	run := req
	run.approval = &approvalRun{settled: held(gated)}
	p.runAction(ctx, a, run, rec)
	rec.Event = EventApprovalRequested
	if err := asked.Wait(); err != nil {
		rec.Event, rec.PromptErr = "", err
		p.private(ctx, req, p.words.approvalFailedText(gated, err))
	}
}

// held are the results of channels waiting for approval.
func held(ids []int64) []ChannelResult {
	out := make([]ChannelResult, len(ids))
	for i, id := range ids {
		out[i] = ChannelResult{ID: id, State: HeldForApproval}
	}
	return out
}

// postApprovalRequest posts, in the command's channel, the request for the
// gated channels and its buttons, and tells the audit channel.
func (p *pipeline) postApprovalRequest(ctx context.Context, req Request, gated []int64) (link string, err error) {
	asked := req
	asked.Command.ChannelIDs = gated
	token := p.approval.tickets.issue(asked)
	expires := p.approval.tickets.now().Add(p.approval.tickets.ttl)
	// What will stop, as the confirmation prompt shows it: the approver
	// approves an event, not a number.
	stories := p.promptStories(ctx, gated)
	text := p.words.approvalRequestText(asked, stories, expires, p.approval.tickets.ttl, p.set.DryRun)
	pctx, cancel := postCtx(ctx)
	defer cancel()
	_, link, err = p.slack.Post(pctx, req.Channel, slackclient.Message{Text: text, Blocks: approvalBlocks(p.words, text, token)})
	if err != nil {
		p.log.Error("approval request not posted", "request_id", req.ID, "channel", req.Channel, "err", err)
		return "", err
	}
	p.auditPost(ctx, req, p.words.approvalRequestedLine(asked, link, stories[0].names))
	return link, nil
}

// approvalBlocks are the request's text and its two buttons, which carry
// token, within Slack's Block Kit limits as the confirmation's are.
func approvalBlocks(wd words, text, token string) []slack.Block {
	approve := slack.NewButtonBlockElement(ActionApprove, token, plain(truncate(wd.approveButton(), maxButtonText))).
		WithStyle(slack.StylePrimary)
	cancel := slack.NewButtonBlockElement(ActionApprovalCancel, token, plain(truncate(wd.cancelButton(), maxButtonText)))
	return append(textBlocks(text), slack.NewActionBlock(approvalBlockID(token), approve, cancel))
}

// textBlocks is text as a message's only block: what an approval request
// becomes once it ends, its buttons gone.
func textBlocks(text string) []slack.Block {
	return []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(text, maxSectionText), false, false), nil, nil)}
}

// approvalBlockID names a request's actions block: "polyv_approve_" and 22
// characters of the token's SHA-256, 36 in all, where the limit is 255.
func approvalBlockID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "polyv_approve_" + base64.RawURLEncoding.EncodeToString(sum[:])[:22]
}

// approvalClick resolves a click on an approval request's button. A click
// that changes nothing is answered privately and audited under its own
// request, naming the command's (ForRequest); an approval runs the command
// under the command's request.
func (p *pipeline) approvalClick(ctx context.Context, c Request) Record {
	tk, err := p.approval.tickets.read(c.Click.Value)
	if err != nil {
		p.log.Warn("approval clicked with a ticket that does not check", "user", c.User, "action", c.Click.Action, "err", err)
		p.private(ctx, c, p.words.approvalAlteredText())
		return Record{Request: c, Decision: Altered}
	}
	orig := tk.request()
	c.Command = orig.Command
	rec := Record{Request: c, ForRequest: orig.ID}
	key := signature(c.Click.Value)
	if end, ok := p.approval.ends.of(key); ok {
		return p.alreadyEnded(ctx, c, end, rec)
	}
	if d, err := p.approval.tickets.timely(tk); d != Allowed {
		return p.approvalExpired(ctx, c, orig, key, err, rec)
	}
	if c.Click.Action == ActionApprovalCancel {
		return p.cancelApproval(ctx, c, orig, key, rec)
	}
	return p.approve(ctx, c, orig, key, rec)
}

// approve runs the request's action once, for a second person allowed to
// run the verb: the request message says so at once (its buttons gone),
// and becomes the parent of the action's thread.
func (p *pipeline) approve(ctx context.Context, c, orig Request, key string, rec Record) Record {
	spec := specOf(orig.Command.Verb)
	switch {
	case spec.Verb != orig.Command.Verb || spec.action == nil || !spec.action.approvable:
		p.log.Warn("approval ticket names a verb this bot cannot approve", "user", c.User, "verb", orig.Command.Verb)
		p.private(ctx, c, p.words.approvalAlteredText())
		rec.Decision = Altered
		return rec
	case c.User == orig.User:
		p.private(ctx, c, p.words.selfApprovalText())
		rec.Decision = SelfApproval
		return rec
	case !p.authorize(ctx, c, spec.policy(p), &rec):
		return rec
	}
	if end, first := p.approval.ends.end(key, Allowed, c.User); !first {
		return p.alreadyEnded(ctx, c, end, rec)
	}
	orig.ApprovedBy, orig.ResponseURL, orig.Received = c.User, c.ResponseURL, c.Received
	approving := p.words.approvingText(wordsOf(orig.Command.Verb), orig)
	// The request is the approved command's parent: its thread is where
	// the records and the audit channel point.
	pr := parent{channel: orig.Channel, ts: c.Click.MessageTS, link: p.slack.Permalink(orig.Channel, c.Click.MessageTS)}
	orig.approval = &approvalRun{parent: &pr, settled: p.notLive(ctx, orig.Command.ChannelIDs),
		opening: func() { p.replaceClicked(ctx, c, approving) }}
	out := Record{Request: orig, Decision: Allowed}
	p.runAction(ctx, spec.action, orig, &out)
	return out
}

// approvedReadWait bounds the live-status read an approved action waits
// for: one attempt, only with a global token free at once, so that a slow
// or busy Polyv delays the approved call by this much at most, and the
// read never waits in the global bucket ahead of it.
const approvedReadWait = 1500 * time.Millisecond

// notLive reads the live status of an approved action's channels before
// it runs: a request may wait minutes for its approval, and a channel
// someone stopped meanwhile is said to be so rather than stopped twice. A
// status Polyv does not give, or a failed read, sends the action: it is
// what two people asked for.
func (p *pipeline) notLive(ctx context.Context, ids []int64) []ChannelResult {
	cctx, cancel := context.WithTimeout(ctx, approvedReadWait)
	defer cancel()
	statuses, err := p.polyv.TryLiveStatus(cctx, ids...)
	if err != nil {
		p.log.Warn("live status not read before an approved action; sending it", "err", err)
		return nil
	}
	var out []ChannelResult
	for _, id := range ids {
		if st, ok := statuses[id]; ok && st.IsNotLive() {
			out = append(out, ChannelResult{ID: id, State: AlreadyNotLive, Check: Check{Status: st}})
		}
	}
	return out
}

// cancelApproval ends the request for its requester, replacing it; anyone
// else's Cancel changes nothing.
func (p *pipeline) cancelApproval(ctx context.Context, c, orig Request, key string, rec Record) Record {
	if c.User != orig.User {
		p.private(ctx, c, p.words.notYourRequestText(orig.User))
		rec.Decision = NotYours
		return rec
	}
	if end, first := p.approval.ends.end(key, ApprovalCancelled, c.User); !first {
		return p.alreadyEnded(ctx, c, end, rec)
	}
	p.replaceClicked(ctx, c, p.words.approvalCancelledText(wordsOf(orig.Command.Verb), orig))
	p.auditPost(ctx, orig, p.words.approvalCancelledLine(wordsOf(orig.Command.Verb), orig))
	rec.Decision = ApprovalCancelled
	return rec
}

// approvalExpired answers a click past the request's lifetime. The first
// such click on this replica replaces the request and records its end.
func (p *pipeline) approvalExpired(ctx context.Context, c, orig Request, key string, err error, rec Record) Record {
	rec.Decision = Expired
	if errors.Is(err, errIssuedAhead) {
		p.log.Warn("approval clicked with a ticket from a clock more than the skew ahead", "user", c.User)
		p.private(ctx, c, p.words.approvalClockAheadText())
		return rec
	}
	if end, first := p.approval.ends.end(key, Expired, ""); !first {
		return p.alreadyEnded(ctx, c, end, rec)
	}
	ttl, w := p.approval.tickets.ttl, wordsOf(orig.Command.Verb)
	p.replaceClicked(ctx, c, p.words.approvalExpiredText(w, orig, ttl))
	p.private(ctx, c, p.words.approvalExpiredText(w, orig, ttl))
	p.auditPost(ctx, orig, p.words.approvalExpiredLine(w, orig, ttl))
	rec.Event = EventApprovalExpired
	return rec
}

// alreadyEnded answers a click on a request that ended on this replica.
func (p *pipeline) alreadyEnded(ctx context.Context, c Request, end ending, rec Record) Record {
	p.private(ctx, c, p.words.endedText(end, p.approval.tickets.ttl))
	rec.Decision = Used
	if end.how == Expired {
		rec.Decision = Expired
	}
	return rec
}

// replaceClicked rewrites the message the clicked button sat in (an
// approval request, a cut-off offer), without its buttons.
func (p *pipeline) replaceClicked(ctx context.Context, c Request, text string) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	m := slackclient.Message{Text: text, Blocks: textBlocks(text)}
	var err error
	if c.Click.MessageTS != "" {
		err = p.slack.Update(pctx, c.Channel, c.Click.MessageTS, m)
	} else {
		err = p.slack.Respond(pctx, c.ResponseURL, slackclient.Response{Message: m, Replace: true})
	}
	if err != nil {
		p.log.Warn("clicked message not updated", "user", c.User, "action", c.Click.Action, "err", err)
	}
}

// ending is how an approval request ended, as this replica saw it.
type ending struct {
	how   Decision // Allowed (approved), ApprovalCancelled or Expired
	by    string   // who approved or cancelled
	until time.Time
}

// endings remembers how requests ended, by their ticket's signature, for
// as long as a ticket is honoured; old ones go when a new one is added.
type endings struct {
	mu   sync.Mutex
	keep time.Duration
	now  func() time.Time
	m    map[string]ending
}

func newEndings(keep time.Duration, now func() time.Time) *endings {
	return &endings{keep: keep, now: now, m: make(map[string]ending)}
}

// end records how key's request ended, unless it had ended already: it
// returns the ending that stands and whether it is this one.
func (e *endings) end(key string, how Decision, by string) (ending, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if old, ok := e.m[key]; ok && now.Before(old.until) {
		return old, false
	}
	for k, old := range e.m {
		if !now.Before(old.until) {
			delete(e.m, k)
		}
	}
	e.m[key] = ending{how: how, by: by, until: now.Add(e.keep)}
	return e.m[key], true
}

// of is how key's request ended, if it did on this replica.
func (e *endings) of(key string) (ending, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	end, ok := e.m[key]
	return end, ok && e.now().Before(end.until)
}

// approvalAttrs are the audit log line's fields of the two-person rule:
// who approved, and the approval's events.
func approvalAttrs(rec Record) []any {
	var attrs []any
	if rec.ApprovedBy != "" {
		attrs = append(attrs, "approved_by", rec.ApprovedBy)
	}
	if rec.Event == EventApprovalRequested || rec.Event == EventApprovalExpired {
		attrs = append(attrs, "event", rec.Event)
	}
	return attrs
}
