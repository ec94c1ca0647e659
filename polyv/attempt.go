package polyv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// patience is how long one call may take: its attempts, and whether it may
// wait for a limiter token at all.
type patience struct {
	attempts int
	now      bool // take a token only if one is free now
}

// run makes one logical call with the client's own patience.
func (c *Client) run(ctx context.Context, cl call) (CallStats, error) {
	return c.runWith(ctx, cl, patience{attempts: c.attempts})
}

// runWith makes one logical call: limiter, deadline, attempts and retries.
// cl.decode turns an answer into nil or an error. The stats say what the
// call cost, whatever its result.
func (c *Client) runWith(ctx context.Context, cl call, p patience) (stats CallStats, err error) {
	op := cl.ep.op
	wait, err := c.take(ctx, op, p.now)
	stats.LimiterWait += wait
	if err != nil {
		return stats, err
	}
	// The deadline starts once the first token is taken (see WithTimeout).
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	for n := 1; ; n++ {
		stats.Attempts++
		a, sendErr := c.attempt(ctx, cl)
		err = c.judge(ctx, op, a, sendErr, cl.decode)
		stats.note(a, sendErr, err)
		c.report(ctx, op, n, wait, a, err)
		if err == nil || n >= p.attempts || !retryable(ctx, err) {
			return stats, err
		}
		if !c.sleep(ctx, c.delay(n)) {
			// No time left for another attempt: the last answer says more
			// than the deadline would.
			return stats, err
		}
		last := err
		wait, err = c.take(ctx, op, p.now)
		stats.LimiterWait += wait
		var le *LimitError
		if errors.As(err, &le) {
			// A retry the limiter will not allow: as with a deadline too
			// close, the answer that made us retry is the cause a responder
			// can act on (the observer has seen the refusal).
			return stats, last
		}
		if err != nil {
			return stats, err
		}
	}
}

// note adds one attempt to what the call leaves unclear. A success settles
// whatever earlier attempts left open.
func (s *CallStats) note(a answer, sendErr, err error) {
	switch {
	case err == nil:
		s.Unclear = false
	case unanswered(a, sendErr, err):
		s.Unclear = true
	}
}

// report tells the observer and the debug log about attempt n.
func (c *Client) report(ctx context.Context, op string, n int, wait time.Duration, a answer, err error) {
	c.emit(Event{Op: op, Attempt: n, Wait: wait, Duration: a.dur, HTTPStatus: a.status, Err: err})
	c.log.DebugContext(ctx, "polyv call", slog.String("op", op), slog.Int("attempt", n),
		slog.Int("http_status", a.status), slog.Duration("duration", a.dur), slog.String("kind", Kind(err)))
}

// answer is what one attempt got back.
type answer struct {
	status   int
	sent     bool          // the request was handed to the HTTP client
	body     []byte        // as much as could be read
	cut      error         // why the body could not be read to its end; nil when it was
	location string        // a 3xx's Location, as sent
	url      *url.URL      // the URL asked, which a relative Location is resolved against
	dur      time.Duration // round trip including reading the body
}

// attempt sends one request and reads the whole answer. The client does not
// follow redirects (see withoutRedirects), so a 3xx comes back as the answer.
func (c *Client) attempt(ctx context.Context, cl call) (answer, error) {
	var location string
	req, err := c.request(context.WithValue(ctx, locationKey{}, &location), cl)
	if err != nil {
		return answer{}, err
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{sent: true, dur: time.Since(start)}, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	return answer{sent: true, status: resp.StatusCode, body: body, cut: err, location: location, url: req.URL, dur: time.Since(start)}, nil
}

// judge turns one attempt into the call's error, nil for a success.
func (c *Client) judge(ctx context.Context, op string, a answer, err error, decode func(int, []byte) error) error {
	switch {
	case err != nil:
		return c.transportError(ctx, op, err)
	case a.status >= 300 && a.status < 400:
		return c.redirected(op, a)
	case a.cut != nil && ctx.Err() != nil:
		// The deadline or the caller ended the read: say that, as for an
		// answer that never came.
		return c.transportError(ctx, op, fmt.Errorf("reading the answer (HTTP %d): %w", a.status, a.cut))
	case a.cut != nil:
		return c.answerCut(op, a)
	}
	return decode(a.status, a.body)
}

// unanswered reports whether Polyv may have carried out an attempt without
// an answer that says whether it did (see CallStats.Unclear). sendErr is the
// attempt's own failure, err what judge made of it.
func unanswered(a answer, sendErr, err error) bool {
	if sendErr != nil {
		return a.sent && !neverLeft(sendErr)
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return err != nil // a read the deadline or the caller ended
	}
	switch ae.kind {
	case ErrBadResponse, ErrAnswerCut, ErrServer:
		return true
	case ErrRedirect:
		return false // the client never follows one, and the redirecting host is not Polyv
	}
	return ae.HTTPStatus >= 500
}

// neverLeft reports whether err proves the request never left this host:
// no connection was made (a refused or timed-out dial, a failed DNS lookup).
func neverLeft(err error) bool {
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &de) || (errors.As(err, &oe) && oe.Op == "dial")
}

// answerCut is the error for an answer whose body broke off: the request
// was answered, so Polyv may have acted, but what it said is unknown. The
// excerpt is what arrived, the appSecret redacted even where the cut fell
// inside it.
func (c *Client) answerCut(op string, a answer) error {
	read := string(a.body)
	if c.redactEnd != nil {
		read = c.redactEnd(read)
	}
	shown := excerpt(op, read, c.redact)
	if shown == "" {
		shown = "nothing of the body arrived"
	}
	return &APIError{HTTPStatus: a.status, Message: shown, Op: op, kind: ErrAnswerCut.(*kind)}
}

// redirected is the error for a 3xx answer. It keeps the facts (the HTTP
// status and the target's scheme and host, never the path and query of a
// Location, which can carry anything) and says nothing of what to
// configure: that is the caller's to say.
func (c *Client) redirected(op string, a answer) error {
	where, target := "without a Location", ""
	if a.location != "" {
		u, err := a.url.Parse(a.location)
		switch {
		case err != nil:
			where = "with a redirect to an unreadable Location"
		case u.Host == "":
			where = "with a redirect to an address without a host"
		default:
			target = keep(u.Host, 100, c.redact)
			if u.Scheme == "http" || u.Scheme == "https" {
				target = u.Scheme + "://" + target
			}
			where = "with a redirect to " + target
		}
	}
	return &APIError{
		HTTPStatus: a.status, Op: op, Location: target, kind: ErrRedirect.(*kind),
		Message: fmt.Sprintf("Polyv's address answered HTTP %d %s; redirects are not followed", a.status, where),
	}
}

// request builds one attempt's request: a fresh timestamp and sign, the
// parameters in the query of a GET or the form of a POST.
func (c *Client) request(ctx context.Context, cl call) (*http.Request, error) {
	form := c.signed(cl.params)
	if cl.ep.method == http.MethodGet {
		return http.NewRequestWithContext(ctx, http.MethodGet, c.base+cl.path()+"?"+form.Encode(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+cl.path(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", formType)
	return req, nil
}

// take waits for one limiter token, refusing with *LimitError when the wait
// would be longer than MaxWait or than the context allows, or, with now, at
// all.
func (c *Client) take(ctx context.Context, op string, now bool) (time.Duration, error) {
	if c.limiter == nil {
		return 0, nil
	}
	r := c.limiter.Reserve()
	if !r.OK() {
		return 0, c.refuse(op, &LimitError{Wait: time.Duration(1<<63 - 1)})
	}
	delay := r.Delay()
	if delay == 0 {
		return 0, nil
	}
	dl, hasDL := ctx.Deadline()
	if now || (c.maxWait > 0 && delay > c.maxWait) || (hasDL && time.Until(dl) < delay) {
		r.Cancel()
		return 0, c.refuse(op, &LimitError{Wait: delay})
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return delay, nil
	case <-ctx.Done():
		r.Cancel()
		return 0, fmt.Errorf("polyv %s: gave up waiting for the rate limiter: %w", op, ctx.Err())
	}
}

func (c *Client) refuse(op string, le *LimitError) error {
	c.emit(Event{Op: op, Wait: le.Wait, Err: le})
	c.log.Warn("polyv call refused by the rate limiter", slog.String("op", op), slog.Duration("wait", le.Wait))
	return le
}

func (c *Client) emit(e Event) {
	if c.observe != nil {
		c.observe(e)
	}
}

// transportError wraps a failure to get an answer, keeping the context error
// reachable for errors.Is.
func (c *Client) transportError(ctx context.Context, op string, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("polyv %s: no answer from Polyv in time (timeout %s): %w", op, c.timeout, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("polyv %s: canceled: %w", op, err)
	}
	return fmt.Errorf("polyv %s: cannot reach Polyv at %s: %w", op, c.base, err)
}

// retryable: transport errors and HTTP 5xx, while the context lives. A JSON
// error answer below 500, any 4xx and 429 are final, and so is a 5xx whose
// body is a definite refusal (a bad sign, an unknown app, the quota): asking
// again cannot change those answers, and retrying a quota refusal would only
// dig the IP deeper into Polyv's 5-minute block.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatus >= 500 && ae.kind == ErrServer
	}
	var le *LimitError
	return !errors.As(err, &le)
}

// delay is the jittered exponential backoff after attempt n: base·2^(n-1),
// scaled by a random factor in [0.5, 1.5) so callers do not retry in step.
func (c *Client) delay(n int) time.Duration {
	d := c.backoff << min(n-1, 16)
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// sleep waits d unless the deadline would pass first; false means no time
// was left for another attempt.
func (c *Client) sleep(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
