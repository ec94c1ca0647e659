// Package polyv is a client for the parts of Polyv's (保利威) live API that
// polyvbot uses: stopping a channel's pull stream, cutting off a pushed one,
// and reading what a channel is called, how it is streamed, who watches and
// whether it is live. It knows nothing of Slack, and says nothing to people:
// it returns typed values and errors, and the wording is the caller's.
//
// # Calls
//
//	c := polyv.NewClient(appID, appSecret,
//		polyv.WithUserID(userID), // for Cutoff, Resume and CheckUserID only
//		polyv.WithTimeout(10*time.Second),
//		polyv.WithLimiter(rate.NewLimiter(rate.Every(time.Second), 5)),
//		polyv.WithMaxWait(2*time.Second),
//		polyv.WithLogger(logger))
//	stats, err := c.StopPullStream(ctx, 10001)      // POST /live/v3/channel/stream/stop-pull-stream
//	stats, err := c.Cutoff(ctx, 10001)              // POST /live/v2/stream/10001/cutoff
//	stats, err := c.Resume(ctx, 10001)              // POST /live/v2/stream/10001/resume
//	st, err := c.LiveStatus(ctx, 10001, 10002)      // GET  /live/v4/channel/live-status/list (≤ 200 ids)
//	n, err := c.RealtimeViewers(ctx, 10001, 10002)  // GET  /live/v2/statistics/get-realtime-viewers (≤ 200 ids)
//	info, err := c.ChannelInfo(ctx, 10001)          // GET  /live/v3/channel/basic/get
//	typ, err := c.StreamType(ctx, 10001)            // GET  /live/v3/channel/stream/get
//	err := c.CheckUserID(ctx)                       // GET  /live/v3/user/get-info
//
// A pull stop (StopPullStream) ends what Polyv pulls from a source; it
// cannot end what an encoder pushes (StreamType.Pushed), which only a
// Cutoff does. Cutoff and Resume send the account's userId (WithUserID);
// without one they fail with ErrNoUserID before anything is sent.
// CheckUserID proves the userId right without changing anything. Every
// HTTP attempt of every call takes one limiter token.
//
// The calls that change something (StopPullStream, Cutoff, Resume) also
// return what the call cost (CallStats: the limiter wait and the attempts
// made), whatever its result.
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
// fields are matched as sent, never after cleaning; Cutoff and Resume also
// need data "success". Every other answer is an *APIError. Test it with
// errors.Is against ErrInvalidSignature, ErrInvalidTimestamp,
// ErrAppNotFound, ErrChannelNotFound, ErrWrongUserID, ErrQuotaExceeded,
// ErrServer, ErrBadResponse, ErrAnswerCut and ErrRedirect; the
// classification follows Polyv's message first because its documented codes
// disagree. A read about one channel that succeeds without data is
// ErrChannelNotFound; a data field that carries meaning (a name, a count, a
// stream type) given twice, or a viewer count that is not digits, is
// ErrBadResponse, never a guess. An answer whose fields contradict each other (code 200 with
// status "error", or without a status, or with success false), or that gives
// one of them twice (in any letter case, as encoding/json matches keys), is
// ErrBadResponse, like an unreadable one: what Polyv did is unknown, so a
// stop may or may not have happened. So is an answer whose body broke off
// after its status line (ErrAnswerCut): the request was answered, so Polyv
// may have acted, but what it said never arrived whole. A 3xx answer is
// ErrRedirect: redirects are never followed, whatever HTTP client
// WithHTTPClient gave, because they would carry the signed request to
// another host or turn the stop into a GET whose answer means nothing; the
// error keeps the target's scheme and host only (APIError.Location). A refusal by the process's
// own limiter is a *LimitError (ErrRateLimited) and nothing was sent.
// Time-outs keep context.DeadlineExceeded reachable. Kind gives a stable
// label for metrics. Errors carry Polyv's own words and codes; what a person
// should do about them is the caller's to say.
//
// The CallStats.Unclear of a call that changes something says whether any
// attempt may have been carried out without an answer saying so (a
// time-out after sending, a reset connection, a 5xx, an unreadable,
// contradictory or cut answer), even when a later attempt was refused: a
// retry can be refused precisely because the first attempt stopped the
// stream. When a call fails with Unclear set, only the channel's live
// status can tell whether Polyv acted.
//
// LiveStatus and StreamType values compare in any ASCII letter case but
// otherwise as Polyv sent them: IsLive and IsNotLive, Pushed and Pulled say
// what a value proves, and "" (none), an undocumented value, or one that
// only spaces or invisible characters set apart from a documented value
// (" end", "e\u200bnd") proves neither. Describe and Shown show a value
// cleaned.
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
// (in a message, a status, a channel's name, an HTML page or a redirect's
// host), every piece the client keeps has it replaced by "[redacted]"
// before any cut, and so has the beginning of one that an answer cut short
// ends with. Some answers carry what no error may show: a channel's
// password and viewing keys (ChannelInfo), a pull URL's credentials
// (StreamType), the account's email (CheckUserID). The client keeps only
// the fields it returns, and its errors never quote such an answer's JSON.
// The userId is not a secret, but info-level logs show it shortened.
//
// The polyvtest subpackage is a fake Polyv server for tests and load tests.
package polyv
