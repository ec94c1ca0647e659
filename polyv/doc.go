// Package polyv is a client for the parts of Polyv's (保利威) live API that
// polyvbot uses: stopping a channel's pull stream and reading channels' live
// status. It knows nothing of Slack.
//
// # Calls
//
//	c := polyv.NewClient(appID, appSecret,
//		polyv.WithTimeout(10*time.Second),
//		polyv.WithLimiter(rate.NewLimiter(rate.Every(time.Second), 5)),
//		polyv.WithMaxWait(2*time.Second),
//		polyv.WithLogger(logger))
//	stats, err := c.StopPullStream(ctx, 10001)     // POST /live/v3/channel/stream/stop-pull-stream
//	st, err := c.LiveStatus(ctx, 10001, 10002)     // GET  /live/v4/channel/live-status/list
//
// StopPullStream also returns what the call cost (CallStats: the limiter
// wait and the attempts made), whatever its result.
//
// Every request carries appId, a fresh 13-digit millisecond timestamp and a
// sign (see Sign), recomputed on every attempt. Polyv refuses timestamps more
// than 3 minutes off, so a host with a drifting clock sees ErrInvalidTimestamp.
// WithSignatureMethod(SHA256) switches the sign to SHA-256.
//
// # Failures
//
// A call succeeds only when Polyv says so in every field that carries the
// outcome: HTTP 2xx, code 200, status "success" (any letter case) and, when
// the v4 success field is present, success true (the JSON boolean). These
// fields are matched as sent, never after cleaning. Every other answer is an
// *APIError. Test it with errors.Is against ErrInvalidSignature,
// ErrInvalidTimestamp, ErrAppNotFound, ErrChannelNotFound, ErrQuotaExceeded,
// ErrServer, ErrBadResponse, ErrAnswerCut and ErrRedirect; the
// classification follows Polyv's message first because its documented codes
// disagree. An answer whose fields contradict each other (code 200 with
// status "error", or without a status, or with success false), or that gives
// one of them twice (in any letter case, as encoding/json matches keys), is
// ErrBadResponse, like an unreadable one: what Polyv did is unknown, so a
// stop may or may not have happened. So is an answer whose body broke off
// after its status line (ErrAnswerCut): the request was answered, so Polyv
// may have acted, but what it said never arrived whole. A 3xx answer is
// ErrRedirect: redirects are never followed, whatever HTTP client
// WithHTTPClient gave, because they would carry the signed request to
// another host or turn the stop into a GET whose answer means nothing; the
// error names the target's scheme and host only. A refusal by the process's
// own limiter is a *LimitError (ErrRateLimited) and nothing was sent.
// Time-outs keep context.DeadlineExceeded reachable. Kind gives a stable
// label for metrics. Errors carry Polyv's own words and codes; what a person
// should do about them is the caller's to say.
//
// StopPullStream's CallStats.Unclear says whether any attempt may have been
// carried out without an answer saying so (a time-out after sending, a reset
// connection, a 5xx, an unreadable, contradictory or cut answer), even when
// a later attempt was refused: a retry can be refused precisely because the
// first attempt stopped the stream. When a call fails with Unclear set,
// only the channel's live status can tell whether Polyv acted.
//
// LiveStatus values compare in any ASCII letter case but otherwise as Polyv
// sent them: IsLive and IsNotLive say what a status proves, and "" (no
// status), an undocumented value, or one that only spaces or invisible
// characters set apart from a documented value (" end", "e\u200bnd") proves
// neither. Describe shows a status cleaned.
//
// # Retries and limits
//
// Transport errors and HTTP 5xx are retried (3 attempts by default, jittered
// exponential backoff), all within the call's time-out; 4xx, 429 and JSON
// refusals are final, and so is a 5xx whose body is a definite refusal (a
// bad sign, an unknown app, the quota); redirects, contradictory answers and
// answers cut short are final too. Each attempt first takes a token from the
// limiter, so the limiter bounds what reaches Polyv (which blocks an IP for 5 minutes beyond
// 1500 requests per 10 seconds). When no time or no token is left for a
// retry, the call ends with the answer that prompted it.
//
// # Secrets
//
// The appSecret is only ever hashed: it is not sent, logged, put into errors,
// or printed by any fmt verb applied to a Client. When an answer echoes it
// (in a message, a status, an HTML page or a redirect's host), every piece
// the client keeps has it replaced by "[redacted]" before any cut, and so
// has the beginning of one that an answer cut short ends with.
//
// The polyvtest subpackage is a fake Polyv server for tests and load tests.
package polyv
