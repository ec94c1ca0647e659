package bot

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"github.com/polyvbot/polyvbot/bot/slackclient"
)

// Action ids of the confirmation buttons.
const (
	ActionConfirm = "polyv_stop_confirm"
	ActionCancel  = "polyv_stop_cancel"
)

// askConfirmation answers privately with what will be stopped (each
// channel's name, live status and viewers, as far as Polyv tells them
// within promptReadWait) and two buttons; nothing is sent to Polyv until
// the requester clicks "Stop stream". The buttons carry a signed ticket
// (ticket.go), so any replica can honour the click. A prompt Slack refuses
// every way is followed by a plain answer saying so, and recorded as not
// shown.
func (p *pipeline) askConfirmation(ctx context.Context, req Request, rec *Record) {
	token := p.tickets.issue(req)
	rec.Decision = Confirming
	stories := p.promptStories(ctx, req.Command.ChannelIDs)
	rec.names = stories[0].names
	text := p.words.promptText(req, stories, p.set.ConfirmTTL)
	pctx, cancel := postCtx(ctx)
	defer cancel()
	to := recipient{responseURL: req.ResponseURL, channel: req.Channel, user: req.User}
	r := slackclient.Response{Message: slackclient.Message{Text: text, Blocks: promptBlocks(p.words, req, text, token)}}
	err := deliver(pctx, p.slack, to, r)
	if err == nil {
		return
	}
	p.log.Error("confirmation prompt not posted", "request_id", req.ID, "user", req.User, "err", err)
	rec.Decision, rec.PromptErr = PromptFailed, err
	p.private(ctx, req, p.words.promptFailedText(err))
}

// promptReadWait bounds the reads a prompt makes before it is shown: the
// responder is waiting for it, so a Polyv slower than a second and a half
// (a hung call, a retry) leaves the prompt without the live status and
// viewers rather than late.
const promptReadWait = 1500 * time.Millisecond

// promptStories reads, at once and within promptReadWait, the live status
// (only with a global token free now: a stop waiting for one goes first),
// the viewers and the names of the channels a prompt asks to stop.
func (p *pipeline) promptStories(ctx context.Context, ids []int64) []story {
	rctx, cancel := context.WithTimeout(ctx, promptReadWait)
	defer cancel()
	parts := p.readParts(rctx, ids, promptReadWait, false)
	statuses, err := p.polyv.TryLiveStatus(rctx, ids...)
	parts.wait()
	return parts.stories(ids, statuses, err == nil)
}

// click resolves a click on a prompt's button: only the requester's first
// click (on this replica) within the prompt's lifetime counts, and a
// confirmed stop is authorized again before it runs. A click that cannot be
// honoured always gets a private answer saying why.
func (p *pipeline) click(ctx context.Context, c Request) Record {
	orig, decision, err := p.tickets.redeem(c.Click.Value, c.User)
	if decision != Allowed {
		return p.clickRefused(ctx, c, decision, err)
	}
	if c.Click.Action == ActionCancel {
		return p.cancel(ctx, c, orig)
	}
	// The click's response_url reaches the requester and the channel as the
	// command's did, on whichever replica this is.
	orig.ResponseURL, orig.Received = c.ResponseURL, c.Received
	spec := specOf(orig.Command.Verb)
	if spec.Verb != orig.Command.Verb || spec.action == nil {
		// Signed by a replica that knows a verb this one does not (a
		// rolling update): running it as another verb would be worse.
		p.log.Warn("confirmation ticket names a verb this bot cannot run", "user", c.User, "verb", orig.Command.Verb)
		p.private(ctx, c, p.words.alteredText())
		return Record{Request: c, Decision: Altered}
	}
	rec := Record{Request: orig}
	confirmed := p.words.confirmedText(spec.action.words, orig.Command.ChannelIDs, p.knownNames(orig.Command.ChannelIDs))
	defer beside(func() { p.replacePrompt(ctx, c, confirmed) })()
	if p.authorize(ctx, orig, spec.policy(p), &rec) && !p.unavailable(ctx, spec.action, orig, &rec) {
		p.carryOut(ctx, spec.action, orig, &rec)
	}
	return rec
}

// clickRefused answers a click whose ticket cannot run: altered, not the
// requester's, expired or already used.
func (p *pipeline) clickRefused(ctx context.Context, c Request, decision Decision, err error) Record {
	switch decision {
	case Altered:
		p.log.Warn("confirmation clicked with a ticket that does not check", "user", c.User, "action", c.Click.Action, "err", err)
		p.private(ctx, c, p.words.alteredText())
	case NotYours:
		p.log.Warn("confirmation clicked by someone other than the requester", "user", c.User, "action", c.Click.Action)
		p.private(ctx, Request{User: c.User, Channel: c.Channel}, p.words.notYoursText())
	case Expired:
		text := p.words.expiredText(p.set.ConfirmTTL)
		if errors.Is(err, errIssuedAhead) {
			p.log.Warn("confirmation clicked with a ticket from a clock more than the skew ahead", "user", c.User, "err", err)
			text = p.words.clockAheadText()
		}
		p.replacePrompt(ctx, c, text)
	case Used:
		p.private(ctx, c, p.words.usedText())
	}
	return Record{Request: c, Decision: decision}
}

// cancel answers a Cancel. Used tickets are per replica, so a Stop stream
// clicked first on another replica may have run: the answer claims nothing
// about Polyv, and the click is audited as the click it is, under its own
// request, naming the command's, whose own records say what ran.
func (p *pipeline) cancel(ctx context.Context, c, orig Request) Record {
	p.replacePrompt(ctx, c, p.words.cancelledText())
	c.Command = orig.Command
	return Record{Request: c, Decision: Cancelled, ForRequest: orig.ID}
}

// replacePrompt rewrites the prompt the clicked button sat in.
func (p *pipeline) replacePrompt(ctx context.Context, c Request, text string) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	r := slackclient.Response{Message: slackclient.Message{Text: text}, Replace: true}
	if err := p.slack.Respond(pctx, c.ResponseURL, r); err != nil {
		p.log.Warn("prompt not updated", "user", c.User, "err", err)
	}
}

// promptBlocks are the prompt's text and its two buttons, which carry
// token. Everything in them stays within Slack's Block Kit limits for any
// command: the block_id is a short hash of the token (new for each prompt,
// and the value already carries the ticket), the action ids are fixed, and
// texts are cut to their limits (the message's own text stays whole). The
// dialog names the channels by number: it is plain text, short, and the
// section above it names them.
func promptBlocks(wd words, req Request, text, token string) []slack.Block {
	w := wordsOf(req.Command.Verb).prompt
	stop := dangerButton(wd, ActionConfirm, token, w, wd.channelsText(req.Command.ChannelIDs, nil))
	cancel := slack.NewButtonBlockElement(ActionCancel, token, plain(truncate(wd.cancelButton(), maxButtonText)))
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(text, maxSectionText), false, false), nil, nil),
		slack.NewActionBlock(promptBlockID(token), stop, cancel),
	}
}

// Slack's Block Kit limits, in characters, on what promptBlocks builds;
// past them Slack refuses the whole message with invalid_blocks.
const (
	maxSectionText  = 3000
	maxButtonText   = 75
	maxConfirmTitle = 100
	maxConfirmText  = 300
	maxDialogButton = 30
)

// promptBlockID names a prompt's actions block: "polyv_stop_" and 22
// characters of the token's SHA-256, 33 in all, where the limit is 255.
func promptBlockID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "polyv_stop_" + base64.RawURLEncoding.EncodeToString(sum[:])[:22]
}

// dangerButton is a red button that acts, behind Slack's confirm dialog
// in w's words about what ("channel 10001").
func dangerButton(wd words, actionID, token string, w promptWords, what string) *slack.ButtonBlockElement {
	confirm := slack.NewConfirmationBlockObject(
		plain(truncate(wd.f(w.title), maxConfirmTitle)), plain(truncate(w.body(wd, what), maxConfirmText)),
		plain(truncate(wd.f(w.button), maxDialogButton)), plain(truncate(wd.f(w.keep), maxDialogButton)))
	return slack.NewButtonBlockElement(actionID, token, plain(truncate(wd.f(w.button), maxButtonText))).
		WithStyle(slack.StyleDanger).WithConfirm(confirm)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}
