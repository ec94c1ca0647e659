package polyv

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Limits on what outside text an error may carry.
const (
	maxExcerpt = 200 // bytes of a body shown in an error
	maxMessage = 200 // bytes of Polyv's message kept in an error
)

// DecodeResponse turns one Polyv answer into its data (code 200) or an error.
// op names the call for the error text. It reads both the v3 shape
// ({"code","status","message","data"}) and the v4 shape ({"code","status",
// "error":{"code","desc"},"success","data"}), whatever the HTTP status, because
// Polyv's HTTP status need not mirror its code. Failures are *APIError values
// matching one of the kind sentinels where one applies.
func DecodeResponse(op string, httpStatus int, body []byte) (json.RawMessage, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Code == nil {
		return nil, unreadable(op, httpStatus, body)
	}
	code := int(*env.Code)
	if code == 200 && httpStatus >= 200 && httpStatus < 300 {
		return env.Data, nil
	}
	msg := env.Message
	if env.Error != nil && env.Error.Desc != "" {
		msg = env.Error.Desc
	}
	if code == 200 {
		// A success body under an error status is not something to trust.
		return nil, unreadable(op, httpStatus, body)
	}
	msg = sanitize(msg, maxMessage)
	status := sanitize(env.Status, 20)
	return nil, &APIError{
		HTTPStatus: httpStatus, Code: code, Status: status, Message: msg, Op: op,
		kind: classify(httpStatus, code, status, msg),
	}
}

// DecodeLiveStatus decodes one answer of the live-status/list call into each
// channel's status. It is the decoder the client uses.
func DecodeLiveStatus(httpStatus int, body []byte) (map[int64]LiveStatus, error) {
	data, err := DecodeResponse(opStatus, httpStatus, body)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ChannelID  flexInt    `json:"channelId"`
		LiveStatus LiveStatus `json:"liveStatus"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, unreadable(opStatus, httpStatus, body)
	}
	out := make(map[int64]LiveStatus, len(rows))
	for _, r := range rows {
		out[int64(r.ChannelID)] = LiveStatus(sanitize(string(r.LiveStatus), 40))
	}
	return out, nil
}

// envelope covers Polyv's v3 and v4 answer shapes.
type envelope struct {
	Code    *flexInt        `json:"code"`
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
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
func unreadable(op string, httpStatus int, body []byte) *APIError {
	k := ErrBadResponse.(*kind)
	switch {
	case httpStatus == 429:
		k = ErrQuotaExceeded.(*kind)
	case httpStatus >= 500:
		k = ErrServer.(*kind)
	}
	excerpt := sanitize(string(body), maxExcerpt)
	if excerpt == "" {
		excerpt = "empty body"
	}
	return &APIError{HTTPStatus: httpStatus, Message: excerpt, Op: op, kind: k}
}
