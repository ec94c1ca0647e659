package polyv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The kinds of failure a caller can act on. Test with errors.Is; every
// *APIError matches at most one of them, and Kind turns them into labels.
var (
	// ErrInvalidSignature: Polyv rejected the sign (usually a wrong appSecret).
	ErrInvalidSignature error = &kind{"invalid_signature", "invalid signature"}
	// ErrInvalidTimestamp: Polyv rejected the timestamp; the host clock is off
	// by more than 3 minutes.
	ErrInvalidTimestamp error = &kind{"invalid_timestamp", "invalid timestamp"}
	// ErrAppNotFound: the appId is missing or unknown to Polyv.
	ErrAppNotFound error = &kind{"app_not_found", "application not found"}
	// ErrChannelNotFound: the channel does not exist under this appId.
	ErrChannelNotFound error = &kind{"channel_not_found", "channel not found"}
	// ErrQuotaExceeded: Polyv's per-IP request quota is used up (HTTP 429 or
	// "qps exceeds number of calls").
	ErrQuotaExceeded error = &kind{"quota_exceeded", "quota exceeded"}
	// ErrServer: Polyv failed on its side (HTTP 5xx or status "fail").
	ErrServer error = &kind{"server_error", "server error"}
	// ErrBadResponse: the answer was empty, not JSON or not in Polyv's shape.
	ErrBadResponse error = &kind{"bad_response", "unreadable answer"}
	// ErrAnswerCut: the answer's status line arrived but its body was cut
	// short (the connection broke before the Content-Length was read). The
	// request was answered, so Polyv may have acted; the call is not
	// retried, since a retry could only be refused for a stop that worked.
	ErrAnswerCut error = &kind{"answer_cut", "answer cut short"}
	// ErrRateLimited: this process's own rate limiter refused the call.
	ErrRateLimited error = &kind{"rate_limited", "rate limited"}
	// ErrRedirect: the base URL answered with an HTTP redirect (3xx). The
	// client never follows one: a redirect would send the signed request to
	// another host, or turn the POST into a GET whose answer says nothing
	// about the stop. Nothing reached the redirect's target.
	ErrRedirect error = &kind{"redirect", "answered with a redirect"}
	// ErrNoUserID: a call that needs the Polyv account's userId (Cutoff,
	// Resume, CheckUserID) was made on a client without one (WithUserID).
	// Nothing was sent.
	ErrNoUserID error = &kind{"no_user_id", "no userId set"}
	// ErrWrongUserID: the userId is not the one of the account the appId
	// belongs to, as CheckUserID found, or Polyv refused a call naming the
	// userId.
	ErrWrongUserID error = &kind{"wrong_user_id", "userId refused"}
)

// APIError is every Polyv answer that is not a success (see DecodeResponse
// for what a success is), every answer the client could not read, and every
// redirect. Its text fields hold what came back, sanitised, cut short and
// with the appSecret replaced by "[redacted]".
type APIError struct {
	HTTPStatus int
	Code       int
	Status     string // Polyv's status: "error", "fail", …
	Message    string // Polyv's message (v3 message, v4 error.desc), a body excerpt, or what was wrong with the answer
	Op         string // the call: "stop-pull-stream", "live-status", "cutoff", … (see Event.Op)
	// Location is, for a redirect (ErrRedirect), the target's scheme and
	// host as the error shows them ("https://polyv.example"): never its
	// path, query or credentials. It is "" when the answer named no target,
	// or none with a readable host.
	Location string
	kind     *kind
}

// Error reads like `polyv stop-pull-stream: invalid signature. (code 403, HTTP 200)`:
// the call, Polyv's own words and codes. What a person should do about it is
// the caller's to say; the kind (errors.Is) tells it which case this is.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "polyv %s: ", e.Op)
	switch {
	case e.kind == ErrRedirect:
		b.WriteString(e.Message) // names the status and the target itself
	case e.kind == ErrBadResponse && e.Code != 0:
		// A contradictory answer: the message says which fields disagree.
		fmt.Fprintf(&b, "%s (HTTP %d)", e.Message, e.HTTPStatus)
	case e.Code == 0 && e.kind != nil:
		// No JSON code: say what went wrong and show what came back.
		fmt.Fprintf(&b, "%s (HTTP %d)", e.kind.text, e.HTTPStatus)
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
	default:
		msg := e.Message
		if msg == "" {
			msg = "no message"
		}
		fmt.Fprintf(&b, "%s (code %d, HTTP %d)", msg, e.Code, e.HTTPStatus)
	}
	return b.String()
}

// Is reports whether target is the kind sentinel this error belongs to.
func (e *APIError) Is(target error) bool {
	return e.kind != nil && target == error(e.kind)
}

// LimitError is returned when this process's rate limiter would have made the
// call wait longer than allowed. Nothing was sent.
type LimitError struct {
	Wait time.Duration // how long the limiter would have made us wait
}

// Error reads like "polyv rate limit: next call possible in 12s".
func (e *LimitError) Error() string {
	return fmt.Sprintf("polyv rate limit: next call possible in %s", e.Wait.Round(time.Millisecond))
}

// Is matches ErrRateLimited.
func (e *LimitError) Is(target error) bool { return target == ErrRateLimited }

// kindError is a failure the client finds itself, of one kind, in one
// call: no Polyv answer says it (ErrNoUserID, ErrWrongUserID from
// CheckUserID).
type kindError struct {
	op, msg string
	kind    *kind
}

func (e *kindError) Error() string { return "polyv " + e.op + ": " + e.msg }

// Is matches the kind sentinel.
func (e *kindError) Is(target error) bool { return target == error(e.kind) }

// Kind returns a short stable label for err, for metrics and logs: "ok" for
// nil, the label of its kind ("invalid_signature", "invalid_timestamp",
// "app_not_found", "channel_not_found", "quota_exceeded", "server_error",
// "bad_response", "answer_cut", "rate_limited", "redirect", "no_user_id",
// "wrong_user_id"), "timeout", "canceled", "transport" for network
// failures, and "other" for anything else.
func Kind(err error) string {
	if err == nil {
		return "ok"
	}
	var le *LimitError
	if errors.As(err, &le) {
		return "rate_limited"
	}
	var ae *APIError
	if errors.As(err, &ae) {
		if ae.kind != nil {
			return ae.kind.label
		}
		return "other"
	}
	var ke *kindError
	if errors.As(err, &ke) {
		return ke.kind.label
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "transport"
	}
	return "other"
}

// kind is the type of the sentinel errors.
type kind struct{ label, text string }

func (k *kind) Error() string { return "polyv: " + k.text }

// classify picks the kind of a Polyv answer: the message first (the codes in
// Polyv's docs disagree), then the HTTP status and the status field. msg is
// cleaned, since it is matched for its wording; status is as sent, since it
// is a field, matched like every field that carries the outcome.
func classify(httpStatus, code int, status, msg string) *kind {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "invalid signature"):
		return ErrInvalidSignature.(*kind)
	case strings.Contains(m, "invalid timestamp"):
		return ErrInvalidTimestamp.(*kind)
	case strings.Contains(m, "application not found"), strings.Contains(m, "appid is required"):
		return ErrAppNotFound.(*kind)
	case strings.Contains(m, "userid"):
		return ErrWrongUserID.(*kind)
	case strings.Contains(m, "channel") &&
		(strings.Contains(m, "not found") || strings.Contains(m, "not exist")),
		strings.Contains(m, "illegal channel id"):
		// "illegal channel id: 123" is Polyv's documented answer for a
		// channel id that is not one of the application's.
		return ErrChannelNotFound.(*kind)
	case strings.Contains(m, "qps exceeds"), httpStatus == 429, code == 429:
		return ErrQuotaExceeded.(*kind)
	case httpStatus >= 500, code == 500, equalFoldASCII(status, "fail"):
		return ErrServer.(*kind)
	}
	return nil
}

// redacted replaces the appSecret wherever outside text carries it.
const redacted = "[redacted]"

// redactor returns a function that replaces appSecret in outside text with
// "[redacted]". Like signer, it keeps the secret inside a closure. The
// cleaned form of the secret is replaced too, in case cleaning changes it.
func redactor(appSecret string) func(string) string {
	if appSecret == "" {
		return nil
	}
	targets := []string{appSecret}
	if c := clean(appSecret); c != "" && c != appSecret {
		targets = append(targets, c)
	}
	return func(s string) string {
		for _, t := range targets {
			s = strings.ReplaceAll(s, t, redacted)
		}
		return s
	}
}

// tailRedactor returns a function that replaces a beginning of appSecret (4
// bytes or more) at the very end of outside text with "[redacted]": an
// answer cut mid-way may end inside an echoed secret, where redactor, which
// looks for the whole secret, cannot see it.
func tailRedactor(appSecret string) func(string) string {
	const least = 4 // shorter tails are too likely to be chance, and tell too little
	if len(appSecret) <= least {
		return nil
	}
	return func(s string) string {
		for n := len(appSecret) - 1; n >= least; n-- {
			if strings.HasSuffix(s, appSecret[:n]) {
				return s[:len(s)-n] + redacted
			}
		}
		return s
	}
}

// keep makes outside text fit to keep: the secret redacted, cleaned (see
// clean), redacted again because cleaning can join the pieces of a secret
// that an invisible character kept apart, and only then cut to at most max
// bytes, so a cut cannot leave part of a secret visible. redact may be nil.
func keep(s string, max int, redact func(string) string) string {
	if redact == nil {
		return cut(clean(s), max)
	}
	return cut(redact(clean(redact(s))), max)
}

// sanitize makes outside text safe to show when no secret is known.
func sanitize(s string, max int) string { return keep(s, max, nil) }

// clean makes outside text safe to show: valid UTF-8, control characters
// turned into spaces and runs of spaces collapsed, invisible format
// characters dropped, no leading or trailing space. It looks at the whole
// text (answers are at most maxBodyBytes) so that redaction sees all of it.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		if unicode.Is(unicode.Cf, r) {
			continue // invisible format characters such as bidi overrides
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// cut shortens cleaned text to at most max bytes on a rune boundary, plus an
// ellipsis when something was cut.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := 0
	for i, r := range s {
		if i+utf8.RuneLen(r) > max {
			break
		}
		n = i + utf8.RuneLen(r)
	}
	return strings.TrimSpace(s[:n]) + "…"
}
