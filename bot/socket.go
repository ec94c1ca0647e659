package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"
	"github.com/slack-go/slack/socketmode"
)

// ackTimeout bounds how long an ack may wait for the socket; slack-go's
// response queue blocks while disconnected.
const ackTimeout = 2 * time.Second

// job is accepted work for the pool.
type job struct {
	cmd      slack.SlashCommand
	parsed   Command
	action   *slack.InteractionCallback // a confirmation button click
	reqID    string
	received time.Time
}

// supervise keeps Socket Mode running. slack-go reconnects by itself after a
// disconnect; RunContext returns only on a fatal error or a failed reconnect,
// so transient returns are retried with capped, jittered backoff. slack-go's
// own backoff between failed connection attempts grows to 5 minutes; when it
// passes MaxReconnectWait, onConnectionError cancels the run and this loop
// starts a fresh one after its own capped wait, so the bot is back within
// MaxReconnectWait of Slack coming back.
func (b *Bot) supervise(ctx context.Context) error {
	delay := 500 * time.Millisecond
	for {
		runCtx, cancel := context.WithCancel(ctx)
		b.restartSocket.Store(&cancel)
		err := b.sm.RunContext(runCtx)
		cut := runCtx.Err() != nil
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if cut {
			err = errors.New("slack-go's reconnect backoff passed MaxReconnectWait")
			delay = b.cfg.MaxReconnectWait
		} else if fatal := fatalRunError(err); fatal != nil {
			return fatal
		}
		b.setReady(false, "reconnecting after: "+err.Error())
		b.log.Warn("socket mode stopped; reconnecting", "err", err, "in", delay.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay/2 + rand.N(delay/2+1)):
		}
		delay = min(2*delay, b.cfg.MaxReconnectWait)
	}
}

// fatalRunError is the *FatalError for what RunContext returned, or nil
// when a retry may help.
func fatalRunError(err error) error {
	if fatal := asFatal("apps.connections.open (SLACK_APP_TOKEN)", err); fatal != nil {
		return fatal
	}
	var sce slack.StatusCodeError
	if errors.As(err, &sce) && sce.Code == http.StatusNotFound {
		return &FatalError{Op: "apps.connections.open", SlackError: "HTTP 404", Why: "SLACK_API_URL does not serve the Slack Web API"}
	}
	return nil
}

// drainEvents is the only reader of the Socket Mode events. It must never
// block on slow work: a full Events buffer makes slack-go stop reading the
// socket, miss pings and drop the event in flight. So it only parses, acks and
// hands work to the pool.
func (b *Bot) drainEvents(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-b.sm.Events:
			b.onEvent(ctx, evt)
		}
	}
}

func (b *Bot) onEvent(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, _ := evt.Data.(slack.SlashCommand)
		b.onSlashCommand(ctx, evt.Request, cmd)
	case socketmode.EventTypeInteractive:
		cb, _ := evt.Data.(slack.InteractionCallback)
		b.onInteraction(ctx, evt.Request, cb)
	case socketmode.EventTypeEventsAPI:
		b.ack(ctx, evt.Request, nil)
	case socketmode.EventTypeHello:
		b.cfg.Slack.gate.hello()
		b.setReady(true, "connected")
		if b.connCount.Add(1) > 1 {
			b.metrics.reconnects.Inc()
		}
		b.log.Info("socket mode connected")
	case socketmode.EventTypeConnecting:
		b.setReady(false, "connecting to Slack")
	case socketmode.EventTypeConnectionError:
		b.onConnectionError(evt)
	case socketmode.EventTypeInvalidAuth:
		b.raiseFatal(&FatalError{Op: "apps.connections.open", SlackError: "invalid_auth", Why: "SLACK_APP_TOKEN was rejected"})
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		b.setReadyOnError(evt)
	}
}

func (b *Bot) onConnectionError(evt socketmode.Event) {
	ce, _ := evt.Data.(*slack.ConnectionErrorEvent)
	if ce == nil || ce.ErrorObj == nil {
		return
	}
	if fatal := asFatal("apps.connections.open (SLACK_APP_TOKEN)", ce.ErrorObj); fatal != nil {
		b.raiseFatal(fatal)
		return
	}
	b.setReady(false, "cannot connect: "+ce.ErrorObj.Error())
	b.log.Warn("socket mode connection failed; retrying", "err", ce.ErrorObj, "attempt", ce.Attempt, "backoff", ce.Backoff.String())
	if ce.Backoff > b.cfg.MaxReconnectWait {
		if cancel := b.restartSocket.Load(); cancel != nil {
			(*cancel)()
		}
	}
}

func (b *Bot) setReadyOnError(evt socketmode.Event) {
	if evt.Type == socketmode.EventTypeIncomingError {
		b.setReady(false, "connection lost; reconnecting")
	}
	b.log.Debug("socket mode event", "type", string(evt.Type))
}

// onSlashCommand answers bad input, help and overload in the ack itself (the
// invoker sees it privately at once) and queues everything else.
func (b *Bot) onSlashCommand(ctx context.Context, req *socketmode.Request, cmd slack.SlashCommand) {
	start := time.Now()
	if req == nil {
		return
	}
	if b.seen.add(req.EnvelopeID) {
		// The first ack may have died with the old socket, so the invoker
		// gets the same instant answer again; the command is not run again.
		b.log.Info("duplicate envelope ignored", "envelope_id", req.EnvelopeID)
		b.ackText(ctx, req, "", b.instantReply(cmd))
		return
	}
	parsed, err := ParseCommand(cmd.Text)
	reply := b.instantAnswer(cmd.Command, parsed, err)
	switch {
	case err != nil:
		b.metrics.commands.WithLabelValues("invalid", "usage").Inc()
		b.auditInstant(req.EnvelopeID, cmd, "invalid", "usage", err.Error())
	case parsed.Verb == VerbHelp:
		b.metrics.commands.WithLabelValues("help", "ok").Inc()
		b.auditInstant(req.EnvelopeID, cmd, "help", "help", "")
	default:
		if refused := b.enqueue(job{cmd: cmd, parsed: parsed, reqID: req.EnvelopeID, received: start}); refused != "" {
			reply = refused
		}
	}
	b.ackText(ctx, req, cmd.ResponseURL, reply)
	b.metrics.observeAck(time.Since(start))
}

// instantReply is the answer a command gets in its ack without any work:
// the refusal of bad input, the help, or how an ambiguous stop was read; ""
// for other commands that run. It depends on the text alone, so a
// redelivery gets the same answer as the original.
func (b *Bot) instantReply(cmd slack.SlashCommand) string {
	parsed, err := ParseCommand(cmd.Text)
	return b.instantAnswer(cmd.Command, parsed, err)
}

func (b *Bot) instantAnswer(command string, parsed Command, err error) string {
	switch {
	case err != nil:
		return refusal(command, err)
	case parsed.Verb == VerbHelp:
		return HelpText(command, b.cfg.WhoMayStop)
	case parsed.Ambiguous():
		return ambiguityText(command, parsed)
	}
	return ""
}

// ambiguityText says how `stop 10001 2 viewers` was read, before anything
// else happens: the channels, the reason, and how to write a reason that
// starts with a number.
func ambiguityText(command string, c Command) string {
	if command == "" {
		command = "/polyv"
	}
	ids := c.ChannelIDs
	last := ids[len(ids)-1]
	reason := slackutilsx.EscapeMessage(strings.ReplaceAll(c.Reason, "`", "'"))
	return fmt.Sprintf("ℹ️ Read as: stop Polyv channels %s, with the reason “%s”. If %d belongs to the reason, put `--` before it: `%s stop %s -- %d %s`",
		describeIDs(ids), reason, last, command, describeIDs(ids[:len(ids)-1]), last, reason)
}

// enqueue hands a command to the pool. It returns what to tell the invoker
// now: nothing when accepted, why not otherwise.
func (b *Bot) enqueue(j job) string {
	if !b.admit() {
		b.metrics.commands.WithLabelValues(string(j.parsed.Verb), "shutting_down").Inc()
		b.auditInstant(j.reqID, j.cmd, string(j.parsed.Verb), "shutting_down", "the bot is draining for a restart")
		return "⏳ The bot is restarting and took no action. Try again in a minute."
	}
	select {
	case b.jobs <- j:
		b.metrics.inFlight.Inc()
		return ""
	default:
		b.pending.Done()
		b.metrics.commands.WithLabelValues(string(j.parsed.Verb), "busy").Inc()
		b.auditInstant(j.reqID, j.cmd, string(j.parsed.Verb), "busy", "worker queue full")
		return "⏳ The bot is busy with other commands and took no action. Try again in a few seconds."
	}
}

func refusal(command string, err error) string {
	msg := err.Error()
	if ue, ok := asUsageError(err); ok {
		msg = ue.Msg
	}
	return "⚠️ " + msg + "\n" + usageText(command)
}

// ackText acks with a private text. If the ack cannot be sent (the socket is
// down), the text goes through response_url instead, so it is not lost.
func (b *Bot) ackText(ctx context.Context, req *socketmode.Request, responseURL, text string) {
	if text == "" {
		b.ack(ctx, req, nil)
		return
	}
	payload := map[string]any{"response_type": slack.ResponseTypeEphemeral, "text": text}
	if b.ack(ctx, req, payload) || responseURL == "" {
		return
	}
	go func() {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := b.msg.respond(pctx, responseURL, slack.ResponseTypeEphemeral, text); err != nil {
			b.log.Error("private answer lost: ack and response_url both failed", "err", err, "text", text)
		}
	}()
}

func (b *Bot) ack(ctx context.Context, req *socketmode.Request, payload any) bool {
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := b.sm.AckCtx(actx, req.EnvelopeID, payload); err != nil {
		b.log.Warn("ack failed", "envelope_id", req.EnvelopeID, "err", err)
		return false
	}
	return true
}

// work runs queued commands until ctx ends.
func (b *Bot) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-b.jobs:
			b.run(j)
		}
	}
}

func (b *Bot) run(j job) {
	defer b.pending.Done()
	defer b.metrics.inFlight.Dec()
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("command panicked", "panic", r, "user", j.cmd.UserID, "request_id", j.reqID)
		}
	}()
	ctx := b.workCtx
	switch {
	case j.action != nil:
		b.handleClick(ctx, j)
	case j.parsed.Verb == VerbStop:
		b.handleStop(ctx, j)
	case j.parsed.Verb == VerbStatus:
		b.handleStatus(ctx, j)
	}
}
