package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/polyvbot/polyvbot/polyv"
)

// auditRecord collects what one command did, for the one audit log line it
// produces whatever happens.
type auditRecord struct {
	reqID    string
	j        job
	decision string // allowed, denied:<reason>, usage
	outcome  string
	thread   string
	results  []result
	polyvErr error
	// verification is the verdict of the post-stop status checks, if any ran.
	verification string
}

func (b *Bot) newAudit(j job) *auditRecord {
	return &auditRecord{reqID: j.reqID, j: j}
}

// writeAudit logs the audit line and counts the command. The reason is logged
// as typed: log lines are JSON, so it cannot forge fields.
func (b *Bot) writeAudit(rec *auditRecord) {
	verb := string(rec.j.parsed.Verb)
	outcome := rec.outcome
	if outcome == "" {
		outcome = "unknown"
	}
	b.metrics.commands.WithLabelValues(verb, outcomeLabel(outcome, rec.results)).Inc()
	attrs := []any{
		"request_id", rec.reqID,
		"user_id", rec.j.cmd.UserID,
		"user_name", rec.j.cmd.UserName,
		"slack_channel", rec.j.cmd.ChannelID,
		"verb", verb,
		"polyv_channels", rec.j.parsed.ChannelIDs,
		"reason", rec.j.parsed.Reason,
		"decision", rec.decision,
		"outcome", outcome,
		"latency_ms", b.now().Sub(rec.j.received).Milliseconds(),
	}
	if rec.thread != "" {
		attrs = append(attrs, "thread", rec.thread)
	}
	if rec.polyvErr != nil {
		attrs = append(attrs, polyvAttrs(rec.polyvErr)...)
	}
	if len(rec.results) > 0 {
		attrs = append(attrs, "results", resultAttrs(rec.results))
	}
	if rec.verification != "" {
		attrs = append(attrs, "verification", rec.verification)
	}
	if b.cfg.DryRun {
		attrs = append(attrs, "dry_run", true)
	}
	b.log.Info("audit", attrs...)
}

// outcomeLabel keeps the metric's label set small: a stop's per-channel
// results become stopped, failed or mixed.
func outcomeLabel(outcome string, results []result) string {
	if len(results) == 0 {
		return outcome
	}
	label := ""
	for _, r := range results {
		state := r.state
		if state == "dry_run" {
			state = "stopped"
		} else if state != "stopped" {
			state = "failed"
		}
		if label != "" && label != state {
			return "mixed"
		}
		label = state
	}
	return label
}

func resultAttrs(results []result) []map[string]any {
	out := make([]map[string]any, 0, len(results))
	for _, r := range results {
		m := map[string]any{"polyv_channel": r.id, "state": r.state, "elapsed_ms": r.elapsed.Milliseconds(),
			"limiter_wait_ms": r.wait.Milliseconds(), "attempts": r.attempts}
		if r.err != nil {
			m["kind"] = polyv.Kind(r.err)
			m["error"] = r.err.Error()
			if api, ok := asAPIError(r.err); ok {
				m["polyv_code"], m["polyv_message"] = api.Code, api.Message
			}
		}
		out = append(out, m)
	}
	return out
}

func polyvAttrs(err error) []any {
	attrs := []any{"polyv_kind", polyv.Kind(err), "polyv_error", err.Error()}
	if api, ok := asAPIError(err); ok {
		attrs = append(attrs, "polyv_code", api.Code, "polyv_message", api.Message)
	}
	return attrs
}

// auditInstant logs a command answered in its ack (bad input, help, a full
// queue, a shutdown): cheap enough for the ack path, with the text cut to a
// bound.
func (b *Bot) auditInstant(envelopeID string, cmd slack.SlashCommand, verb, outcome, why string) {
	text := cmd.Text
	if len(text) > 200 {
		text = strings.ToValidUTF8(text[:200], "") + "…"
	}
	b.log.Info("audit", slog.String("request_id", envelopeID), slog.String("user_id", cmd.UserID),
		slog.String("user_name", cmd.UserName), slog.String("slack_channel", cmd.ChannelID),
		slog.String("verb", verb), slog.String("decision", outcome), slog.String("outcome", outcome),
		slog.String("text", text), slog.String("why", why))
}

// auditLane posts one command's AUDIT_CHANNEL lines in order, each in the
// background: a slow Slack delays the audit channel, never the command.
type auditLane struct {
	b    *Bot
	rec  *auditRecord
	mu   sync.Mutex
	prev chan struct{} // closed when the previous line is done
}

func (b *Bot) newAuditLane(rec *auditRecord) *auditLane { return &auditLane{b: b, rec: rec} }

// post queues line after the command's earlier ones and returns at once.
func (l *auditLane) post(ctx context.Context, line string) {
	if l.b.cfg.AuditChannel == "" {
		return
	}
	l.mu.Lock()
	prev, done := l.prev, make(chan struct{})
	l.prev = done
	l.mu.Unlock()
	l.b.spawn(func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		l.b.auditPostNow(ctx, l.rec, line)
	})
}

// auditPost sends one line to AUDIT_CHANNEL, if set, in the background.
func (b *Bot) auditPost(ctx context.Context, rec *auditRecord, line string) {
	b.newAuditLane(rec).post(ctx, line)
}

func (b *Bot) auditPostNow(ctx context.Context, rec *auditRecord, line string) {
	pctx, cancel := postCtx(ctx)
	defer cancel()
	line = fmt.Sprintf("%s _(request %s, %s)_", line, rec.reqID, b.now().UTC().Format(time.RFC3339))
	if err := b.msg.post(pctx, b.cfg.AuditChannel, line); err != nil {
		b.log.Error("audit channel post failed", "audit_channel", b.cfg.AuditChannel, "request_id", rec.reqID, "line", line, "err", err)
	}
}

func asAPIError(err error) (*polyv.APIError, bool) {
	var target *polyv.APIError
	ok := errors.As(err, &target)
	return target, ok
}
