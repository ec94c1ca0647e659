package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack/slackutilsx"

	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/polyv"
)

// Everything the bot says is worded here, as pure functions of the
// pipeline's typed values, so that it can be reviewed, changed and
// translated without touching the pipeline: each is a method of words,
// whose English format strings the catalogue translates (text_lang.go,
// text_zh.go). The policy (auth) and the
// Polyv client return typed values, and are worded here too (text_auth.go,
// explainPolyv). Text from outside (the reason, a quoted word, Polyv's or
// Slack's words, a group handle) is escaped exactly once, here, by escape,
// and cut, where it must be, by truncate: the bot has one of each.

// HelpEntry documents one verb (see the verb table, verbs.go). Args,
// Summary and Example are English; the help translates them.
type HelpEntry struct {
	Verb    Verb
	Args    string
	Summary string
	Example string
}

// HelpText is the help message, in English, for the slash command as the
// workspace named it (a workspace may register the bot as /polyv-ops). who,
// when not empty, says who may stop streams.
func HelpText(command, who string) string { return english.helpText(command, who) }

func (wd words) helpText(command, who string) string {
	command = orPolyv(command)
	var b strings.Builder
	b.WriteString(wd.f("*%s* stops Polyv live streams and records who did it.", command) + "\n")
	for _, h := range Help {
		// Slack reads <…> as markup even inside code spans, so the
		// placeholders are escaped.
		b.WriteString(wd.f("• `%s %s` — %s. Example: `%s %s`", command, escape(wd.usage(h)), wd.f(h.Summary), command, wd.f(h.Example)) + "\n")
	}
	b.WriteString(wd.f("Channel ids are the numbers in the Polyv console (1 to 2147483647); `#10001` or a Polyv watch or console link works too; separate several with spaces.") + "\n")
	b.WriteString(wd.f("Put `--` between the ids and the reason, so that a reason starting with a number is not read as an id: `%s stop 10001 -- 2 viewers reported it`.", command) + "\n")
	b.WriteString(wd.f("The verbs may also be typed in Chinese: %s.", aliasList()))
	if who != "" {
		b.WriteString("\n" + wd.f("Who may stop streams: %s.", who))
	}
	return b.String()
}

// usage is a verb with its arguments, as the help and the usage show it.
func (wd words) usage(h HelpEntry) string {
	if h.Args == "" {
		return string(h.Verb)
	}
	return string(h.Verb) + " " + wd.f(h.Args)
}

// aliasList is "`停止` (stop), `状态` (status), …": the Chinese verbs.
func aliasList() string {
	parts := make([]string, 0, len(verbAliases))
	for _, h := range Help {
		for _, a := range verbAliases {
			if a.verb == h.Verb {
				parts = append(parts, "`"+a.alias+"` ("+string(a.verb)+")")
			}
		}
	}
	return strings.Join(parts, ", ")
}

// usageText is the short reminder sent with a refused command: every verb
// of the table with its arguments.
func (wd words) usageText(command string) string {
	command = orPolyv(command)
	forms := make([]string, len(Help))
	for i, h := range Help {
		forms[i] = "`" + command + " " + escape(wd.usage(h)) + "`"
	}
	return wd.f("Usage: %s", strings.Join(forms, ", "))
}

// refusalText answers input that cannot run: what is wrong, then the usage.
func (wd words) refusalText(command string, err error) string {
	problem := err.Error()
	var ue *UsageError
	if errors.As(err, &ue) {
		problem = wd.usageProblem(ue)
	}
	return "⚠️ " + problem + "\n" + wd.usageText(command)
}

// usageProblem words a UsageError for the person who typed the command.
func (wd words) usageProblem(e *UsageError) string {
	arg, verb := quote(e.Arg), e.Verb
	switch e.Problem {
	case TooLong:
		return wd.f("that command is %d bytes long; the limit is %d", e.N, MaxCommandBytes)
	case NotUTF8:
		return wd.f("the command is not valid UTF-8 text")
	case NoVerb:
		return wd.f("say what to do with it, e.g. `stop %s`", arg)
	case UnknownVerb:
		return wd.f("unknown command `%s`", arg)
	case NoChannel:
		return wd.noChannelProblem(verb, e.Arg)
	case NoReasonHere:
		return wd.f("`status` takes no reason; type only channel ids, e.g. `status 10001`")
	case NotAnID:
		return wd.f("`status` takes only channel ids; `%s` is not one", arg)
	case TooManyChannels:
		return wd.f("that is %d channels; one command may name at most %d", e.N, MaxChannels)
	case ReasonControl:
		return wd.f("the reason contains a control or text-direction character (%U); type it again as plain text", rune(e.N))
	case ReasonTooLong:
		return wd.f("the reason is %d characters long; keep it under %d", e.N, MaxReasonRunes)
	}
	return wd.idProblem(e, arg, verb)
}

// idProblem words a UsageError about one word where an id belongs.
func (wd words) idProblem(e *UsageError, arg string, verb Verb) string {
	switch e.Problem {
	case NotDigits:
		return wd.f("`%s` is not a Polyv channel id: ids are whole numbers written with the digits 0-9 only", arg)
	case LeadingZero:
		return wd.f("`%s` is not a Polyv channel id: ids are from 1 to 2147483647 and have no leading zeros", arg)
	case OutOfRange:
		return wd.f("`%s` is not a Polyv channel id: ids are from 1 to 2147483647", arg)
	case NotPolyvLink:
		return wd.f("`%s` is not a Polyv watch or console link: type the channel id, e.g. `%s 10001`, or put `--` before it if it is the reason", arg, verb)
	case NoChannelBadLink:
		return wd.f("`%s` needs the Polyv channel id, and `%s` is not a Polyv watch or console link: type the channel id, e.g. `%s 10001`", verb, arg, verb)
	case LinkWithoutID:
		return wd.f("`%s` does not show which Polyv channel it is: type the channel id, e.g. `%s 10001`", arg, verb)
	}
	return wd.f("the command cannot be read")
}

// noChannelProblem says that a command names no channel, and which word
// stands where the first id belongs, if any.
func (wd words) noChannelProblem(verb Verb, arg string) string {
	if verb == VerbBan || verb == VerbResume {
		return wd.pushBanNoChannel(verb, arg)
	}
	if arg == "" {
		if verb == VerbStatus {
			return wd.f("`status` needs at least one Polyv channel id, e.g. `status 10001`")
		}
		return wd.f("`stop` needs the Polyv channel id to stop, e.g. `stop 10001 -- stream leaked`")
	}
	if verb == VerbStatus {
		return wd.f("`%s` is not a Polyv channel id: `status` needs at least one Polyv channel id, e.g. `status 10001`", quote(arg))
	}
	return wd.f("`%s` is not a Polyv channel id: `stop` needs the Polyv channel id first, e.g. `stop 10001 -- stream leaked`", quote(arg))
}

// ambiguityText says how `stop 10001 2 viewers` was read, before anything
// else happens: the channels, the reason, and how to write a reason that
// starts with a number.
func (wd words) ambiguityText(command string, c Command) string {
	ids := c.ChannelIDs
	last := digits(ids[len(ids)-1])
	reason := escape(strings.ReplaceAll(c.Reason, "`", "'"))
	return wd.f("ℹ️ Read as: %s Polyv channels %s, with the reason “%s”. If %d belongs to the reason, put `--` before it: `%s %s %s -- %d %s`",
		c.Verb, describeIDs(ids), reason, last, orPolyv(command), c.Verb, describeIDs(ids[:len(ids)-1]), last, reason)
}

func (wd words) busyText() string {
	return wd.f("⏳ The bot is busy with other commands and took no action. Try again in a few seconds.")
}

func (wd words) crashedText() string {
	return wd.f("❌ The bot failed on this command (an internal error, now in its log). Check with `status` whether anything was stopped before trying again.")
}

func (wd words) inviteHint() string {
	return wd.f("_Invite the bot (`/invite @polyvbot`) to get a threaded audit trail here._")
}

// actionWords are an acting verb's words in the messages every action
// shares: the parent, the audit channel's lines, the thread's success line
// and the summary. Its strings are phrases (English catalogue keys).
type actionWords struct {
	emoji string // heads the parent while it runs
	// parent and asked are the parent's opening while it runs and once the
	// outcome is known, and the audit channel's lines.
	running string // "%s <@%s> is stopping Polyv %s"
	asked   string // "%s — <@%s> asked to stop Polyv %s"
	done    string // "stopped", a channel's success and the summary's count
	success string // a channel's success line
	dryRun  string // a channel's dry-run line
	confirm string // "Confirmed: stopping Polyv %s…"
	// act and acting are the action on "channel 10001" ("stop Polyv %s",
	// "stopping Polyv %s"), and may says who may approve it, for the
	// two-person rule's words.
	act, acting, may string
	// note follows a channel's success line (what the action leaves
	// behind, how to undo it); nil for none.
	note func(wd words, command string, id int64) string
	// check is the line verification adds for one channel; nil for an
	// action that is not verified.
	check  func(wd words, r ChannelResult, names channelNames, window, timeout time.Duration, command string) string
	prompt promptWords // the confirmation prompt's words
}

// promptWords are an action's words in its confirmation prompt.
type promptWords struct {
	question string                             // "Stop the pull stream of Polyv %s?"
	title    string                             // the dialog's title
	body     func(wd words, what string) string // the dialog's text, about "channel 10001"
	button   string                             // the button that acts, and the dialog's yes
	keep     string                             // the dialog's no
}

var stopWords = actionWords{emoji: "🛑",
	running: phrase("%s <@%s> is stopping Polyv %s"), asked: phrase("%s — <@%s> asked to stop Polyv %s"), done: phrase("stopped"),
	success: phrase("✅ Polyv channel %s: stopped (Polyv answered in %s)"),
	dryRun:  phrase("🧪 Polyv channel %s: dry run (DRY_RUN=true): the signed stop call was logged, not sent"),
	confirm: phrase("Confirmed: stopping Polyv %s…"),
	act:     phrase("stop Polyv %s"), acting: phrase("stopping Polyv %s"),
	may:   phrase("Anyone else allowed to stop streams can approve it"),
	check: words.checkLine,
	prompt: promptWords{question: phrase("Stop the pull stream of Polyv %s?"), title: phrase("Stop the stream?"), body: words.confirmBody,
		button: phrase("Stop stream"), keep: phrase("Keep it running")}}

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
func (wd words) parentText(req Request, names channelNames, dryRun bool, head string) string {
	ids, w := req.Command.ChannelIDs, wordsOf(req.Command.Verb)
	var s string
	if head == "" {
		s = wd.f(w.running, w.emoji, req.User, wd.channelsText(ids, names))
	} else {
		s = wd.f(w.asked, head, req.User, wd.channelsText(ids, names))
	}
	s += wd.approvedBy(req)
	if req.Command.Reason != "" {
		s += "\n" + wd.f("Reason: %s", escape(req.Command.Reason))
	}
	if req.Command.Ambiguous() {
		s += "\n" + wd.f("_Read as channels %s; a reason that starts with a number goes after `--`._", describeIDs(ids))
	}
	if dryRun {
		s += "\n" + wd.f("_Dry run: nothing is sent to Polyv._")
	}
	return s
}

// summaryText is a stop's result at a glance, e.g. "✅ 2 stopped, ❌ 1 failed".
func (wd words) summaryText(w actionWords, results []ChannelResult) string {
	n := count(results)
	var parts []string
	add := func(k int, emoji, words string) {
		if k > 0 {
			parts = append(parts, wd.f("%s %d %s", emoji, k, wd.f(words)))
		}
	}
	add(n[Stopped], "✅", w.done)
	add(n[DryRun], "🧪", phrase("dry run"))
	add(n[Failed], "❌", phrase("failed"))
	add(n[Unclear], "❔", phrase("unclear"))
	add(n[RateLimited]+n[NotSent], "⏳", phrase("rate-limited"))
	add(n[Elsewhere], "⏳", phrase("already in progress"))
	add(n[AlreadyNotLive], "⏹", phrase("already not live"))
	add(n[HeldForApproval], "⏸", phrase("awaiting approval"))
	return strings.Join(parts, wd.f(", "))
}

// flaggedSummary is the parent's head once verification found a channel it
// could not prove stopped, e.g. "⚠️ ✅ 2 stopped, still live: 10002"; ""
// when every stopped channel was verified.
func (wd words) flaggedSummary(w actionWords, results []ChannelResult) string {
	if allVerified(results) {
		return ""
	}
	return "⚠️ " + wd.summaryText(w, results) + wd.f(", ") + wd.verificationWords(results)
}

// allVerified reports that verification proved every stopped channel.
func allVerified(results []ChannelResult) bool {
	live, unverified := unproven(results)
	return len(live) == 0 && len(unverified) == 0
}

// verificationWords is the verdict of a stop's verification: "verified", or
// which channels are still live and which could not be verified.
func (wd words) verificationWords(results []ChannelResult) string {
	live, unverified := unproven(results)
	var flags []string
	if len(live) > 0 {
		flags = append(flags, wd.f("still live: %s", describeIDs(live)))
	}
	if len(unverified) > 0 {
		flags = append(flags, wd.f("unverified: %s", describeIDs(slices.Sorted(slices.Values(unverified)))))
	}
	if len(flags) == 0 {
		return wd.f("verified")
	}
	return strings.Join(flags, wd.f(", "))
}

// channelLine is the thread line for one Polyv channel of an action, named
// where names knows it. checking says that verification will settle an
// unclear answer; command is the slash command, for the way to check by
// hand.
func (wd words) channelLine(w actionWords, r ChannelResult, names channelNames, timeout time.Duration, command string, checking bool) string {
	if line := wd.approvalLine(w, r, names); line != "" {
		return line
	}
	id := names.named(r.ID)
	switch r.State {
	case Stopped:
		return wd.f(w.success, id, wd.humanDuration(r.Elapsed)) + w.noteOn(wd, command, r.ID)
	case DryRun:
		return wd.f(w.dryRun, id)
	case NotSent:
		return wd.f("⏳ Polyv channel %s: not sent, your per-user limit (USER_RATE_LIMIT_PER_MINUTE) is used up; retry in %s", id, wd.humanDuration(r.RetryIn))
	case Elsewhere:
		return wd.f("⏳ Polyv channel %s: already being stopped by <@%s>%s", id, r.Holder, wd.linkSuffix(r.Thread))
	case Unclear:
		if checking {
			return wd.f("❔ Polyv channel %s: Polyv's answer was unclear: %s; checking…", id, wd.unclearWords(r.Err, timeout))
		}
		return wd.f("❔ Polyv channel %s: Polyv's answer was unclear: %s; the stream may or may not be stopped; check with %s",
			id, wd.unclearWords(r.Err, timeout), statusHint(command, r.ID))
	}
	return wd.f("❌ Polyv channel %s: %s", id, wd.explainPolyv(r.Err, timeout, true))
}

// unclearWords says why a stop's answer does not tell whether Polyv acted:
// always what did arrive, never "could not reach Polyv".
func (wd words) unclearWords(err error, timeout time.Duration) string {
	var apiErr *polyv.APIError
	switch {
	case errors.Is(err, polyv.ErrAnswerCut):
		return wd.f("Polyv answered, but its answer was cut short")
	case errors.Is(err, polyv.ErrServer) && errors.As(err, &apiErr) && apiErr.HTTPStatus >= 500:
		return wd.f("Polyv or a proxy answered with a server error (HTTP %d)", digits(apiErr.HTTPStatus))
	case errors.Is(err, polyv.ErrServer):
		return wd.f("Polyv answered that it failed%s", polyvWords(err))
	case errors.Is(err, polyv.ErrBadResponse):
		return wd.f("the bot cannot read Polyv's answer as a success%s", polyvWords(err))
	case errors.Is(err, context.DeadlineExceeded):
		return wd.f("the stop was sent, and Polyv did not answer within POLYV_TIMEOUT (%s)", wd.humanDuration(timeout))
	case errors.Is(err, context.Canceled):
		return wd.f("the stop was sent, and the bot was shutting down before Polyv answered")
	case errors.As(err, &apiErr):
		return wd.f("an earlier try got no clear answer, and the retry was refused: %s (code %d), which may only mean the earlier try worked",
			escape(apiErr.Message), digits(apiErr.Code))
	}
	return wd.f("the stop was sent, and the connection broke before Polyv's answer arrived")
}

// statusHint is the command that checks a channel by hand.
func statusHint(command string, id int64) string {
	return fmt.Sprintf("`%s status %d`", orPolyv(command), id)
}

// checkLine is the thread line verification adds for one channel: one whose
// stop Polyv accepted, or one whose answer was unclear.
func (wd words) checkLine(r ChannelResult, names channelNames, window, timeout time.Duration, command string) string {
	id, c := names.named(r.ID), r.Check
	if r.State == Unclear && c.Verdict != Verified {
		return wd.unclearCheckLine(r.ID, id, c, window, timeout, command)
	}
	switch {
	case c.Verdict == Verified:
		return wd.f("🔎 Polyv channel %s: verified, no longer live (%s)", id, wd.liveStatus(c.Status))
	case c.Verdict == StillLive:
		return wd.f("⚠️ Polyv channel %s: Polyv accepted the stop, but the channel still reports live after %s; check the Polyv console", id, wd.humanDuration(window))
	case c.Why == Unlisted:
		return wd.f("⚠️ Polyv channel %s: Polyv accepted the stop, but its status answer does not list the channel; check the Polyv console", id)
	case c.Why == StatusUnknown:
		return wd.f("⚠️ Polyv channel %s: Polyv accepted the stop, but reports its status as %s, which does not say whether it is live; check the Polyv console", id, wd.liveStatus(c.Status))
	case c.Why == StatusUnreadable:
		return wd.f("⚠️ Polyv channel %s: Polyv accepted the stop, but the bot could not verify it: %s", id, wd.explainPolyv(c.Err, timeout, false))
	}
	return wd.f("⚠️ Polyv channel %s: Polyv accepted the stop, but the bot shut down before it could verify it; check with `status`", id)
}

// unclearCheckLine is the verdict on an unclear answer that verification
// did not prove stopped.
func (wd words) unclearCheckLine(channel int64, id string, c Check, window, timeout time.Duration, command string) string {
	switch {
	case c.Verdict == StillLive:
		return wd.f("⚠️ Polyv channel %s: still live after %s: the stop did not take effect; stop it again, or use the Polyv console", id, wd.humanDuration(window))
	case c.Why == Unlisted:
		return wd.f("⚠️ Polyv channel %s: unverified: Polyv's status answer does not list the channel, so whether it stopped is unknown; check the Polyv console", id)
	case c.Why == StatusUnknown:
		return wd.f("⚠️ Polyv channel %s: unverified: Polyv reports its status as %s, which does not say whether it is live; check the Polyv console", id, wd.liveStatus(c.Status))
	case c.Why == StatusUnreadable:
		return wd.f("⚠️ Polyv channel %s: unverified: the bot could not read its status (%s); the stream may or may not be stopped; check with %s", id, wd.explainPolyv(c.Err, timeout, false), statusHint(command, channel))
	}
	return wd.f("⚠️ Polyv channel %s: unverified: the bot shut down before it could check; the stream may or may not be stopped; check with %s", id, statusHint(command, channel))
}

// notSentText answers privately when no channel of a stop could be called.
func (wd words) notSentText(results []ChannelResult, names channelNames) string {
	var lines []string
	var budget time.Duration
	for _, r := range results {
		switch r.State {
		case Elsewhere:
			lines = append(lines, wd.f("⏳ Polyv channel %s is already being stopped by <@%s>%s; nothing more was sent.", names.named(r.ID), r.Holder, wd.linkSuffix(r.Thread)))
		case NotSent:
			if budget == 0 {
				budget = r.RetryIn
			}
		}
	}
	if budget > 0 {
		lines = append(lines, wd.f("⏳ You have used your stop budget (USER_RATE_LIMIT_PER_MINUTE); nothing was sent to Polyv. Try again in %s.", wd.humanDuration(budget)))
	}
	return strings.Join(lines, "\n")
}

func (wd words) statusBudgetText(wait time.Duration) string {
	return wd.f("⏳ You have used your status budget (USER_RATE_LIMIT_PER_MINUTE, counted apart from stops); try again in %s. Your stop budget is untouched.", wd.humanDuration(wait))
}

func (wd words) statusFailedText(err error, timeout time.Duration) string {
	return wd.f("❌ Could not read the status: %s", wd.explainPolyv(err, timeout, false))
}

// statusText is the answer to status: each channel's story (statusLine).
func (wd words) statusText(stories []story) string {
	lines := make([]string, len(stories))
	for i, s := range stories {
		lines[i] = wd.statusLine(s)
	}
	return strings.Join(lines, "\n")
}

// liveStatus is a live status in words, as polyv.LiveStatus.Describe says
// it in English; a value Polyv did not document is quoted, escaped.
func (wd words) liveStatus(s polyv.LiveStatus) string {
	shown := s.Shown()
	switch {
	case s.IsLive() || s.IsNotLive():
		return wd.f(statusPhrases[shown])
	case s == "":
		return wd.f("no status given")
	case shown == "":
		return wd.f("unknown status made only of spaces or invisible characters")
	case shown.IsLive() || shown.IsNotLive():
		return escape(wd.f("unknown status %q with spaces or invisible characters", string(shown)))
	}
	return escape(wd.f("unknown status %q", string(shown)))
}

// statusPhrases are the documented live statuses in words.
var statusPhrases = map[polyv.LiveStatus]string{
	polyv.StatusUnstart:  phrase("not started"),
	polyv.StatusLive:     phrase("live (streaming now)"),
	polyv.StatusEnd:      phrase("ended"),
	polyv.StatusWaiting:  phrase("waiting"),
	polyv.StatusPlayback: phrase("playback"),
	polyv.StatusBanpush:  phrase("banned from pushing"),
}

// promptText is the confirmation prompt's text: what will be done, each
// channel with what Polyv told in time of its live status and viewers
// (none when it told nothing).
func (wd words) promptText(req Request, stories []story, ttl time.Duration) string {
	var names channelNames
	if len(stories) > 0 {
		names = stories[0].names
	}
	text := wd.f(wordsOf(req.Command.Verb).prompt.question, wd.channelsText(req.Command.ChannelIDs, names))
	if told(stories) {
		for _, s := range stories {
			text += "\n" + wd.promptLine(s)
		}
	}
	if req.Command.Reason != "" {
		text += "\n" + wd.f("Reason: %s", escape(req.Command.Reason))
	}
	if req.Command.Ambiguous() {
		text += "\n" + wd.ambiguityText(req.Slash, req.Command)
	}
	return text + "\n" + wd.f("_This prompt expires in %s._", wd.humanDuration(ttl))
}

// promptFailedText answers privately when Slack took the confirmation
// prompt no way (see slackRefusal).
func (wd words) promptFailedText(err error) string {
	return wd.f("⚠️ The bot could not show the confirmation buttons (%s); nothing was sent to Polyv. Try again, or ask an admin to check the bot's log.",
		wd.slackRefusal(err, false))
}

// slackRefusal says why Slack did not take a message: its error code
// ("Slack refused them: invalid_blocks"), or that it did not answer. one
// says the message was one (the audit's "it"), not the buttons ("them").
func (wd words) slackRefusal(err error, one bool) string {
	if code := slackclient.ErrorCode(err); code != "" {
		if one {
			return wd.f("Slack refused it: %s", escape(code))
		}
		return wd.f("Slack refused them: %s", escape(code))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return wd.f("Slack did not answer in time")
	}
	if one {
		return wd.f("Slack did not take it")
	}
	return wd.f("Slack did not take them")
}

func (wd words) confirmBody(what string) string {
	return wd.f("Viewers of Polyv %s lose the stream now.", what)
}
func (wd words) cancelButton() string { return wd.f("Cancel") }

func (wd words) notYoursText() string {
	return wd.f("🚫 This confirmation is not yours: only the person who ran the command can confirm it.")
}

func (wd words) expiredText(ttl time.Duration) string {
	return wd.f("⌛ This confirmation expired after %s; nothing was sent to Polyv. Run the command again.", wd.humanDuration(ttl))
}

// clockAheadText answers a click on a prompt whose issuer's clock runs
// ahead by more than the skew replicas may have (maxClockSkew).
func (wd words) clockAheadText() string {
	return wd.f("⌛ This confirmation cannot be used here: the bot that made it has a clock more than 3 minutes ahead of this one; nothing was sent to Polyv. Run the command again, and ask an admin to check the bot hosts' clocks (NTP).")
}

// cancelledText stays true when Stop stream was clicked first on another
// replica, which this one cannot know.
func (wd words) cancelledText() string {
	return wd.f("Cancelled: this prompt will not stop anything now. If Stop stream was clicked first, its thread in the channel says what happened.")
}

func (wd words) usedText() string {
	return wd.f("This confirmation was already used, to confirm or to cancel; this click sent nothing to Polyv.")
}

func (wd words) alteredText() string {
	return wd.f("⚠️ This confirmation could not be checked (it was changed, or comes from a bot with another configuration); nothing was sent to Polyv. Run the command again.")
}

func (wd words) confirmedText(w actionWords, ids []int64, names channelNames) string {
	return wd.f(w.confirm, wd.channelsText(ids, names))
}

// explainPolyv turns a Polyv failure into words a responder can act on at
// 3 a.m.: the one table of what to do about each kind. It never claims
// success and never repeats a secret (Polyv's words come through the typed
// error, which the polyv package cleaned). For a stop it says whether the
// stream may have stopped; for a status read, only that it failed.
func (wd words) explainPolyv(err error, timeout time.Duration, stop bool) string {
	var limit *polyv.LimitError
	if errors.As(err, &limit) {
		return wd.f("not sent: the bot's own Polyv call budget (RATE_LIMIT_PER_MINUTE) is used up; retry in %s", wd.humanDuration(limit.Wait))
	}
	for _, f := range polyvFixes {
		if errors.Is(err, f.kind) {
			return wd.f(f.words)
		}
	}
	unsure := wd.f("try again")
	if stop {
		unsure = wd.f("the stream may or may not be stopped; check with `status`")
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) && stop:
		return wd.f("Polyv did not answer within POLYV_TIMEOUT (%s): %s before retrying", wd.humanDuration(timeout), unsure)
	case errors.Is(err, context.DeadlineExceeded):
		return wd.f("Polyv did not answer within POLYV_TIMEOUT (%s): %s", wd.humanDuration(timeout), unsure)
	case errors.Is(err, context.Canceled):
		return wd.f("the bot was shutting down before Polyv answered: %s", unsure)
	case errors.Is(err, polyv.ErrServer) && !stop:
		return wd.f("Polyv had a server error (retried): try again in a minute")
	case errors.Is(err, polyv.ErrServer):
		return wd.f("Polyv had a server error (retried): %s", unsure)
	case errors.Is(err, polyv.ErrAnswerCut):
		return wd.f("Polyv answered, but its answer was cut short: %s", unsure)
	case errors.Is(err, polyv.ErrRedirect):
		return wd.redirectWords(err)
	case errors.Is(err, polyv.ErrBadResponse):
		return wd.f("the bot cannot read Polyv's answer as a success%s: %s", polyvWords(err), unsure)
	}
	return wd.refusedWords(err, stop)
}

// polyvFixes are the failures whose words do not depend on the call: what
// Polyv refused, and what to fix. explainPolyv tries them in this order.
var polyvFixes = []struct {
	kind  error
	words string
}{
	{polyv.ErrInvalidSignature, phrase("Polyv rejected the signature: check POLYV_APP_SECRET (and POLYV_SIGNATURE_METHOD) in the bot's configuration")},
	{polyv.ErrInvalidTimestamp, phrase("Polyv rejected the timestamp: the bot host's clock is off by more than 3 minutes; fix NTP on the host and retry")},
	{polyv.ErrAppNotFound, phrase("Polyv does not know this application: check POLYV_APP_ID in the bot's configuration")},
	{polyv.ErrChannelNotFound, phrase("Polyv says this channel does not exist: check the channel id in the Polyv console")},
	{polyv.ErrWrongUserID, phrase("Polyv refused the userId: POLYV_USER_ID must be the userId the Polyv console shows beside the appId (开发设置); ask an admin to fix it")},
	{polyv.ErrNoUserID, phrase("not sent: this bot has no POLYV_USER_ID, which ban and resume need (the userId from the Polyv console, 开发设置); ask an admin to set it")},
	{polyv.ErrQuotaExceeded, phrase("Polyv's rate limit was hit (it blocks the IP for 5 minutes): retry in 5 minutes, and check what else calls Polyv from this IP")},
}

// redirectWords says where Polyv's address pointed (the target's scheme
// and host, APIError.Location) and, once, what to configure.
func (wd words) redirectWords(err error) string {
	var apiErr *polyv.APIError
	if !errors.As(err, &apiErr) {
		return wd.f("nothing was sent to Polyv: its address answered with a redirect; POLYV_API_URL must be Polyv's API address itself")
	}
	if apiErr.Location == "" {
		return wd.f("nothing was sent to Polyv: its address answered with a redirect (HTTP %d); POLYV_API_URL must be Polyv's API address itself",
			digits(apiErr.HTTPStatus))
	}
	return wd.f("nothing was sent to Polyv: its address answered with a redirect to %s (HTTP %d); POLYV_API_URL must be Polyv's API address itself",
		escape(apiErr.Location), digits(apiErr.HTTPStatus))
}

// refusedWords is Polyv's own refusal in its words, or, when no answer
// came, that Polyv could not be reached.
func (wd words) refusedWords(err error, stop bool) string {
	var apiErr *polyv.APIError
	if errors.As(err, &apiErr) {
		return wd.f("Polyv refused: %s (code %d)", escape(apiErr.Message), digits(apiErr.Code))
	}
	if stop {
		return wd.f("could not reach Polyv (network error, retried): the stream is probably not stopped; retry, or use the Polyv console")
	}
	return wd.f("could not reach Polyv (network error, retried): try again")
}

// polyvWords quotes what Polyv said, escaped, in parentheses; "" when it
// said nothing the client kept. Polyv's words are quoted as it sent them.
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
func (wd words) humanDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return wd.f("under 1ms")
	case d < time.Second:
		return wd.f("%dms", int64(d.Round(time.Millisecond)/time.Millisecond))
	case d < 10*time.Second:
		tenths := (d + 100*time.Millisecond - 1) / (100 * time.Millisecond)
		if tenths%10 == 0 {
			return wd.seconds(int(tenths / 10))
		}
		return wd.f("%d.%d seconds", int64(tenths/10), int64(tenths%10))
	}
	secs := int((d + time.Second - 1) / time.Second)
	switch {
	case secs < 60:
		return wd.seconds(secs)
	case secs%60 == 0:
		return wd.minutes(secs / 60)
	case secs/60 == 1 && secs%60 == 1:
		return wd.f("1 minute 1 second")
	case secs/60 == 1:
		return wd.f("1 minute %d seconds", secs%60)
	case secs%60 == 1:
		return wd.f("%d minutes 1 second", secs/60)
	}
	return wd.f("%d minutes %d seconds", secs/60, secs%60)
}

func (wd words) seconds(n int) string {
	if n == 1 {
		return wd.f("1 second")
	}
	return wd.f("%d seconds", n)
}

func (wd words) minutes(n int) string {
	if n == 1 {
		return wd.f("1 minute")
	}
	return wd.f("%d minutes", n)
}

// channelsText is "channel 10001 «Spring Launch»" or "channels 10001
// «Spring Launch», 10002": each channel as names.named shows it.
func (wd words) channelsText(ids []int64, names channelNames) string {
	if len(ids) == 1 {
		return wd.f("channel %s", names.namedList(ids))
	}
	return wd.f("channels %s", names.namedList(ids))
}

// describeIDs lists ids as typed: digits, never grouped.
func describeIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

func (wd words) linkSuffix(link string) string {
	if link == "" {
		return ""
	}
	return wd.f(" (<%s|thread>)", link)
}

// sentence ends s with a full stop unless it already ends a sentence.
func (wd words) sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") || strings.HasSuffix(s, "。") {
		return s
	}
	return wd.f("%s.", s)
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
