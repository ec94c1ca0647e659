package bot

import (
	"fmt"
	"time"
)

// The two-person rule's words (approval.go): the request, its ends, the
// private answers to clicks, and what the thread, the parent and the audit
// say of an approved command.

// approvalRequestText is the request posted in the channel: who asks, for
// what and why, who may approve, and until when. The expiry is shown in
// each reader's time zone (Slack's date token), UTC where it cannot be.
func approvalRequestText(req Request, stories []story, expires time.Time, ttl time.Duration, dryRun bool) string {
	w := wordsOf(req.Command.Verb)
	var names channelNames
	if len(stories) > 0 {
		names = stories[0].names
	}
	s := fmt.Sprintf("✋ <@%s> asks for a second person's approval to %s Polyv %s", req.User, w.asked, channelsText(req.Command.ChannelIDs, names))
	if told(stories) {
		for _, st := range stories {
			s += "\n" + promptLine(st)
		}
	}
	if req.Command.Reason != "" {
		s += "\nReason: " + escape(req.Command.Reason)
	}
	s += fmt.Sprintf("\nAnyone else allowed to %s streams can approve it; nothing is sent to Polyv until then. "+
		"It expires <!date^%d^{date_short_pretty} at {time}|%s> (in %s).",
		w.asked, expires.Unix(), expires.UTC().Format("2006-01-02 15:04 UTC"), humanDuration(ttl))
	if dryRun {
		s += "\n_Dry run: nothing is sent to Polyv._"
	}
	return s
}

func approveButton() string { return "Approve" }

// approvingText replaces the request once approved, until the outcome.
func approvingText(w actionWords, req Request) string {
	return fmt.Sprintf("✅ Approved by <@%s>: %s Polyv %s for <@%s>…", req.ApprovedBy, w.doing, channelsText(req.Command.ChannelIDs, nil), req.User)
}

// approvedBy ends the parent's first line, and the audit's, of an
// approved command: "" for any other.
func approvedBy(req Request) string {
	if req.ApprovedBy == "" {
		return ""
	}
	return ", approved by <@" + req.ApprovedBy + ">"
}

// approvalTag ends each thread line of an approved command, so that every
// line names both people.
func approvalTag(req Request) string {
	if req.ApprovedBy == "" {
		return ""
	}
	return fmt.Sprintf(" _(asked by <@%s>, approved by <@%s>)_", req.User, req.ApprovedBy)
}

// approvalLine is the thread line of a channel the two-person rule
// settled; "" for any other.
func approvalLine(w actionWords, r ChannelResult, names channelNames) string {
	switch r.State {
	case HeldForApproval:
		return fmt.Sprintf("⏸ Polyv channel %s: not sent yet: it needs a second person's approval (APPROVAL_CHANNELS); the request with an Approve button is in this channel", names.named(r.ID))
	case AlreadyNotLive:
		return fmt.Sprintf("⏹ Polyv channel %s: not sent: it was no longer live (%s) when the approval came; someone may have %s it already", names.named(r.ID), r.Check.Status.Describe(), w.done)
	}
	return ""
}

// approvalFailedText answers the requester when Slack took the approval
// request no way.
func approvalFailedText(ids []int64, err error) string {
	return "⚠️ The bot could not post the approval request for Polyv " + channelsText(ids, nil) + " (" + slackRefusal(err, "it") +
		"); nothing was sent to Polyv for it. Invite the bot to this channel (`/invite @polyvbot`) and try again, or ask an admin to check the bot's log."
}

func selfApprovalText() string {
	return "🚫 You asked for this, so you cannot approve it: a second person allowed to stop streams must click Approve. Nothing changed."
}

func notYourRequestText(requester string) string {
	return fmt.Sprintf("🚫 Only <@%s>, who asked for this, can cancel the request. Nothing changed.", requester)
}

// approvalCancelledText replaces a request its requester cancelled.
func approvalCancelledText(w actionWords, req Request) string {
	return fmt.Sprintf("🚫 Cancelled by <@%s>: the request to %s Polyv %s sent nothing to Polyv.", req.User, w.asked, channelsText(req.Command.ChannelIDs, nil))
}

// approvalExpiredText replaces an expired request, and answers its click.
func approvalExpiredText(w actionWords, req Request, ttl time.Duration) string {
	return fmt.Sprintf("⌛ Expired: <@%s>'s request to %s Polyv %s was not approved within %s; nothing was sent to Polyv. Run the command again if it is still needed.",
		req.User, w.asked, channelsText(req.Command.ChannelIDs, nil), humanDuration(ttl))
}

// endedText answers a click on a request that already ended.
func endedText(end ending, ttl time.Duration) string {
	switch end.how {
	case Allowed:
		return fmt.Sprintf("This request was already approved by <@%s>; its thread says what happened. This click sent nothing to Polyv.", end.by)
	case ApprovalCancelled:
		return fmt.Sprintf("This request was cancelled by <@%s>; nothing was sent to Polyv.", end.by)
	}
	return fmt.Sprintf("⌛ This request expired after %s without approval; nothing was sent to Polyv.", humanDuration(ttl))
}

func approvalAlteredText() string {
	return "⚠️ This approval request could not be checked (it was changed, or comes from a bot with another configuration); nothing was sent to Polyv."
}

func approvalClockAheadText() string {
	return "⌛ This approval request cannot be used here: the bot that made it has a clock more than 3 minutes ahead of this one; nothing was sent to Polyv. Ask an admin to check the bot hosts' clocks (NTP)."
}

// approvalRequestedLine is the audit channel's line for a request.
func approvalRequestedLine(req Request, link string) string {
	w := wordsOf(req.Command.Verb)
	return fmt.Sprintf("✋ <@%s> asked to %s Polyv %s in <#%s>: waiting for a second person's approval%s", req.User, w.asked,
		channelsText(req.Command.ChannelIDs, nil), req.Channel, linkSuffix(link))
}

// approvalCancelledLine is the audit channel's line for a cancelled request.
func approvalCancelledLine(w actionWords, req Request) string {
	return fmt.Sprintf("🚫 <@%s> cancelled their request to %s Polyv %s in <#%s>: nothing was sent", req.User, w.asked,
		channelsText(req.Command.ChannelIDs, nil), req.Channel)
}

// approvalExpiredLine is the audit channel's line for an expired request.
func approvalExpiredLine(w actionWords, req Request, ttl time.Duration) string {
	return fmt.Sprintf("⌛ <@%s>'s request to %s Polyv %s in <#%s> expired after %s without approval: nothing was sent", req.User, w.asked,
		channelsText(req.Command.ChannelIDs, nil), req.Channel, humanDuration(ttl))
}

// approvalClickWords say what a click on a request's button was, in the
// audit's sentence.
func approvalClickWords(action string) string {
	if action == ActionApprovalCancel {
		return "clicked Cancel on the approval request for"
	}
	return "clicked Approve on the request for"
}

// mention names a user the way Slack shows them, or by ID for logs.
func mention(user string, markup bool) string {
	if markup {
		return "<@" + user + ">"
	}
	return user
}

// approvalDecisionWords are decisionWords for the two-person rule's
// decisions and for clicks on a request; "" for any other.
func approvalDecisionWords(rec Record) string {
	click := rec.Click != nil && isApprovalAction(rec.Click.Action)
	switch {
	case rec.Decision == AwaitingApproval:
		return "waiting for a second person's approval; nothing sent yet"
	case rec.Decision == SelfApproval:
		return "refused: the requester cannot approve their own request"
	case rec.Decision == ApprovalCancelled:
		return "the requester cancelled the request; nothing was sent"
	case rec.Decision == ApprovalFailed:
		return "could not post the approval request (" + slackRefusal(rec.PromptErr, "it") + "); nothing was sent"
	case click && rec.Decision == Expired:
		return "a click on an expired approval request; nothing was sent"
	case click && rec.Decision == Used:
		return "a click on an approval request that had ended, ignored"
	case click && rec.Decision == NotYours:
		return "a Cancel by someone other than the requester, ignored"
	case click && rec.Decision == Altered:
		return "a click on an approval request whose signature does not match, ignored"
	}
	return ""
}
