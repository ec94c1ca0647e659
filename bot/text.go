package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack/slackutilsx"

	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/polyv"
)

// Everything the bot says is worded here, as pure functions of the
// pipeline's typed values, so that it can be reviewed, changed and one day
// translated without touching the pipeline. The policy (auth) and the
// Polyv client return typed values, and are worded here too (text_auth.go,
// explainPolyv). Text from outside (the reason, a quoted word, Polyv's or
// Slack's words, a group handle) is escaped exactly once, here, by escape,
// and cut, where it must be, by truncate: the bot has one of each.

// HelpEntry documents one verb (see the verb table, verbs.go).
type HelpEntry struct {
	Verb    Verb
	Args    string
	Summary string
	Example string
}

// HelpText is the help message for the slash command as the workspace named
// it (a workspace may register the bot as /polyv-ops). who, when not empty,
// says who may stop streams.
func HelpText(command, who string) string {
	command = orPolyv(command)
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* stops Polyv live streams and records who did it.\n", command)
	for _, h := range Help {
		// Slack reads <…> as markup even inside code spans, so the
		// placeholders are escaped.
		usage := escape(strings.TrimSpace(string(h.Verb) + " " + h.Args))
		fmt.Fprintf(&b, "• `%s %s` — %s. Example: `%s %s`\n", command, usage, h.Summary, command, h.Example)
	}
	b.WriteString("Channel ids are the numbers in the Polyv console (1 to 2147483647); `#10001` or a Polyv watch or console link works too; separate several with spaces.\n")
	fmt.Fprintf(&b, "Put `--` between the ids and the reason, so that a reason starting with a number is not read as an id: `%s stop 10001 -- 2 viewers reported it`.", command)
	if who != "" {
		fmt.Fprintf(&b, "\nWho may stop streams: %s.", who)
	}
	return b.String()
}

// usageText is the short reminder sent with a refused command: every verb
// of the table with its arguments.
func usageText(command string) string {
	command = orPolyv(command)
	forms := make([]string, len(Help))
	for i, h := range Help {
		forms[i] = "`" + command + " " + escape(strings.TrimSpace(string(h.Verb)+" "+h.Args)) + "`"
	}
	return "Usage: " + strings.Join(forms, ", ")
}

// refusalText answers input that cannot run: what is wrong, then the usage.
func refusalText(command string, err error) string {
	return "⚠️ " + err.Error() + "\n" + usageText(command)
}

// usageProblem words a UsageError for the person who typed the command.
func usageProblem(e *UsageError) string {
	arg, verb := quote(e.Arg), e.Verb
	switch e.Problem {
	case TooLong:
		return fmt.Sprintf("that command is %d bytes long; the limit is %d", e.N, MaxCommandBytes)
	case NotUTF8:
		return "the command is not valid UTF-8 text"
	case NoVerb:
		return fmt.Sprintf("say what to do with it, e.g. `stop %s`", arg)
	case UnknownVerb:
		return fmt.Sprintf("unknown command `%s`", arg)
	case NoChannel:
		return noChannelProblem(verb, e.Arg)
	case NoReasonHere:
		return "`status` takes no reason; type only channel ids, e.g. `status 10001`"
	case NotAnID:
		return fmt.Sprintf("`status` takes only channel ids; `%s` is not one", arg)
	case TooManyChannels:
		return fmt.Sprintf("that is %d channels; one command may name at most %d", e.N, MaxChannels)
	case NotDigits:
		return fmt.Sprintf("`%s` is not a Polyv channel id: ids are whole numbers written with the digits 0-9 only", arg)
	case LeadingZero:
		return fmt.Sprintf("`%s` is not a Polyv channel id: ids are from 1 to 2147483647 and have no leading zeros", arg)
	case OutOfRange:
		return fmt.Sprintf("`%s` is not a Polyv channel id: ids are from 1 to 2147483647", arg)
	case NotPolyvLink:
		return fmt.Sprintf("`%s` is not a Polyv watch or console link: type the channel id, e.g. `%s 10001`, or put `--` before it if it is the reason", arg, verb)
	case NoChannelBadLink:
		return fmt.Sprintf("`%s` needs the Polyv channel id, and `%s` is not a Polyv watch or console link: type the channel id, e.g. `%s 10001`", verb, arg, verb)
	case LinkWithoutID:
		return fmt.Sprintf("`%s` does not show which Polyv channel it is: type the channel id, e.g. `%s 10001`", arg, verb)
	case ReasonControl:
		return fmt.Sprintf("the reason contains a control or text-direction character (%U); type it again as plain text", rune(e.N))
	case ReasonTooLong:
		return fmt.Sprintf("the reason is %d characters long; keep it under %d", e.N, MaxReasonRunes)
	}
	return "the command cannot be read"
}

// noChannelProblem says that a command names no channel, and which word
// stands where the first id belongs, if any.
func noChannelProblem(verb Verb, arg string) string {
	if verb == VerbBan || verb == VerbResume {
		return pushBanNoChannel(verb, arg)
	}
	if arg == "" {
		if verb == VerbStatus {
			return "`status` needs at least one Polyv channel id, e.g. `status 10001`"
		}
		return "`stop` needs the Polyv channel id to stop, e.g. `stop 10001 -- stream leaked`"
	}
	if verb == VerbStatus {
		return fmt.Sprintf("`%s` is not a Polyv channel id: `status` needs at least one Polyv channel id, e.g. `status 10001`", quote(arg))
	}
	return fmt.Sprintf("`%s` is not a Polyv channel id: `stop` needs the Polyv channel id first, e.g. `stop 10001 -- stream leaked`", quote(arg))
}

// ambiguityText says how `stop 10001 2 viewers` was read, before anything
// else happens: the channels, the reason, and how to write a reason that
// starts with a number.
func ambiguityText(command string, c Command) string {
	ids := c.ChannelIDs
	last := ids[len(ids)-1]
	reason := escape(strings.ReplaceAll(c.Reason, "`", "'"))
	return fmt.Sprintf("ℹ️ Read as: %s Polyv channels %s, with the reason “%s”. If %d belongs to the reason, put `--` before it: `%s %s %s -- %d %s`",
		c.Verb, describeIDs(ids), reason, last, orPolyv(command), c.Verb, describeIDs(ids[:len(ids)-1]), last, reason)
}

func busyText() string {
	return "⏳ The bot is busy with other commands and took no action. Try again in a few seconds."
}

func crashedText() string {
	return "❌ The bot failed on this command (an internal error, now in its log). Check with `status` whether anything was stopped before trying again."
}

func inviteHint() string {
	return "_Invite the bot (`/invite @polyvbot`) to get a threaded audit trail here._"
}

// actionWords are an acting verb's words in the messages every action
// shares: the parent, the audit channel's lines, the thread's success line
// and the summary.
type actionWords struct {
	emoji string // heads the parent while it runs
	doing string // "stopping"
	asked string // "stop", as in "asked to stop"
	done  string // "stopped", a channel's success and the summary's count
	call  string // "stop", as in "the signed stop call"
	// note follows a channel's success line (what the action leaves
	// behind, how to undo it); nil for none.
	note func(command string, id int64) string
	// check is the line verification adds for one channel; nil for an
	// action that is not verified.
	check  func(r ChannelResult, names channelNames, window, timeout time.Duration, command string) string
	prompt promptWords // the confirmation prompt's words
}

// promptWords are an action's words in its confirmation prompt.
type promptWords struct {
	question string                   // "Stop the pull stream of", before "Polyv channel 10001?"
	title    string                   // the dialog's title
	body     func(what string) string // the dialog's text, about "channel 10001"
	button   string                   // the button that acts, and the dialog's yes
	keep     string                   // the dialog's no
}

var stopWords = actionWords{emoji: "🛑", doing: "stopping", asked: "stop", done: "stopped", call: "stop", check: checkLine,
	prompt: promptWords{question: "Stop the pull stream of", title: confirmTitle(), body: confirmBody, button: stopButton(), keep: keepButton()}}

// wordsOf is the words of req's verb (a stop's for a verb without an
// action, which never reaches these messages).
func wordsOf(v Verb) actionWords {
	if a := specOf(v).action; a != nil {
		return a.words
	}
	return stopWords
}

// parentText names the requester, every channel asked for, by name where
// known (the thread says why any was not called) and the reason; head, once
// the outcome is known, replaces the opening with the summary.
func parentText(req Request, names channelNames, dryRun bool, head string) string {
	ids, w := req.Command.ChannelIDs, wordsOf(req.Command.Verb)
	var s string
	if head == "" {
		s = fmt.Sprintf("%s <@%s> is %s Polyv %s", w.emoji, req.User, w.doing, channelsText(ids, names))
	} else {
		s = fmt.Sprintf("%s — <@%s> asked to %s Polyv %s", head, req.User, w.asked, channelsText(ids, names))
	}
	s += approvedBy(req)
	if req.Command.Reason != "" {
		s += "\nReason: " + escape(req.Command.Reason)
	}
	if req.Command.Ambiguous() {
		s += "\n_Read as channels " + describeIDs(ids) + "; a reason that starts with a number goes after `--`._"
	}
	if dryRun {
		s += "\n_Dry run: nothing is sent to Polyv._"
	}
	return s
}

// summaryText is a stop's result at a glance, e.g. "✅ 2 stopped, ❌ 1 failed".
func summaryText(w actionWords, results []ChannelResult) string {
	n := count(results)
	var parts []string
	add := func(k int, emoji, words string) {
		if k > 0 {
			parts = append(parts, fmt.Sprintf("%s %d %s", emoji, k, words))
		}
	}
	add(n[Stopped], "✅", w.done)
	add(n[DryRun], "🧪", "dry run")
	add(n[Failed], "❌", "failed")
	add(n[Unclear], "❔", "unclear")
	add(n[RateLimited]+n[NotSent], "⏳", "rate-limited")
	add(n[Elsewhere], "⏳", "already in progress")
	add(n[AlreadyNotLive], "⏹", "already not live")
	add(n[HeldForApproval], "⏸", "awaiting approval")
	return strings.Join(parts, ", ")
}

// flaggedSummary is the parent's head once verification found a channel it
// could not prove stopped, e.g. "⚠️ ✅ 2 stopped, still live: 10002"; ""
// when every stopped channel was verified.
func flaggedSummary(w actionWords, results []ChannelResult) string {
	words := verificationWords(results)
	if words == "verified" {
		return ""
	}
	return "⚠️ " + summaryText(w, results) + ", " + words
}

// verificationWords is the verdict of a stop's verification: "verified", or
// which channels are still live and which could not be verified.
func verificationWords(results []ChannelResult) string {
	live, unverified := unproven(results)
	var flags []string
	if len(live) > 0 {
		flags = append(flags, "still live: "+describeIDs(live))
	}
	if len(unverified) > 0 {
		flags = append(flags, "unverified: "+describeIDs(slices.Sorted(slices.Values(unverified))))
	}
	if len(flags) == 0 {
		return "verified"
	}
	return strings.Join(flags, ", ")
}

// channelLine is the thread line for one Polyv channel of an action, named
// where names knows it. checking says that verification will settle an
// unclear answer; command is the slash command, for the way to check by
// hand.
func channelLine(w actionWords, r ChannelResult, names channelNames, timeout time.Duration, command string, checking bool) string {
	if line := approvalLine(w, r, names); line != "" {
		return line
	}
	ch := names.named(r.ID)
	switch r.State {
	case Stopped:
		return fmt.Sprintf("✅ Polyv channel %s: %s (Polyv answered in %s)", ch, w.done, humanDuration(r.Elapsed)) + w.noteOn(command, r.ID)
	case DryRun:
		return fmt.Sprintf("🧪 Polyv channel %s: dry run (DRY_RUN=true): the signed %s call was logged, not sent", ch, w.call)
	case NotSent:
		return fmt.Sprintf("⏳ Polyv channel %s: not sent, your per-user limit (USER_RATE_LIMIT_PER_MINUTE) is used up; retry in %s", ch, humanDuration(r.RetryIn))
	case Elsewhere:
		return fmt.Sprintf("⏳ Polyv channel %s: already being stopped by <@%s>%s", ch, r.Holder, linkSuffix(r.Thread))
	case Unclear:
		line := fmt.Sprintf("❔ Polyv channel %s: Polyv's answer was unclear: %s", ch, unclearWords(r.Err, timeout))
		if checking {
			return line + "; checking…"
		}
		return line + "; the stream may or may not be stopped; check with " + statusHint(command, r.ID)
	}
	return fmt.Sprintf("❌ Polyv channel %s: %s", ch, explainPolyv(r.Err, timeout, true))
}

// unclearWords says why a stop's answer does not tell whether Polyv acted:
// always what did arrive, never "could not reach Polyv".
func unclearWords(err error, timeout time.Duration) string {
	var apiErr *polyv.APIError
	switch {
	case errors.Is(err, polyv.ErrAnswerCut):
		return "Polyv answered, but its answer was cut short"
	case errors.Is(err, polyv.ErrServer) && errors.As(err, &apiErr) && apiErr.HTTPStatus >= 500:
		return fmt.Sprintf("Polyv or a proxy answered with a server error (HTTP %d)", apiErr.HTTPStatus)
	case errors.Is(err, polyv.ErrServer):
		return "Polyv answered that it failed" + polyvWords(err)
	case errors.Is(err, polyv.ErrBadResponse):
		return "the bot cannot read Polyv's answer as a success" + polyvWords(err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("the stop was sent, and Polyv did not answer within POLYV_TIMEOUT (%s)", humanDuration(timeout))
	case errors.Is(err, context.Canceled):
		return "the stop was sent, and the bot was shutting down before Polyv answered"
	case errors.As(err, &apiErr):
		return fmt.Sprintf("an earlier try got no clear answer, and the retry was refused: %s (code %d), which may only mean the earlier try worked",
			escape(apiErr.Message), apiErr.Code)
	}
	return "the stop was sent, and the connection broke before Polyv's answer arrived"
}

// statusHint is the command that checks a channel by hand.
func statusHint(command string, id int64) string {
	return fmt.Sprintf("`%s status %d`", orPolyv(command), id)
}

// checkLine is the thread line verification adds for one channel: one whose
// stop Polyv accepted, or one whose answer was unclear.
func checkLine(r ChannelResult, names channelNames, window, timeout time.Duration, command string) string {
	id, c, ch := r.ID, r.Check, names.named(r.ID)
	if r.State == Unclear && c.Verdict != Verified {
		return unclearCheckLine(id, ch, c, window, timeout, command)
	}
	switch {
	case c.Verdict == Verified:
		return fmt.Sprintf("🔎 Polyv channel %s: verified, no longer live (%s)", ch, c.Status.Describe())
	case c.Verdict == StillLive:
		return fmt.Sprintf("⚠️ Polyv channel %s: Polyv accepted the stop, but the channel still reports live after %s; check the Polyv console", ch, humanDuration(window))
	case c.Why == Unlisted:
		return fmt.Sprintf("⚠️ Polyv channel %s: Polyv accepted the stop, but its status answer does not list the channel; check the Polyv console", ch)
	case c.Why == StatusUnknown:
		return fmt.Sprintf("⚠️ Polyv channel %s: Polyv accepted the stop, but reports its status as %s, which does not say whether it is live; check the Polyv console", ch, c.Status.Describe())
	case c.Why == StatusUnreadable:
		return fmt.Sprintf("⚠️ Polyv channel %s: Polyv accepted the stop, but the bot could not verify it: %s", ch, explainPolyv(c.Err, timeout, false))
	}
	return fmt.Sprintf("⚠️ Polyv channel %s: Polyv accepted the stop, but the bot shut down before it could verify it; check with `status`", ch)
}

// unclearCheckLine is the verdict on an unclear answer that verification
// did not prove stopped.
func unclearCheckLine(id int64, ch string, c Check, window, timeout time.Duration, command string) string {
	switch {
	case c.Verdict == StillLive:
		return fmt.Sprintf("⚠️ Polyv channel %s: still live after %s: the stop did not take effect; stop it again, or use the Polyv console", ch, humanDuration(window))
	case c.Why == Unlisted:
		return fmt.Sprintf("⚠️ Polyv channel %s: unverified: Polyv's status answer does not list the channel, so whether it stopped is unknown; check the Polyv console", ch)
	case c.Why == StatusUnknown:
		return fmt.Sprintf("⚠️ Polyv channel %s: unverified: Polyv reports its status as %s, which does not say whether it is live; check the Polyv console", ch, c.Status.Describe())
	case c.Why == StatusUnreadable:
		return fmt.Sprintf("⚠️ Polyv channel %s: unverified: the bot could not read its status (%s); the stream may or may not be stopped; check with %s", ch, explainPolyv(c.Err, timeout, false), statusHint(command, id))
	}
	return fmt.Sprintf("⚠️ Polyv channel %s: unverified: the bot shut down before it could check; the stream may or may not be stopped; check with %s", ch, statusHint(command, id))
}

// notSentText answers privately when no channel of a stop could be called.
func notSentText(results []ChannelResult, names channelNames) string {
	var lines []string
	var budget time.Duration
	for _, r := range results {
		switch r.State {
		case Elsewhere:
			lines = append(lines, fmt.Sprintf("⏳ Polyv channel %s is already being stopped by <@%s>%s; nothing more was sent.", names.named(r.ID), r.Holder, linkSuffix(r.Thread)))
		case NotSent:
			if budget == 0 {
				budget = r.RetryIn
			}
		}
	}
	if budget > 0 {
		lines = append(lines, fmt.Sprintf("⏳ You have used your stop budget (USER_RATE_LIMIT_PER_MINUTE); nothing was sent to Polyv. Try again in %s.", humanDuration(budget)))
	}
	return strings.Join(lines, "\n")
}

func statusBudgetText(wait time.Duration) string {
	return fmt.Sprintf("⏳ You have used your status budget (USER_RATE_LIMIT_PER_MINUTE, counted apart from stops); try again in %s. Your stop budget is untouched.", humanDuration(wait))
}

func statusFailedText(err error, timeout time.Duration) string {
	return "❌ Could not read the status: " + explainPolyv(err, timeout, false)
}

// statusText is the answer to status: each channel's story (statusLine).
func statusText(stories []story) string {
	lines := make([]string, len(stories))
	for i, s := range stories {
		lines[i] = statusLine(s)
	}
	return strings.Join(lines, "\n")
}

// promptText is the confirmation prompt's text: what will be done, each
// channel with what Polyv told in time of its live status and viewers
// (none when it told nothing).
func promptText(req Request, stories []story, ttl time.Duration) string {
	var names channelNames
	if len(stories) > 0 {
		names = stories[0].names
	}
	text := fmt.Sprintf("%s Polyv %s?", wordsOf(req.Command.Verb).prompt.question, channelsText(req.Command.ChannelIDs, names))
	if told(stories) {
		for _, s := range stories {
			text += "\n" + promptLine(s)
		}
	}
	if req.Command.Reason != "" {
		text += "\nReason: " + escape(req.Command.Reason)
	}
	if req.Command.Ambiguous() {
		text += "\n" + ambiguityText(req.Slash, req.Command)
	}
	return text + fmt.Sprintf("\n_This prompt expires in %s._", humanDuration(ttl))
}

// promptFailedText answers privately when Slack took the confirmation
// prompt no way (see slackRefusal).
func promptFailedText(err error) string {
	return "⚠️ The bot could not show the confirmation buttons (" + slackRefusal(err, "them") +
		"); nothing was sent to Polyv. Try again, or ask an admin to check the bot's log."
}

// slackRefusal says why Slack did not take a message: its error code
// ("Slack refused them: invalid_blocks"), or that it did not answer.
func slackRefusal(err error, them string) string {
	if code := slackclient.ErrorCode(err); code != "" {
		return "Slack refused " + them + ": " + escape(code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Slack did not answer in time"
	}
	return "Slack did not take " + them
}

func confirmTitle() string           { return "Stop the stream?" }
func confirmBody(what string) string { return "Viewers of Polyv " + what + " lose the stream now." }
func stopButton() string             { return "Stop stream" }
func keepButton() string             { return "Keep it running" }
func cancelButton() string           { return "Cancel" }

func notYoursText() string {
	return "🚫 This confirmation is not yours: only the person who ran the command can confirm it."
}

func expiredText(ttl time.Duration) string {
	return fmt.Sprintf("⌛ This confirmation expired after %s; nothing was sent to Polyv. Run the command again.", humanDuration(ttl))
}

// clockAheadText answers a click on a prompt whose issuer's clock runs
// ahead by more than the skew replicas may have (maxClockSkew).
func clockAheadText() string {
	return "⌛ This confirmation cannot be used here: the bot that made it has a clock more than 3 minutes ahead of this one; nothing was sent to Polyv. Run the command again, and ask an admin to check the bot hosts' clocks (NTP)."
}

// cancelledText stays true when Stop stream was clicked first on another
// replica, which this one cannot know.
func cancelledText() string {
	return "Cancelled: this prompt will not stop anything now. If Stop stream was clicked first, its thread in the channel says what happened."
}

func usedText() string {
	return "This confirmation was already used, to confirm or to cancel; this click sent nothing to Polyv."
}

func alteredText() string {
	return "⚠️ This confirmation could not be checked (it was changed, or comes from a bot with another configuration); nothing was sent to Polyv. Run the command again."
}

func confirmedText(w actionWords, ids []int64, names channelNames) string {
	return "Confirmed: " + w.doing + " Polyv " + channelsText(ids, names) + "…"
}

// explainPolyv turns a Polyv failure into words a responder can act on at
// 3 a.m.: the one table of what to do about each kind. It never claims
// success and never repeats a secret (Polyv's words come through the typed
// error, which the polyv package cleaned). For a stop it says whether the
// stream may have stopped; for a status read, only that it failed.
func explainPolyv(err error, timeout time.Duration, stop bool) string {
	var limit *polyv.LimitError
	if errors.As(err, &limit) {
		return fmt.Sprintf("not sent: the bot's own Polyv call budget (RATE_LIMIT_PER_MINUTE) is used up; retry in %s", humanDuration(limit.Wait))
	}
	for _, f := range polyvFixes {
		if errors.Is(err, f.kind) {
			return f.words
		}
	}
	unsure := "try again"
	if stop {
		unsure = "the stream may or may not be stopped; check with `status`"
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		if stop {
			unsure += " before retrying"
		}
		return fmt.Sprintf("Polyv did not answer within POLYV_TIMEOUT (%s): %s", humanDuration(timeout), unsure)
	case errors.Is(err, context.Canceled):
		return "the bot was shutting down before Polyv answered: " + unsure
	case errors.Is(err, polyv.ErrServer) && !stop:
		return "Polyv had a server error (retried): try again in a minute"
	case errors.Is(err, polyv.ErrServer):
		return "Polyv had a server error (retried): " + unsure
	case errors.Is(err, polyv.ErrAnswerCut):
		return "Polyv answered, but its answer was cut short: " + unsure
	case errors.Is(err, polyv.ErrRedirect):
		return redirectWords(err)
	case errors.Is(err, polyv.ErrBadResponse):
		return "the bot cannot read Polyv's answer as a success" + polyvWords(err) + ": " + unsure
	}
	return refusedWords(err, stop)
}

// polyvFixes are the failures whose words do not depend on the call: what
// Polyv refused, and what to fix. explainPolyv tries them in this order.
var polyvFixes = []struct {
	kind  error
	words string
}{
	{polyv.ErrInvalidSignature, "Polyv rejected the signature: check POLYV_APP_SECRET (and POLYV_SIGNATURE_METHOD) in the bot's configuration"},
	{polyv.ErrInvalidTimestamp, "Polyv rejected the timestamp: the bot host's clock is off by more than 3 minutes; fix NTP on the host and retry"},
	{polyv.ErrAppNotFound, "Polyv does not know this application: check POLYV_APP_ID in the bot's configuration"},
	{polyv.ErrChannelNotFound, "Polyv says this channel does not exist: check the channel id in the Polyv console"},
	{polyv.ErrWrongUserID, "Polyv refused the userId: POLYV_USER_ID must be the userId the Polyv console shows beside the appId (开发设置); ask an admin to fix it"},
	{polyv.ErrNoUserID, "not sent: this bot has no POLYV_USER_ID, which ban and resume need (the userId from the Polyv console, 开发设置); ask an admin to set it"},
	{polyv.ErrQuotaExceeded, "Polyv's rate limit was hit (it blocks the IP for 5 minutes): retry in 5 minutes, and check what else calls Polyv from this IP"},
}

// redirectWords says where Polyv's address pointed (the target's scheme
// and host, APIError.Location) and, once, what to configure.
func redirectWords(err error) string {
	var where string
	var apiErr *polyv.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Location != "" {
			where = " to " + escape(apiErr.Location)
		}
		where += fmt.Sprintf(" (HTTP %d)", apiErr.HTTPStatus)
	}
	return "nothing was sent to Polyv: its address answered with a redirect" + where + "; POLYV_API_URL must be Polyv's API address itself"
}

// refusedWords is Polyv's own refusal in its words, or, when no answer
// came, that Polyv could not be reached.
func refusedWords(err error, stop bool) string {
	var apiErr *polyv.APIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("Polyv refused: %s (code %d)", escape(apiErr.Message), apiErr.Code)
	}
	if stop {
		return "could not reach Polyv (network error, retried): the stream is probably not stopped; retry, or use the Polyv console"
	}
	return "could not reach Polyv (network error, retried): try again"
}

// polyvWords quotes what Polyv said, escaped, in parentheses; "" when it
// said nothing the client kept.
func polyvWords(err error) string {
	var apiErr *polyv.APIError
	if !errors.As(err, &apiErr) || apiErr.Message == "" {
		return ""
	}
	return " (" + escape(apiErr.Message) + ")"
}

// humanDuration says a time as people do, never rounding a wait down:
// "under 1ms", "212ms", "1.3 seconds", "12 seconds", "1 minute",
// "2 minutes 30 seconds".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "under 1ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
	case d < 10*time.Second:
		tenths := (d + 100*time.Millisecond - 1) / (100 * time.Millisecond)
		if tenths%10 == 0 {
			return plural(int(tenths/10), "second")
		}
		return fmt.Sprintf("%d.%d seconds", tenths/10, tenths%10)
	}
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 60 {
		return plural(secs, "second")
	}
	if secs%60 == 0 {
		return plural(secs/60, "minute")
	}
	return plural(secs/60, "minute") + " " + plural(secs%60, "second")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// channelsText is "channel 10001 «Spring Launch»" or "channels 10001
// «Spring Launch», 10002": each channel as names.named shows it.
func channelsText(ids []int64, names channelNames) string {
	if len(ids) == 1 {
		return "channel " + names.namedList(ids)
	}
	return "channels " + names.namedList(ids)
}

func describeIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ", ")
}

func linkSuffix(link string) string {
	if link == "" {
		return ""
	}
	return " (<" + link + "|thread>)"
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// quote makes user text safe to show inside a code span: control and
// invisible format characters made visible, backticks replaced, cut to a
// length a person can read (40 characters and "…"), and escaped for Slack.
func quote(s string) string {
	const max = 41
	return escape(truncate(strings.Map(func(r rune) rune {
		switch {
		case r == '`':
			return '\''
		case isControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			return '?'
		}
		return r
	}, s), max))
}

// escape keeps text from outside (a reason, Polyv's or Slack's words, a
// group handle) from forming mentions, links or markup in Slack mrkdwn:
// the bot's one escaping, applied once, where the text is worded.
func escape(s string) string { return slackutilsx.EscapeMessage(s) }

// truncate cuts s to at most n characters, the last of them "…" when
// anything was cut: the bot's one truncation. It never leaves half of an
// escape (&amp; &lt; &gt;) before the "…", so it may cut escaped mrkdwn.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, kept := s, 0
	for i := range s {
		if kept == n-1 {
			cut = s[:i]
			break
		}
		kept++
	}
	if amp := strings.LastIndexByte(cut, '&'); amp >= 0 && halfEscape(cut[amp:]) {
		cut = cut[:amp]
	}
	return cut + "…"
}

// halfEscape reports whether tail is the start of an escape, cut before its ";".
func halfEscape(tail string) bool {
	for _, e := range [...]string{"&amp;", "&lt;", "&gt;"} {
		if len(tail) < len(e) && strings.HasPrefix(e, tail) {
			return true
		}
	}
	return false
}

func orPolyv(command string) string {
	if command == "" {
		return "/polyv"
	}
	return command
}
