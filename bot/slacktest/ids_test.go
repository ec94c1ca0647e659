package slacktest_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

var (
	uuidShape      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	triggerIDShape = regexp.MustCompile(`^[0-9]{13}\.[0-9]{10}\.[0-9a-f]{32}$`)
)

// Identifiers are as long as Slack's, so a field a bot builds from one is
// tested at its real length: envelope ids are UUIDs, and a slash command's
// trigger_id and response_url are as long as real ones (57 and about 80
// characters).
func TestIdentifiersAreShapedLikeSlacks(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer(slacktest.WithAckTimeout(time.Millisecond), slacktest.WithEventRetries(0))
	h := newHarness(t, srv, 3*time.Second)
	ctx := testCtx(t)

	slash, respURL, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 10001"})
	require.NoError(t, err)
	cmd := h.nextCommand(t)
	require.Regexp(t, triggerIDShape, cmd.TriggerID)
	require.Equal(t, respURL, cmd.ResponseURL)
	require.Regexp(t, `^`+regexp.QuoteMeta(srv.URL())+`/response/T0TEST/[0-9]{13}/[A-Za-z0-9]{24}$`, respURL)
	require.GreaterOrEqual(t, len(respURL), 75, "real ones, https://hooks.slack.com/commands/T…/…/…, are about 80")

	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	require.NoError(t, slack.PostWebhookCustomHTTPContext(ctx, respURL, hc, &slack.WebhookMessage{Text: "done"}))
	require.Len(t, srv.ResponsePosts(), 1, "the response_url works")

	second, secondURL, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 10002"})
	require.NoError(t, err)
	require.NotEqual(t, respURL, secondURL)
	require.NotEqual(t, cmd.TriggerID, h.nextCommand(t).TriggerID)

	click, err := srv.SendInteractive(ctx, map[string]any{"type": "block_actions"})
	require.NoError(t, err)
	event, err := srv.SendEvent(ctx, map[string]any{"type": "event_callback", "event_id": "Ev1"})
	require.NoError(t, err)
	// Nothing acks the event, so it is sent again.
	require.NoError(t, srv.WaitFor(ctx, func(s *slacktest.Server) bool { return len(s.Envelopes()) == 5 }))

	seen := map[string]bool{}
	for _, e := range srv.Envelopes() {
		require.Regexp(t, uuidShape, e.EnvelopeID, "%s envelope", e.Type)
		require.False(t, seen[e.EnvelopeID], "envelope ids are unique: %s", e.EnvelopeID)
		seen[e.EnvelopeID] = true
	}
	require.Len(t, seen, 5, "two commands, a click, an event and its retry")
	for _, id := range []string{slash, second, click, event} {
		require.True(t, seen[id], "returned id %s was sent", id)
	}
}

// A test may still choose an envelope id, to send duplicates.
func TestChosenEnvelopeIDIsKept(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	newHarness(t, srv, 3*time.Second)
	id, _, err := srv.SendSlashCommand(testCtx(t), slacktest.SlashCommand{Text: "stop 1", EnvelopeID: "env-chosen"})
	require.NoError(t, err)
	require.Equal(t, "env-chosen", id)
	_, err = srv.WaitAck(testCtx(t), id)
	require.NoError(t, err)
}
