package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/polyv"
)

// LogSink writes each Record as one JSON log line with "msg":"audit" (the
// fields the README documents). The reason is logged as typed: log lines are
// JSON, so it cannot forge fields.
func LogSink(log *slog.Logger) AuditSink {
	return AuditFunc(func(rec Record) { log.Info("audit", auditAttrs(rec)...) })
}

func auditAttrs(rec Record) []any {
	decision, outcome := decisionWord(rec), outcomeWord(rec)
	attrs := []any{
		"request_id", rec.ID,
		"user_id", rec.User,
		"user_name", rec.UserName,
		"slack_channel", rec.Channel,
		"verb", metricVerb(rec),
		"polyv_channels", rec.Cmd.ChannelIDs,
		"reason", rec.Cmd.Reason,
		"decision", decision,
		"outcome", outcome,
		"summary", auditSentence(rec, false),
		"latency_ms", rec.Finished.Sub(rec.Received).Milliseconds(),
	}
	if rec.Decision == Invalid {
		attrs = append(attrs, "text", cutText(rec.Text, 200), "why", rec.Problem)
	}
	if rec.ForRequest != "" {
		attrs = append(attrs, "for_request", rec.ForRequest)
	}
	if rec.Thread != "" {
		attrs = append(attrs, "thread", rec.Thread)
	}
	if rec.StatusErr != nil {
		attrs = append(attrs, polyvAttrs(rec.StatusErr)...)
	}
	if rec.PromptErr != nil {
		attrs = append(attrs, "slack_error", rec.PromptErr.Error())
	}
	if len(rec.Channels) > 0 {
		attrs = append(attrs, "results", resultAttrs(rec.Channels))
	}
	if rec.Verifying {
		attrs = append(attrs, "verification", verificationWords(rec.Channels))
	}
	if rec.DryRun {
		attrs = append(attrs, "dry_run", true)
	}
	return attrs
}

func resultAttrs(results []ChannelResult) []map[string]any {
	out := make([]map[string]any, 0, len(results))
	for _, r := range results {
		m := map[string]any{"polyv_channel": r.ID, "state": stateWord(r.State), "elapsed_ms": r.Elapsed.Milliseconds(),
			"limiter_wait_ms": r.Wait.Milliseconds(), "attempts": r.Attempts}
		if w := checkWord(r.Check.Verdict); w != "" {
			m["check"] = w
		}
		if r.Err != nil {
			m["kind"] = polyv.Kind(r.Err)
			m["error"] = r.Err.Error()
			if api, ok := asAPIError(r.Err); ok {
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

func asAPIError(err error) (*polyv.APIError, bool) {
	var target *polyv.APIError
	ok := errors.As(err, &target)
	return target, ok
}

// cutText bounds text quoted in a log line.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// lane posts one request's AUDIT_CHANNEL lines in order, each in the
// background: a slow Slack delays the audit channel, never the command.
type lane struct {
	p     *pipeline
	req   Request
	order *seq
}

func (p *pipeline) newLane(req Request) *lane {
	return &lane{p: p, req: req, order: &seq{spawn: p.spawn}}
}

// post queues line after the request's earlier ones and returns at once.
func (l *lane) post(ctx context.Context, line string) {
	if l.p.set.AuditChannel == "" {
		return
	}
	line += auditStamp(l.req.ID, l.p.clock.Now())
	l.order.then(func() {
		pctx, cancel := postCtx(ctx)
		defer cancel()
		if _, _, err := l.p.slack.Post(pctx, l.p.set.AuditChannel, slackclient.Message{Text: line}); err != nil {
			l.p.log.Error("audit channel post failed", "audit_channel", l.p.set.AuditChannel, "request_id", l.req.ID, "line", line, "err", err)
		}
	})
}

// seq runs functions in the background one after another, in the order
// given; the caller never waits.
type seq struct {
	spawn func(func())
	mu    sync.Mutex
	prev  chan struct{} // closed when the previous function has returned
}

func (s *seq) then(f func()) {
	s.mu.Lock()
	prev, done := s.prev, make(chan struct{})
	s.prev = done
	s.mu.Unlock()
	s.spawn(func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		f()
	})
}
