package bot

import (
	"strings"
	"time"
)

// The words of ban and resume, and of the cut-off a stop offers when a
// pull stop cannot end the stream: Polyv's 禁止推流 ("ban push") keeps the
// host's encoder from pushing to a channel for 24 hours, or until a resume.

// cutoffHours is how long Polyv keeps a channel cut off unless resumed, by
// its documentation.
const cutoffHours = 24

var banWords = actionWords{emoji: "⛔",
	running: phrase("%s <@%s> is cutting off Polyv %s"), asked: phrase("%s — <@%s> asked to cut off Polyv %s"), done: phrase("cut off"),
	success: phrase("✅ Polyv channel %s: cut off (Polyv answered in %s)"),
	dryRun:  phrase("🧪 Polyv channel %s: dry run (DRY_RUN=true): the signed cut-off call was logged, not sent"),
	confirm: phrase("Confirmed: cutting off Polyv %s…"),
	act:     phrase("cut off Polyv %s"), acting: phrase("cutting off Polyv %s"),
	may:  phrase("Anyone else allowed to cut off streams can approve it"),
	note: words.banNote, check: words.cutoffCheckLine,
	prompt: promptWords{question: phrase("Cut off the push to Polyv %s?"), title: phrase("Cut off the push?"), body: words.banDialog,
		button: phrase("Cut off"), keep: phrase("Keep it running")}}

var resumeWords = actionWords{emoji: "▶️",
	running: phrase("%s <@%s> is resuming Polyv %s"), asked: phrase("%s — <@%s> asked to resume Polyv %s"), done: phrase("resumed"),
	success: phrase("✅ Polyv channel %s: resumed (Polyv answered in %s)"),
	dryRun:  phrase("🧪 Polyv channel %s: dry run (DRY_RUN=true): the signed resume call was logged, not sent"),
	confirm: phrase("Confirmed: resuming Polyv %s…"),
	act:     phrase("resume Polyv %s"), acting: phrase("resuming Polyv %s"),
	note: words.resumeNote,
	prompt: promptWords{question: phrase("Lift the cut-off of Polyv %s?"), title: phrase("Lift the cut-off?"), body: words.resumeDialog,
		button: phrase("Resume"), keep: phrase("Keep it cut off")}}

// banNote follows a ban's success line: what it leaves, and the way back.
func (wd words) banNote(command string, id int64) string {
	return wd.f("; the host cannot push again for %d h or until `%s resume %d`", cutoffHours, orPolyv(command), digits(id))
}

func (wd words) resumeNote(string, int64) string { return wd.f("; the host's encoder can push again") }

func (wd words) banDialog(what string) string {
	return wd.f("Viewers of Polyv %s lose the stream now, and its host cannot push again for %d hours or until resumed.", what, cutoffHours)
}

func (wd words) resumeDialog(what string) string {
	return wd.f("The host's encoder may push to Polyv %s again, and viewers see whatever it pushes.", what)
}

// noteOn is w's note after the success line for id, or "".
func (w actionWords) noteOn(wd words, command string, id int64) string {
	if w.note == nil {
		return ""
	}
	return w.note(wd, command, id)
}

// pushBanNoChannel words a ban or a resume that names no channel.
func (wd words) pushBanNoChannel(verb Verb, arg string) string {
	why := wd.f("host keeps pushing")
	if verb == VerbResume {
		why = wd.f("host fixed the encoder")
	}
	if arg == "" {
		return wd.f("`%s` needs the Polyv channel id, e.g. `%s 10001 -- %s`", verb, verb, why)
	}
	return wd.f("`%s` is not a Polyv channel id: `%s` needs the Polyv channel id first, e.g. `%s 10001 -- %s`", quote(arg), verb, verb, why)
}

// cutoffUnavailableText refuses ban and resume on a bot without
// POLYV_USER_ID, before anything is claimed or sent.
func (wd words) cutoffUnavailableText() string {
	return wd.f("⚠️ ban and resume need POLYV_USER_ID, the userId from the Polyv console (开发设置); ask an admin to set it. Nothing was sent to Polyv.")
}

// cutoffCheckLine is the line verification adds for a channel that was cut
// off: banpush, or any status Polyv documents as not live, proves it.
func (wd words) cutoffCheckLine(r ChannelResult, names channelNames, window, timeout time.Duration, command string) string {
	id, c := names.named(r.ID), r.Check
	switch {
	case c.Verdict == Verified:
		return wd.f("🔎 Polyv channel %s: verified, no longer live (%s)", id, wd.liveStatus(c.Status))
	case c.Verdict == StillLive:
		return wd.f("⚠️ Polyv channel %s: still live after %s: the cut-off did not take effect; try `%s ban %d` again, or use the Polyv console",
			id, wd.humanDuration(window), orPolyv(command), digits(r.ID))
	}
	return wd.f("⚠️ Polyv channel %s: the cut-off is unverified: %s; check with %s", id, wd.unprovenWords(c, timeout), statusHint(command, r.ID))
}

// unprovenWords says why verification proved nothing.
func (wd words) unprovenWords(c Check, timeout time.Duration) string {
	switch c.Why {
	case Unlisted:
		return wd.f("Polyv's status answer does not list the channel")
	case StatusUnknown:
		return wd.f("Polyv reports its status as %s, which does not say whether it is live", wd.liveStatus(c.Status))
	case StatusUnreadable:
		return wd.f("the bot could not read its status (%s)", wd.explainPolyv(c.Err, timeout, false))
	}
	return wd.f("the bot shut down before it could check")
}

// offerCause is why a stop's thread offers the cut-off.
type offerCause int

const (
	stillLive  offerCause = iota + 1 // verification ended with the channel live
	notPulling                       // Polyv refused the pull stop: nothing is pulled
)

// cutoffOfferText says, in a stop's thread, that a pull stop cannot end
// what an encoder pushes, and what will: the button (when the message has
// one), the command to type, or, on a bot without POLYV_USER_ID, what to
// set.
func (wd words) cutoffOfferText(command string, ids []int64, names channelNames, cause offerCause, available, button bool) string {
	ban := "`" + orPolyv(command) + " ban " + typedIDs(ids) + "`"
	resume := "`" + orPolyv(command) + " resume " + typedIDs(ids) + "`"
	s := wd.offerCause(ids, names, cause)
	switch {
	case !available:
		return wd.f("%s %s", s, wd.f("Cutting the push off (%s) needs POLYV_USER_ID, the userId from the Polyv console (开发设置); ask an admin to set it.", ban))
	case button:
		return wd.f("%s %s", s, wd.f("Cut the push off with the button (only you can click it) or type %s; the host cannot push again for %d h or until %s.", ban, cutoffHours, resume))
	}
	return wd.f("%s %s", s, wd.f("Cut the push off: type %s; the host cannot push again for %d h or until %s.", ban, cutoffHours, resume))
}

// offerCause is the first sentence of the cut-off offer: why it is made.
func (wd words) offerCause(ids []int64, names channelNames, cause offerCause) string {
	what := wd.channelsText(ids, names)
	switch {
	case cause == notPulling && len(ids) == 1:
		return wd.f("✂️ Polyv says %s is not pulling a stream: a pull stop cannot end a stream that the host's encoder pushes.", what)
	case cause == notPulling:
		return wd.f("✂️ Polyv says %s are not pulling a stream: a pull stop cannot end a stream that the host's encoder pushes.", what)
	case len(ids) == 1:
		return wd.f("✂️ Polyv %s is still live after the stop: a pull stop cannot end a stream that the host's encoder pushes.", what)
	}
	return wd.f("✂️ Polyv %s are still live after the stop: a pull stop cannot end a stream that the host's encoder pushes.", what)
}

// typedIDs are ids as a command takes them: separated by spaces.
func typedIDs(ids []int64) string {
	return strings.ReplaceAll(describeIDs(ids), ", ", " ")
}

// The cut-off button and its dialog.
func cutoffButtonWords() promptWords {
	return promptWords{title: phrase("Cut off the push?"), body: words.banDialog, button: phrase("Cut off the push"), keep: phrase("Not now")}
}

// The private answers to a click on a cut-off button that runs nothing.
func (wd words) offerNotYoursText() string {
	return wd.f("🚫 This cut-off button is only for the person who ran the stop; nothing was sent to Polyv. If you may cut the push off, type the `ban` command its line shows.")
}

func (wd words) offerExpiredText(ttl time.Duration) string {
	return wd.f("⌛ This cut-off button expired after %s; nothing was sent to Polyv. If the channel is still live, type the `ban` command its line shows.", wd.humanDuration(ttl))
}

// offerTakenText replaces a cut-off offer once its requester clicked it.
func (wd words) offerTakenText(user string) string {
	return wd.f("✂️ <@%s> clicked Cut off the push; the cut-off has a message of its own in this channel, with the outcome in its thread.", user)
}

func (wd words) offerUsedText() string {
	return wd.f("This cut-off button was already used; this click sent nothing to Polyv. The cut-off's own thread in the channel says what happened.")
}

func (wd words) offerAlteredText() string {
	return wd.f("⚠️ This cut-off button could not be checked (it was changed, or comes from a bot with another configuration); nothing was sent to Polyv. Type the `ban` command its line shows.")
}
