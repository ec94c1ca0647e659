// Package slackclient is polyvbot's connection to Slack: the Web API client
// the bot posts with (time-outs, retries that never post twice, the token
// in the Authorization header), the user-group lookups the auth package
// needs, and the Socket Mode connection (see Socket) with its reconnect
// policy and the classification of errors no retry can fix.
//
// It knows nothing of Polyv or of what the bot says; text handed to it is
// final (user input escaped by the caller), and no option that expands
// names (link_names, parse=full) is ever set.
package slackclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
)

// Options configure a Client.
type Options struct {
	BotToken string // xoxb-…
	AppToken string // xapp-…
	APIURL   string // with a trailing slash; default slack.APIURL
	Timeout  time.Duration
	Logger   *slog.Logger
	// MaxReconnectWait caps the wait between Socket Mode connection
	// attempts while Slack cannot be reached, a 429's Retry-After
	// included; default 30 s.
	MaxReconnectWait time.Duration
}

// Client is the Slack Web API client. Its methods are safe for concurrent
// use.
type Client struct {
	// API is slack-go's client, for the calls the bot's pipeline does not
	// make (the preflight's auth.test, conversations.info …).
	API     *slack.Client
	gate    *connectGate
	log     *slog.Logger
	teamURL atomic.Pointer[string] // "https://team.slack.com/", from WhoAmI
}

// Message is one message as the bot posts it: Slack mrkdwn text, already
// escaped by the caller, and optional blocks.
type Message struct {
	Text     string
	Blocks   []slack.Block
	ThreadTS string // Post: reply in this message's thread
}

// Response is a post to a command's response_url.
type Response struct {
	Message
	InChannel bool // the whole channel sees it; else only the invoker
	Replace   bool // it replaces the message the clicked button was in
}

// New builds a client whose HTTP requests time out, whose Web API calls are
// retried once on a 429 whose Retry-After they can afford (see
// MaxRateLimitWait) and, unless they post a message, on 5xx, and whose
// apps.connections.open calls pass the connect gate (see Socket).
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.APIURL == "" {
		o.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/"
	}
	if o.MaxReconnectWait <= 0 {
		o.MaxReconnectWait = 30 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gate := newConnectGate(time.Now, o.MaxReconnectWait, log, tokenRedactor(o.BotToken, o.AppToken))
	hc := &http.Client{Timeout: o.Timeout, Transport: tokenInHeader(transport())}
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 3
	retry.Handlers = []slack.RetryHandler{retryPolicy{api: o.APIURL, serverError: slack.NewServerErrorRetryHandler(retry)}}
	api := slack.New(o.BotToken,
		slack.OptionAppLevelToken(o.AppToken),
		slack.OptionAPIURL(o.APIURL),
		slack.OptionHTTPClient(gate.client(hc)),
		slack.OptionRetryConfig(retry),
		slack.OptionLog(slogPrinter{log}),
	)
	return &Client{API: api, gate: gate, log: log}
}

// transport bounds the connections to Slack: a burst of posts waits for
// one of a few dozen connections instead of opening a thousand, each with
// its buffers, its goroutines and a file descriptor (Slack takes about one
// message a second per channel anyway). It keeps a few more idle than
// net/http's default of two, because a busy bot otherwise dials a new
// connection for most posts, and closes them after 30 s of quiet.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxConnsPerHost = 32
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	t.IdleConnTimeout = 30 * time.Second
	return t
}

// IdleConnsPerHost is how many idle connections to each Slack host (the Web
// API, response_url) the client keeps for reuse.
const IdleConnsPerHost = 8

// WhoAmI checks the bot token (auth.test) and learns the workspace URL that
// permalinks are built from. A rejected token is a *FatalError.
func (c *Client) WhoAmI(ctx context.Context) (team, botUser string, err error) {
	resp, err := c.API.AuthTestContext(ctx)
	if err != nil {
		if fatal := AsFatal("auth.test (SLACK_BOT_TOKEN)", err); fatal != nil {
			return "", "", fatal
		}
		return "", "", fmt.Errorf("auth.test: %w", err)
	}
	c.teamURL.Store(&resp.URL)
	return resp.Team, resp.UserID, nil
}

// Post posts m in channel (in the thread of m.ThreadTS when set) and returns
// its ts and permalink (empty until WhoAmI has run). Posting a message is
// never retried once it may have reached Slack.
func (c *Client) Post(ctx context.Context, channel string, m Message) (ts, link string, err error) {
	opts := options(m)
	if m.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(m.ThreadTS))
	}
	_, ts, err = c.API.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", "", err
	}
	return ts, c.permalink(channel, ts), nil
}

// Update rewrites a message the bot posted.
func (c *Client) Update(ctx context.Context, channel, ts string, m Message) error {
	_, _, _, err := c.API.UpdateMessageContext(ctx, channel, ts, options(m)...)
	return err
}

// PostEphemeral shows m to user only, in channel.
func (c *Client) PostEphemeral(ctx context.Context, channel, user string, m Message) error {
	_, err := c.API.PostEphemeralContext(ctx, channel, user, options(m)...)
	return err
}

// Respond posts to a command's or a click's response_url, which works in
// channels the bot is not in and takes five posts.
func (c *Client) Respond(ctx context.Context, responseURL string, r Response) error {
	kind := slack.ResponseTypeEphemeral
	if r.InChannel {
		kind = slack.ResponseTypeInChannel
	}
	opts := append(options(r.Message), slack.MsgOptionResponseURL(responseURL, kind))
	if r.Replace {
		opts = append(opts, slack.MsgOptionReplaceOriginal(responseURL))
	}
	_, _, _, err := c.API.SendMessageContext(ctx, "", opts...)
	return err
}

// UserGroupMembers lists a user group's members (usergroups.users.list); it
// is the auth package's Directory.
func (c *Client) UserGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	members, err := c.API.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list %s: %w%s", groupID, err, groupHint(err))
	}
	return members, nil
}

// UserGroupHandles maps user-group IDs to their handles (usergroups.list).
func (c *Client) UserGroupHandles(ctx context.Context) (map[string]string, error) {
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

// IsNotInChannel reports an answer that means the bot cannot post in a
// channel (it is not a member, or the channel is gone or archived).
func IsNotInChannel(err error) bool {
	switch ErrorCode(err) {
	case "not_in_channel", "channel_not_found", "is_archived", "restricted_action":
		return true
	}
	return false
}

// ErrorCode is the "error" field of a Slack answer, or "".
func ErrorCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// Permalink is the link to the message at ts in channel, as Post returns
// it: "" until the workspace URL is known (from auth.test).
func (c *Client) Permalink(channel, ts string) string { return c.permalink(channel, ts) }

// permalink builds the link to a message from the workspace URL, which saves
// a chat.getPermalink call per action.
func (c *Client) permalink(channel, ts string) string {
	team := c.teamURL.Load()
	if team == nil || *team == "" || ts == "" {
		return ""
	}
	return strings.TrimSuffix(*team, "/") + "/archives/" + channel + "/p" + strings.Replace(ts, ".", "", 1)
}

func options(m Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionDisableLinkUnfurl()}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// GroupFix says what to do about a Slack error code from a user-group
// call (usergroups.users.list, usergroups.list), or "" when there is
// nothing specific to say. It is the one wording of these codes: the
// client's errors carry it, and the -check preflight shows it as the fix.
func GroupFix(code string) string {
	switch code {
	case "missing_scope":
		return "add the usergroups:read bot scope (it is in deploy/slack-app-manifest.yaml) and reinstall the app"
	case "paid_teams_only", "paid_only", "team_not_paid":
		return "user groups need a paid Slack plan: list the people in ALLOWED_USERS instead"
	case "no_such_subteam", "subteam_not_found":
		return "copy the group's S… id from its page in Slack (People › User groups) into ALLOWED_USERGROUPS"
	}
	return ""
}

// groupHint is GroupFix for an error's text: "; add the usergroups:read …".
func groupHint(err error) string {
	if fix := GroupFix(ErrorCode(err)); fix != "" {
		return "; " + fix
	}
	return ""
}

// retryPolicy decides slack-go's retries of a Web API call.
//
// apps.connections.open is never retried here: the connect gate is the one
// place that decides how long to wait before the next attempt (see Socket),
// and a retry in slack-go would wait on its own terms, Retry-After in full.
//
// A 5xx is retried only for calls that cannot post twice. chat.postMessage,
// chat.postEphemeral and response_url posts are not retried: a 5xx may come
// from a proxy that already delivered the post, and a retry would show it
// twice (a second parent stuck at "is stopping"). A 429 is safe to retry
// anywhere, Slack did nothing, but only once and only when the call can
// afford the wait (see retryRateLimited).
type retryPolicy struct {
	api         string // the Web API base URL; anything else is a response_url
	serverError slack.RetryHandler
}

func (p retryPolicy) ShouldRetry(st *slack.RetryState, req *http.Request, resp *http.Response, err error) (bool, time.Duration) {
	switch {
	case opensConnection(req):
		return false, 0
	case resp != nil && resp.StatusCode == http.StatusTooManyRequests:
		return retryRateLimited(st, req, resp)
	case posts(req, p.api):
		return false, 0
	}
	return p.serverError.ShouldRetry(st, req, resp, err)
}

func posts(req *http.Request, api string) bool {
	u := req.URL.String()
	if !strings.HasPrefix(u, api) {
		return true // a response_url
	}
	method := strings.TrimPrefix(u, api)
	return strings.HasPrefix(method, "chat.postMessage") || strings.HasPrefix(method, "chat.postEphemeral")
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
