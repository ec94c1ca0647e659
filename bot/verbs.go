package bot

import (
	"context"
	"strings"

	"github.com/polyvbot/polyvbot/polyv"
)

// verbSpec is one verb of the bot, as data: its help entry, who may use it,
// what it runs and what it needs. Adding a verb is an entry here, its
// wording in text*.go and its tests.
type verbSpec struct {
	HelpEntry
	// hint is the verb's part of the Slack app manifest's usage hint.
	hint string
	// policy says who may use the verb; nil for one the ack answers.
	policy func(*pipeline) Authorizer
	// run carries out an authorized read and completes rec; nil for an
	// acting verb and for a verb the ack answers (help).
	run func(p *pipeline, ctx context.Context, req Request, rec *Record)
	// action is what an acting verb does to each Polyv channel it names,
	// carried out by act (stop.go); nil for reads and help.
	action *action
}

// action is an acting verb's part of the table: the parent and thread, the
// in-flight guard, the buckets, the audit and the dry run are the same for
// every action (act, in stop.go); these fields are what differs.
type action struct {
	// call sends the verb's Polyv call for one channel.
	call func(pv Polyv, ctx context.Context, id int64) (polyv.CallStats, error)
	// bucket is the per-user token bucket it takes one token from per
	// channel (the global bucket is the Polyv client's, for every call).
	bucket func(*pipeline) UserThrottle
	// confirms: CONFIRM_STOP asks the requester to confirm it first.
	confirms bool
	// approvable: with APPROVAL_CHANNELS, a channel listed there waits for a
	// second allowed person's approval (approval.go).
	approvable bool
	// verifies: with VERIFY_STOP, its effect is checked by reading the live
	// status until it leaves live (verify.go).
	verifies bool
	// needsUserID: the call sends POLYV_USER_ID, so without it the verb is
	// refused before anything is claimed or sent.
	needsUserID bool
	// offersCutoff: a channel the action cannot end because an encoder
	// pushes it (still live after verification, or Polyv says it is not
	// pulling) gets the cut-off offered in its thread (cutoff.go).
	offersCutoff bool
	// words are the verb's words in the messages every action shares
	// (text.go).
	words actionWords
}

// verbs is every verb the bot understands, in the order the help lists them.
var verbs = []verbSpec{
	{
		HelpEntry: HelpEntry{VerbStop, phrase("<channelId>… [-- reason…]"),
			phrase("stop the pull stream of up to 20 Polyv channels; the channel gets a message and the outcome lands in its thread"),
			phrase("stop 10001 10002 -- leaked test stream")},
		hint:   "stop <channelId>… [-- reason]",
		policy: func(p *pipeline) Authorizer { return p.stopPolicy },
		action: &action{
			call:         Polyv.StopPullStream,
			bucket:       func(p *pipeline) UserThrottle { return p.users },
			confirms:     true,
			approvable:   true,
			verifies:     true,
			offersCutoff: true,
			words:        stopWords,
		},
	},
	{
		HelpEntry: HelpEntry{VerbBan, phrase("<channelId>… [-- reason…]"),
			phrase("cut off what the host's encoder pushes to up to 20 Polyv channels, which stop cannot end; the host cannot push again for 24 h or until `resume` (needs POLYV_USER_ID)"),
			phrase("ban 10001 -- host keeps pushing")},
		hint:   "ban <channelId>… [-- reason]",
		policy: func(p *pipeline) Authorizer { return p.stopPolicy },
		action: &action{
			call:       Polyv.Cutoff,
			bucket:     func(p *pipeline) UserThrottle { return p.users },
			confirms:   true,
			approvable: true,
			// A cut-off ends the stream at once: the live status leaves
			// live (banpush, or ended), as after a stop.
			verifies:    true,
			needsUserID: true,
			words:       banWords,
		},
	},
	{
		HelpEntry: HelpEntry{VerbResume, phrase("<channelId>… [-- reason…]"),
			phrase("lift the cut-off of Polyv channels, so that the host's encoder can push again (needs POLYV_USER_ID)"),
			phrase("resume 10001 -- host fixed the encoder")},
		hint:   "resume <channelId>… [-- reason]",
		policy: func(p *pipeline) Authorizer { return p.stopPolicy },
		action: &action{
			call:     Polyv.Resume,
			bucket:   func(p *pipeline) UserThrottle { return p.users },
			confirms: true,
			// Not verified: a resume shows in the live status only once the
			// host's encoder pushes again, which may be minutes later or
			// never (the host stopped pushing), so no status within the
			// window proves or disproves it.
			verifies:    false,
			needsUserID: true,
			words:       resumeWords,
		},
	},
	{
		HelpEntry: HelpEntry{VerbStatus, phrase("<channelId>…"), phrase("show whether Polyv channels are live (only you see the answer)"), phrase("status 10001")},
		hint:      "status <channelId>…",
		policy:    func(p *pipeline) Authorizer { return p.statusPolicy },
		run:       (*pipeline).status,
	},
	{HelpEntry: HelpEntry{VerbHelp, "", phrase("show this help"), phrase("help")}, hint: "help"},
}

// specOf is the entry of v; a click on a prompt is a stop's.
func specOf(v Verb) verbSpec {
	for _, s := range verbs {
		if s.Verb == v {
			return s
		}
	}
	return verbs[0]
}

// acts reports a verb with an action: one that changes something in Polyv.
func (v Verb) acts() bool {
	for _, s := range verbs {
		if s.Verb == v {
			return s.action != nil
		}
	}
	return false
}

// Help lists every verb the bot understands. The help text, the usage shown
// with every refused command and the Slack app manifest's usage hint all
// come from the verb table.
var Help = helpEntries()

// UsageHint is the one-line usage for the Slack app manifest's command.
var UsageHint = usageHint()

func helpEntries() []HelpEntry {
	out := make([]HelpEntry, len(verbs))
	for i, s := range verbs {
		out[i] = s.HelpEntry
	}
	return out
}

func usageHint() string {
	hints := make([]string, len(verbs))
	for i, s := range verbs {
		hints[i] = s.hint
	}
	return strings.Join(hints, " | ")
}
