package bot

import (
	"fmt"
	"strings"
	"time"
)

// The words of ban and resume, and of the cut-off a stop offers when a
// pull stop cannot end the stream: Polyv's 禁止推流 ("ban push") keeps the
// host's encoder from pushing to a channel for 24 hours, or until a resume.

// cutoffHours is how long Polyv keeps a channel cut off unless resumed, by
// its documentation.
const cutoffHours = 24

var banWords = actionWords{emoji: "⛔", doing: "cutting off", asked: "cut off", done: "cut off", call: "cut-off",
	note: banNote, check: cutoffCheckLine,
	prompt: promptWords{question: "Cut off the push to", title: "Cut off the push?", body: banDialog, button: "Cut off", keep: "Keep it running"}}

var resumeWords = actionWords{emoji: "▶️", doing: "resuming", asked: "resume", done: "resumed", call: "resume",
	note:   resumeNote,
	prompt: promptWords{question: "Lift the cut-off of", title: "Lift the cut-off?", body: resumeDialog, button: "Resume", keep: "Keep it cut off"}}

// banNote follows a ban's success line: what it leaves, and the way back.
func banNote(command string, id int64) string {
	return fmt.Sprintf("; the host cannot push again for %d h or until `%s resume %d`", cutoffHours, orPolyv(command), id)
}

func resumeNote(string, int64) string { return "; the host's encoder can push again" }

func banDialog(what string) string {
	return fmt.Sprintf("Viewers of Polyv %s lose the stream now, and its host cannot push again for %d hours or until resumed.", what, cutoffHours)
}

func resumeDialog(what string) string {
	return "The host's encoder may push to Polyv " + what + " again, and viewers see whatever it pushes."
}

// noteOn is w's note after the success line for id, or "".
func (w actionWords) noteOn(command string, id int64) string {
	if w.note == nil {
		return ""
	}
	return w.note(command, id)
}

// pushBanNoChannel words a ban or a resume that names no channel.
func pushBanNoChannel(verb Verb, arg string) string {
	why := "host keeps pushing"
	if verb == VerbResume {
		why = "host fixed the encoder"
	}
	example := fmt.Sprintf("e.g. `%s 10001 -- %s`", verb, why)
	if arg == "" {
		return fmt.Sprintf("`%s` needs the Polyv channel id, %s", verb, example)
	}
	return fmt.Sprintf("`%s` is not a Polyv channel id: `%s` needs the Polyv channel id first, %s", quote(arg), verb, example)
}

// cutoffUnavailableText refuses ban and resume on a bot without
// POLYV_USER_ID, before anything is claimed or sent.
func cutoffUnavailableText() string {
	return "⚠️ ban and resume need POLYV_USER_ID, the userId from the Polyv console (开发设置); ask an admin to set it. Nothing was sent to Polyv."
}

// cutoffCheckLine is the line verification adds for a channel that was cut
// off: banpush, or any status Polyv documents as not live, proves it.
func cutoffCheckLine(r ChannelResult, names channelNames, window, timeout time.Duration, command string) string {
	id, c, ch := r.ID, r.Check, names.named(r.ID)
	switch {
	case c.Verdict == Verified:
		return fmt.Sprintf("🔎 Polyv channel %s: verified, no longer live (%s)", ch, c.Status.Describe())
	case c.Verdict == StillLive:
		return fmt.Sprintf("⚠️ Polyv channel %s: still live after %s: the cut-off did not take effect; try `%s ban %d` again, or use the Polyv console",
			ch, humanDuration(window), orPolyv(command), id)
	}
	return fmt.Sprintf("⚠️ Polyv channel %s: the cut-off is unverified: %s; check with %s", ch, unprovenWords(c, timeout), statusHint(command, id))
}

// unprovenWords says why verification proved nothing.
func unprovenWords(c Check, timeout time.Duration) string {
	switch c.Why {
	case Unlisted:
		return "Polyv's status answer does not list the channel"
	case StatusUnknown:
		return "Polyv reports its status as " + c.Status.Describe() + ", which does not say whether it is live"
	case StatusUnreadable:
		return "the bot could not read its status (" + explainPolyv(c.Err, timeout, false) + ")"
	}
	return "the bot shut down before it could check"
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
func cutoffOfferText(command string, ids []int64, names channelNames, cause offerCause, available, button bool) string {
	what := channelsText(ids, names)
	var s string
	switch cause {
	case notPulling:
		s = fmt.Sprintf("✂️ Polyv says %s %s not pulling a stream: a pull stop cannot end a stream that the host's encoder pushes.", what, isAre(ids))
	default:
		s = fmt.Sprintf("✂️ Polyv %s %s still live after the stop: a pull stop cannot end a stream that the host's encoder pushes.", what, isAre(ids))
	}
	ban := fmt.Sprintf("`%s ban %s`", orPolyv(command), typedIDs(ids))
	switch {
	case !available:
		return s + " Cutting the push off (" + ban + ") needs POLYV_USER_ID, the userId from the Polyv console (开发设置); ask an admin to set it."
	case button:
		s += " Cut the push off with the button (only you can click it) or type " + ban
	default:
		s += " Cut the push off: type " + ban
	}
	return s + fmt.Sprintf("; the host cannot push again for %d h or until `%s resume %s`.", cutoffHours, orPolyv(command), typedIDs(ids))
}

// typedIDs are ids as a command takes them: separated by spaces.
func typedIDs(ids []int64) string {
	return strings.ReplaceAll(describeIDs(ids), ", ", " ")
}

func isAre(ids []int64) string {
	if len(ids) == 1 {
		return "is"
	}
	return "are"
}

// The cut-off button and its dialog.
func cutoffButtonWords() promptWords {
	return promptWords{title: "Cut off the push?", body: banDialog, button: "Cut off the push", keep: "Not now"}
}

// The private answers to a click on a cut-off button that runs nothing.
func offerNotYoursText() string {
	return "🚫 This cut-off button is only for the person who ran the stop; nothing was sent to Polyv. If you may cut the push off, type the `ban` command its line shows."
}

func offerExpiredText(ttl time.Duration) string {
	return fmt.Sprintf("⌛ This cut-off button expired after %s; nothing was sent to Polyv. If the channel is still live, type the `ban` command its line shows.", humanDuration(ttl))
}

func offerUsedText() string {
	return "This cut-off button was already used; this click sent nothing to Polyv. The cut-off's own thread in the channel says what happened."
}

func offerAlteredText() string {
	return "⚠️ This cut-off button could not be checked (it was changed, or comes from a bot with another configuration); nothing was sent to Polyv. Type the `ban` command its line shows."
}
