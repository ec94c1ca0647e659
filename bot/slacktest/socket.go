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
	// EnvelopeID is generated when empty; set it to send duplicates.
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

// SendSlashCommand delivers a slash_commands envelope over the newest socket,
// waiting (bounded by ctx) for one. It returns the envelope id and the
// response_url the command carries, which points at this server.
func (s *Server) SendSlashCommand(ctx context.Context, cmd SlashCommand) (envelopeID, responseURL string, err error) {
	cmd = s.withDefaults(cmd)
	var seq int
	s.mutate(func(st *state) {
		st.envSeq++
		seq = st.envSeq
		st.channelNames[cmd.ChannelID] = cmd.ChannelName
	})
	envelopeID = cmd.EnvelopeID
	if envelopeID == "" {
		envelopeID = fmt.Sprintf("env-%d-slash", seq)
	}
	responseURL = fmt.Sprintf("%s/response/%s/%d", s.httpSrv.URL, s.teamID, seq)
	payload := map[string]any{
		"token": "fake-verification-token", "team_id": cmd.TeamID, "team_domain": "test",
		"channel_id": cmd.ChannelID, "channel_name": cmd.ChannelName,
		"user_id": cmd.UserID, "user_name": cmd.UserName,
		"command": cmd.Command, "text": cmd.Text,
		"api_app_id": appID, "is_enterprise_install": false,
		"response_url": responseURL, "trigger_id": fmt.Sprintf("%d.trigger.%d", seq, seq),
	}
	if err := s.sendEnvelope(ctx, envelopeID, "slash_commands", true, payload); err != nil {
		return "", "", err
	}
	return envelopeID, responseURL, nil
}

// SendInteractive delivers an "interactive" envelope (block_actions and the
// like) whose payload is payload marshalled to JSON.
func (s *Server) SendInteractive(ctx context.Context, payload any) (envelopeID string, err error) {
	var seq int
	s.mutate(func(st *state) { st.envSeq++; seq = st.envSeq })
	envelopeID = fmt.Sprintf("env-%d-interactive", seq)
	if err := s.sendEnvelope(ctx, envelopeID, "interactive", false, payload); err != nil {
		return "", err
	}
	return envelopeID, nil
}

// SendRaw writes frame as-is over the newest socket, waiting (bounded by ctx)
// for one. If the frame carries an envelope_id, its send time is recorded
// for the Ack.
func (s *Server) SendRaw(ctx context.Context, frame []byte) error {
	c, err := s.waitConn(ctx)
	if err != nil {
		return err
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(frame, &env) == nil && env.EnvelopeID != "" {
		s.mutate(func(st *state) { st.sentAt[env.EnvelopeID] = s.now() })
	}
	if err := c.write(frame); err != nil {
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
	frame, _ := json.Marshal(map[string]any{
		"type": "disconnect", "reason": reason, "debug_info": map[string]string{"host": "fake"},
	})
	for _, c := range s.live() {
		_ = c.write(frame)
		c.closeGracefully()
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

func (s *Server) sendEnvelope(ctx context.Context, id, typ string, acceptsPayload bool, payload any) error {
	frame, err := json.Marshal(map[string]any{
		"envelope_id": id, "type": typ, "accepts_response_payload": acceptsPayload,
		"payload": payload, "retry_attempt": 0, "retry_reason": "",
	})
	if err != nil {
		return fmt.Errorf("slacktest: encoding %s envelope: %w", typ, err)
	}
	if err := s.SendRaw(ctx, frame); err != nil {
		return fmt.Errorf("slacktest: sending %s envelope: %w", typ, err)
	}
	return nil
}

// waitConn waits for the newest socket that has had its hello.
func (s *Server) waitConn(ctx context.Context) (*wsConn, error) {
	var c *wsConn
	err := s.WaitFor(ctx, func(s *Server) bool {
		s.read(func(st *state) { c = st.newestReady() })
		return c != nil
	})
	if err != nil {
		return nil, fmt.Errorf("slacktest: waiting for a socket: %w", err)
	}
	return c, nil
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
