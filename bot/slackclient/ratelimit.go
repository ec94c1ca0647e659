package slackclient

import (
	"context"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// Bounds on waiting out a Web API call's 429.
const (
	// MaxRateLimitWait is the longest Retry-After a call waits out before
	// its retry; a call with a deadline waits only what the deadline
	// leaves.
	MaxRateLimitWait = 10 * time.Second
	// retryMargin is what the retry itself needs of a call's deadline.
	retryMargin = time.Second
	// defaultRetryAfter stands in for a missing or unreadable Retry-After.
	defaultRetryAfter = 5 * time.Second
)

// retryRateLimited decides whether to retry a call Slack answered 429: once,
// after its Retry-After, and only when the call can afford that wait (within
// MaxRateLimitWait, and leaving retryMargin of its deadline for the retry).
// A longer refusal is returned at once as slack-go's *slack.RateLimitedError,
// which says for how long, so that the caller can use its other ways to reach
// the user (the pipeline falls back from response_url to an ephemeral to a
// DM) instead of sleeping away the deadline they share.
func retryRateLimited(st *slack.RetryState, req *http.Request, resp *http.Response) (bool, time.Duration) {
	if st.Attempt > 0 {
		return false, 0
	}
	wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if !ok {
		wait = defaultRetryAfter
	}
	return wait <= affordable(req.Context()), wait
}

// affordable is the longest wait a call with ctx can spend before a retry.
func affordable(ctx context.Context) time.Duration {
	budget := MaxRateLimitWait
	if deadline, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(deadline)-retryMargin)
	}
	return budget
}
