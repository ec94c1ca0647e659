package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"
	"github.com/slack-go/slack/socketmode"
)

// Action ids of the confirmation buttons.
const (
	ActionConfirm = "polyv_stop_confirm"
	ActionCancel  = "polyv_stop_cancel"
)

// askConfirmation answers privately with what will be stopped and two
// buttons; nothing is sent to Polyv until the requester clicks "Stop stream".
func (b *Bot) askConfirmation(ctx context.Context, j job, rec *auditRecord) {
	token := b.prompts.add(j)
	rec.outcome = "confirmation_requested"
	what := channelNoun(j.parsed.ChannelIDs) + " " + describeIDs(j.parsed.ChannelIDs)
	text := fmt.Sprintf("Stop the pull stream of Polyv %s?", what)
	if j.parsed.Reason != "" {
		text += "\nReason: " + slackutilsx.EscapeMessage(j.parsed.Reason)
	}
	if j.parsed.Ambiguous() {
		text += "\n" + ambiguityText(j.cmd.Command, j.parsed)
	}
	text += fmt.Sprintf("\n_This prompt expires in %s._", humanDuration(b.cfg.ConfirmTTL))
	confirm := slack.NewConfirmationBlockObject(
		slack.NewTextBlockObject(slack.PlainTextType, "Stop the stream?", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Viewers of Polyv "+what+" lose the stream now.", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Stop stream", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Keep it running", false, false))
	stop := slack.NewButtonBlockElement(ActionConfirm, token, slack.NewTextBlockObject(slack.PlainTextType, "Stop stream", false, false)).
		WithStyle(slack.StyleDanger).WithConfirm(confirm)
	cancel := slack.NewButtonBlockElement(ActionCancel, token, slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false))
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock("polyv_stop_"+token, stop, cancel),
	}
	b.postPrompt(ctx, j, text, blocks)
}

// postPrompt shows the prompt to the requester only: through response_url,
// else with chat.postEphemeral, so a dead response_url does not leave the
// requester waiting for a prompt that never comes.
func (b *Bot) postPrompt(ctx context.Context, j job, text string, blocks []slack.Block) {
	pctx, done := postCtx(ctx)
	defer done()
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)}
	_, _, _, err := b.msg.api.SendMessageContext(pctx, "", append(opts, slack.MsgOptionResponseURL(j.cmd.ResponseURL, slack.ResponseTypeEphemeral))...)
	if err == nil {
		return
	}
	b.log.Warn("confirmation prompt not posted to response_url; trying chat.postEphemeral", "request_id", j.reqID, "err", err)
	if _, err = b.msg.api.PostEphemeralContext(pctx, j.cmd.ChannelID, j.cmd.UserID, opts...); err != nil {
		b.log.Error("confirmation prompt not posted", "request_id", j.reqID, "user", j.cmd.UserID, "err", err)
	}
}

// onInteraction acks a button click at once and queues it.
func (b *Bot) onInteraction(ctx context.Context, req *socketmode.Request, cb slack.InteractionCallback) {
	start := time.Now()
	if req == nil {
		return
	}
	dup := b.seen.add(req.EnvelopeID)
	b.ack(ctx, req, nil)
	b.metrics.observeAck(time.Since(start))
	if dup || cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	// Only our two buttons: a click on anything else must never run a stop.
	if id := cb.ActionCallback.BlockActions[0].ActionID; id != ActionConfirm && id != ActionCancel {
		return
	}
	j := job{action: &cb, reqID: req.EnvelopeID, received: start, parsed: Command{Verb: VerbStop},
		cmd: slack.SlashCommand{UserID: cb.User.ID, UserName: cb.User.Name, ChannelID: cb.Channel.ID, ResponseURL: cb.ResponseURL}}
	if text := b.enqueue(j); text != "" {
		go b.private(b.workCtx, j, text)
	}
}

// handleClick resolves a click: only the requester's first click within the
// prompt's lifetime counts.
func (b *Bot) handleClick(ctx context.Context, click job) {
	action := click.action.ActionCallback.BlockActions[0]
	user := click.action.User.ID
	orig, state := b.prompts.take(action.Value, user)
	switch state {
	case promptGone:
		b.log.Info("click on a used or unknown prompt ignored", "user", user, "action", action.ActionID)
	case promptNotYours:
		b.log.Warn("confirmation clicked by someone other than the requester; ignored", "user", user, "action", action.ActionID)
		b.private(ctx, job{cmd: slack.SlashCommand{UserID: user, ChannelID: click.cmd.ChannelID}},
			"🚫 This confirmation is not yours: only the person who ran the command can confirm it.")
	case promptExpired:
		b.replace(ctx, click, fmt.Sprintf("⌛ This confirmation expired after %s; nothing was sent to Polyv. Run the command again.", humanDuration(b.cfg.ConfirmTTL)))
	case promptTaken:
		if action.ActionID == ActionCancel {
			b.replace(ctx, click, "Cancelled: nothing was sent to Polyv.")
			b.writeAudit(&auditRecord{reqID: orig.reqID, j: orig, decision: "allowed", outcome: "cancelled"})
			return
		}
		b.replace(ctx, click, "Confirmed: stopping Polyv "+channelNoun(orig.parsed.ChannelIDs)+" "+describeIDs(orig.parsed.ChannelIDs)+"…")
		rec := b.newAudit(orig)
		defer b.writeAudit(rec)
		if b.authorize(ctx, orig, rec, b.cfg.StopPolicy) {
			b.runStop(ctx, orig, rec)
		}
	}
}

// replace rewrites the prompt the button sat in.
func (b *Bot) replace(ctx context.Context, click job, text string) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	_, _, _, err := b.msg.api.SendMessageContext(pctx, "", slack.MsgOptionReplaceOriginal(click.cmd.ResponseURL), slack.MsgOptionText(text, false))
	if err != nil {
		b.log.Warn("prompt not updated", "user", click.cmd.UserID, "err", err)
	}
}

func channelNoun(ids []int64) string {
	if len(ids) > 1 {
		return "channels"
	}
	return "channel"
}

// humanDuration says "2 minutes" rather than Go's "2m0s".
func humanDuration(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "1 minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d == time.Second:
		return "1 second"
	case d%time.Second == 0 && d < time.Minute:
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}
