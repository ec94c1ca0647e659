package polyv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limits on what outside text an error may carry.
const (
	maxExcerpt = 200 // bytes of a body shown in an error
	maxMessage = 200 // bytes of Polyv's message kept in an error
	maxField   = 20  // bytes of a status or success field shown in an error
)

// DecodeResponse turns one Polyv answer into its data (a success) or an error.
// op names the call for the error text. It reads both the v3 shape
// ({"code","status","message","data"}) and the v4 shape ({"code","status",
// "error":{"code","desc"},"success","data"}), whatever the HTTP status, because
// Polyv's HTTP status need not mirror its code.
//
// An answer is a success only when every field that carries the outcome says
// so: the HTTP status is 2xx, code is 200 (a number or a quoted number),
// status is "success" in any letter case, success (v4) is absent or the JSON
// boolean true, and error (v4) is absent, null or empty. An answer whose
// fields disagree — code 200 with status "error", "fail", "" or no status,
// success false or "true" (a string), an error description; or a failure
// code with status "success" or success true — is ErrBadResponse: what Polyv
// did is unknown. So is an answer that gives a key carrying the outcome
// twice (code, status, message, data, success, error, or error's code and
// desc), in any letter case, since encoding/json would let the last one win.
// Failures are *APIError values matching one of the kind
// sentinels where one applies.
func DecodeResponse(op string, httpStatus int, body []byte) (json.RawMessage, error) {
	return decodeResponse(op, httpStatus, body, nil)
}

// DecodeLiveStatus decodes one answer of the live-status/list call into each
// channel's status. The documented values come back in their documented
// spelling whatever their letter case ("LIVE" is StatusLive); anything else
// is kept as Polyv sent it, so that what only looks like a documented value
// once spaces or invisible characters are removed (" end", "e\u200bnd")
// proves nothing; Describe shows it cleaned. The appSecret is redacted
// wherever a status echoes it. A row without a liveStatus is kept as ""
// (unknown). A
// row whose channelId is missing, zero or out of range names no channel and
// is dropped. When rows for one channel disagree, its status is "" (unknown).
// A row that gives channelId or liveStatus twice, in any letter case, makes
// the whole answer unreadable (ErrBadResponse).
func DecodeLiveStatus(httpStatus int, body []byte) (map[int64]LiveStatus, error) {
	return decodeLiveStatus(httpStatus, body, nil)
}

// decodeResponse is DecodeResponse with redact (nil for none) applied to every
// piece of the answer an error keeps.
func decodeResponse(op string, httpStatus int, body []byte, redact func(string) string) (json.RawMessage, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Code == nil {
		return nil, unreadable(op, httpStatus, body, redact)
	}
	if which := envelopeKeys.repeated(body); which != "" {
		return nil, repeatedKeyError(op, httpStatus, which, body, redact)
	}
	code := int(*env.Code)
	if code == 200 && (httpStatus < 200 || httpStatus >= 300) {
		// A success body under an error status is not something to trust.
		return nil, unreadable(op, httpStatus, body, redact)
	}
	msg := env.Message
	if env.Error != nil && env.Error.Desc != "" {
		msg = env.Error.Desc
	}
	msg = keep(msg, maxMessage, redact)
	status := keep(env.Status, maxField, redact)
	if bad := contradiction(code, &env, redact); bad != "" {
		if msg != "" {
			bad += fmt.Sprintf("; message %q", msg)
		}
		return nil, &APIError{
			HTTPStatus: httpStatus, Code: code, Status: status, Op: op,
			Message: "contradictory answer: code " + strconv.Itoa(code) + " but " + bad,
			kind:    ErrBadResponse.(*kind),
		}
	}
	if code == 200 {
		return env.Data, nil
	}
	return nil, &APIError{
		HTTPStatus: httpStatus, Code: code, Status: status, Message: msg, Op: op,
		kind: classify(httpStatus, code, env.Status, msg),
	}
}

// contradiction names the fields that disagree with code about the outcome,
// or returns "" when they all agree. A failure code without a status or a
// success field is no contradiction: only a claim of success is.
func contradiction(code int, env *envelope, redact func(string) string) string {
	statusOK := equalFoldASCII(env.Status, "success")
	successTrue := bytes.Equal(bytes.TrimSpace(env.Success), []byte("true"))
	var bad []string
	switch {
	case code != 200:
		if statusOK {
			bad = append(bad, fmt.Sprintf("status %q", env.Status))
		}
		if successTrue {
			bad = append(bad, "success true")
		}
	default:
		if env.Status == "" {
			bad = append(bad, "no status")
		} else if !statusOK {
			bad = append(bad, "status "+showStatus(env.Status, redact))
		}
		if env.Success != nil && !successTrue {
			bad = append(bad, "success "+keep(string(env.Success), maxField, redact))
		}
		if env.Error != nil && (env.Error.Code != 0 || env.Error.Desc != "") {
			bad = append(bad, "an error object")
		}
	}
	return strings.Join(bad, " and ")
}

// showStatus quotes a status that is not "success" as it can be shown, and
// says so when only cleaning made it look like "success".
func showStatus(status string, redact func(string) string) string {
	shown := keep(status, maxField, redact)
	if equalFoldASCII(shown, "success") {
		return fmt.Sprintf("%q with spaces or invisible characters", shown)
	}
	return fmt.Sprintf("%q", shown)
}

// decodeLiveStatus is DecodeLiveStatus with redact (nil for none) applied to
// every piece of the answer it keeps, statuses included.
func decodeLiveStatus(httpStatus int, body []byte, redact func(string) string) (map[int64]LiveStatus, error) {
	data, err := decodeResponse(epStatus.op, httpStatus, body, redact)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ChannelID  flexInt `json:"channelId"`
		LiveStatus string  `json:"liveStatus"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, unreadable(epStatus.op, httpStatus, body, redact)
	}
	if which := repeatedInRows(data); which != "" {
		return nil, repeatedKeyError(epStatus.op, httpStatus, which, body, redact)
	}
	out := make(map[int64]LiveStatus, len(rows))
	for _, r := range rows {
		id := int64(r.ChannelID)
		if id <= 0 || id > math.MaxInt32 {
			continue // names no channel the client can ask about
		}
		st := reported(r.LiveStatus, redact)
		if prev, seen := out[id]; seen && prev != st {
			st = "" // Polyv contradicts itself about this channel
		}
		out[id] = st
	}
	return out, nil
}

// envelope covers Polyv's v3 and v4 answer shapes.
type envelope struct {
	Code    *flexInt        `json:"code"`
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Success json.RawMessage `json:"success"` // v4; nil when absent
	Error   *struct {
		Code flexInt `json:"code"`
		Desc string  `json:"desc"`
	} `json:"error"`
}

// flexInt accepts a JSON number or a quoted number; Polyv's SDKs see both.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = 0
		return nil
	}
	b = bytes.Trim(b, `"`)
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// unreadable is the error for a body that is not a Polyv answer. HTTP 429 and
// 5xx keep their meaning even when the body is an HTML page.
func unreadable(op string, httpStatus int, body []byte, redact func(string) string) *APIError {
	k := ErrBadResponse.(*kind)
	switch {
	case httpStatus == 429:
		k = ErrQuotaExceeded.(*kind)
	case httpStatus >= 500:
		k = ErrServer.(*kind)
	}
	shown := excerpt(op, string(body), redact)
	if shown == "" {
		shown = "empty body"
	}
	return &APIError{HTTPStatus: httpStatus, Message: shown, Op: op, kind: k}
}

// dataError is the error for a success whose data the client cannot read.
// msg says what is wrong; it quotes nothing of a private call's answer.
func dataError(op string, httpStatus int, msg string) *APIError {
	return &APIError{HTTPStatus: httpStatus, Message: msg, Op: op, kind: ErrBadResponse.(*kind)}
}

// excerpt is what an error shows of a body: cleaned, the secret redacted,
// cut to maxExcerpt bytes. A private call's body (see endpoint.private)
// that looks like JSON is not shown at all: only a page that is not
// Polyv's answer (a proxy's HTML) is.
func excerpt(op, body string, redact func(string) string) string {
	if private(op) {
		if t := strings.TrimLeft(body, " \t\r\n"); t != "" && (t[0] == '{' || t[0] == '[') {
			return "a JSON body, not shown: this call's answers can hold credentials"
		}
	}
	return keep(body, maxExcerpt, redact)
}
