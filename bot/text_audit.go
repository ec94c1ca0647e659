package bot

import (
	"cmp"
	"fmt"
	"time"

	"github.com/polyvbot/polyvbot/auth"
)

// The audit trail's wording: the AUDIT_CHANNEL lines and the words of the
// audit log line. Like everything else the bot says, it lives in the
// text*.go files only.

// startLine is the audit channel's line when a stop starts.
func startLine(req Request, link string, names channelNames) string {
	w := wordsOf(req.Command.Verb)
	return fmt.Sprintf("%s <@%s> is %s Polyv %s in <#%s>%s", w.emoji, req.User, w.doing, channelsText(req.Command.ChannelIDs, names), req.Channel, linkSuffix(link))
}

// outcomeLine is the audit channel's line when a stop's calls are done.
func outcomeLine(rec Record, thread string, names channelNames) string {
	return fmt.Sprintf("%s — <@%s> asked to %s Polyv %s%s in <#%s>%s", summaryText(wordsOf(rec.Command.Verb), rec.Channels), rec.User,
		wordsOf(rec.Command.Verb).asked, channelsText(rec.Command.ChannelIDs, names), approvedBy(rec.Request), rec.Channel, linkSuffix(thread))
}

// auditLine is the audit channel's line for a request refused as a whole.
func auditLine(rec Record) string {
	return auditSentence(rec, true)
}

// auditSentence says in words who asked what, for which Polyv channels,
// where, and what the bot decided. With markup it mentions people and
// channels the way Slack shows them, and names Polyv channels as the record
// knows them; without, it names their IDs, for logs (whose records carry
// the names in fields of their own).
func auditSentence(rec Record, markup bool) string {
	who, where, names := rec.User, rec.Channel, channelNames(nil)
	if markup {
		who, where, names = "<@"+who+">", "<#"+where+">", rec.names
	}
	what := "`" + string(rec.Command.Verb) + "`"
	if rec.Click != nil {
		what = "`" + string(cmp.Or(rec.Command.Verb, VerbStop)) + "`"
	}
	if len(rec.Command.ChannelIDs) > 0 {
		what += " of Polyv " + channelsText(rec.Command.ChannelIDs, names)
	}
	if rec.Decision == Invalid {
		what = "`" + quote(rec.Text) + "`"
	}
	emoji, decided := "ℹ️", decisionWords(rec)
	switch rec.Decision {
	case Denied, Unconfigured:
		emoji = "🚫"
	case Crashed:
		emoji = "❌"
	case OverBudget, InProgress, Busy:
		emoji = "⏳"
	case Allowed:
		emoji = "✅"
		if rec.Command.Verb.acts() {
			emoji = wordsOf(rec.Command.Verb).emoji
		}
	}
	asked := "asked for"
	switch {
	case rec.Click != nil && isApprovalAction(rec.Click.Action):
		asked = approvalClickWords(rec.Click.Action)
	case rec.Decision == Cancelled:
		asked = "clicked Cancel on the prompt for"
	}
	if rec.ApprovedBy != "" {
		where += ", approved by " + mention(rec.ApprovedBy, markup)
	}
	return fmt.Sprintf("%s %s %s %s in %s: %s", emoji, who, asked, what, where, decided)
}

// decisionWords is what the bot decided, in words.
func decisionWords(rec Record) string {
	if words := approvalDecisionWords(rec); words != "" {
		return words
	}
	switch rec.Decision {
	case Allowed:
		if rec.Command.Verb.acts() || rec.Click != nil {
			if s := summaryText(wordsOf(rec.Command.Verb), rec.Channels); s != "" {
				return "allowed; " + s
			}
		}
		if rec.StatusErr != nil {
			return "allowed; Polyv could not be read"
		}
		return "allowed"
	case Denied:
		return "denied: " + denialWords(rec.Denial)
	case PromptFailed:
		return "could not show the confirmation prompt (" + slackRefusal(rec.PromptErr, "it") + "); nothing was sent"
	case Cancelled:
		return "it stops nothing after this click; a Stop stream clicked before it is recorded under request " + rec.ForRequest
	case Invalid:
		return "refused as bad input: " + rec.Problem
	}
	return cmp.Or(fixedDecisionWords[rec.Decision], "unknown")
}

// fixedDecisionWords are decisionWords for the decisions that carry no
// detail of their own.
var fixedDecisionWords = map[Decision]string{
	OverBudget:   "not sent: the requester's budget (USER_RATE_LIMIT_PER_MINUTE) is used up",
	InProgress:   "not sent: already being stopped by someone else",
	Confirming:   "asked the requester to confirm",
	Helped:       "answered with the help",
	Busy:         "refused: the bot was busy",
	Expired:      "a click on an expired confirmation",
	NotYours:     "a click on someone else's confirmation, ignored",
	Used:         "a click on a used confirmation, ignored",
	Altered:      "a click on a confirmation whose signature does not match, ignored",
	Crashed:      "failed: an internal error",
	Unconfigured: "refused: ban and resume need POLYV_USER_ID, which is not set; nothing was sent",
}

// denialWords says why the policy said no.
func denialWords(d auth.Denial) string {
	switch d {
	case auth.DenyUser:
		return "not in the allowed users or groups"
	case auth.DenyChannel:
		return "commands are not allowed in this channel"
	case auth.DenyLookup:
		return "group membership could not be checked"
	}
	return string(d)
}

// auditStamp ends every audit channel line with the request and the time.
func auditStamp(id string, at time.Time) string {
	return fmt.Sprintf(" _(request %s, %s)_", id, at.UTC().Format(time.RFC3339))
}

// decisionWord and outcomeWord are the audit log's decision and outcome
// fields, whose values the README documents. A click that ran nothing is
// decided "click": it is audited under its own request, and must not read
// as the decision on the command whose prompt it was on.
func decisionWord(rec Record) string {
	switch rec.Decision {
	case Denied:
		return "denied:" + string(rec.Denial)
	case Invalid:
		return "usage"
	case Helped:
		return "help"
	case Busy:
		return "busy"
	case Unconfigured:
		return "unconfigured"
	case Cancelled, Expired, NotYours, Used, Altered, SelfApproval, ApprovalCancelled:
		return "click"
	}
	return "allowed"
}

func outcomeWord(rec Record) string {
	if rec.Decision != Allowed {
		return cmp.Or(outcomeWords[rec.Decision], "unknown")
	}
	switch {
	case rec.Command.Verb.acts() || rec.Click != nil:
		return summaryText(wordsOf(rec.Command.Verb), rec.Channels)
	case rec.StatusErr != nil:
		return "failed"
	}
	return "ok"
}

// outcomeWords are the audit log's outcome for every decision but Allowed,
// whose outcome is what ran.
var outcomeWords = map[Decision]string{
	Denied:       "denied",
	OverBudget:   "rate_limited_user",
	InProgress:   "already_in_progress",
	Confirming:   "confirmation_requested",
	PromptFailed: "prompt_failed",
	Cancelled:    "cancel_clicked",
	Invalid:      "usage",
	Helped:       "help",
	Busy:         "busy",
	Expired:      "expired",
	NotYours:     "not_yours",
	Used:         "used",
	Altered:      "altered",
	Crashed:      "crashed",
	Unconfigured: "no_user_id",
	// The two-person rule's (approval.go).
	AwaitingApproval:  "approval_requested",
	SelfApproval:      "self_approval",
	ApprovalCancelled: "approval_cancelled",
	ApprovalFailed:    "approval_request_failed",
}

// stateWord is a channel's state in the audit log.
func stateWord(s State) string {
	switch s {
	case Stopped:
		return "stopped"
	case DryRun:
		return "dry_run"
	case RateLimited, NotSent:
		return "rate_limited"
	case Elsewhere:
		return "already_in_progress"
	case Unclear:
		return "unclear"
	case HeldForApproval:
		return "awaiting_approval"
	case AlreadyNotLive:
		return "already_not_live"
	}
	return "failed"
}

// checkWord is a channel's verification verdict in the audit log; "" when
// it was not checked.
func checkWord(v Verdict) string {
	switch v {
	case Verified:
		return "verified"
	case StillLive:
		return "still_live"
	case Unverified:
		return "unverified"
	}
	return ""
}
