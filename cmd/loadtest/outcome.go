package main

import (
	"strings"
	"time"
)

// channelTrace is what the thread replies said about one Polyv channel, in
// the order the fake recorded them.
type channelTrace struct {
	First    time.Time // the first reply naming the channel: its outcome
	Stopped  bool      // that first reply said ✅ stopped, so a verification line follows
	Verified time.Time // the first verification line (🔎 verified or ⚠️ not), zero if none yet
	Last     time.Time // the latest reply naming the channel
	Replies  int
}

// observe adds one thread reply naming the channel, recorded at at.
func (t *channelTrace) observe(text string, at time.Time) {
	if t.Replies == 0 {
		t.First, t.Stopped = at, strings.HasPrefix(text, "✅")
	}
	if t.Verified.IsZero() && isVerificationLine(text) {
		t.Verified = at
	}
	if at.After(t.Last) {
		t.Last = at
	}
	t.Replies++
}

// isVerificationLine reports the line polyvbot posts once it has read the
// channel's live status after a stop: "🔎 … verified, no longer live" or
// "⚠️ … Polyv accepted the stop, but …".
func isVerificationLine(text string) bool {
	return strings.HasPrefix(text, "🔎") || strings.HasPrefix(text, "⚠")
}

// done is when the channel's last expected line arrived: its verification
// line after a ✅ when the bot verifies, otherwise its outcome. ok is false
// while that line is still missing.
func (t channelTrace) done(verify bool) (at time.Time, ok bool) {
	switch {
	case t.Replies == 0:
		return time.Time{}, false
	case verify && t.Stopped:
		return t.Verified, !t.Verified.IsZero()
	}
	return t.First, true
}

// cmdKind is what a command asks for, as far as its answer goes.
type cmdKind int

const (
	kindStop   cmdKind = iota // answered in a thread (or privately when refused)
	kindStatus                // answered privately through response_url
	kindHelp                  // answered in the ack
	kindBad                   // bad input, answered in the ack
)

var kindNames = [...]string{kindStop: "stop", kindStatus: "status", kindHelp: "help", kindBad: "bad input"}

func (k cmdKind) String() string { return kindNames[k] }

// ackInfo is the ack of one envelope as the fake Slack stamped it.
type ackInfo struct {
	SentAt, At time.Time
	Text       string
}

// evidence is everything the fakes recorded about one command.
type evidence struct {
	kind    cmdKind
	ids     []int64
	ack     ackInfo
	acked   bool
	private time.Time // first post to the command's response_url; zero if none
	traces  map[int64]channelTrace
}

// cmdResult is what became of one command.
type cmdResult struct {
	SentAt    time.Time     // when the fake wrote the envelope; valid when Acked
	Ack       time.Duration // envelope written → ack read; valid when Acked
	Acked     bool
	E2E       time.Duration // envelope written → first outcome posted; valid when HasE2E
	HasE2E    bool
	Done      time.Duration // envelope written → last expected line; valid when Complete
	Complete  bool
	Refused   bool // answered "busy" (or another refusal), in the ack or privately
	Lost      bool // no answer, or an expected line never came
	OutcomeAt time.Time
	DoneAt    time.Time
}

// classify decides what became of a command from what the fakes recorded.
// A stop or status whose ack carries "⏳" was refused (the queue was full or
// the bot is draining); help and bad input are answered by the ack's text; a
// status is answered privately; a stop is answered by its thread replies, or
// privately when the per-user limit or another requester's stop refused it.
// With verify, a stop is complete only once every channel Polyv stopped has
// its verification line; a command that never completes is lost.
func classify(e evidence, verify bool) cmdResult {
	var r cmdResult
	if !e.acked {
		r.Lost = true
		return r
	}
	r.Acked, r.SentAt, r.Ack = true, e.ack.SentAt, e.ack.At.Sub(e.ack.SentAt)
	switch {
	case e.kind == kindHelp || e.kind == kindBad:
		if e.ack.Text == "" {
			r.Lost = true
		} else {
			r.Complete, r.DoneAt = true, e.ack.At
		}
	case strings.HasPrefix(e.ack.Text, "⏳"):
		r.Refused, r.Complete, r.DoneAt = true, true, e.ack.At
	case e.kind == kindStatus:
		r.answered(e.ack.SentAt, e.private, e.private)
		r.Lost = !r.Complete
	default:
		r.stop(e, verify)
	}
	return r
}

// stop classifies a stop that was accepted.
func (r *cmdResult) stop(e evidence, verify bool) {
	var first, last time.Time
	complete := true
	for _, id := range e.ids {
		t := e.traces[id]
		if t.Replies > 0 && (first.IsZero() || t.First.Before(first)) {
			first = t.First
		}
		at, ok := t.done(verify)
		complete = complete && ok
		if at.After(last) {
			last = at
		}
	}
	switch {
	case first.IsZero() && !e.private.IsZero():
		r.Refused, r.Complete, r.DoneAt = true, true, e.private
	case first.IsZero():
		r.Lost = true
	default:
		r.HasE2E, r.E2E, r.OutcomeAt = true, first.Sub(e.ack.SentAt), first
		if complete {
			r.Complete, r.Done, r.DoneAt = true, last.Sub(e.ack.SentAt), last
		}
		r.Lost = !complete
	}
}

// answered records an outcome at outcome and completion at done, both zero
// when missing.
func (r *cmdResult) answered(sent, outcome, done time.Time) {
	if outcome.IsZero() {
		return
	}
	r.HasE2E, r.E2E, r.OutcomeAt = true, outcome.Sub(sent), outcome
	if !done.IsZero() {
		r.Complete, r.Done, r.DoneAt = true, done.Sub(sent), done
	}
}
