package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
)

const approver = "U0APPR"

// The two-person rule over the real transport, across two replicas that
// share the configuration: the request is posted by the replica that got
// the command, and the other one, which never saw it, refuses the
// requester's own Approve and runs a second person's, once.
func TestApprovalAcrossTwoReplicas(t *testing.T) {
	t.Parallel()
	key := bot.TicketKey(testAppSecret, "xoxb-shared")
	approval := func(c *bot.Config) {
		c.ApprovalChannels, c.ConfirmKey, c.VerifyStop = []int64{10001}, key, false
	}
	h := newHarness(t, harnessOpts{cfg: approval, rules: auth.Rules{Users: []string{responder, approver}}})
	h.secondReplica(approval, auth.Rules{Users: []string{responder, approver}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.slack.WaitConnections(ctx, 2))

	env, url, err := h.slack.SendSlashCommandTo(ctx, 1, slacktest.SlashCommand{UserID: responder, ChannelID: opsChannel,
		Text: "stop 10001 -- CEO keynote", EnvelopeID: "env-approval"})
	require.NoError(t, err)
	_, err = h.slack.WaitAck(ctx, env)
	require.NoError(t, err)
	require.Equal(t, bot.AwaitingApproval, h.waitRecord("env-approval").Decision)
	request := h.slack.ChannelMessages(opsChannel)[0]
	approve := requestButtons(t, request.Blocks)[0]
	require.Equal(t, bot.ActionApprove, approve.ActionID)
	require.Zero(t, h.stopCalls(), "nothing before the approval")

	self := h.clickOn(2, responder, url, request.TS, approve)
	require.Equal(t, bot.SelfApproval, h.waitRecord(self).Decision)
	h.clickOn(2, approver, url, request.TS, approve)
	rec := h.waitRecordWhere(func(r bot.Record) bool { return r.ApprovedBy == approver })
	require.Equal(t, "env-approval", rec.ID, "the approved stop is recorded under the command's request")
	require.Equal(t, approver, rec.ApprovedBy)
	h.waitFor("the approved stop's thread line", func(s *slacktest.Server) bool { return len(s.Thread(opsChannel, request.TS)) == 1 })
	line := h.slack.Thread(opsChannel, request.TS)[0].Text
	require.Contains(t, line, "✅ Polyv channel 10001: stopped")
	require.Contains(t, line, "approved by <@U0APPR>")
	require.Equal(t, 1, h.stopCalls())
	require.Len(t, h.slack.ChannelMessages(opsChannel), 1, "the request is the parent")
}

// secondReplica runs another bot on the harness's fake Slack and fake
// Polyv, with its own process state, writing to the same audit records.
func (h *harness) secondReplica(cfg func(*bot.Config), rules auth.Rules) {
	h.t.Helper()
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sc := slackclient.New(slackclient.Options{BotToken: h.slack.BotToken(), AppToken: h.slack.AppToken(), APIURL: h.slack.APIURL(), Logger: log})
	policy, err := auth.NewPolicy(rules, auth.NewGroupCache(sc))
	require.NoError(h.t, err)
	c := bot.Config{Slack: sc, Socket: sc.Socket(0), StopPolicy: policy, Logger: log, Audit: bot.AuditFunc(h.audit),
		Polyv:       polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL(h.polyv.URL), polyv.WithTimeout(2*time.Second)),
		Users:       auth.NewUserLimiter(600, 50),
		StatusUsers: auth.NewUserLimiter(600, 50), PolyvTimeout: 2 * time.Second}
	cfg(&c)
	b, err := bot.New(c)
	require.NoError(h.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		require.NoError(h.t, <-done)
	})
}

// clickOn clicks btn of the request message ts as user, over connection
// connID, and returns the click's envelope id once it is acked.
func (h *harness) clickOn(connID int, user, responseURL, ts string, btn button) string {
	h.t.Helper()
	payload := map[string]any{
		"type": "block_actions", "api_app_id": "A0TEST", "trigger_id": "1.trigger.click",
		"user":         map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel":      map[string]any{"id": opsChannel, "name": "ops"},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": opsChannel},
		"response_url": responseURL,
		"actions": []map[string]any{{"action_id": btn.ActionID, "block_id": btn.BlockID, "value": btn.Value, "type": "button",
			"action_ts": "1700000001.000002"}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, err := h.slack.SendInteractiveTo(ctx, connID, payload)
	require.NoError(h.t, err)
	_, err = h.slack.WaitAck(ctx, env)
	require.NoError(h.t, err)
	return env
}

// waitRecordWhere waits for a finished record that pred accepts.
func (h *harness) waitRecordWhere(pred func(bot.Record) bool) bot.Record {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		h.mu.Lock()
		changed := h.changed
		for _, r := range h.records {
			if !r.Pending() && pred(r) {
				h.mu.Unlock()
				return r
			}
		}
		h.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			h.t.Fatalf("no such audit record")
		}
	}
}

// requestButtons are the buttons of an approval request's actions block.
func requestButtons(t *testing.T, raw json.RawMessage) []button {
	t.Helper()
	var blocks []struct {
		Type     string   `json:"type"`
		BlockID  string   `json:"block_id"`
		Elements []button `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(raw, &blocks), "request blocks: %s", raw)
	var out []button
	for _, b := range blocks {
		for _, el := range b.Elements {
			el.BlockID = b.BlockID
			out = append(out, el)
		}
	}
	require.Len(t, out, 2, "Approve and Cancel")
	return out
}
