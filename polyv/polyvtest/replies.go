package polyvtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Reply is one scripted answer of the fake: a Polyv JSON answer, a raw body,
// a delay, a hang or a reset connection. Build it with the functions below;
// AfterStop and CutShort change how any of them is carried out.
type Reply struct {
	name        string
	httpStatus  int
	code        int
	status      string
	message     string
	v4code      int
	raw         *string
	contentType string
	location    string
	delay       time.Duration
	hang        bool
	reset       bool
	success     bool // a success answer: a stop is carried out, a status call lists rows
	stops       bool // a stop is carried out whatever the answer says (AfterStop)
	cut         bool // the body is cut short (CutShort)
}

// AfterStop returns r as the answer to a stop that the fake carried out
// first: the call is recorded as Stopped and the channel's live status reads
// "end" afterwards (unless it is pushed), whatever r then answers. It stands
// for an answer lost between Polyv and the bot after Polyv acted, such as a
// proxy's time-out page: HTML(504).AfterStop(). A cutoff or resume is
// carried out the same way ("banpush", "live"); on a read it changes
// nothing.
func (r Reply) AfterStop() Reply {
	r.name += " after the stop"
	r.stops = true
	return r
}

// CutShort returns r with its body cut short: the fake sends the status line
// and headers with a Content-Length for the whole body (at least 1), writes
// only the first half of the body and closes the connection, as when a
// connection breaks mid-answer. The call is carried out as r says: a cut
// OK() is a stop Polyv made whose answer never arrived whole.
func (r Reply) CutShort() Reply {
	r.name += ", cut short"
	r.cut = true
	return r
}

// OK is a successful answer: {"code":200,"status":"success",…} with the
// call's data: "" for a stop, "success" for a cutoff or resume, the
// channel's (or rows, or the account's) for a read.
func OK() Reply {
	return Reply{name: "ok", httpStatus: 200, code: 200, status: "success", success: true}
}

// InvalidSignature is Polyv's 403 "invalid signature." answer, the one the
// fake's own verification gives for a wrong sign.
func InvalidSignature() Reply { return apiError("invalid signature", 403, 20004, "invalid signature.") }

// InvalidTimestamp is Polyv's 400 "invalid timestamp." answer.
func InvalidTimestamp() Reply { return apiError("invalid timestamp", 400, 20003, "invalid timestamp.") }

// AppNotFound is Polyv's 400 "application not found." answer.
func AppNotFound() Reply {
	return apiError("application not found", 400, 20001, "application not found.")
}

// AppIDRequired is Polyv's 400 "appId is required." answer.
func AppIDRequired() Reply { return apiError("appId is required", 400, 20002, "appId is required.") }

// ChannelNotFound is a 400 "channel not found." answer. Polyv does not
// document what the stop call returns for an unknown channel; this is a
// plausible guess. See also IllegalChannelID.
func ChannelNotFound() Reply { return apiError("channel not found", 400, 20005, "channel not found.") }

// IllegalChannelID is HTTP 403 with {"code":403,"status":"error",
// "message":"illegal channel id: <id>","data":""}, what Polyv documents
// for a channel id that is not the application's ("非法频道号"); the
// fake's answer for a channel made Unknown.
func IllegalChannelID(id int64) Reply {
	return apiError("illegal channel id", 403, 20403, fmt.Sprintf("illegal channel id: %d", id))
}

// UserIDRequired is HTTP 400 with "userId is required.", the fake's answer
// to a cutoff or resume without a userId. Polyv does not document it; the
// wording follows its "appId is required.".
func UserIDRequired() Reply { return apiError("userId is required", 400, 20002, "userId is required.") }

// InvalidUserID is HTTP 403 with "illegal userId.", the fake's answer to a
// cutoff or resume whose userId is not the account's. Polyv does not
// document it; the wording follows its "illegal channel id".
func InvalidUserID() Reply { return apiError("invalid userId", 403, 20403, "illegal userId.") }

// NotPulling is HTTP 400 with {"code":400,"status":"error","message":
// "channel is not pulling stream.","data":""}. Polyv does not document what a
// stop of a channel that is not pulling answers; this is a plausible guess.
// Script it after a stop that was carried out (AfterStop) to play a retry
// that finds the stream already stopped.
func NotPulling() Reply {
	return apiError("channel is not pulling stream", 400, 20400, "channel is not pulling stream.")
}

// QuotaExceeded is HTTP 429 with {"code":429,"status":"error","message":
// "qps exceeds number of calls"}. Polyv does not document its over-limit
// answer; the message is the one in its error list.
func QuotaExceeded() Reply {
	return apiError("qps exceeds number of calls", 429, 20429, "qps exceeds number of calls")
}

// ServerFail is HTTP 500 with {"code":500,"status":"fail",…}.
func ServerFail() Reply {
	r := apiError("server fail", 500, 20500, "system error, please try again later.")
	r.status = "fail"
	return r
}

// HTML is an nginx-style HTML error page with the given HTTP status.
func HTML(status int) Reply {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	page := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	return Reply{name: "html " + text, httpStatus: status, raw: &page, contentType: "text/html"}
}

// Empty is an empty body with the given HTTP status.
func Empty(status int) Reply {
	empty := ""
	return Reply{name: fmt.Sprintf("empty %d", status), httpStatus: status, raw: &empty}
}

// Garbage is HTTP 200 with the body "not json".
func Garbage() Reply { return Custom(200, "not json") }

// Slow is a successful answer after d.
func Slow(d time.Duration) Reply {
	r := OK()
	r.name, r.delay = "slow "+d.String(), d
	return r
}

// Hang never answers; the request ends when the client gives up or the
// server is closed.
func Hang() Reply { return Reply{name: "hang", hang: true} }

// ResetConn closes the TCP connection (with a reset) without answering.
func ResetConn() Reply { return Reply{name: "reset connection", reset: true} }

// Redirect answers status (a 3xx such as 302 or 307) with a Location header
// of location and an empty body, like a proxy or a mistyped base URL that
// sends the client elsewhere. The fake does not follow anything itself.
func Redirect(status int, location string) Reply {
	empty := ""
	return Reply{name: fmt.Sprintf("redirect %d", status), httpStatus: status, raw: &empty, location: location}
}

// Custom answers httpStatus with body as is (Content-Type application/json).
func Custom(httpStatus int, body string) Reply {
	return Reply{name: fmt.Sprintf("custom %d", httpStatus), httpStatus: httpStatus, raw: &body}
}

// v4 error codes are the fake's own: Polyv documents only 20001.
func apiError(name string, code, v4code int, msg string) Reply {
	return Reply{name: name, httpStatus: code, code: code, status: "error", message: msg, v4code: v4code}
}

// body renders the reply in the v3 or v4 shape; data is a success's data.
func (r Reply) body(v4 bool, data any) []byte {
	if r.raw != nil {
		return []byte(*r.raw)
	}
	var v any
	switch {
	case !v4:
		if data == nil || !r.success {
			data = ""
		}
		v = map[string]any{"code": r.code, "status": r.status, "message": r.message, "data": data}
	case r.success:
		v = map[string]any{"code": 200, "status": "success", "requestId": "polyvtest", "data": data, "success": true}
	default:
		v = map[string]any{"code": r.code, "status": r.status, "requestId": "polyvtest",
			"error": map[string]any{"code": r.v4code, "desc": r.message}, "success": false}
	}
	b, _ := json.Marshal(v) // maps of plain values always marshal
	return b
}
