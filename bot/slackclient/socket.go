package slackclient

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// ErrNotConnected is Ack's answer while no connection is up: the ack cannot
// reach Slack (slack-go would queue it and report success).
var ErrNotConnected = errors.New("slack: the Socket Mode connection is down")

// Handlers receive what arrives over the Socket Mode connection. They are
// called from one goroutine, in order, and must return quickly: ack, hand
// the work on. Any of them may be nil.
type Handlers struct {
	SlashCommand func(ctx context.Context, envelopeID string, cmd slack.SlashCommand)
	Interaction  func(ctx context.Context, envelopeID string, cb slack.InteractionCallback)
	Connected    func()           // Slack's hello arrived: payloads can come
	Disconnected func(why string) // the connection is down, or not up yet
}

// Socket is the Socket Mode connection of one process. Slack sends each
// payload to one of the app's open connections, so several processes may
// hold one each.
type Socket struct {
	sm   *socketmode.Client
	gate *connectGate
	up   atomic.Bool
	// cut ends the current slack-go run; see supervise.
	cut atomic.Pointer[context.CancelFunc]
}

// Socket returns the Socket Mode connection over this client. pingTimeout
// is how long without a ping from Slack before the connection is declared
// dead (default 30 s).
func (c *Client) Socket(pingTimeout time.Duration) *Socket {
	if pingTimeout <= 0 {
		pingTimeout = 30 * time.Second
	}
	return &Socket{
		sm: socketmode.New(c.API, socketmode.OptionPingInterval(pingTimeout),
			socketmode.OptionDebug(true), socketmode.OptionLog(disconnectWatch{gate: c.gate, log: c.log})),
		gate: c.gate,
	}
}

// Run connects and delivers payloads to h until ctx ends, then closes the
// connection (Slack sends new payloads to the app's other connections) and
// delivers what had already arrived before it returns nil. It returns a
// *FatalError when Slack rejects the app token.
func (s *Socket) Run(ctx context.Context, h Handlers) error {
	// Handlers outlive ctx for payloads that arrived before the close.
	hctx := context.WithoutCancel(ctx)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	supervised := make(chan error, 1)
	go func() { supervised <- s.supervise(sctx) }()
	for {
		select {
		case evt := <-s.sm.Events:
			if err := s.dispatch(hctx, evt, h); err != nil {
				stop()
				<-supervised
				s.up.Store(false)
				return err
			}
		case err := <-supervised:
			s.up.Store(false)
			s.deliverArrived(hctx, h)
			return err
		}
	}
}

// Ack acknowledges an envelope, with payload shown to the invoker when it
// is not nil. It fails at once when the connection is down.
func (s *Socket) Ack(ctx context.Context, envelopeID string, payload any) error {
	if !s.up.Load() {
		return ErrNotConnected
	}
	return s.sm.AckCtx(ctx, envelopeID, payload)
}

// supervise runs slack-go's connection loop until ctx ends or a token is
// rejected. slack-go reconnects at once after a connection dies, and after
// a failed attempt it waits a backoff of its own that grows to 5 minutes.
// Neither is what a bot needs at 3 a.m., so the reconnect policy is ours,
// in one place: every attempt passes the connect gate (the one capped,
// jittered backoff), and dispatch cuts slack-go's run at its first failed
// attempt, before its own backoff starts; this loop then starts a fresh
// run, whose first step is the gate.
func (s *Socket) supervise(ctx context.Context) error {
	for {
		runCtx, cancel := context.WithCancel(ctx)
		s.cut.Store(&cancel)
		err := s.sm.RunContext(runCtx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if fatal := fatalRunError(err); fatal != nil {
			return fatal
		}
	}
}

// cutRun ends slack-go's current run; supervise starts the next.
func (s *Socket) cutRun() {
	if cancel := s.cut.Load(); cancel != nil {
		(*cancel)()
	}
}

// dispatch handles one slack-go event; it returns a *FatalError when the app
// token was rejected.
func (s *Socket) dispatch(ctx context.Context, evt socketmode.Event, h Handlers) error {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, _ := evt.Data.(slack.SlashCommand)
		if evt.Request != nil && h.SlashCommand != nil {
			h.SlashCommand(ctx, evt.Request.EnvelopeID, cmd)
		}
	case socketmode.EventTypeInteractive:
		cb, _ := evt.Data.(slack.InteractionCallback)
		if evt.Request != nil && h.Interaction != nil {
			h.Interaction(ctx, evt.Request.EnvelopeID, cb)
		}
	case socketmode.EventTypeEventsAPI:
		if evt.Request != nil {
			ackNow(ctx, s, evt.Request.EnvelopeID)
		}
	case socketmode.EventTypeHello:
		s.gate.hello()
		s.up.Store(true)
		call(h.Connected)
	case socketmode.EventTypeConnecting:
		s.down(h, "connecting to Slack")
	case socketmode.EventTypeDisconnect:
		s.down(h, "Slack asked to reconnect")
	case socketmode.EventTypeIncomingError:
		if lost(evt) {
			s.down(h, "connection lost; reconnecting")
		}
	case socketmode.EventTypeConnectionError:
		return s.connectionError(evt, h)
	case socketmode.EventTypeInvalidAuth:
		return &FatalError{Op: "apps.connections.open", SlackError: "invalid_auth", Why: "SLACK_APP_TOKEN was rejected"}
	}
	return nil
}

// connectionError records a failed attempt (see LastConnectFailure) and
// cuts slack-go's run short (see supervise), unless no retry can help.
func (s *Socket) connectionError(evt socketmode.Event, h Handlers) error {
	ce, _ := evt.Data.(*slack.ConnectionErrorEvent)
	if ce == nil || ce.ErrorObj == nil {
		return nil
	}
	if fatal := AsFatal("apps.connections.open (SLACK_APP_TOKEN)", ce.ErrorObj); fatal != nil {
		return fatal
	}
	s.gate.failed(ce.ErrorObj)
	s.down(h, "cannot connect to Slack")
	s.cutRun()
	return nil
}

func (s *Socket) down(h Handlers, why string) {
	s.up.Store(false)
	if h.Disconnected != nil {
		h.Disconnected(why)
	}
}

// deliverArrived hands on the payloads slack-go had already read when the
// connection closed; nothing reads the events afterwards.
func (s *Socket) deliverArrived(ctx context.Context, h Handlers) {
	for {
		select {
		case evt := <-s.sm.Events:
			if evt.Type == socketmode.EventTypeSlashCommand || evt.Type == socketmode.EventTypeInteractive {
				_ = s.dispatch(ctx, evt, h)
			}
		default:
			return
		}
	}
}

// lost reports an incoming error that ends the connection; slack-go keeps
// the connection after a frame it cannot decode.
func lost(evt socketmode.Event) bool {
	ie, _ := evt.Data.(*slack.IncomingEventError)
	if ie == nil {
		return true
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	return !errors.As(ie.ErrorObj, &syntaxErr) && !errors.As(ie.ErrorObj, &typeErr)
}

func ackNow(ctx context.Context, s *Socket, envelopeID string) {
	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_ = s.Ack(actx, envelopeID, nil)
}

func call(f func()) {
	if f != nil {
		f()
	}
}
