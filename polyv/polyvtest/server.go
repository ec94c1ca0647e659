// Package polyvtest is a fake Polyv live API for tests, load tests and local
// runs, in the spirit of net/http/httptest. It verifies requests the way
// Polyv does — form content type, appId, a 13-digit timestamp within three
// minutes of its clock, and the sign (MD5 or SHA-256) over the query of a
// GET or the form of a POST (a channel id in the path is not signed) —
// and answers with Polyv's JSON shapes. Answers can be scripted per call
// and channel, and it records every call it receives.
//
// Endpoints, by the Op that names them in scripts and in Call:
//
//	OpStop       POST /live/v3/channel/stream/stop-pull-stream    (v3 answers)
//	OpStatus     GET  /live/v4/channel/live-status/list           (v4 answers)
//	OpInfo       GET  /live/v3/channel/basic/get                  (v3)
//	OpViewers    GET  /live/v2/statistics/get-realtime-viewers    (v3 shape)
//	OpStreamType GET  /live/v3/channel/stream/get                 (v3)
//	OpCutoff     POST /live/v2/stream/{channelId}/cutoff          (v3, userId checked)
//	OpResume     POST /live/v2/stream/{channelId}/resume          (v3, userId checked)
//	OpUserInfo   GET  /live/v3/user/get-info                      (v3)
//
// Any other path gets a 404 JSON answer. Every channel exists, is "live",
// is pulled ("pull") and has no viewers, until a test says otherwise (see
// Unknown, SetLiveStatus, SetStreamType, SetViewers, SetName). A successful
// stop ends a pulled channel; a pushed one (SetStreamType with
// polyv.StreamClient, or KeepLive) stays live, and the stop answers
// success as for any channel: a pull stop that leaves an encoder's stream
// running is the case a caller must notice from the live status. A
// successful cutoff makes a channel read "banpush", a resume of a banned
// channel "live" again, as an encoder still pushing would.
//
// Besides Polyv's own answers (OK, InvalidSignature, ServerFail, …), replies
// can script what stands between the bot and Polyv: HTML error pages, empty
// or garbage bodies, hangs, reset connections, answers cut short (CutShort),
// and Redirect, a 3xx with a Location header, as a proxy or a wrong base URL
// would answer. AfterStop makes any of them the answer to a stop (or a
// cutoff, or a resume) the fake carried out, as when Polyv acted but its
// answer was lost on the way.
package polyvtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/polyvbot/polyvbot/polyv"
)

// Server is a running fake Polyv. Its exported fields are set by NewServer.
type Server struct {
	URL       string // base URL, e.g. http://127.0.0.1:port
	AppID     string
	AppSecret string
	UserID    string // the account's userId: what cutoff and resume require, what user-info answers

	ts       *httptest.Server
	listener net.Listener // nil: a loopback port
	now      func() time.Time
	latency  time.Duration
	quotaN   int
	quotaPer time.Duration
	closing  chan struct{}
	once     sync.Once

	mu          sync.Mutex
	scripts     map[Op]map[int64][]Reply // consumed in order by verified calls
	always      map[Op]map[int64]Reply   // once a channel's script is used up
	live        map[int64]polyv.LiveStatus
	keepLive    map[int64]bool
	channels    map[int64]*channel // what the new calls read; see channelLocked
	unknown     map[int64]bool
	calls       []Call
	changed     chan struct{}
	windowStart time.Time
	windowCount int
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the server clock used for the ±3 minute timestamp window
// and the quota windows (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithListener serves on l instead of a loopback port. With an in-memory
// listener the fake can run inside a testing/synctest bubble, whose clock
// cannot move while a goroutine waits on a real socket.
func WithListener(l net.Listener) Option { return func(s *Server) { s.listener = l } }

// WithUserID sets the account's userId (default DefaultUserID).
func WithUserID(id string) Option { return func(s *Server) { s.UserID = id } }

// DefaultUserID is the account's userId unless WithUserID says otherwise.
const DefaultUserID = "pvtest0001"

// WithLatency delays every answer by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithQuota answers every request beyond n in a window of length per (fixed
// windows on the server clock) with QuotaExceeded: HTTP 429 and
// {"code":429,"status":"error","message":"qps exceeds number of calls"}.
// Polyv's real limit is 1500 requests per 10 seconds per IP.
func WithQuota(n int, per time.Duration) Option {
	return func(s *Server) { s.quotaN, s.quotaPer = n, per }
}

// Op names a call of the fake, as polyv.Event.Op names the client's.
type Op string

// The calls the fake serves.
const (
	OpStop       Op = "stop-pull-stream"
	OpStatus     Op = "live-status"
	OpInfo       Op = "channel-info"
	OpViewers    Op = "realtime-viewers"
	OpStreamType Op = "stream-type"
	OpCutoff     Op = "cutoff"
	OpResume     Op = "resume"
	OpUserInfo   Op = "user-info"
)

// Call is one request the server received.
type Call struct {
	At         time.Time
	Op         Op // "" for a path the fake does not serve
	Method     string
	Path       string
	Form       url.Values // POST form or GET query, as received
	ChannelIDs []int64
	HTTPStatus int    // 0 when it hung or the connection was reset
	Code       int    // the JSON code answered (0 if none)
	Verdict    string // "ok", or why it was rejected ("invalid signature", "scripted: …")
	Stopped    bool   // a stop, cutoff or resume the fake carried out, whatever it answered (see AfterStop)
}

// NewServer starts a fake Polyv for appID and appSecret on loopback.
// Close it when done.
func NewServer(appID, appSecret string, opts ...Option) *Server {
	s := &Server{
		AppID: appID, AppSecret: appSecret, UserID: DefaultUserID, now: time.Now,
		closing: make(chan struct{}), changed: make(chan struct{}),
		scripts: map[Op]map[int64][]Reply{}, always: map[Op]map[int64]Reply{},
		live: map[int64]polyv.LiveStatus{}, keepLive: map[int64]bool{},
		channels: map[int64]*channel{}, unknown: map[int64]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.listener == nil {
		s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	} else {
		s.ts = &httptest.Server{Listener: s.listener, Config: &http.Server{Handler: http.HandlerFunc(s.serve)}}
		s.ts.Start()
	}
	s.URL = s.ts.URL
	return s
}

// Close releases hung requests and shuts the server down.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.ts.Close()
	})
}

// Script queues replies for stop calls of channelID, consumed in order by
// calls that pass verification. Once they are used up, stops succeed.
func (s *Server) Script(channelID int64, replies ...Reply) { s.ScriptOp(OpStop, channelID, replies...) }

// ScriptStatus queues replies for verified status calls that include
// channelID, consumed in order.
func (s *Server) ScriptStatus(channelID int64, replies ...Reply) {
	s.ScriptOp(OpStatus, channelID, replies...)
}

// ScriptOp queues replies for the calls op makes about channelID (0 for
// OpUserInfo, which names none), consumed in order by the calls that pass
// Polyv's verification; a batched call (OpStatus, OpViewers) consumes the
// reply of the first of its channels that has one. A success reply (OK,
// Slow) answers with the channel's data, as an unscripted call would; the
// effect of a stop, cutoff or resume happens only on a success or
// AfterStop. Once the replies are used up, the calls answer as unscripted,
// or as Always says.
func (s *Server) ScriptOp(op Op, channelID int64, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scripts[op] == nil {
		s.scripts[op] = map[int64][]Reply{}
	}
	s.scripts[op][channelID] = append(s.scripts[op][channelID], replies...)
}

// Always answers every verified call op makes about channelID with r once
// its scripted replies are used up: a channel whose name never comes
// (Always(OpInfo, id, Hang())), or always fails (ServerFail()).
func (s *Server) Always(op Op, channelID int64, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.always[op] == nil {
		s.always[op] = map[int64]Reply{}
	}
	s.always[op][channelID] = r
}

// SetLiveStatus sets what status calls report for channelID.
func (s *Server) SetLiveStatus(channelID int64, st polyv.LiveStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[channelID] = st
}

// KeepLive makes successful stops of channelID leave it "live", like a
// stream that an encoder keeps pushing, whatever its stream type says.
func (s *Server) KeepLive(channelID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keepLive[channelID] = true
}

// Calls returns a copy of the recorded calls, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Form = cloneValues(c.Form)
		c.ChannelIDs = slices.Clone(c.ChannelIDs)
		out[i] = c
	}
	return out
}

// StopCalls counts the stop calls for channelID that reached the server,
// whatever their verdict.
func (s *Server) StopCalls(channelID int64) int { return s.OpCalls(OpStop, channelID) }

// OpCalls counts the calls op made about channelID (any channel for 0)
// that reached the server, whatever their verdict.
func (s *Server) OpCalls(op Op, channelID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Op == op && (channelID == 0 || slices.Contains(c.ChannelIDs, channelID)) {
			n++
		}
	}
	return n
}

// WaitCalls waits until at least n calls were recorded or ctx ends.
func (s *Server) WaitCalls(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := len(s.calls), s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("polyvtest: %d of %d calls recorded: %w", got, n, ctx.Err())
		}
	}
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
