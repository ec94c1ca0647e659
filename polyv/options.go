package polyv

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets Polyv's base URL (default "https://api.polyv.net"). A
// trailing slash is tolerated.
func WithBaseURL(u string) Option {
	return func(c *Client) { c.base = strings.TrimRight(u, "/") }
}

// WithHTTPClient sets the HTTP client. The default has dial, TLS and idle
// time-outs; the per-call deadline comes from WithTimeout either way. The
// client uses a shallow copy of hc that never follows redirects (a 3xx is an
// ErrRedirect); hc itself is not changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithClock sets the clock the 13-digit millisecond timestamp is read from
// (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *Client) {
		if now != nil {
			c.now = now
		}
	}
}

// WithSignatureMethod picks the sign hash. MD5 is the default; SHA256 adds
// signatureMethod=SHA256 to every request, where it is signed like any other
// parameter.
func WithSignatureMethod(m SignatureMethod) Option {
	return func(c *Client) { c.method = m }
}

// WithLimiter makes every outgoing HTTP request (each attempt, retries and
// status calls included) take one token from l first. nil means unlimited.
func WithLimiter(l *rate.Limiter) Option {
	return func(c *Client) { c.limiter = l }
}

// WithMaxWait bounds how long a call waits for a limiter token. When the
// limiter would make it wait longer, the call returns a *LimitError without
// sending anything. 0 means wait as long as the context allows.
func WithMaxWait(d time.Duration) Option {
	return func(c *Client) { c.maxWait = d }
}

// WithTimeout bounds one logical call, all its attempts included (default
// 10s). The clock starts when the first limiter token is taken; the wait for
// that token is bounded by WithMaxWait instead.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRetries sets how many attempts a call makes at most (default 3) and the
// base of the jittered exponential backoff between them (default 200ms).
// Only transport errors and HTTP 5xx are retried, and never past the deadline.
func WithRetries(attempts int, backoff time.Duration) Option {
	return func(c *Client) {
		c.attempts = max(attempts, 1)
		c.backoff = max(backoff, 0)
	}
}

// WithLogger sets the logger (default: discard). The appSecret is never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithDryRun makes the calls that change something (StopPullStream, Cutoff,
// Resume) wait for the limiter, build and sign the form exactly as for
// real, log it at info level (the userId shortened) and return nil without
// sending it. The read-only calls still run.
func WithDryRun(on bool) Option {
	return func(c *Client) { c.dryRun = on }
}

// WithUserID sets the Polyv account's userId (开发设置, next to the appId),
// which Cutoff and Resume send and CheckUserID checks. It is not a secret,
// but info-level logs show it shortened. A blank one counts as none.
func WithUserID(userID string) Option {
	return func(c *Client) { c.userID = userID }
}

// WithObserver sets a function called once per attempt and once per limiter
// refusal, for metrics. It must be quick and safe for concurrent use.
func WithObserver(fn func(Event)) Option {
	return func(c *Client) { c.observe = fn }
}

// defaultHTTPClient bounds each network phase so a dead peer cannot hold a
// connection past what the per-call deadline would allow anyway.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}}
}
