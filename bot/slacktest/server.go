package slacktest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by the waiting and sending methods once Close has run.
var ErrClosed = errors.New("slacktest: server closed")

// Server is a fake Slack serving the Web API, Socket Mode and response_url
// endpoints on loopback. All methods are safe for concurrent use.
type Server struct {
	appToken, botToken string
	teamID, teamName   string
	botUserID, botName string
	pingInterval       time.Duration
	latency            time.Duration
	ackTimeout         time.Duration
	eventRetries       []time.Duration
	now                func() time.Time
	log                *slog.Logger
	httpSrv            *httptest.Server
	closed             chan struct{}
	closeOnce          sync.Once
	wg                 sync.WaitGroup // socket goroutines, which httptest does not track
	mu                 sync.Mutex
	changed            chan struct{} // closed and replaced on every mutation
	state              state
}

// Option configures a Server in NewServer.
type Option func(*Server)

// NewServer starts the fake Slack on a loopback port. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		appToken:     "xapp-1-A0TEST-0-fake",
		botToken:     "xoxb-fake-bot-token",
		teamID:       "T0TEST",
		teamName:     "Test Team",
		botUserID:    "U0BOT",
		botName:      "polyvbot",
		pingInterval: time.Second,
		ackTimeout:   3 * time.Second,
		eventRetries: defaultEventRetries,
		now:          time.Now,
		log:          slog.New(slog.DiscardHandler),
		closed:       make(chan struct{}),
		changed:      make(chan struct{}),
		state:        newState(),
	}
	for _, opt := range opts {
		opt(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/ws/{ticket}", s.serveSocket)
	mux.HandleFunc("/response/", s.serveResponseURL)
	s.httpSrv = httptest.NewServer(s.recordRequests(mux))
	return s
}

// WithAppToken sets the app-level token apps.connections.open accepts.
func WithAppToken(tok string) Option { return func(s *Server) { s.appToken = tok } }

// WithBotToken sets the bot token every other Web API method accepts.
func WithBotToken(tok string) Option { return func(s *Server) { s.botToken = tok } }

// WithPingInterval sets how often the server pings each socket (default 1s).
// Clients must wait longer than this before declaring a socket dead.
func WithPingInterval(d time.Duration) Option { return func(s *Server) { s.pingInterval = d } }

// WithLatency delays every Web API and response_url answer by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithTeam sets the workspace auth.test and slash commands report.
func WithTeam(id, name string) Option {
	return func(s *Server) { s.teamID, s.teamName = id, name }
}

// WithBotUser sets the bot user auth.test reports.
func WithBotUser(id, name string) Option {
	return func(s *Server) { s.botUserID, s.botName = id, name }
}

// WithClock sets the clock used for the recorded times (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger sets where the server logs connection events (default: nowhere).
// Tokens are never logged.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// URL returns the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.httpSrv.URL }

// APIURL returns the Web API base URL with the trailing slash slack-go needs.
func (s *Server) APIURL() string { return s.httpSrv.URL + "/api/" }

// AppToken returns the app-level token the server accepts.
func (s *Server) AppToken() string { return s.appToken }

// BotToken returns the bot token the server accepts.
func (s *Server) BotToken() string { return s.botToken }

// Close closes every socket and the HTTP server, releases every waiter and
// waits for the server's goroutines to end. It is safe to call twice.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		conns := s.state.liveConns()
		s.signalLocked()
		s.mu.Unlock()
		for _, c := range conns {
			c.close()
		}
		s.httpSrv.Close()
		s.wg.Wait()
	})
}

// WaitFor blocks until pred(s) is true, ctx is done or the server is closed.
// pred runs without the server's lock held, so it may call any method.
func (s *Server) WaitFor(ctx context.Context, pred func(*Server) bool) error {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if pred(s) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		}
	}
}

// Request is one HTTP request as the server received it.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	At           time.Time
}

// Requests returns every HTTP request received so far (Web API, response_url
// and websocket upgrades), raw, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.state.requests))
	copy(out, s.state.requests)
	return out
}

// maxBody bounds what the server reads of any request body.
const maxBody = 1 << 20

// recordRequests stores every request before the mux sees it, body included,
// so tests can scan all traffic for leaked secrets.
func (s *Server) recordRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			http.Error(w, "reading body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mutate(func(st *state) {
			st.requests = append(st.requests, Request{
				Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, At: s.now(),
			})
		})
		next.ServeHTTP(w, r)
	})
}

// mutate applies f under the lock and wakes every waiter.
func (s *Server) mutate(f func(*state)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.state)
	s.signalLocked()
}

func (s *Server) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// read runs f under the lock, for accessors.
func (s *Server) read(f func(*state)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.state)
}

// sleep waits d unless the request ends or the server closes first.
func (s *Server) sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.closed:
	}
}

// wsBase is the websocket URL prefix for this server.
func (s *Server) wsBase() string {
	return "ws" + strings.TrimPrefix(s.httpSrv.URL, "http")
}

// params merges the query string and the body (form or JSON) of r.
func params(r *http.Request, body []byte) url.Values {
	v := r.URL.Query()
	for k, vals := range parseBody(r.Header.Get("Content-Type"), body) {
		v[k] = append(v[k], vals...)
	}
	return v
}
