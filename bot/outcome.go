package bot

import (
	"time"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/polyv"
)

// Request is one thing a person asked of the bot: a slash command, or a
// click on a confirmation button.
type Request struct {
	ID          string // the Socket Mode envelope id
	User        string // the Slack member ID of who asked (or clicked)
	UserName    string
	Channel     string // the Slack channel it came from
	ResponseURL string
	Slash       string  // the slash command as the workspace named it, e.g. /polyv
	Text        string  // as typed, for the audit of refused input
	Command     Command // what the text asks for
	Click       *Click  // set for a button click
	Received    time.Time
	// ApprovedBy is the second person who approved the command, when an
	// approval request ran it (approval.go); "" otherwise.
	ApprovedBy string
	// approval is set on a command that runs beside or after its approval
	// request: the channels settled without a Polyv call, and the request
	// message its thread is told in.
	approval *approvalRun
	// verdict is set on the job that posts a verification's verdict: the
	// verifier hands it to a worker once every channel is decided.
	verdict *verification
}

// Click is a click on a confirmation prompt's button, or on the cut-off
// button a stop's thread offers.
type Click struct {
	Action string // ActionConfirm, ActionCancel, ActionCutoff, ActionApprove or ActionApprovalCancel
	Value  string // what the button carries
	// MessageTS is the message the button is in: the approval request,
	// which becomes the approved command's parent.
	MessageTS string
}

// Decision is what the bot made of a request as a whole.
type Decision int

// The decisions. A stop that ran says per Polyv channel what happened
// (State); everything else ends with its decision.
const (
	Allowed      Decision = iota + 1 // it ran: see the channels (stop) or StatusErr (status)
	Denied                           // the policy said no; Record.Denial says why
	OverBudget                       // the requester's own bucket was empty: nothing was sent
	InProgress                       // someone else was already stopping every channel asked for
	Confirming                       // a confirmation prompt was sent; the click decides
	Cancelled                        // a click on Cancel: the prompt stops nothing after it; Record.ForRequest is the command\'s
	Invalid                          // bad input, answered with the usage
	Helped                           // help, answered privately
	Busy                             // no worker could take it in time: nothing was done
	Expired                          // a click on a prompt past its lifetime
	NotYours                         // a click by someone other than the requester
	Used                             // a click on a prompt already used on this replica
	Altered                          // a click whose ticket's signature does not match
	Crashed                          // the bot failed unexpectedly; the log has the panic
	PromptFailed                     // Slack took the confirmation prompt no way; Record.PromptErr says why
	Unconfigured                     // ban or resume on a bot without POLYV_USER_ID: nothing was claimed or sent
)

// The two-person rule's decisions (approval.go), numbered on from the
// others; a value two decisions share fails to compile (outcomeWords).
const (
	AwaitingApproval  Decision = Unconfigured + 1 + iota // an approval request was posted; a second person's click decides
	SelfApproval                                         // the requester clicked Approve on their own request: refused
	ApprovalCancelled                                    // the requester cancelled their approval request
	ApprovalFailed                                       // Slack took the approval request no way; Record.PromptErr says why
)

// State is what happened to one Polyv channel of a stop.
type State int

// The states of a Polyv channel.
const (
	Stopped     State = iota + 1 // Polyv said so in every field that carries it
	DryRun                       // signed and logged, not sent
	Failed                       // Polyv refused or did not answer: see Err for how sure that is
	RateLimited                  // the bot's own Polyv budget was used up: not sent
	NotSent                      // the requester's budget was used up: not sent
	Elsewhere                    // someone else's command is stopping it: not sent again
	// Unclear: Polyv's answer did not say whether it acted (a cut answer, a
	// 5xx, an unreadable answer, or a refusal after such an attempt): only
	// the channel's live status can tell, and verification settles it.
	Unclear
)

// The states the two-person rule settles without a Polyv call (approval.go),
// numbered on from the others.
const (
	HeldForApproval State = Unclear + 1 + iota // it needs a second person's approval: not sent yet
	AlreadyNotLive                             // approved, but no longer live by then: not sent again
)

// ChannelResult is what happened to one Polyv channel of a stop.
type ChannelResult struct {
	ID       int64
	State    State
	Err      error         // Failed, RateLimited: what Polyv or the limiter said
	Elapsed  time.Duration // the Polyv call, waits and retries included
	Wait     time.Duration // spent waiting for the global bucket
	Attempts int
	RetryIn  time.Duration // NotSent: when the requester's budget allows another
	Holder   string        // Elsewhere: who is stopping it
	Thread   string        // Elsewhere: where (permalink), when known
	Check    Check         // what verification found, for a Stopped or Unclear channel
}

// Verdict is what verification found out about a stopped channel.
type Verdict int

// The verdicts. Only a status Polyv documents as not live verifies a stop.
const (
	NotChecked Verdict = iota // verification is off, or the channel was not stopped
	Verified                  // Polyv reports it no longer live
	StillLive                 // Polyv still reports it live at the end of the window
	Unverified                // nothing proved it either way: see Check.Why
)

// Check is the verification of one stopped channel.
type Check struct {
	Verdict Verdict
	Status  polyv.LiveStatus // the last status Polyv gave, if any
	Why     Unproven         // Unverified: why
	Err     error            // Why == StatusUnreadable: the last status call's failure
}

// Unproven says why a verification proved nothing.
type Unproven int

// Why a stop stayed unverified.
const (
	Unlisted         Unproven = iota + 1 // Polyv's answer did not list the channel
	StatusUnreadable                     // the status calls failed
	StatusUnknown                        // Polyv gave a status that means neither live nor not live
	ShutDown                             // the bot shut down before the window was over
)

// Record is what one request did, for the audit trail, written to the
// AuditSink once the request is done. A stop whose channels are verified
// is Verifying and pending then; the verdict's Record (Event
// EventVerified, the same request) follows with every channel's Check.
type Record struct {
	Request
	Decision  Decision
	Denial    auth.Denial     // Denied: why
	Channels  []ChannelResult // a stop: each Polyv channel asked for
	StatusErr error           // status: why Polyv could not be read
	Verifying bool            // a stop whose stopped channels are verified (see Event)
	// Event is "" for the record of a request, EventVerified for the
	// verdict on a stop's channels, written after the stop's own record
	// under the same request id.
	Event     string
	Thread    string // the parent's permalink
	Problem   error  // Invalid: what was wrong with the input
	PromptErr error  // PromptFailed: what Slack answered
	// ForRequest is, for a click audited under its own request, the
	// request of the command whose prompt it was on.
	ForRequest string
	DryRun     bool
	Finished   time.Time
	// names are the channels' names the bot knew when it wrote the record
	// (or its audit channel line): the audit log gives them per channel.
	names channelNames
}

// EventVerified marks the record of a verification's verdict.
const EventVerified = "verified"

// The two-person rule's events (approval.go): the command's record when it
// asks for approval, and the record of the first click after its request
// expired.
const (
	EventApprovalRequested = "approval_requested"
	EventApprovalExpired   = "approval_expired"
)

// Pending reports a stop's own record while its verification goes on: the
// verdict's record follows.
func (rec Record) Pending() bool { return rec.Verifying && rec.Event != EventVerified }

// AuditSink receives one Record per request: slog JSON in production
// (LogSink), a slice or channel in tests and in the demo.
type AuditSink interface {
	Audit(Record)
}

// AuditFunc adapts a function to AuditSink.
type AuditFunc func(Record)

// Audit calls f.
func (f AuditFunc) Audit(r Record) { f(r) }

// count returns how many channels count as each state (see counted).
func count(results []ChannelResult) map[State]int {
	n := make(map[State]int, len(results))
	for _, r := range results {
		n[counted(r)]++
	}
	return n
}

// counted is what a channel counts as in a stop's summary: an unclear
// answer counts as stopped once verification saw the channel no longer
// live, as failed once it saw it still live, and as unclear until then.
func counted(r ChannelResult) State {
	if r.State != Unclear {
		return r.State
	}
	switch r.Check.Verdict {
	case Verified:
		return Stopped
	case StillLive:
		return Failed
	}
	return Unclear
}

// unproven splits the verified channels that were not proven stopped into those
// seen still live and those nothing was proved about.
func unproven(results []ChannelResult) (stillLive, unverified []int64) {
	for _, r := range results {
		switch r.Check.Verdict {
		case StillLive:
			stillLive = append(stillLive, r.ID)
		case Unverified:
			unverified = append(unverified, r.ID)
		}
	}
	return stillLive, unverified
}
