package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// SlackOptions configure the Slack Web API client.
type SlackOptions struct {
	BotToken string // xoxb-…
	AppToken string // xapp-…
	APIURL   string // with a trailing slash; default slack.APIURL
	Timeout  time.Duration
	Logger   *slog.Logger
}

// SlackClient is the Slack Web API client the bot and its preflight use. It
// also answers user-group lookups for the auth package.
type SlackClient struct {
	API  *slack.Client
	gate *connectGate
}

// NewSlackClient builds a client whose HTTP requests time out, whose Web API
// calls are retried on 429 (honouring Retry-After) and, unless they post a
// message, on 5xx, and whose
// apps.connections.open calls are spaced out when connections keep dying, so
// a server that drops every socket cannot cause a reconnect storm (slack-go
// reconnects at once after a successful dial).
func NewSlackClient(o SlackOptions) *SlackClient {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.APIURL == "" {
		o.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/"
	}
	gate := newConnectGate(time.Now)
	hc := &http.Client{Timeout: o.Timeout, Transport: tokenInHeader(gate.wrap(http.DefaultTransport))}
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 3
	retry.RetryAfterDuration = 5 * time.Second
	retry.Handlers = []slack.RetryHandler{slack.NewRateLimitErrorRetryHandler(retry),
		retryUnlessPosted{api: o.APIURL, next: slack.NewServerErrorRetryHandler(retry)}}
	api := slack.New(o.BotToken,
		slack.OptionAppLevelToken(o.AppToken),
		slack.OptionAPIURL(o.APIURL),
		slack.OptionHTTPClient(hc),
		slack.OptionRetryConfig(retry),
		slack.OptionLog(slogPrinter{logger(o.Logger)}),
	)
	return &SlackClient{API: api, gate: gate}
}

// retryUnlessPosted retries a 5xx only for calls that cannot post twice.
// chat.postMessage, chat.postEphemeral and response_url posts are not
// retried: a 5xx may come from a proxy that already delivered the post, and a
// retry would show it twice (a second parent stuck at "is stopping"). A 429 is
// safe to retry anywhere: Slack did nothing.
type retryUnlessPosted struct {
	api  string // the Web API base URL; anything else is a response_url
	next slack.RetryHandler
}

func (h retryUnlessPosted) ShouldRetry(st *slack.RetryState, req *http.Request, resp *http.Response, err error) (bool, time.Duration) {
	if posts(req, h.api) {
		return false, 0
	}
	return h.next.ShouldRetry(st, req, resp, err)
}

func posts(req *http.Request, api string) bool {
	u := req.URL.String()
	if !strings.HasPrefix(u, api) {
		return true // a response_url
	}
	method := strings.TrimPrefix(u, api)
	return strings.HasPrefix(method, "chat.postMessage") || strings.HasPrefix(method, "chat.postEphemeral")
}

// UserGroupMembers lists a user group's members (usergroups.users.list).
func (c *SlackClient) UserGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	members, err := c.API.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list %s: %w%s", groupID, err, groupHint(err))
	}
	return members, nil
}

// UserGroupHandles maps user-group IDs to their handles (usergroups.list).
func (c *SlackClient) UserGroupHandles(ctx context.Context) (map[string]string, error) {
	groups, err := c.API.GetUserGroupsContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("usergroups.list: %w%s", err, groupHint(err))
	}
	handles := make(map[string]string, len(groups))
	for _, g := range groups {
		handles[g.ID] = g.Handle
	}
	return handles, nil
}

func groupHint(err error) string {
	switch slackError(err) {
	case "missing_scope":
		return " (the bot token lacks the usergroups:read scope: add it in the Slack app's OAuth settings and reinstall)"
	case "paid_teams_only", "paid_only", "team_not_paid":
		return " (user groups need a paid Slack plan: list people in ALLOWED_USERS instead)"
	case "no_such_subteam", "subteam_not_found":
		return " (no such user group: check the S… id in ALLOWED_USERGROUPS)"
	}
	return ""
}

// slackError is the "error" field of a Slack answer, or "".
func slackError(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// fatalSlackErrors are answers that no retry can fix: the token is wrong,
// revoked, or of the wrong kind.
var fatalSlackErrors = map[string]string{
	"invalid_auth":           "the token is not valid",
	"not_authed":             "no token was sent",
	"account_inactive":       "the token's app or user was deactivated",
	"token_revoked":          "the token was revoked",
	"token_expired":          "the token expired",
	"not_allowed_token_type": "the token is of the wrong type (SLACK_APP_TOKEN must be xapp-…, SLACK_BOT_TOKEN xoxb-…)",
	"invalid_token":          "the token is malformed",
	"missing_scope":          "the token lacks a scope (the app token needs connections:write)",
}

// FatalError is a Slack failure that retrying cannot fix.
type FatalError struct {
	Op, SlackError, Why string
}

func (e *FatalError) Error() string {
	return fmt.Sprintf("slack %s: %s: %s; fix the token in the configuration and restart", e.Op, e.SlackError, e.Why)
}

func asFatal(op string, err error) error {
	if err == nil {
		return nil
	}
	code := slackError(err)
	if code == "" {
		code = err.Error()
	}
	if why, ok := fatalSlackErrors[code]; ok {
		return &FatalError{Op: op, SlackError: code, Why: why}
	}
	return nil
}

// connectGate delays apps.connections.open while connections keep dying
// young: capped, jittered exponential backoff that resets once a connection
// has lived for healthyAfter.
type connectGate struct {
	now          func() time.Time
	mu           sync.Mutex
	attempts     int
	lastOpen     time.Time
	lastHello    time.Time
	base, max    time.Duration
	healthyAfter time.Duration
}

func newConnectGate(now func() time.Time) *connectGate {
	return &connectGate{now: now, base: 250 * time.Millisecond, max: 30 * time.Second, healthyAfter: 30 * time.Second}
}

func (g *connectGate) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if strings.HasSuffix(req.URL.Path, "/apps.connections.open") {
			if err := g.wait(req.Context()); err != nil {
				return nil, err
			}
		}
		return next.RoundTrip(req)
	})
}

func (g *connectGate) setMax(d time.Duration) {
	g.mu.Lock()
	g.max = d
	g.mu.Unlock()
}

// hello records that a connection came up.
func (g *connectGate) hello() {
	g.mu.Lock()
	g.lastHello = g.now()
	g.mu.Unlock()
}

func (g *connectGate) wait(ctx context.Context) error {
	if d := g.next(); d > 0 && !sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}

func (g *connectGate) next() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	first := g.lastOpen.IsZero()
	lived := !g.lastHello.Before(g.lastOpen) && now.Sub(g.lastHello) >= g.healthyAfter
	g.lastOpen = now
	if first || lived {
		g.attempts = 0
		return 0
	}
	d := g.base << min(g.attempts, 16)
	if d > g.max || d <= 0 {
		d = g.max
	}
	g.attempts++
	// Full jitter in [d/2, d): many bots restarting together do not reconnect in step.
	return d/2 + rand.N(d/2+1)
}

// tokenInHeader moves a token that slack-go put in a form body (auth.test,
// chat.postMessage and most other form posts) into the Authorization header,
// which is where Slack prefers it and where proxies and request dumps know to
// redact it. A token in a body ends up in any log of that body.
func tokenInHeader(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body == nil || req.Method != http.MethodPost ||
			req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			return next.RoundTrip(req)
		}
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the %s form: %w", req.URL.Path, err)
		}
		return next.RoundTrip(withoutFormToken(req, body))
	})
}

// withoutFormToken returns req with body, minus its token field, which
// becomes a bearer header unless the request already has one.
func withoutFormToken(req *http.Request, body []byte) *http.Request {
	out := req.Clone(req.Context())
	form, err := url.ParseQuery(string(body))
	if err == nil && form.Has("token") {
		if out.Header.Get("Authorization") == "" && form.Get("token") != "" {
			out.Header.Set("Authorization", "Bearer "+form.Get("token"))
		}
		form.Del("token")
		body = []byte(form.Encode())
	}
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// slogPrinter adapts slog to the Println/Printf logger slack-go wants. slack-go
// only logs through it in debug mode, which the bot never enables, so nothing
// it prints can carry a token.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Output(_ int, s string) error {
	p.l.Debug(strings.TrimSpace(s), "component", "slack-go")
	return nil
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
