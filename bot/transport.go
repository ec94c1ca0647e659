package bot

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"github.com/polyvbot/polyvbot/bot/slackclient"
)

// Socket is the Socket Mode connection the bot reads payloads from;
// (*slackclient.Client).Socket makes the real one.
type Socket interface {
	Run(ctx context.Context, h slackclient.Handlers) error
	Ack(ctx context.Context, envelopeID string, payload any) error
}

// connectFailures is what a Socket may tell of its failing attempts to
// connect, for Ready; *slackclient.Socket does.
type connectFailures interface {
	LastConnectFailure() (slackclient.ConnectFailure, bool)
}

// ackTimeout bounds how long an ack may wait for the socket.
const ackTimeout = 2 * time.Second

// handlers are what the socket calls. They run on the one goroutine that
// reads the socket, so they only parse, ack and hand work to the pool:
// slow work there would make slack-go stop reading, miss pings and drop
// payloads.
func (b *Bot) handlers() slackclient.Handlers {
	return slackclient.Handlers{
		SlashCommand: b.onSlashCommand,
		Interaction:  b.onInteraction,
		Connected:    b.onConnected,
		Disconnected: func(why string) { b.setReady(false, why) },
	}
}

// onSlashCommand answers bad input, help, an ambiguous stop and overload in
// the ack itself (the invoker sees it privately at once) and queues
// everything else.
func (b *Bot) onSlashCommand(ctx context.Context, envelopeID string, cmd slack.SlashCommand) {
	start := time.Now()
	req := Request{ID: envelopeID, User: cmd.UserID, UserName: cmd.UserName, Channel: cmd.ChannelID,
		ResponseURL: cmd.ResponseURL, Slash: cmd.Command, Text: cmd.Text, Received: time.Now()}
	parsed, err := ParseCommand(cmd.Text)
	req.Command = parsed
	answer := b.instantAnswer(req, err)
	if b.seen.add(envelopeID) {
		// The first ack may have died with the old socket, so the invoker
		// gets the same instant answer again; the command is not run again.
		b.log.Info("duplicate envelope ignored", "envelope_id", envelopeID)
		b.ack(ctx, req, answer)
		return
	}
	var answered *Record // a command the ack itself answers, audited after the ack
	switch {
	case err != nil:
		answered = &Record{Request: req, Decision: Invalid, Problem: err}
	case parsed.Verb == VerbHelp:
		answered = &Record{Request: req, Decision: Helped}
	default:
		if refused := b.submit(req); refused != "" {
			answer = refused
		}
	}
	b.ack(ctx, req, answer)
	b.metrics.observeAck(time.Since(start))
	if answered != nil {
		b.pipe.finish(*answered)
	}
}

// instantAnswer is what a command gets in its ack without any work: the
// refusal of bad input, the help, or how an ambiguous stop was read; ""
// for other commands that run. It depends on the text alone, so that a
// redelivery gets the same answer as the first delivery.
func (b *Bot) instantAnswer(req Request, err error) string {
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		return b.pipe.words.refusalText(req.Slash, err)
	case req.Command.Verb == VerbHelp:
		return b.pipe.words.helpText(req.Slash, b.cfg.WhoMayStop)
	case req.Command.Ambiguous():
		return b.pipe.words.ambiguityText(req.Slash, req.Command)
	}
	return ""
}

// onInteraction acks a button click at once and queues it. Only the
// confirmation's, the cut-off's and the approval request's buttons count:
// a click on anything else never runs an action.
func (b *Bot) onInteraction(ctx context.Context, envelopeID string, cb slack.InteractionCallback) {
	start := time.Now()
	dup := b.seen.add(envelopeID)
	b.ack(ctx, Request{ID: envelopeID}, "")
	b.metrics.observeAck(time.Since(start))
	if dup || cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	action := cb.ActionCallback.BlockActions[0]
	verb := VerbStop
	switch {
	case action.ActionID == ActionConfirm, action.ActionID == ActionCancel, isApprovalAction(action.ActionID):
	case action.ActionID == ActionCutoff:
		verb = VerbBan
	default:
		return
	}
	req := Request{ID: envelopeID, User: cb.User.ID, UserName: cb.User.Name, Channel: cb.Channel.ID,
		ResponseURL: cb.ResponseURL, Command: Command{Verb: verb}, Received: time.Now(),
		Click: &Click{Action: action.ActionID, Value: action.Value, MessageTS: cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp)}}
	if refused := b.submit(req); refused != "" {
		b.pool.aside(func() { b.pipe.private(ctx, req, refused) })
	}
}

// submit hands a request to the pool. It returns what to tell the invoker
// now: nothing when accepted, why not otherwise.
func (b *Bot) submit(req Request) string {
	if b.pool.submit(req) == queueFull {
		b.pipe.finish(Record{Request: req, Decision: Busy})
		return b.pipe.words.busyText()
	}
	b.metrics.inFlight.Inc()
	return ""
}

// ack acknowledges an envelope, with text shown privately to the invoker
// when it is not empty. When the ack cannot be sent (the socket is down),
// the text goes through response_url instead, so that it is not lost.
func (b *Bot) ack(ctx context.Context, req Request, text string) {
	var payload any
	if text != "" {
		payload = map[string]any{"response_type": slack.ResponseTypeEphemeral, "text": text}
	}
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	err := b.socket.Ack(actx, req.ID, payload)
	if err == nil {
		return
	}
	b.log.Warn("ack failed", "envelope_id", req.ID, "err", err)
	if text != "" && req.ResponseURL != "" {
		b.pool.aside(func() { b.pipe.private(ctx, req, text) })
	}
}

func (b *Bot) onConnected() {
	b.setReady(true, "connected")
	if b.connections.Add(1) > 1 {
		b.metrics.reconnects.Inc()
	}
	b.log.Info("socket mode connected")
}

// setReady records whether the connection is up, and why not.
func (b *Bot) setReady(ok bool, why string) {
	b.readyWhy.Store(&why)
	b.ready.Store(ok)
	if ok {
		b.metrics.connected.Set(1)
	} else {
		b.metrics.connected.Set(0)
	}
}
