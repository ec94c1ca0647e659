package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// SlashCommand describes a slash command to deliver. Empty fields get
// defaults: Command "/polyv", TeamID the server's team, ChannelID "C0OPS",
// ChannelName "ops", UserID "U0USER", UserName the lower-cased UserID.
type SlashCommand struct {
	Command, Text, UserID, UserName, ChannelID, ChannelName, TeamID string
	// EnvelopeID is generated when empty, a UUID like Slack's; set it to
	// send duplicates.
	EnvelopeID string
}

// WaitConnected blocks until a socket is up and has had its hello.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.WaitFor(ctx, (*Server).Connected)
}

// Connected reports whether a socket is up and has had its hello.
func (s *Server) Connected() bool {
	var ok bool
	s.read(func(st *state) { ok = st.newestReady() != nil })
	return ok
}

// ConnectionsOpened returns how many apps.connections.open calls arrived,
// whatever their result.
func (s *Server) ConnectionsOpened() int {
	return s.Calls("apps.connections.open")
}

// SocketsOpened returns how many sockets were accepted and got their hello,
// so a test can wait for a reconnect to complete.
func (s *Server) SocketsOpened() int {
	var n int
	s.read(func(st *state) { n = st.hellos })
	return n
}

// SendSlashCommand delivers a slash_commands envelope over the connection
// the routing policy picks (see Routing and RouteNext), waiting (bounded by
// ctx) for one. A socket that fails the write is closed and the envelope
// goes to another, since it never left. It returns the envelope id and the
// response_url the command carries, which points at this server.
func (s *Server) SendSlashCommand(ctx context.Context, cmd SlashCommand) (envelopeID, responseURL string, err error) {
	return s.sendSlashCommand(ctx, 0, cmd)
}

// SendInteractive delivers an "interactive" envelope (block_actions and the
// like) whose payload is payload marshalled to JSON, routed as
// SendSlashCommand is.
func (s *Server) SendInteractive(ctx context.Context, payload any) (envelopeID string, err error) {
	return s.sendInteractive(ctx, 0, payload)
}

// SendRaw writes frame as-is over the connection the routing policy picks,
// waiting (bounded by ctx) for one. If the frame carries an envelope_id, it
// is recorded as an Envelope, so its Ack gets a send time.
func (s *Server) SendRaw(ctx context.Context, frame []byte) error {
	h := parseEnvelopeHeader(frame)
	env := Envelope{EnvelopeID: h.EnvelopeID, Type: h.Type, RetryAttempt: h.RetryAttempt, RetryReason: h.RetryReason}
	if _, err := s.deliver(ctx, 0, env, frame); err != nil {
		return fmt.Errorf("slacktest: sending raw frame: %w", err)
	}
	return nil
}

// WaitAck blocks until an ack for envelopeID arrives and returns the first.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var found Ack
	err := s.WaitFor(ctx, func(s *Server) bool {
		for _, a := range s.Acks() {
			if a.EnvelopeID == envelopeID {
				found = a
				return true
			}
		}
		return false
	})
	if err != nil {
		return Ack{}, fmt.Errorf("slacktest: waiting for ack of %s: %w", envelopeID, err)
	}
	return found, nil
}

// Acks returns every ack received so far, in arrival order.
func (s *Server) Acks() []Ack {
	var out []Ack
	s.read(func(st *state) { out = append([]Ack(nil), st.acks...) })
	return out
}

// Disconnect sends Slack's disconnect message with reason on every open
// socket and then closes them with a close frame, as Slack does.
func (s *Server) Disconnect(reason string) {
	for _, c := range s.live() {
		s.disconnect(c, reason)
	}
}

// DropConnections closes every socket's TCP connection without a close frame.
func (s *Server) DropConnections() {
	for _, c := range s.live() {
		c.close()
	}
}

// SetPings stops (false) or resumes (true) the server's websocket pings.
func (s *Server) SetPings(on bool) {
	s.mutate(func(st *state) { st.pingsOff = !on })
}

// SetDropNewSockets makes every new socket be accepted and closed at once.
func (s *Server) SetDropNewSockets(on bool) {
	s.mutate(func(st *state) { st.dropSockets = on })
}

// appID is the Socket Mode app the fake reports.
const appID = "A0TEST"

// maxFrame bounds what a client may send in one frame; Slack's limit on acks
// is 20 KB, so this leaves room to see oversized ones arrive.
const maxFrame = 1 << 20

func (s *Server) sendSlashCommand(ctx context.Context, to int, cmd SlashCommand) (envelopeID, responseURL string, err error) {
	cmd = s.withDefaults(cmd)
	var seq int
	s.mutate(func(st *state) {
		st.envSeq++
		seq = st.envSeq
		st.channelNames[cmd.ChannelID] = cmd.ChannelName
	})
	envelopeID = cmd.EnvelopeID
	if envelopeID == "" {
		envelopeID = newEnvelopeID()
	}
	responseURL = s.httpSrv.URL + responseURLPath(cmd.TeamID, seq)
	payload := map[string]any{
		"token": "fake-verification-token", "team_id": cmd.TeamID, "team_domain": "test",
		"channel_id": cmd.ChannelID, "channel_name": cmd.ChannelName,
		"user_id": cmd.UserID, "user_name": cmd.UserName,
		"command": cmd.Command, "text": cmd.Text,
		"api_app_id": appID, "is_enterprise_install": false,
		"response_url": responseURL, "trigger_id": newTriggerID(seq),
	}
	env := Envelope{EnvelopeID: envelopeID, Type: "slash_commands"}
	if _, err := s.sendEnvelope(ctx, to, env, true, payload); err != nil {
		return "", "", err
	}
	return envelopeID, responseURL, nil
}

func (s *Server) sendInteractive(ctx context.Context, to int, payload any) (envelopeID string, err error) {
	env := Envelope{EnvelopeID: newEnvelopeID(), Type: "interactive"}
	if _, err := s.sendEnvelope(ctx, to, env, false, payload); err != nil {
		return "", err
	}
	return env.EnvelopeID, nil
}

// sendEnvelope wraps payload in an envelope described by env and delivers it
// to connection to (0: by the routing policy).
func (s *Server) sendEnvelope(ctx context.Context, to int, env Envelope, acceptsPayload bool, payload any) (Envelope, error) {
	frame, err := json.Marshal(map[string]any{
		"envelope_id": env.EnvelopeID, "type": env.Type, "accepts_response_payload": acceptsPayload,
		"payload": payload, "retry_attempt": env.RetryAttempt, "retry_reason": env.RetryReason,
	})
	if err != nil {
		return Envelope{}, fmt.Errorf("slacktest: encoding %s envelope: %w", env.Type, err)
	}
	sent, err := s.deliver(ctx, to, env, frame)
	if err != nil {
		return Envelope{}, fmt.Errorf("slacktest: sending %s envelope: %w", env.Type, err)
	}
	return sent, nil
}

func (s *Server) live() []*wsConn {
	var out []*wsConn
	s.read(func(st *state) { out = st.liveConns() })
	return out
}

func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

func (s *Server) withDefaults(cmd SlashCommand) SlashCommand {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cmd.Command, "/polyv")
	def(&cmd.TeamID, s.teamID)
	def(&cmd.ChannelID, "C0OPS")
	def(&cmd.ChannelName, "ops")
	def(&cmd.UserID, "U0USER")
	def(&cmd.UserName, strings.ToLower(cmd.UserID))
	return cmd
}

// ticketURL issues a one-use socket URL.
func (s *Server) ticketURL(st *state) string {
	st.ticketSeq++
	t := strconv.Itoa(st.ticketSeq)
	st.tickets[t] = true
	return s.wsBase() + "/ws/" + t
}
