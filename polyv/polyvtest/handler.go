package polyvtest

import (
	"context"
	"crypto/subtle"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/polyvbot/polyvbot/polyv"
)

const (
	stopPath     = "/live/v3/channel/stream/stop-pull-stream"
	statusPath   = "/live/v4/channel/live-status/list"
	maxStatusIDs = 200
	window       = 3 * time.Minute
)

// decision is what the server makes of one request.
type decision struct {
	reply   Reply
	verdict string
	v4      bool
	data    any
	stopped bool // the stop was carried out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	call := Call{At: s.now(), Method: r.Method, Path: r.URL.Path}
	var d decision
	switch r.URL.Path {
	case stopPath:
		d = s.stop(r, &call)
	case statusPath:
		d = s.status(r, &call)
	default:
		d = decision{reply: apiError("not found", 404, 20404, "not found."), verdict: "unknown path"}
	}
	call.Verdict, call.Stopped = d.verdict, d.stopped
	if !d.reply.hang && !d.reply.reset {
		call.HTTPStatus = d.reply.httpStatus
		if d.reply.raw == nil {
			call.Code = d.reply.code
		}
	}
	s.record(call)
	s.answer(w, r, d)
}

func (s *Server) stop(r *http.Request, c *Call) decision {
	if r.Method != http.MethodPost {
		return decision{reply: apiError("method not allowed", 405, 20405, "method not allowed, use POST."), verdict: "bad method"}
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return decision{reply: apiError("bad content type", 400, 20400,
			"content type must be application/x-www-form-urlencoded."), verdict: "bad content type"}
	}
	if err := r.ParseForm(); err != nil {
		return decision{reply: apiError("bad form", 400, 20400, "malformed form body."), verdict: "bad form"}
	}
	c.Form = cloneValues(r.PostForm)
	id, idErr := strconv.ParseInt(c.Form.Get("channelId"), 10, 32)
	if idErr == nil {
		c.ChannelIDs = []int64{id}
	}
	if d, ok := s.gate(c.Form, false); !ok {
		return d
	}
	if idErr != nil || id <= 0 {
		return decision{reply: apiError("bad channelId", 400, 20400, "channelId must be a positive integer."), verdict: "bad channelId"}
	}
	return s.scriptedStop(id)
}

func (s *Server) scriptedStop(id int64) decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, verdict := OK(), "ok"
	if q := s.scripts[id]; len(q) > 0 {
		rep, verdict = q[0], "scripted: "+q[0].name
		s.scripts[id] = q[1:]
	}
	stopped := rep.success || rep.stops
	if stopped && !s.keepLive[id] {
		s.live[id] = polyv.StatusEnd
	}
	return decision{reply: rep, verdict: verdict, stopped: stopped}
}

func (s *Server) status(r *http.Request, c *Call) decision {
	if r.Method != http.MethodGet {
		return decision{reply: apiError("method not allowed", 405, 20405, "method not allowed, use GET."), verdict: "bad method", v4: true}
	}
	c.Form = cloneValues(r.URL.Query())
	ids, idErr := parseIDs(c.Form.Get("channelIds"))
	c.ChannelIDs = ids
	if d, ok := s.gate(c.Form, true); !ok {
		return d
	}
	if idErr != "" {
		return decision{reply: apiError("bad channelIds", 400, 20400, idErr), verdict: "bad channelIds", v4: true}
	}
	return s.scriptedStatus(ids)
}

func (s *Server) scriptedStatus(ids []int64) decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if q := s.statusReply[id]; len(q) > 0 {
			s.statusReply[id] = q[1:]
			d := decision{reply: q[0], verdict: "scripted: " + q[0].name, v4: true}
			if q[0].success {
				d.data = s.rowsLocked(ids)
			}
			return d
		}
	}
	return decision{reply: OK(), verdict: "ok", v4: true, data: s.rowsLocked(ids)}
}

type row struct {
	ChannelID  int64            `json:"channelId"`
	LiveStatus polyv.LiveStatus `json:"liveStatus"`
}

func (s *Server) rowsLocked(ids []int64) []row {
	rows := make([]row, 0, len(ids))
	for _, id := range ids {
		st, ok := s.live[id]
		if !ok {
			st = polyv.StatusLive
		}
		rows = append(rows, row{id, st})
	}
	return rows
}

// gate applies the quota and Polyv's verification, in that order.
func (s *Server) gate(form url.Values, v4 bool) (decision, bool) {
	if s.overQuota() {
		return decision{reply: QuotaExceeded(), verdict: "quota exceeded", v4: v4}, false
	}
	if rep, verdict := s.verify(form); verdict != "" {
		return decision{reply: rep, verdict: verdict, v4: v4}, false
	}
	return decision{}, true
}

// verify checks a request like Polyv: appId, timestamp, then sign.
func (s *Server) verify(form url.Values) (Reply, string) {
	appID := form.Get("appId")
	switch {
	case strings.TrimSpace(appID) == "":
		return AppIDRequired(), "appId is required"
	case appID != s.AppID:
		return AppNotFound(), "application not found"
	case !s.freshTimestamp(form.Get("timestamp")):
		return InvalidTimestamp(), "invalid timestamp"
	}
	params := make(map[string]string, len(form))
	for k := range form {
		params[k] = form.Get(k)
	}
	want := polyv.Sign(params, s.AppSecret)
	if subtle.ConstantTimeCompare([]byte(want), []byte(form.Get("sign"))) != 1 {
		return InvalidSignature(), "invalid signature"
	}
	return Reply{}, ""
}

func (s *Server) freshTimestamp(ts string) bool {
	if len(ts) != 13 {
		return false
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ms < 0 {
		return false
	}
	diff := s.now().Sub(time.UnixMilli(ms))
	return diff <= window && diff >= -window
}

func (s *Server) overQuota() bool {
	if s.quotaN <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.windowStart.IsZero() || now.Sub(s.windowStart) >= s.quotaPer {
		s.windowStart, s.windowCount = now, 0
	}
	s.windowCount++
	return s.windowCount > s.quotaN
}

// parseIDs reads "1,2,3"; the second result is Polyv-style error text.
func parseIDs(s string) ([]int64, string) {
	if strings.TrimSpace(s) == "" {
		return nil, "channelIds is required."
	}
	var ids []int64
	bad := ""
	for _, p := range strings.Split(s, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
		if err != nil || id <= 0 {
			bad = "channelIds must be positive integers separated by commas."
			continue
		}
		ids = append(ids, id)
	}
	if bad == "" && len(ids) > maxStatusIDs {
		bad = "channelIds takes at most 200 ids."
	}
	return ids, bad
}

// answer writes the decision after the configured and scripted delays.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, d decision) {
	if !s.pause(r.Context(), s.latency+d.reply.delay) {
		return
	}
	if d.reply.hang {
		s.pause(r.Context(), -1)
		reset(w) // released by Close: the client sees a broken connection
		return
	}
	if d.reply.reset {
		reset(w)
		return
	}
	ct := d.reply.contentType
	if ct == "" {
		ct = "application/json; charset=UTF-8"
	}
	w.Header().Set("Content-Type", ct)
	if d.reply.location != "" {
		w.Header().Set("Location", d.reply.location)
	}
	body := d.reply.body(d.v4, d.data)
	if d.reply.cut {
		cutShort(w, d.reply.httpStatus, body)
		return
	}
	w.WriteHeader(d.reply.httpStatus)
	_, _ = w.Write(body)
}

// pause waits d (forever when d < 0) unless the request or the server ends
// first; it reports whether the full wait happened.
func (s *Server) pause(ctx context.Context, d time.Duration) bool {
	if d == 0 {
		return true
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// cutShort answers status with w's headers and a Content-Length for all of
// body (at least 1), writes half of body and closes the connection. It takes
// the connection over so that exactly those bytes go out: net/http would
// refuse to send fewer bytes than the Content-Length it was told.
func cutShort(w http.ResponseWriter, status int, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	h := w.Header().Clone()
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer func() { _ = conn.Close() }()
	h.Set("Content-Length", strconv.Itoa(max(len(body), 1)))
	h.Set("Connection", "close")
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", status, http.StatusText(status))
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

// reset closes the connection with a TCP RST instead of an answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
