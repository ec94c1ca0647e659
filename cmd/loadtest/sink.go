package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// webSink is the Slack Web API the bot talks to during a soak. It answers
// the calls that carry a command's messages (chat.postMessage, chat.update,
// chat.postEphemeral) itself, as the fake Slack would, keeping only what
// the soak measures: per Polyv channel, the times of the thread replies
// naming it. Every other call (apps.connections.open, auth.test, …) goes to
// the fake Slack, which also keeps serving the socket and response_url.
//
// The fake Slack keeps every message and request and finds the message a
// chat.update names by scanning them all, under the lock that also stamps
// acks: over a 12-minute soak of ~100 000 messages that cost grows into the
// very latencies being measured. The sink's cost per call is constant.
type webSink struct {
	srv      *httptest.Server
	fwd      http.Handler
	botToken string

	mu     sync.Mutex
	tsSeq  int64
	traces map[int64]channelTrace
	posts  int // thread replies and parents
	// updates, ephemerals: calls answered, for the report.
	updates, ephemerals int
	// unmatched counts thread replies that named no Polyv channel.
	unmatched int
}

// newWebSink starts a sink that forwards to the fake Slack at apiBase
// (its Web API base URL, ending in "/api/").
func newWebSink(apiBase, botToken string) (*webSink, error) {
	u, err := url.Parse(apiBase)
	if err != nil {
		return nil, fmt.Errorf("fake Slack URL: %w", err)
	}
	target := &url.URL{Scheme: u.Scheme, Host: u.Host}
	s := &webSink{fwd: httputil.NewSingleHostReverseProxy(target), botToken: botToken, traces: map[int64]channelTrace{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// APIURL is the base URL to give the bot as SLACK_API_URL.
func (s *webSink) APIURL() string { return s.srv.URL + "/api/" }

// Close stops the sink.
func (s *webSink) Close() { s.srv.Close() }

// sinkCounts is a snapshot of what the sink answered.
type sinkCounts struct {
	Posts, Updates, Ephemerals, Unmatched int
	Channels                              int // Polyv channels with at least one reply
}

// counts returns what the sink answered so far.
func (s *webSink) counts() sinkCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sinkCounts{Posts: s.posts, Updates: s.updates, Ephemerals: s.ephemerals, Unmatched: s.unmatched, Channels: len(s.traces)}
}

// snapshot copies the traces of the given channels.
func (s *webSink) snapshot(ids func(yield func(int64) bool)) map[int64]channelTrace {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]channelTrace{}
	for id := range ids {
		if t, ok := s.traces[id]; ok {
			out[id] = t
		}
	}
	return out
}

func (s *webSink) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || (method != "chat.postMessage" && method != "chat.update" && method != "chat.postEphemeral") {
		s.fwd.ServeHTTP(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeSlack(w, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	if !s.authorized(r) {
		writeSlack(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	ch, text := r.Form.Get("channel"), r.Form.Get("text")
	if ch == "" {
		writeSlack(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	switch method {
	case "chat.postMessage":
		thread := r.Form.Get("thread_ts")
		ts := s.post(thread, text)
		msg := map[string]any{"type": "message", "text": text, "user": "U0BOT", "bot_id": "B0BOT", "ts": ts}
		if thread != "" {
			msg["thread_ts"] = thread
		}
		writeSlack(w, map[string]any{"ok": true, "channel": ch, "ts": ts, "message": msg})
	case "chat.update":
		s.mu.Lock()
		s.updates++
		s.mu.Unlock()
		writeSlack(w, map[string]any{"ok": true, "channel": ch, "ts": r.Form.Get("ts"), "text": text})
	default:
		s.mu.Lock()
		s.ephemerals++
		ts := s.nextTSLocked()
		s.mu.Unlock()
		writeSlack(w, map[string]any{"ok": true, "message_ts": ts})
	}
}

// authorized accepts the bot token as the bot sends it (a Bearer header),
// or in the form as Slack also allows.
func (s *webSink) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		tok = r.Form.Get("token")
	}
	return tok == s.botToken
}

// post records a message and returns its ts. The time is taken under the
// lock, so the replies of a channel are observed in the order stamped.
func (s *webSink) post(thread, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	ts := s.nextTSLocked()
	if thread == "" {
		return ts
	}
	id, ok := replyID(text)
	if !ok {
		s.unmatched++
		return ts
	}
	t := s.traces[id]
	t.observe(text, time.Now())
	s.traces[id] = t
	return ts
}

func (s *webSink) nextTSLocked() string {
	s.tsSeq++
	micros := s.tsSeq * 100
	return fmt.Sprintf("%d.%06d", 1700000000+micros/1_000_000, micros%1_000_000)
}

func writeSlack(w http.ResponseWriter, body map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(body)
}
