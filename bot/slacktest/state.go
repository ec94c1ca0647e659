package slacktest

import (
	"encoding/json"
	"net/url"
	"slices"
	"time"
)

// Message is one chat.postMessage call, with later chat.update calls on it.
type Message struct {
	Channel, Text, ThreadTS, TS string
	// Blocks holds the raw blocks JSON as posted, nil if none.
	Blocks json.RawMessage
	// Params is everything the client sent, for asserting what it did not
	// send (link_names, parse=full).
	Params url.Values
	// Updates holds the texts of later chat.update calls, in order; Text
	// stays the text first posted.
	Updates []string
	// UpdatedBlocks holds the blocks of the latest chat.update that had any.
	UpdatedBlocks json.RawMessage
	At            time.Time
}

// Latest returns the text of the last chat.update, or Text if none.
func (m Message) Latest() string {
	if len(m.Updates) == 0 {
		return m.Text
	}
	return m.Updates[len(m.Updates)-1]
}

// Ephemeral is one chat.postEphemeral call.
type Ephemeral struct {
	Channel, User, Text string
	Blocks              json.RawMessage
	At                  time.Time
}

// ResponsePost is one POST to a response_url.
type ResponsePost struct {
	URL                             string
	ResponseType, Text              string
	ReplaceOriginal, DeleteOriginal bool
	Blocks                          json.RawMessage
	At                              time.Time
}

// Ack is one acknowledgement a client sent over a socket.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil when the ack had no payload
	// Conn is the connection the ack came over (see Connection).
	Conn   int
	SentAt time.Time // when the envelope was written to the socket
	At     time.Time // when the ack arrived
}

// Text decodes the ack payload's "text" and "response_type"; both are empty
// when the payload is missing or has no such fields.
func (a Ack) Text() (text, responseType string) {
	var p struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
	}
	if len(a.Payload) == 0 || json.Unmarshal(a.Payload, &p) != nil {
		return "", ""
	}
	return p.Text, p.ResponseType
}

// Failure is a scripted Web API (or response_url) failure.
type Failure struct {
	HTTPStatus int    // e.g. 429 or 500 (0 = 200)
	RetryAfter string // Retry-After header value, for 429
	Error      string // Slack error string for {"ok":false,"error":…}
	// Channel limits the failure to calls whose channel parameter is this
	// one (chat.postMessage to the ops channel, say, but not to the audit
	// channel or a DM); empty means every call of the method.
	Channel string
	// Delay holds the answer back this long first; the request still ends
	// early when the client gives up or the server closes, so a long Delay
	// is a Slack that hangs. A Failure with a Delay and neither HTTPStatus
	// nor Error is a slow Slack: after the delay the call is answered as
	// usual.
	Delay time.Duration
	// Delivered makes the call take effect before the failure is answered,
	// like a proxy that forwarded the post and then answered 502: the
	// message is recorded but the client is told it failed.
	Delivered bool
}

type userGroup struct {
	handle  string
	members []string
	err     string
}

// state is everything the server records and every script it follows,
// guarded by Server.mu.
type state struct {
	requests       []Request
	calls          map[string]int
	failNext       map[string][]Failure
	failAlways     map[string]Failure
	messages       []Message
	ephemerals     []Ephemeral
	responsePosts  []ResponsePost
	responseCounts map[string]int
	refusals       []Refusal
	tsSeq          int64
	groups         map[string]*userGroup
	notInChannel   map[string]bool
	channelNames   map[string]string
	// Socket Mode
	ticketSeq   int
	hellos      int
	tickets     map[string]bool
	conns       []*wsConn // every socket ever accepted, oldest first
	connSeq     int
	envSeq      int
	envelopes   []*Envelope
	unacked     map[string][]*Envelope // by envelope_id, oldest send first
	acks        []Ack
	pingsOff    bool
	dropSockets bool
	routing     Routing
	lastRouted  int // the connection the policy last picked
	routeNext   int // set by RouteNext, 0 when none
}

func newState() state {
	return state{
		calls:          map[string]int{},
		failNext:       map[string][]Failure{},
		failAlways:     map[string]Failure{},
		responseCounts: map[string]int{},
		groups:         map[string]*userGroup{},
		notInChannel:   map[string]bool{},
		channelNames:   map[string]string{},
		tickets:        map[string]bool{},
		unacked:        map[string][]*Envelope{},
	}
}

// liveConns returns the sockets still open, oldest first.
func (st *state) liveConns() []*wsConn {
	var out []*wsConn
	for _, c := range st.conns {
		if !c.isDone() {
			out = append(out, c)
		}
	}
	return out
}

// readyConns returns the open sockets that have had their hello, oldest
// first: those payloads may be routed to.
func (st *state) readyConns() []*wsConn {
	var out []*wsConn
	for _, c := range st.conns {
		if !c.isDone() && c.hello {
			out = append(out, c)
		}
	}
	return out
}

// newestReady returns the newest open socket that has had its hello.
func (st *state) newestReady() *wsConn {
	for i := len(st.conns) - 1; i >= 0; i-- {
		if c := st.conns[i]; !c.isDone() && c.hello {
			return c
		}
	}
	return nil
}

// conn returns the socket with id, open or not, or nil if none had it.
func (st *state) conn(id int) *wsConn {
	// IDs are assigned in order and sockets are never removed.
	if id < 1 || id > len(st.conns) {
		return nil
	}
	return st.conns[id-1]
}

func (st *state) recordEnvelope(e *Envelope) {
	st.envelopes = append(st.envelopes, e)
	st.unacked[e.EnvelopeID] = append(st.unacked[e.EnvelopeID], e)
}

// forgetEnvelope removes e, whose write failed, from the records.
func (st *state) forgetEnvelope(e *Envelope) {
	st.envelopes = slices.DeleteFunc(st.envelopes, func(x *Envelope) bool { return x == e })
	q := slices.DeleteFunc(st.unacked[e.EnvelopeID], func(x *Envelope) bool { return x == e })
	if len(q) == 0 {
		delete(st.unacked, e.EnvelopeID)
		return
	}
	st.unacked[e.EnvelopeID] = q
}

// ack matches an ack to the oldest unacked send of its envelope_id. An ack
// with none (a second ack, or one for an envelope never sent) takes the
// latest send's time, if any.
func (st *state) ack(id string, payload json.RawMessage, conn int, at time.Time) Ack {
	a := Ack{EnvelopeID: id, Payload: payload, Conn: conn, At: at}
	if q := st.unacked[id]; len(q) > 0 {
		e := q[0]
		if len(q) == 1 {
			delete(st.unacked, id)
		} else {
			st.unacked[id] = q[1:]
		}
		e.Acked, e.AckConn, e.AckedAt = true, conn, at
		a.SentAt = e.SentAt
		return a
	}
	for i := len(st.envelopes) - 1; i >= 0; i-- {
		if st.envelopes[i].EnvelopeID == id {
			a.SentAt = st.envelopes[i].SentAt
			break
		}
	}
	return a
}

// slowOnly reports whether f only delays an answer that is otherwise normal.
func (f Failure) slowOnly() bool { return f.Delay > 0 && f.HTTPStatus == 0 && f.Error == "" }

// failure pops the first scripted failure for method that applies to
// channel, if any.
func (st *state) failure(method, channel string) (Failure, bool) {
	q := st.failNext[method]
	for i, f := range q {
		if f.Channel == "" || f.Channel == channel {
			st.failNext[method] = append(q[:i:i], q[i+1:]...)
			return f, true
		}
	}
	f, ok := st.failAlways[method]
	if ok && f.Channel != "" && f.Channel != channel {
		return Failure{}, false
	}
	return f, ok
}

func (st *state) findMessage(channel, ts string) *Message {
	for i := range st.messages {
		if st.messages[i].Channel == channel && st.messages[i].TS == ts {
			return &st.messages[i]
		}
	}
	return nil
}
