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
	infoPath     = "/live/v3/channel/basic/get"
	viewersPath  = "/live/v2/statistics/get-realtime-viewers"
	streamPath   = "/live/v3/channel/stream/get"
	userInfoPath = "/live/v3/user/get-info"
	pushBanPath  = "/live/v2/stream/" // + {channelId}/cutoff or /resume
	maxBatchIDs  = 200
	window       = 3 * time.Minute
)

// decision is what the server makes of one request.
type decision struct {
	reply   Reply
	verdict string
	v4      bool
	data    any  // the data of a success; "" when nil
	stopped bool // the stop, cutoff or resume was carried out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	call := Call{At: s.now(), Method: r.Method, Path: r.URL.Path}
	d := s.route(r, &call)
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

// route hands a request to the call its path names.
func (s *Server) route(r *http.Request, c *Call) decision {
	switch r.URL.Path {
	case stopPath:
		c.Op = OpStop
		return s.stop(r, c)
	case statusPath:
		c.Op = OpStatus
		return s.batch(r, c, OpStatus)
	case viewersPath:
		c.Op = OpViewers
		return s.batch(r, c, OpViewers)
	case infoPath:
		c.Op = OpInfo
		return s.oneChannel(r, c, OpInfo)
	case streamPath:
		c.Op = OpStreamType
		return s.oneChannel(r, c, OpStreamType)
	case userInfoPath:
		c.Op = OpUserInfo
		return s.userInfo(r, c)
	}
	if op, id, ok := parsePushBan(r.URL.Path); ok {
		c.Op = op
		return s.pushBan(r, c, op, id)
	}
	return decision{reply: apiError("not found", 404, 20404, "not found."), verdict: "unknown path"}
}

func (s *Server) stop(r *http.Request, c *Call) decision {
	if d, ok := s.readForm(r, c); !ok {
		return d
	}
	id, idErr := strconv.ParseInt(c.Form.Get("channelId"), 10, 32)
	return s.carryOut(c, OpStop, id, idErr)
}

// pushBan serves a cutoff or a resume of the channel the path names. The
// channel id is in the path only: it is not a signed parameter.
func (s *Server) pushBan(r *http.Request, c *Call, op Op, rawID string) decision {
	if d, ok := s.readForm(r, c); !ok {
		return d
	}
	id, idErr := strconv.ParseInt(rawID, 10, 32)
	return s.carryOut(c, op, id, idErr)
}

// carryOut verifies a call that changes something and carries it out,
// or answers as scripted.
func (s *Server) carryOut(c *Call, op Op, id int64, idErr error) decision {
	if idErr == nil {
		c.ChannelIDs = []int64{id}
	}
	if d, ok := s.gate(c.Form, false); !ok {
		return d
	}
	if idErr != nil || id <= 0 {
		return decision{reply: apiError("bad channelId", 400, 20400, "channelId must be a positive integer."), verdict: "bad channelId"}
	}
	if op != OpStop {
		if d, ok := s.checkUserID(c.Form.Get("userId")); !ok {
			return d
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unknown[id] {
		return decision{reply: IllegalChannelID(id), verdict: "unknown channel"}
	}
	rep, verdict := s.nextLocked(op, []int64{id})
	d := decision{reply: rep, verdict: verdict, stopped: rep.success || rep.stops}
	if d.stopped {
		s.applyLocked(op, id)
	}
	if rep.success && op != OpStop {
		d.data = "success" // stop-pull-stream documents data "", the others "success"
	}
	return d
}

// checkUserID is Polyv's check of the userId the v2 stream calls carry.
func (s *Server) checkUserID(userID string) (decision, bool) {
	switch {
	case strings.TrimSpace(userID) == "":
		return decision{reply: UserIDRequired(), verdict: "userId is required"}, false
	case userID != s.UserID:
		return decision{reply: InvalidUserID(), verdict: "invalid userId"}, false
	}
	return decision{}, true
}

// applyLocked is what a stop, cutoff or resume carried out does to the
// channel's live status.
func (s *Server) applyLocked(op Op, id int64) {
	switch op {
	case OpStop:
		if !s.keepLive[id] && !s.channelLocked(id).streamType.Pushed() {
			s.live[id] = polyv.StatusEnd
		}
	case OpCutoff:
		s.live[id] = polyv.StatusBanpush
	case OpResume:
		if s.live[id] == polyv.StatusBanpush {
			s.live[id] = polyv.StatusLive
		}
	}
}

// nextLocked is the reply for a verified call of op about ids: the first
// scripted one of a channel that has one, its Always reply, or OK.
func (s *Server) nextLocked(op Op, ids []int64) (Reply, string) {
	for _, id := range ids {
		if q := s.scripts[op][id]; len(q) > 0 {
			s.scripts[op][id] = q[1:]
			return q[0], "scripted: " + q[0].name
		}
	}
	for _, id := range ids {
		if r, ok := s.always[op][id]; ok {
			return r, "always: " + r.name
		}
	}
	return OK(), "ok"
}

// batch serves a call about up to 200 channels: live-status (v4 answers)
// or realtime-viewers (v3). A channel the fake does not know has no rows.
func (s *Server) batch(r *http.Request, c *Call, op Op) decision {
	v4 := op == OpStatus
	if d, ok := s.readQuery(r, c, v4); !ok {
		return d
	}
	ids, idErr := parseIDs(c.Form.Get("channelIds"))
	c.ChannelIDs = ids
	if d, ok := s.gate(c.Form, v4); !ok {
		return d
	}
	if idErr != "" {
		return decision{reply: apiError("bad channelIds", 400, 20400, idErr), verdict: "bad channelIds", v4: v4}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, verdict := s.nextLocked(op, ids)
	d := decision{reply: rep, verdict: verdict, v4: v4}
	if rep.success {
		d.data = s.rowsLocked(op, ids)
	}
	return d
}

// oneChannel serves a read about one channel: basic/get or stream/get.
func (s *Server) oneChannel(r *http.Request, c *Call, op Op) decision {
	if d, ok := s.readQuery(r, c, false); !ok {
		return d
	}
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unknown[id] {
		return decision{reply: IllegalChannelID(id), verdict: "unknown channel"}
	}
	rep, verdict := s.nextLocked(op, []int64{id})
	d := decision{reply: rep, verdict: verdict}
	if rep.success {
		d.data = s.channelDataLocked(op, id)
	}
	return d
}

// userInfo serves the account's information, which names no channel.
func (s *Server) userInfo(r *http.Request, c *Call) decision {
	if d, ok := s.readQuery(r, c, false); !ok {
		return d
	}
	if d, ok := s.gate(c.Form, false); !ok {
		return d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, verdict := s.nextLocked(OpUserInfo, []int64{0})
	d := decision{reply: rep, verdict: verdict}
	if rep.success {
		d.data = map[string]any{"userId": s.UserID, "email": "owner@polyvtest.example",
			"maxChannels": 100, "totalChannels": len(s.channels), "availableChannels": 100 - len(s.channels)}
	}
	return d
}

// readQuery takes a GET's query as its parameters.
func (s *Server) readQuery(r *http.Request, c *Call, v4 bool) (decision, bool) {
	if r.Method != http.MethodGet {
		return decision{reply: apiError("method not allowed", 405, 20405, "method not allowed, use GET."), verdict: "bad method", v4: v4}, false
	}
	c.Form = cloneValues(r.URL.Query())
	return decision{}, true
}

// readForm takes a POST's form body as its parameters; the query, if any,
// is neither read nor signed.
func (s *Server) readForm(r *http.Request, c *Call) (decision, bool) {
	if r.Method != http.MethodPost {
		return decision{reply: apiError("method not allowed", 405, 20405, "method not allowed, use POST."), verdict: "bad method"}, false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return decision{reply: apiError("bad content type", 400, 20400,
			"content type must be application/x-www-form-urlencoded."), verdict: "bad content type"}, false
	}
	if err := r.ParseForm(); err != nil {
		return decision{reply: apiError("bad form", 400, 20400, "malformed form body."), verdict: "bad form"}, false
	}
	c.Form = cloneValues(r.PostForm)
	return decision{}, true
}

// parsePushBan reads the op and the channel id from a cutoff's or a resume's
// path.
func parsePushBan(path string) (Op, string, bool) {
	rest, ok := strings.CutPrefix(path, pushBanPath)
	if !ok {
		return "", "", false
	}
	if id, ok := strings.CutSuffix(rest, "/cutoff"); ok {
		return OpCutoff, id, true
	}
	if id, ok := strings.CutSuffix(rest, "/resume"); ok {
		return OpResume, id, true
	}
	return "", "", false
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
	if bad == "" && len(ids) > maxBatchIDs {
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
