package bot

import (
	"cmp"
	"errors"
	"time"

	"github.com/polyvbot/polyvbot/auth"
)

// The audit trail's wording: the AUDIT_CHANNEL lines and the words of the
// audit log line. Like everything else the bot says, it lives in the
// text*.go files only.

// startLine is the audit channel's line when a stop starts.
func (wd words) startLine(req Request, link string, names channelNames) string {
	w := wordsOf(req.Command.Verb)
	return wd.f("%s in <#%s>%s", wd.f(w.running, w.emoji, req.User, wd.channelsText(req.Command.ChannelIDs, names)), req.Channel, wd.linkSuffix(link))
}

// outcomeLine is the audit channel's line when a stop's calls are done.
func (wd words) outcomeLine(rec Record, thread string, names channelNames) string {
	w := wordsOf(rec.Command.Verb)
	asked := wd.f(w.asked, wd.summaryText(w, rec.Channels), rec.User, wd.channelsText(rec.Command.ChannelIDs, names))
	return wd.f("%s in <#%s>%s", asked+wd.approvedBy(rec.Request), rec.Channel, wd.linkSuffix(thread))
}

// auditLine is the audit channel's line for a request refused as a whole.
func (wd words) auditLine(rec Record) string {
	return wd.auditSentence(rec, true)
}

// auditSentence says in words who asked what, for which Polyv channels,
// where, and what the bot decided. With markup it mentions people and
// channels the way Slack shows them, and names Polyv channels as the record
// knows them; without, it names their IDs, for logs (whose records carry
// the names in fields of their own).
func (wd words) auditSentence(rec Record, markup bool) string {
	who, where, names := rec.User, rec.Channel, channelNames(nil)
	if markup {
		who, where, names = "<@"+who+">", "<#"+where+">", rec.names
	}
	what := "`" + string(rec.Command.Verb) + "`"
	if rec.Click != nil {
		what = "`" + string(cmp.Or(rec.Command.Verb, VerbStop)) + "`"
	}
	if len(rec.Command.ChannelIDs) > 0 {
		what = wd.f("%s of Polyv %s", what, wd.channelsText(rec.Command.ChannelIDs, names))
	}
	if rec.Decision == Invalid {
		what = "`" + quote(rec.Text) + "`"
	}
	if rec.ApprovedBy != "" {
		where = wd.f("%s, approved by %s", where, mention(rec.ApprovedBy, markup))
	}
	emoji, decided := decisionEmoji(rec), wd.decisionWords(rec)
	switch {
	case rec.Click != nil && isApprovalAction(rec.Click.Action) && rec.Click.Action == ActionApprovalCancel:
		return wd.f("%s %s clicked Cancel on the approval request for %s in %s: %s", emoji, who, what, where, decided)
	case rec.Click != nil && isApprovalAction(rec.Click.Action):
		return wd.f("%s %s clicked Approve on the request for %s in %s: %s", emoji, who, what, where, decided)
	case rec.Decision == Cancelled:
		return wd.f("%s %s clicked Cancel on the prompt for %s in %s: %s", emoji, who, what, where, decided)
	}
	return wd.f("%s %s asked for %s in %s: %s", emoji, who, what, where, decided)
}

// decisionEmoji heads an audit line.
func decisionEmoji(rec Record) string {
	switch rec.Decision {
	case Denied, Unconfigured:
		return "🚫"
	case Crashed:
		return "❌"
	case OverBudget, InProgress, Busy:
		return "⏳"
	case Allowed:
		if rec.Command.Verb.acts() {
			return wordsOf(rec.Command.Verb).emoji
		}
		return "✅"
	}
	return "ℹ️"
}

// decisionWords is what the bot decided, in words.
func (wd words) decisionWords(rec Record) string {
	if words := wd.approvalDecisionWords(rec); words != "" {
		return words
	}
	switch rec.Decision {
	case Allowed:
		if rec.Command.Verb.acts() || rec.Click != nil {
			if s := wd.summaryText(wordsOf(rec.Command.Verb), rec.Channels); s != "" {
				return wd.f("allowed; %s", s)
			}
		}
		if rec.StatusErr != nil {
			return wd.f("allowed; Polyv could not be read")
		}
		return wd.f("allowed")
	case Denied:
		return wd.f("denied: %s", wd.denialWords(rec.Denial))
	case PromptFailed:
		return wd.f("could not show the confirmation prompt (%s); nothing was sent", wd.slackRefusal(rec.PromptErr, true))
	case Cancelled:
		return wd.f("it stops nothing after this click; a Stop stream clicked before it is recorded under request %s", rec.ForRequest)
	case Invalid:
		return wd.f("refused as bad input: %s", wd.problemWords(rec.Problem))
	}
	return wd.f(cmp.Or(fixedDecisionWords[rec.Decision], phrase("unknown")))
}

// problemWords words what was wrong with a command's input.
func (wd words) problemWords(err error) string {
	var ue *UsageError
	if errors.As(err, &ue) {
		return wd.usageProblem(ue)
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// fixedDecisionWords are decisionWords for the decisions that carry no
// detail of their own.
var fixedDecisionWords = map[Decision]string{
	OverBudget:   phrase("not sent: the requester's budget (USER_RATE_LIMIT_PER_MINUTE) is used up"),
	InProgress:   phrase("not sent: already being stopped by someone else"),
	Confirming:   phrase("asked the requester to confirm"),
	Helped:       phrase("answered with the help"),
	Busy:         phrase("refused: the bot was busy"),
	Expired:      phrase("a click on an expired confirmation"),
	NotYours:     phrase("a click on someone else's confirmation, ignored"),
	Used:         phrase("a click on a used confirmation, ignored"),
	Altered:      phrase("a click on a confirmation whose signature does not match, ignored"),
	Crashed:      phrase("failed: an internal error"),
	Unconfigured: phrase("refused: ban and resume need POLYV_USER_ID, which is not set; nothing was sent"),
}

// denialWords says why the policy said no.
func (wd words) denialWords(d auth.Denial) string {
	switch d {
	case auth.DenyUser:
		return wd.f("not in the allowed users or groups")
	case auth.DenyChannel:
		return wd.f("commands are not allowed in this channel")
	case auth.DenyLookup:
		return wd.f("group membership could not be checked")
	}
	return string(d)
}

// auditStamp ends every audit channel line with the request and the time.
func (wd words) auditStamp(id string, at time.Time) string {
	return wd.f(" _(request %s, %s)_", id, at.UTC().Format(time.RFC3339))
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
		return english.summaryText(wordsOf(rec.Command.Verb), rec.Channels)
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
