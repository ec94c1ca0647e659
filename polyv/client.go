package polyv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Client calls Polyv's live API. It is safe for concurrent use. It never
// prints, logs or returns its appSecret.
type Client struct {
	appID     string
	userID    string                         // the account's userId, for the calls that need it; "" when none
	sign      func(map[string]string) string // holds the appSecret; see signer
	redact    func(string) string            // holds the appSecret; see redactor
	redactEnd func(string) string            // holds the appSecret; see tailRedactor
	base      string
	hc        *http.Client
	now       func() time.Time
	method    SignatureMethod
	limiter   *rate.Limiter
	maxWait   time.Duration
	timeout   time.Duration
	attempts  int
	backoff   time.Duration
	log       *slog.Logger
	dryRun    bool
	observe   func(Event)
}

// Event describes one attempt, or a limiter refusal (Attempt == 0), for metrics.
type Event struct {
	Op         string        // the call: "stop-pull-stream", "live-status", "channel-info", "realtime-viewers", "stream-type", "cutoff", "resume" or "user-info"
	Attempt    int           // 1-based; 0 when the limiter refused before sending
	Wait       time.Duration // time spent waiting for a limiter token before this attempt
	Duration   time.Duration // HTTP round trip including reading the body (0 when not sent)
	HTTPStatus int           // 0 when no response
	Err        error         // nil on success
}

// NewClient returns a client for the Polyv application appID.
func NewClient(appID, appSecret string, opts ...Option) *Client {
	c := &Client{
		appID: appID, sign: signer(appSecret), redact: redactor(appSecret), redactEnd: tailRedactor(appSecret), base: "https://api.polyv.net",
		hc: defaultHTTPClient(), now: time.Now, method: MD5,
		timeout: 10 * time.Second, attempts: 3, backoff: 200 * time.Millisecond,
		log: slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(c)
	}
	c.hc = withoutRedirects(c.hc)
	return c
}

// StopPullStream stops the pull stream of a Polyv channel:
// POST {base}/live/v3/channel/stream/stop-pull-stream with a signed form.
// A channel id outside 1..2147483647 is rejected before any request. The
// CallStats say what the call cost (limiter wait, attempts), whatever its
// result.
func (c *Client) StopPullStream(ctx context.Context, channelID int64) (CallStats, error) {
	if err := checkID(channelID); err != nil {
		return CallStats{}, err
	}
	// A transport error after the request left may mean Polyv did stop the
	// stream. Retrying cannot start it again, so it is safe; but what Polyv
	// answers for a channel that is no longer pulling is undocumented, so a
	// retry may report a refusal for a stop that in fact worked.
	// CallStats.Unclear says when that may be so; the bot's live-status
	// verification is what settles it.
	return c.act(ctx, call{
		ep:     epStop,
		params: map[string]string{"channelId": strconv.FormatInt(channelID, 10)},
		decode: func(status int, body []byte) error {
			_, err := decodeResponse(epStop.op, status, body, c.redact)
			return err
		},
	})
}

// LiveStatus returns the live status of up to 200 channels:
// GET {base}/live/v4/channel/live-status/list. Duplicate ids are removed;
// ids outside 1..2147483647, no ids or more than 200 are rejected before any
// request.
func (c *Client) LiveStatus(ctx context.Context, channelIDs ...int64) (map[int64]LiveStatus, error) {
	return c.liveStatus(ctx, channelIDs, patience{attempts: c.attempts})
}

// TryLiveStatus is LiveStatus for a caller with a schedule of its own (the
// bot's verifier): it makes one attempt, and only if a limiter token is free
// now; otherwise it sends nothing and returns a *LimitError at once, so that
// it never holds a token others are waiting for.
func (c *Client) TryLiveStatus(ctx context.Context, channelIDs ...int64) (map[int64]LiveStatus, error) {
	return c.liveStatus(ctx, channelIDs, patience{attempts: 1, now: true})
}

func (c *Client) liveStatus(ctx context.Context, channelIDs []int64, p patience) (map[int64]LiveStatus, error) {
	ids, err := joinIDs(epStatus.op, channelIDs)
	if err != nil {
		return nil, err
	}
	var out map[int64]LiveStatus
	_, err = c.runWith(ctx, call{
		ep:     epStatus,
		params: map[string]string{"channelIds": ids},
		decode: func(status int, body []byte) error {
			var err error
			out, err = decodeLiveStatus(status, body, c.redact)
			return err
		},
	}, p)
	return out, err
}

// String describes the client without its secret.
func (c *Client) String() string {
	if c == nil {
		return "polyv.Client(nil)"
	}
	return fmt.Sprintf("polyv.Client{appId: %s, base: %s, method: %s}", c.appID, c.base, c.method)
}

// GoString is String, so %#v cannot reach the secret either.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so no fmt verb reaches the fields.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue keeps slog from walking the fields.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

const (
	maxBatchIDs  = 200 // per live-status call, as documented; per realtime-viewers call too (undocumented)
	maxBodyBytes = 1 << 20
	formType     = "application/x-www-form-urlencoded; charset=UTF-8"
)

// signer keeps the appSecret inside a closure: fmt prints a func as an
// address, so even a Client value printed field by field (where fmt cannot
// call methods on unexported fields) cannot show the secret.
func signer(appSecret string) func(map[string]string) string {
	return func(p map[string]string) string { return Sign(p, appSecret) }
}

// withoutRedirects returns a shallow copy of hc that hands every redirect
// back as the answer instead of following it: a followed redirect would send
// the signed form to whatever host the Location names (307, 308) or turn the
// POST into a bodiless GET whose answer says nothing about the stop (301,
// 302, 303). The caller's client is left as it was; the copy shares its
// transport and so its connections.
//
// CheckRedirect alone is not enough: http.Client parses the Location before
// asking it, and turns an unparseable one into an error that quotes the
// whole Location. So the transport takes the Location off every 3xx answer
// first (see holdRedirects), and the client sees a redirect with nowhere to
// go, which it returns as is.
func withoutRedirects(hc *http.Client) *http.Client {
	cp := *hc
	next := cp.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cp.Transport = holdRedirects{next}
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// holdRedirects moves the Location of a 3xx answer out of the response into
// the *string its request's context holds under locationKey.
type holdRedirects struct{ next http.RoundTripper }

// locationKey is the context key of the *string a 3xx's Location goes to.
type locationKey struct{}

func (h holdRedirects) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.next.RoundTrip(r)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode >= 400 {
		return resp, err
	}
	if slot, ok := r.Context().Value(locationKey{}).(*string); ok {
		*slot = resp.Header.Get("Location")
	}
	resp.Header.Del("Location")
	return resp, nil
}

func checkID(id int64) error {
	if id <= 0 || id > math.MaxInt32 {
		return fmt.Errorf("polyv: channel id %d is not valid: it must be between 1 and %d", id, math.MaxInt32)
	}
	return nil
}

// joinIDs validates, de-duplicates and comma-joins the channel ids of one
// batched call, op.
func joinIDs(op string, ids []int64) (string, error) {
	if len(ids) == 0 {
		return "", fmt.Errorf("polyv %s: needs at least one channel id", op)
	}
	seen := make(map[int64]bool, len(ids))
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return "", err
		}
		if !seen[id] {
			seen[id] = true
			parts = append(parts, strconv.FormatInt(id, 10))
		}
	}
	if len(parts) > maxBatchIDs {
		return "", fmt.Errorf("polyv %s: takes at most %d channel ids, got %d", op, maxBatchIDs, len(parts))
	}
	return strings.Join(parts, ","), nil
}

// signed builds the parameters of one attempt: a fresh timestamp and sign.
// Blank values are not sent at all: Polyv's SDKs disagree on whether they
// are signed, so only what every signer agrees on goes on the wire.
func (c *Client) signed(extra map[string]string) url.Values {
	p := make(map[string]string, len(extra)+4)
	maps.Copy(p, extra)
	p["appId"] = c.appID
	p["timestamp"] = strconv.FormatInt(c.now().UnixMilli(), 10)
	if c.method == SHA256 {
		p["signatureMethod"] = string(SHA256)
	}
	p["sign"] = c.sign(p)
	v := make(url.Values, len(p))
	for k, val := range p {
		if !isBlank(val) {
			v.Set(k, val)
		}
	}
	return v
}

// act makes a call that changes something. In a dry run it waits for the
// limiter, signs the request as for real, logs it at info level and sends
// nothing.
func (c *Client) act(ctx context.Context, cl call) (CallStats, error) {
	if !c.dryRun {
		return c.run(ctx, cl)
	}
	wait, err := c.take(ctx, cl.ep.op, false)
	if err != nil {
		return CallStats{LimiterWait: wait}, err
	}
	form := c.signed(cl.params)
	attrs := []any{slog.String("op", cl.ep.op), slog.String("url", c.base+cl.path())}
	if cl.channel != 0 {
		attrs = append(attrs, slog.String("channelId", strconv.FormatInt(cl.channel, 10)))
	}
	for _, k := range slices.Sorted(maps.Keys(form)) {
		v := form.Get(k)
		if k == "userId" {
			v = shortUserID(v) // not a secret, but not for info-level logs either
		}
		attrs = append(attrs, slog.String(k, v))
	}
	c.log.InfoContext(ctx, "dry run: "+cl.ep.op+" not sent", attrs...)
	return CallStats{LimiterWait: wait}, nil
}
