package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Routing chooses which live Socket Mode connection a payload goes to. Slack
// sends each payload to exactly one of an app's connections, any one; the
// fake does the same, by a rule a test can choose.
type Routing int

const (
	// RoundRobin sends each payload to the next connection that has had its
	// hello, in the order the connections were opened, wrapping around. It
	// is the default: it spreads payloads as Slack does, but repeatably.
	RoundRobin Routing = iota
	// Random sends each payload to a connection picked at random among those
	// that have had their hello.
	Random
	// Newest sends every payload to the most recently opened connection that
	// has had its hello. With a single client that reconnects, it keeps
	// payloads off a socket the server has not yet seen go away.
	Newest
)

// String names the routing policy.
func (r Routing) String() string {
	switch r {
	case RoundRobin:
		return "round-robin"
	case Random:
		return "random"
	case Newest:
		return "newest"
	default:
		return fmt.Sprintf("Routing(%d)", int(r))
	}
}

// ErrNoConnection is returned when a payload, a close or a drop names a
// connection that is not live: closed, dropped, never opened, or closed by a
// failed write of that very payload.
var ErrNoConnection = errors.New("slacktest: no such live connection")

// WithRouting sets how payloads are spread over the live connections
// (default RoundRobin).
func WithRouting(r Routing) Option { return func(s *Server) { s.state.routing = r } }

// SetRouting changes how later payloads are spread over the live connections.
func (s *Server) SetRouting(r Routing) {
	s.mutate(func(st *state) { st.routing = r })
}

// Connection is one live Socket Mode connection.
type Connection struct {
	// ID is assigned 1, 2, 3… in the order the server accepted sockets, and
	// is never reused.
	ID int
	// Hello reports whether the hello was sent; only then are payloads
	// routed to the connection.
	Hello    bool
	OpenedAt time.Time
}

// Connections returns the live connections, oldest first.
func (s *Server) Connections() []Connection {
	var out []Connection
	s.read(func(st *state) {
		for _, c := range st.liveConns() {
			out = append(out, Connection{ID: c.id, Hello: c.hello, OpenedAt: c.opened})
		}
	})
	return out
}

// WaitConnections blocks until at least n connections are live and have had
// their hello.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	err := s.WaitFor(ctx, func(s *Server) bool {
		var ready int
		s.read(func(st *state) { ready = len(st.readyConns()) })
		return ready >= n
	})
	if err != nil {
		return fmt.Errorf("slacktest: waiting for %d connections: %w", n, err)
	}
	return nil
}

// RouteNext sends the next payload that is not already aimed at a connection
// (SendSlashCommand, SendInteractive, SendRaw, SendEvent and event retries)
// to connection connID instead of the one the routing policy would pick. It
// lets a test steer a payload sent by code it does not control. If connID
// has not opened yet, that send waits for it to open and say hello; if it is
// gone by then, that send fails with ErrNoConnection and the one after it is
// routed as usual. Sends aimed at a connection do not move the round-robin
// position. RouteNext(0) cancels a pending choice.
func (s *Server) RouteNext(connID int) {
	s.mutate(func(st *state) { st.routeNext = connID })
}

// SendSlashCommandTo is SendSlashCommand over connection connID. It waits
// (bounded by ctx) for connID to open and say hello, and fails with
// ErrNoConnection if connID is gone.
func (s *Server) SendSlashCommandTo(ctx context.Context, connID int, cmd SlashCommand) (envelopeID, responseURL string, err error) {
	if connID <= 0 {
		return "", "", fmt.Errorf("slacktest: connection %d: %w", connID, ErrNoConnection)
	}
	return s.sendSlashCommand(ctx, connID, cmd)
}

// SendInteractiveTo is SendInteractive over connection connID, waiting as
// SendSlashCommandTo does.
func (s *Server) SendInteractiveTo(ctx context.Context, connID int, payload any) (envelopeID string, err error) {
	if connID <= 0 {
		return "", fmt.Errorf("slacktest: connection %d: %w", connID, ErrNoConnection)
	}
	return s.sendInteractive(ctx, connID, payload)
}

// CloseConnection sends Slack's disconnect message with reason on connection
// connID and then closes it with a close frame, leaving the others open.
func (s *Server) CloseConnection(connID int, reason string) error {
	c, err := s.liveConn(connID)
	if err != nil {
		return err
	}
	s.disconnect(c, reason)
	return nil
}

// DropConnection closes connection connID's TCP connection without a close
// frame, leaving the others open.
func (s *Server) DropConnection(connID int) error {
	c, err := s.liveConn(connID)
	if err != nil {
		return err
	}
	c.close()
	return nil
}

// Envelope is one payload the server wrote to a socket: every slash command,
// interactive payload and event, and every raw frame that carried an
// envelope_id. A write that failed is not recorded: the payload never left.
type Envelope struct {
	EnvelopeID string
	Type       string // "slash_commands", "interactive", "events_api", or a raw frame's type
	Conn       int    // the connection it was written to
	// RetryAttempt and RetryReason are what the envelope carried; RetryOf is
	// the envelope_id of the first attempt when this one is a retry.
	RetryAttempt int
	RetryReason  string
	RetryOf      string
	SentAt       time.Time
	// Acked reports whether an ack with this envelope_id arrived; acks are
	// matched to sends of the same envelope_id oldest first. AckConn is the
	// connection the ack came over, which after a reconnect may differ from
	// Conn.
	Acked   bool
	AckConn int
	AckedAt time.Time
}

// Envelopes returns every envelope written so far, in send order.
func (s *Server) Envelopes() []Envelope {
	var out []Envelope
	s.read(func(st *state) {
		out = make([]Envelope, 0, len(st.envelopes))
		for _, e := range st.envelopes {
			out = append(out, *e)
		}
	})
	return out
}

// Unacked returns the envelopes whose ack never arrived, in send order,
// each with the connection it went to. Slack does not redeliver a slash
// command or an interactive payload that was not acked (the user sees an
// error instead), so these are the payloads a bot lost. An event attempt
// does not count once a retry of the same event was acked.
func (s *Server) Unacked() []Envelope {
	var out []Envelope
	s.read(func(st *state) {
		acked := map[string]bool{}
		for _, e := range st.envelopes {
			if e.Acked {
				acked[e.chain()] = true
			}
		}
		for _, e := range st.envelopes {
			if !e.Acked && !acked[e.chain()] {
				out = append(out, *e)
			}
		}
	})
	return out
}

// chain names the payload an envelope carries: retries share their first
// attempt's.
func (e *Envelope) chain() string {
	if e.RetryOf != "" {
		return e.RetryOf
	}
	return e.EnvelopeID
}

// deliver writes frame to connection to, or when to is 0 to the one the
// routing policy picks, waiting (bounded by ctx) for one; env describes the
// frame and is recorded when it has an envelope_id. A socket whose write
// fails is closed, and a payload that was not aimed at a connection then
// goes to another one, as the frame never left.
func (s *Server) deliver(ctx context.Context, to int, env Envelope, frame []byte) (Envelope, error) {
	for {
		c, aimed, err := s.route(ctx, to)
		if err != nil {
			return Envelope{}, err
		}
		sent := env
		sent.Conn, sent.SentAt = c.id, s.now()
		// The record is the server's own copy, updated under its lock
		// when the ack arrives; it is made before the write because the
		// ack may arrive before write returns.
		rec := new(Envelope)
		*rec = sent
		if rec.EnvelopeID != "" {
			s.mutate(func(st *state) { st.recordEnvelope(rec) })
		}
		werr := c.write(frame)
		if werr == nil {
			return sent, nil
		}
		if rec.EnvelopeID != "" {
			s.mutate(func(st *state) { st.forgetEnvelope(rec) })
		}
		c.close()
		if aimed {
			return Envelope{}, fmt.Errorf("slacktest: connection %d failed a write: %w: %w", c.id, ErrNoConnection, werr)
		}
		s.log.Debug("slacktest: write failed, routing to another socket", "conn", c.id, "err", werr)
	}
}

// route waits for the connection a payload goes to. aimed reports whether it
// was chosen by to or RouteNext rather than by the policy.
func (s *Server) route(ctx context.Context, to int) (c *wsConn, aimed bool, err error) {
	for {
		s.mu.Lock()
		c, aimed, err = s.state.pick(to)
		changed := s.changed
		s.mu.Unlock()
		if c != nil || err != nil {
			return c, aimed, err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, false, fmt.Errorf("slacktest: waiting for a socket: %w", ctx.Err())
		case <-s.closed:
			return nil, false, fmt.Errorf("slacktest: waiting for a socket: %w", ErrClosed)
		}
	}
}

// pick chooses the connection for one payload, or none yet (nil, nil). It
// consumes a RouteNext choice and moves the round-robin position, so it must
// only be called for a payload about to be written.
func (st *state) pick(to int) (c *wsConn, aimed bool, err error) {
	target, fromRouteNext := to, false
	if target == 0 && st.routeNext != 0 {
		target, fromRouteNext = st.routeNext, true
	}
	if target != 0 {
		c := st.conn(target)
		switch {
		case c == nil && target > st.connSeq:
			return nil, true, nil // not opened yet
		case c == nil || c.isDone():
			if fromRouteNext {
				st.routeNext = 0
			}
			return nil, true, fmt.Errorf("slacktest: connection %d: %w", target, ErrNoConnection)
		case !c.hello:
			return nil, true, nil
		}
		if fromRouteNext {
			st.routeNext = 0
		}
		return c, true, nil
	}
	return st.spread(), false, nil
}

// spread is the ready connection an unaimed payload goes to, as the
// routing says; nil when none is ready.
func (st *state) spread() *wsConn {
	ready := st.readyConns()
	if len(ready) == 0 {
		return nil
	}
	var c *wsConn
	switch st.routing {
	case Newest:
		c = ready[len(ready)-1]
	case Random:
		c = ready[rand.IntN(len(ready))]
	default:
		c = ready[0]
		for _, r := range ready {
			if r.id > st.lastRouted {
				c = r
				break
			}
		}
	}
	st.lastRouted = c.id
	return c
}

func (s *Server) liveConn(id int) (*wsConn, error) {
	var c *wsConn
	s.read(func(st *state) { c = st.conn(id) })
	if c == nil || c.isDone() {
		return nil, fmt.Errorf("slacktest: connection %d: %w", id, ErrNoConnection)
	}
	return c, nil
}

// disconnect sends Slack's disconnect message and closes c with a close frame.
func (s *Server) disconnect(c *wsConn, reason string) {
	frame, _ := json.Marshal(map[string]any{
		"type": "disconnect", "reason": reason, "debug_info": map[string]string{"host": "fake"},
	})
	_ = c.write(frame)
	c.closeGracefully()
}
