package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"

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
		"polyv_channels", rec.Command.ChannelIDs,
		"reason", rec.Command.Reason,
		"decision", decision,
		"outcome", outcome,
		"summary", english.auditSentence(rec, false),
		"latency_ms", rec.Finished.Sub(rec.Received).Milliseconds(),
	}
	attrs = append(attrs, optionalAttrs(rec)...)
	if len(rec.Channels) > 0 {
		attrs = append(attrs, "results", resultAttrs(rec.Channels, rec.names))
	} else if named := loggedNames(rec.Command.ChannelIDs, rec.names); len(named) > 0 {
		attrs = append(attrs, "polyv_channel_names", named)
	}
	attrs = append(attrs, verificationAttrs(rec)...)
	attrs = append(attrs, approvalAttrs(rec)...)
	if rec.DryRun {
		attrs = append(attrs, "dry_run", true)
	}
	return attrs
}

// optionalAttrs are the audit line's fields that only some records have.
func optionalAttrs(rec Record) []any {
	var attrs []any
	if rec.Decision == Invalid {
		attrs = append(attrs, "text", truncate(rec.Text, maxLoggedText), "why", english.problemWords(rec.Problem))
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
	return attrs
}

// verificationAttrs say where a stop's verification is: pending on the
// stop's own record, its verdict on the verdict's record.
func verificationAttrs(rec Record) []any {
	switch {
	case rec.Pending():
		return []any{"verification", "pending"}
	case rec.Verifying:
		return []any{"event", rec.Event, "verification", english.verificationWords(rec.Channels)}
	}
	return nil
}

func resultAttrs(results []ChannelResult, names channelNames) []map[string]any {
	out := make([]map[string]any, 0, len(results))
	for _, r := range results {
		m := map[string]any{"polyv_channel": r.ID, "state": stateWord(r.State), "elapsed_ms": r.Elapsed.Milliseconds(),
			"limiter_wait_ms": r.Wait.Milliseconds(), "attempts": r.Attempts}
		if name, ok := loggedName(names, r.ID); ok {
			m["polyv_channel_name"] = name
		}
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

// loggedName is a channel's name as the audit log gives it: as Polyv has
// it, not escaped (a log line is JSON, not mrkdwn), cut like any text the
// log quotes; none for a channel without a known name.
func loggedName(names channelNames, id int64) (string, bool) {
	n, ok := names[id]
	if !ok || n.Title == "" {
		return "", false
	}
	return truncate(n.Title, maxLoggedText), true
}

// loggedNames are the known names of ids, by id, for a record without
// per-channel results (a status, a refusal).
func loggedNames(ids []int64, names channelNames) map[int64]string {
	out := map[int64]string{}
	for _, id := range ids {
		if name, ok := loggedName(names, id); ok {
			out[id] = name
		}
	}
	return out
}

// maxLoggedText bounds the text a log line quotes: 200 characters and "…".
const maxLoggedText = 201

// auditPost posts line, stamped with the request and the time, to
// AUDIT_CHANNEL when one is set. A stop's lines go through its poster, so a
// slow Slack delays the audit channel, never the Polyv calls.
func (p *pipeline) auditPost(ctx context.Context, req Request, line string) {
	if p.set.AuditChannel == "" {
		return
	}
	line += p.words.auditStamp(req.ID, time.Now())
	pctx, cancel := postCtx(ctx)
	defer cancel()
	if _, _, err := p.slack.Post(pctx, p.set.AuditChannel, slackclient.Message{Text: line}); err != nil {
		p.log.Error("audit channel post failed", "audit_channel", p.set.AuditChannel, "request_id", req.ID, "line", line, "err", err)
	}
}
