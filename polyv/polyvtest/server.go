// Package polyvtest is a fake Polyv live API for tests, load tests and local
// runs, in the spirit of net/http/httptest. It verifies requests the way
// Polyv does — form content type, appId, a 13-digit timestamp within three
// minutes of its clock, and the sign (MD5 or SHA-256) — and answers with
// Polyv's JSON shapes. Answers to stop calls can be scripted per channel, and
// it records every call it receives.
//
// Endpoints:
//
//	POST /live/v3/channel/stream/stop-pull-stream  (v3 answers)
//	GET  /live/v4/channel/live-status/list          (v4 answers)
//
// Any other path gets a 404 JSON answer. Every channel is "live" until a
// successful stop ends it (see KeepLive and SetLiveStatus).
//
// Besides Polyv's own answers (OK, InvalidSignature, ServerFail, …), replies
// can script what stands between the bot and Polyv: HTML error pages, empty
// or garbage bodies, hangs, reset connections, answers cut short (CutShort),
// and Redirect, a 3xx with a Location header, as a proxy or a wrong base URL
// would answer. AfterStop makes any of them the answer to a stop the fake
// carried out, as when Polyv acted but its answer was lost on the way.
package polyvtest

import (
	"context"
	"fmt"
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

	ts       *httptest.Server
	now      func() time.Time
	latency  time.Duration
	quotaN   int
	quotaPer time.Duration
	closing  chan struct{}
	once     sync.Once

	mu          sync.Mutex
	scripts     map[int64][]Reply
	statusReply map[int64][]Reply
	live        map[int64]polyv.LiveStatus
	keepLive    map[int64]bool
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

// WithLatency delays every answer by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithQuota answers every request beyond n in a window of length per (fixed
// windows on the server clock) with QuotaExceeded: HTTP 429 and
// {"code":429,"status":"error","message":"qps exceeds number of calls"}.
// Polyv's real limit is 1500 requests per 10 seconds per IP.
func WithQuota(n int, per time.Duration) Option {
	return func(s *Server) { s.quotaN, s.quotaPer = n, per }
}

// Call is one request the server received.
type Call struct {
	At         time.Time
	Method     string
	Path       string
	Form       url.Values // POST form or GET query, as received
	ChannelIDs []int64
	HTTPStatus int    // 0 when it hung or the connection was reset
	Code       int    // the JSON code answered (0 if none)
	Verdict    string // "ok", or why it was rejected ("invalid signature", "scripted: …")
	Stopped    bool   // a stop the fake carried out, whatever it answered (see AfterStop)
}

// NewServer starts a fake Polyv for appID and appSecret on loopback.
// Close it when done.
func NewServer(appID, appSecret string, opts ...Option) *Server {
	s := &Server{
		AppID: appID, AppSecret: appSecret, now: time.Now,
		closing: make(chan struct{}), changed: make(chan struct{}),
		scripts: map[int64][]Reply{}, statusReply: map[int64][]Reply{},
		live: map[int64]polyv.LiveStatus{}, keepLive: map[int64]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
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
func (s *Server) Script(channelID int64, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[channelID] = append(s.scripts[channelID], replies...)
}

// ScriptStatus queues replies for verified status calls that include
// channelID, consumed in order.
func (s *Server) ScriptStatus(channelID int64, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statusReply[channelID] = append(s.statusReply[channelID], replies...)
}

// SetLiveStatus sets what status calls report for channelID.
func (s *Server) SetLiveStatus(channelID int64, st polyv.LiveStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[channelID] = st
}

// KeepLive makes successful stops of channelID leave it "live", like a
// stream that an encoder keeps pushing.
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
func (s *Server) StopCalls(channelID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Path == stopPath && slices.Contains(c.ChannelIDs, channelID) {
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
