package polyv

import "time"

// CallStats is what one logical call cost: the time it waited for limiter
// tokens and the HTTP attempts it made. The calls that change something
// (StopPullStream, Cutoff, Resume) return them with their result; the bot
// writes them to its audit line.
type CallStats struct {
	LimiterWait time.Duration
	Attempts    int

	// Unclear is set when an attempt of a failed call may have been carried
	// out by Polyv without an answer saying whether it was: an error after
	// the request may have left (a time-out after sending, a reset
	// connection, EOF), an HTTP 5xx or Polyv's status "fail", an unreadable
	// or contradictory answer (ErrBadResponse), an answer cut short
	// (ErrAnswerCut). It stays set when a later attempt gets a definite
	// refusal, because that refusal may only mean the earlier attempt
	// worked: a retried stop can find the stream already stopped. It is not
	// set when nothing can have reached Polyv (a failed dial or DNS lookup,
	// a refusal by the limiter, a dry run, a redirect, which the client
	// never follows), nor for a success. It matters for calls that change
	// something (StopPullStream, Cutoff, Resume): when it is set, only the
	// channel's live status can tell whether Polyv acted. For a read it is
	// harmless.
	Unclear bool
}
