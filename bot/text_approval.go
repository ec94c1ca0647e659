package bot

import (
	"time"
)

// The two-person rule's words (approval.go): the request, its ends, the
// private answers to clicks, and what the thread, the parent and the audit
// say of an approved command.

// approvalRequestText is the request posted in the channel: who asks, for
// what and why, who may approve, and until when. The expiry is shown in
// each reader's time zone (Slack's date token), UTC where it cannot be.
func (wd words) approvalRequestText(req Request, stories []story, expires time.Time, ttl time.Duration, dryRun bool) string {
	w := wordsOf(req.Command.Verb)
	var names channelNames
	if len(stories) > 0 {
		names = stories[0].names
	}
	s := wd.f("✋ <@%s> asks for a second person's approval to %s", req.User, wd.f(w.act, wd.channelsText(req.Command.ChannelIDs, names)))
	if told(stories) {
		for _, st := range stories {
			s += "\n" + wd.promptLine(st)
		}
	}
	if req.Command.Reason != "" {
		s += "\n" + wd.f("Reason: %s", escape(req.Command.Reason))
	}
	s += "\n" + wd.f("%s; nothing is sent to Polyv until then. It expires <!date^%d^{date_short_pretty} at {time}|%s> (in %s).",
		wd.f(w.may), digits(expires.Unix()), expires.UTC().Format("2006-01-02 15:04 UTC"), wd.humanDuration(ttl))
	if dryRun {
		s += "\n" + wd.f("_Dry run: nothing is sent to Polyv._")
	}
	return s
}

func (wd words) approveButton() string { return wd.f("Approve") }

// approvingText replaces the request once approved, until the outcome.
func (wd words) approvingText(w actionWords, req Request) string {
	return wd.f("✅ Approved by <@%s>: %s for <@%s>…", req.ApprovedBy, wd.f(w.acting, wd.channelsText(req.Command.ChannelIDs, nil)), req.User)
}

// approvedBy ends the parent's first line, and the audit's, of an
// approved command: "" for any other.
func (wd words) approvedBy(req Request) string {
	if req.ApprovedBy == "" {
		return ""
	}
	return wd.f(", approved by <@%s>", req.ApprovedBy)
}

// approvalTag ends each thread line of an approved command, so that every
// line names both people.
func (wd words) approvalTag(req Request) string {
	if req.ApprovedBy == "" {
		return ""
	}
	return wd.f(" _(asked by <@%s>, approved by <@%s>)_", req.User, req.ApprovedBy)
}

// approvalLine is the thread line of a channel the two-person rule
// settled; "" for any other.
func (wd words) approvalLine(w actionWords, r ChannelResult, names channelNames) string {
	switch r.State {
	case HeldForApproval:
		return wd.f("⏸ Polyv channel %s: not sent yet: it needs a second person's approval (APPROVAL_CHANNELS); the request with an Approve button is in this channel", names.named(r.ID))
	case AlreadyNotLive:
		return wd.f("⏹ Polyv channel %s: not sent: it was no longer live (%s) when the approval came; someone may have %s it already",
			names.named(r.ID), wd.liveStatus(r.Check.Status), wd.f(w.done))
	}
	return ""
}

// approvalFailedText answers the requester when Slack took the approval
// request no way.
func (wd words) approvalFailedText(ids []int64, err error) string {
	return wd.f("⚠️ The bot could not post the approval request for Polyv %s (%s); nothing was sent to Polyv for it. Invite the bot to this channel (`/invite @polyvbot`) and try again, or ask an admin to check the bot's log.",
		wd.channelsText(ids, nil), wd.slackRefusal(err, true))
}

func (wd words) selfApprovalText() string {
	return wd.f("🚫 You asked for this, so you cannot approve it: a second person allowed to stop streams must click Approve. Nothing changed.")
}

func (wd words) notYourRequestText(requester string) string {
	return wd.f("🚫 Only <@%s>, who asked for this, can cancel the request. Nothing changed.", requester)
}

// approvalCancelledText replaces a request its requester cancelled.
func (wd words) approvalCancelledText(w actionWords, req Request) string {
	return wd.f("🚫 Cancelled by <@%s>: the request to %s sent nothing to Polyv.", req.User, wd.f(w.act, wd.channelsText(req.Command.ChannelIDs, nil)))
}

// approvalExpiredText replaces an expired request, and answers its click.
func (wd words) approvalExpiredText(w actionWords, req Request, ttl time.Duration) string {
	return wd.f("⌛ Expired: <@%s>'s request to %s was not approved within %s; nothing was sent to Polyv. Run the command again if it is still needed.",
		req.User, wd.f(w.act, wd.channelsText(req.Command.ChannelIDs, nil)), wd.humanDuration(ttl))
}

// endedText answers a click on a request that already ended.
func (wd words) endedText(end ending, ttl time.Duration) string {
	switch end.how {
	case Allowed:
		return wd.f("This request was already approved by <@%s>; its thread says what happened. This click sent nothing to Polyv.", end.by)
	case ApprovalCancelled:
		return wd.f("This request was cancelled by <@%s>; nothing was sent to Polyv.", end.by)
	}
	return wd.f("⌛ This request expired after %s without approval; nothing was sent to Polyv.", wd.humanDuration(ttl))
}

func (wd words) approvalAlteredText() string {
	return wd.f("⚠️ This approval request could not be checked (it was changed, or comes from a bot with another configuration); nothing was sent to Polyv.")
}

func (wd words) approvalClockAheadText() string {
	return wd.f("⌛ This approval request cannot be used here: the bot that made it has a clock more than 3 minutes ahead of this one; nothing was sent to Polyv. Ask an admin to check the bot hosts' clocks (NTP).")
}

// approvalRequestedLine is the audit channel's line for a request.
func (wd words) approvalRequestedLine(req Request, link string, names channelNames) string {
	w := wordsOf(req.Command.Verb)
	return wd.f("✋ <@%s> asked to %s in <#%s>: waiting for a second person's approval%s", req.User,
		wd.f(w.act, wd.channelsText(req.Command.ChannelIDs, names)), req.Channel, wd.linkSuffix(link))
}

// approvalCancelledLine is the audit channel's line for a cancelled request.
func (wd words) approvalCancelledLine(w actionWords, req Request) string {
	return wd.f("🚫 <@%s> cancelled their request to %s in <#%s>: nothing was sent", req.User,
		wd.f(w.act, wd.channelsText(req.Command.ChannelIDs, nil)), req.Channel)
}

// approvalExpiredLine is the audit channel's line for an expired request.
func (wd words) approvalExpiredLine(w actionWords, req Request, ttl time.Duration) string {
	return wd.f("⌛ <@%s>'s request to %s in <#%s> expired after %s without approval: nothing was sent", req.User,
		wd.f(w.act, wd.channelsText(req.Command.ChannelIDs, nil)), req.Channel, wd.humanDuration(ttl))
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
func (wd words) approvalDecisionWords(rec Record) string {
	click := rec.Click != nil && isApprovalAction(rec.Click.Action)
	switch {
	case rec.Decision == AwaitingApproval:
		return wd.f("waiting for a second person's approval; nothing sent yet")
	case rec.Decision == SelfApproval:
		return wd.f("refused: the requester cannot approve their own request")
	case rec.Decision == ApprovalCancelled:
		return wd.f("the requester cancelled the request; nothing was sent")
	case rec.Decision == ApprovalFailed:
		return wd.f("could not post the approval request (%s); nothing was sent", wd.slackRefusal(rec.PromptErr, true))
	case click && rec.Decision == Expired:
		return wd.f("a click on an expired approval request; nothing was sent")
	case click && rec.Decision == Used:
		return wd.f("a click on an approval request that had ended, ignored")
	case click && rec.Decision == NotYours:
		return wd.f("a Cancel by someone other than the requester, ignored")
	case click && rec.Decision == Altered:
		return wd.f("a click on an approval request whose signature does not match, ignored")
	}
	return ""
}
