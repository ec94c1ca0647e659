package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Messages returns every chat.postMessage call so far, in order, with later
// chat.update calls folded into each.
func (s *Server) Messages() []Message {
	var out []Message
	s.read(func(st *state) { out = copyMessages(st.messages, func(Message) bool { return true }) })
	return out
}

// ChannelMessages returns the top-level messages (no ThreadTS) in channel.
func (s *Server) ChannelMessages(channel string) []Message {
	var out []Message
	s.read(func(st *state) {
		out = copyMessages(st.messages, func(m Message) bool { return m.Channel == channel && m.ThreadTS == "" })
	})
	return out
}

// Thread returns the replies in channel whose ThreadTS is ts.
func (s *Server) Thread(channel, ts string) []Message {
	var out []Message
	s.read(func(st *state) {
		out = copyMessages(st.messages, func(m Message) bool { return m.Channel == channel && m.ThreadTS == ts })
	})
	return out
}

// Ephemerals returns every chat.postEphemeral call so far, in order.
func (s *Server) Ephemerals() []Ephemeral {
	var out []Ephemeral
	s.read(func(st *state) { out = append([]Ephemeral(nil), st.ephemerals...) })
	return out
}

// ResponsePosts returns every accepted response_url post so far, in order.
func (s *Server) ResponsePosts() []ResponsePost {
	var out []ResponsePost
	s.read(func(st *state) { out = append([]ResponsePost(nil), st.responsePosts...) })
	return out
}

// reply is a Slack Web API answer body.
type reply map[string]any

// handlers maps each implemented method to its handler, which runs under the
// server's lock and must not block.
var handlers = map[string]func(*Server, *state, url.Values) reply{
	"apps.connections.open": (*Server).connectionsOpen,
	"auth.test":             (*Server).authTest,
	"chat.postMessage":      (*Server).postMessage,
	"chat.postEphemeral":    (*Server).postEphemeral,
	"chat.update":           (*Server).update,
	"chat.getPermalink":     (*Server).permalink,
	"usergroups.users.list": (*Server).groupMembers,
	"usergroups.list":       (*Server).groupList,
	"conversations.info":    (*Server).conversationInfo,
}

// serveAPI answers one Web API call: count it, wait the latency, apply a
// scripted failure, check the token, then run the method.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	body, _ := io.ReadAll(r.Body)
	v := params(r, body)
	s.mutate(func(st *state) { st.calls[method]++ })
	s.sleep(r.Context(), s.latency)
	if r.Context().Err() != nil {
		return // the client gave up before the fake got to it: nothing takes effect
	}
	fail := s.scriptedFailure(r, method, v.Get("channel"))
	var res reply
	if fail == nil || fail.Delivered {
		s.mutate(func(st *state) { res = s.dispatch(st, method, r.Header.Get("Authorization"), v) })
	}
	if fail != nil {
		writeFailure(w, *fail)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// scriptedFailure pops the failure scripted for this call, if any, and
// waits out its Delay.
func (s *Server) scriptedFailure(r *http.Request, method, channel string) *Failure {
	var fail *Failure
	s.mutate(func(st *state) {
		if f, ok := st.failure(method, channel); ok {
			fail = &f
		}
	})
	if fail == nil {
		return nil
	}
	s.sleep(r.Context(), fail.Delay)
	if fail.slowOnly() && r.Context().Err() == nil {
		return nil
	}
	// The client gave up waiting (or the failure is real): nothing takes
	// effect unless the failure says it was delivered.
	return fail
}

func (s *Server) dispatch(st *state, method, authz string, v url.Values) reply {
	h, ok := handlers[method]
	if !ok {
		return slackError("unknown_method")
	}
	want, formOK := s.botToken, true
	if method == "apps.connections.open" {
		want, formOK = s.appToken, false
	}
	if !authorized(authz, v.Get("token"), want, formOK) {
		return slackError("invalid_auth")
	}
	return h(s, st, v)
}

// authorized reports whether the request carries want as a Bearer header
// or, when formOK, as a token field.
func authorized(authz, formToken, want string, formOK bool) bool {
	if bearer, ok := strings.CutPrefix(authz, "Bearer "); ok && bearer == want {
		return true
	}
	return formOK && authz == "" && formToken == want
}

func (s *Server) connectionsOpen(st *state, _ url.Values) reply {
	return reply{"ok": true, "url": s.ticketURL(st)}
}

func (s *Server) authTest(_ *state, _ url.Values) reply {
	return reply{
		"ok": true, "url": "https://test.slack.com/", "team": s.teamName, "user": s.botName,
		"team_id": s.teamID, "user_id": s.botUserID, "bot_id": "B0BOT",
	}
}

func (s *Server) postMessage(st *state, v url.Values) reply {
	ch := v.Get("channel")
	if errReply := checkChannel(st, ch); errReply != nil {
		return errReply
	}
	if errReply := s.refuseBlocks(st, "chat.postMessage", v); errReply != nil {
		return errReply
	}
	if v.Get("text") == "" && v.Get("blocks") == "" && v.Get("attachments") == "" {
		return slackError("no_text")
	}
	ts := st.nextTS()
	m := Message{
		Channel: ch, Text: cutText(v.Get("text")), ThreadTS: v.Get("thread_ts"), TS: ts,
		Blocks: rawOrNil(v.Get("blocks")), Params: cloneValues(v), At: s.now(),
	}
	st.messages = append(st.messages, m)
	msg := reply{"type": "message", "text": m.Text, "user": s.botUserID, "bot_id": "B0BOT", "ts": ts}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	return reply{"ok": true, "channel": ch, "ts": ts, "message": msg}
}

func (s *Server) update(st *state, v url.Values) reply {
	ch, ts := v.Get("channel"), v.Get("ts")
	if errReply := checkChannel(st, ch); errReply != nil {
		return errReply
	}
	if errReply := s.refuseBlocks(st, "chat.update", v); errReply != nil {
		return errReply
	}
	m := st.findMessage(ch, ts)
	if m == nil {
		return slackError("message_not_found")
	}
	text := cutText(v.Get("text"))
	m.Updates = append(m.Updates, text)
	if b := rawOrNil(v.Get("blocks")); b != nil {
		m.UpdatedBlocks = b
	}
	return reply{"ok": true, "channel": ch, "ts": ts, "text": text}
}

func (s *Server) postEphemeral(st *state, v url.Values) reply {
	ch, user := v.Get("channel"), v.Get("user")
	if ch == "" {
		return slackError("channel_not_found")
	}
	if user == "" {
		return slackError("user_not_found")
	}
	if errReply := s.refuseBlocks(st, "chat.postEphemeral", v); errReply != nil {
		return errReply
	}
	st.ephemerals = append(st.ephemerals, Ephemeral{
		Channel: ch, User: user, Text: cutText(v.Get("text")), Blocks: rawOrNil(v.Get("blocks")), At: s.now(),
	})
	return reply{"ok": true, "message_ts": st.nextTS()}
}

func (s *Server) permalink(st *state, v url.Values) reply {
	ch, ts := v.Get("channel"), v.Get("message_ts")
	if st.findMessage(ch, ts) == nil {
		return slackError("message_not_found")
	}
	link := fmt.Sprintf("https://test.slack.com/archives/%s/p%s", ch, strings.ReplaceAll(ts, ".", ""))
	return reply{"ok": true, "channel": ch, "permalink": link}
}

func (s *Server) groupMembers(st *state, v url.Values) reply {
	g, ok := st.groups[v.Get("usergroup")]
	switch {
	case !ok:
		return slackError("no_such_subteam")
	case g.err != "":
		return slackError(g.err)
	}
	return reply{"ok": true, "users": append([]string{}, g.members...)}
}

func (s *Server) groupList(st *state, _ url.Values) reply {
	ids := make([]string, 0, len(st.groups))
	for id := range st.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	list := make([]reply, 0, len(ids))
	for _, id := range ids {
		g := st.groups[id]
		if g.err != "" {
			return slackError(g.err)
		}
		list = append(list, reply{
			"id": id, "team_id": s.teamID, "handle": g.handle, "name": g.handle,
			"user_count": len(g.members), "users": append([]string{}, g.members...),
		})
	}
	return reply{"ok": true, "usergroups": list}
}

func (s *Server) conversationInfo(st *state, v url.Values) reply {
	ch := v.Get("channel")
	if ch == "" {
		return slackError("channel_not_found")
	}
	name := st.channelNames[ch]
	if name == "" {
		name = strings.ToLower(ch)
	}
	return reply{"ok": true, "channel": reply{
		"id": ch, "name": name, "is_channel": true, "is_member": !st.notInChannel[ch],
	}}
}

// serveResponseURL records a post to a response_url. Like Slack it accepts
// five posts per URL and refuses later ones, and refuses blocks that break
// a Block Kit rule (see refuseResponse).
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	const method = "response_url"
	body, _ := io.ReadAll(r.Body)
	s.mutate(func(st *state) { st.calls[method]++ })
	s.sleep(r.Context(), s.latency)
	if r.Context().Err() != nil {
		return
	}
	b, err := parseResponseBody(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, slackError("invalid_payload"))
		return
	}
	u := s.httpSrv.URL + r.URL.Path
	fail := s.scriptedFailure(r, method, "")
	outcome := responseAccepted
	if fail == nil || fail.Delivered {
		s.mutate(func(st *state) { outcome = s.respond(st, u, b) })
	}
	switch {
	case fail != nil:
		writeFailure(w, *fail)
	case outcome == responseUsedUp:
		writeJSON(w, http.StatusNotFound, slackError("used_url"))
	case outcome == responseRefused:
		refuseResponse(w)
	default:
		writeJSON(w, http.StatusOK, reply{"ok": true})
	}
}

// responseOutcome is what became of a post to a response_url.
type responseOutcome int

const (
	responseAccepted responseOutcome = iota
	responseUsedUp                   // the URL had taken its five posts
	responseRefused                  // its blocks break a Block Kit rule
)

// respond records a post to the response_url u unless it is refused.
func (s *Server) respond(st *state, u string, b responseBody) responseOutcome {
	if st.responseCounts[u] >= 5 {
		return responseUsedUp
	}
	if b.Blocks != nil {
		if problems := checkBlocks(b.Blocks); problems != nil {
			st.refusals = append(st.refusals, Refusal{Method: "response_url", URL: u, Errors: problems, Blocks: b.Blocks, At: s.now()})
			return responseRefused
		}
	}
	st.responseCounts[u]++
	st.responsePosts = append(st.responsePosts, ResponsePost{
		URL: u, ResponseType: b.ResponseType, Text: cutText(b.Text), ReplaceOriginal: b.ReplaceOriginal,
		DeleteOriginal: b.DeleteOriginal, Blocks: b.Blocks, At: s.now(),
	})
	return responseAccepted
}

// refuseResponse answers a response_url post whose blocks Slack would
// refuse. Slack documents no answer for that case; the fake assumes the one
// its incoming webhooks (the same hooks.slack.com service) give and that
// users of response_url report: HTTP 400 with the plain-text body
// "invalid_blocks", without the reasons the Web API gives (Refusals has
// them).
func refuseResponse(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, "invalid_blocks")
}

// refuseBlocks records and answers, as Slack does, a Web API call whose
// blocks break a Block Kit rule; it returns nil when they do not, or when
// there are none.
func (s *Server) refuseBlocks(st *state, method string, v url.Values) reply {
	raw := v.Get("blocks")
	if raw == "" || raw == "null" {
		return nil
	}
	problems := checkBlocks([]byte(raw))
	if problems == nil {
		return nil
	}
	st.refusals = append(st.refusals, Refusal{
		Method: method, Channel: v.Get("channel"), Errors: problems, Blocks: json.RawMessage(raw), At: s.now(),
	})
	messages := make([]string, len(problems))
	for i, p := range problems {
		messages[i] = "[ERROR] " + p
	}
	// The shape of Slack's own answer, reasons and all, so a client
	// logs what it would log in production.
	return reply{"ok": false, "error": "invalid_blocks", "errors": problems,
		"response_metadata": reply{"messages": messages}}
}

func checkChannel(st *state, ch string) reply {
	switch {
	case ch == "":
		return slackError("channel_not_found")
	case st.notInChannel[ch]:
		return slackError("not_in_channel")
	}
	return nil
}

// nextTS returns a message timestamp unique and increasing on this server.
func (st *state) nextTS() string {
	st.tsSeq++
	micros := st.tsSeq * 100
	return fmt.Sprintf("%d.%06d", 1700000000+micros/1_000_000, micros%1_000_000)
}

func slackError(code string) reply { return reply{"ok": false, "error": code} }

func writeFailure(w http.ResponseWriter, f Failure) {
	code := f.Error
	if code == "" {
		code = "internal_error"
		if f.HTTPStatus == http.StatusTooManyRequests {
			code = "ratelimited"
		}
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	status := f.HTTPStatus
	if status == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, slackError(code))
}

func writeJSON(w http.ResponseWriter, status int, body reply) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func rawOrNil(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

func copyMessages(all []Message, keep func(Message) bool) []Message {
	var out []Message
	for _, m := range all {
		if keep(m) {
			m.Params = cloneValues(m.Params)
			m.Updates = append([]string(nil), m.Updates...)
			out = append(out, m)
		}
	}
	return out
}
