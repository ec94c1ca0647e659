package bot

import (
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv"
)

// The audit log line's fields are what the README documents and what
// operators' log queries match on.
func TestLogSinkWritesTheDocumentedLine(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	stop := Request{ID: "env-1", User: "U0ALICE", UserName: "alice", Channel: "C0OPS", Received: received,
		Command: Command{Verb: VerbStop, ChannelIDs: []int64{10001, 10002}, Reason: "leak", ReasonMarked: true}}
	refused := &polyv.LimitError{Wait: time.Second}
	cases := []struct {
		name string
		rec  Record
		want map[string]any
	}{
		{"the verdict on a stop that ran", Record{Request: stop, Decision: Allowed, Verifying: true, Event: EventVerified, Thread: "https://t/p1",
			Finished: received.Add(1500 * time.Millisecond), DryRun: true,
			Channels: []ChannelResult{
				{ID: 10001, State: Stopped, Elapsed: 212 * time.Millisecond, Attempts: 1, Check: Check{Verdict: Verified}},
				{ID: 10002, State: RateLimited, Err: refused},
			}},
			map[string]any{
				"msg": "audit", "request_id": "env-1", "user_id": "U0ALICE", "user_name": "alice", "slack_channel": "C0OPS",
				"verb": "stop", "polyv_channels": []any{10001.0, 10002.0}, "reason": "leak", "decision": "allowed",
				"outcome": "✅ 1 stopped, ⏳ 1 rate-limited", "latency_ms": 1500.0, "thread": "https://t/p1",
				"summary": "🛑 U0ALICE asked for `stop` of Polyv channels 10001, 10002 in C0OPS: allowed; ✅ 1 stopped, ⏳ 1 rate-limited",
				"event":   "verified", "verification": "verified", "dry_run": true,
				"results": []any{
					map[string]any{"polyv_channel": 10001.0, "state": "stopped", "elapsed_ms": 212.0, "limiter_wait_ms": 0.0, "attempts": 1.0, "check": "verified"},
					map[string]any{"polyv_channel": 10002.0, "state": "rate_limited", "elapsed_ms": 0.0, "limiter_wait_ms": 0.0, "attempts": 0.0,
						"kind": "rate_limited", "error": refused.Error()},
				},
			}},
		{"a stop being verified", Record{Request: stop, Decision: Allowed, Verifying: true, Thread: "https://t/p1", Finished: received,
			Channels: []ChannelResult{{ID: 10001, State: Stopped}, {ID: 10002, State: Unclear}}},
			map[string]any{"request_id": "env-1", "decision": "allowed", "outcome": "✅ 1 stopped, ❔ 1 unclear", "verification": "pending", "event": nil}},
		{"a denial", Record{Request: stop, Decision: Denied, Denial: auth.DenyUser, Finished: received},
			map[string]any{"decision": "denied:user", "outcome": "denied",
				"summary": "🚫 U0ALICE asked for `stop` of Polyv channels 10001, 10002 in C0OPS: denied: not in the allowed users or groups"}},
		{"a click on Cancel", Record{Request: Request{ID: "env-3", User: "U0ALICE", Channel: "C0OPS", Received: received, Command: stop.Command,
			Click: &Click{Action: ActionCancel}}, Decision: Cancelled, ForRequest: "env-1", Finished: received},
			map[string]any{"request_id": "env-3", "verb": "stop", "decision": "click", "outcome": "cancel_clicked", "for_request": "env-1",
				"summary": "ℹ️ U0ALICE clicked Cancel on the prompt for `stop` of Polyv channels 10001, 10002 in C0OPS: it stops nothing after this click; a Stop stream clicked before it is recorded under request env-1"}},
		{"a stop a second person approved", Record{Request: func() Request { r := stop; r.ApprovedBy = "U0BOB"; return r }(), Decision: Allowed,
			Finished: received, Channels: []ChannelResult{{ID: 10001, State: Stopped}, {ID: 10002, State: AlreadyNotLive}}},
			map[string]any{"approved_by": "U0BOB", "decision": "allowed", "outcome": "✅ 1 stopped, ⏹ 1 already not live", "event": nil,
				"summary": "🛑 U0ALICE asked for `stop` of Polyv channels 10001, 10002 in C0OPS, approved by U0BOB: allowed; ✅ 1 stopped, ⏹ 1 already not live"}},
		{"an approval request", Record{Request: stop, Decision: AwaitingApproval, Event: EventApprovalRequested, Finished: received,
			Channels: []ChannelResult{{ID: 10001, State: HeldForApproval}, {ID: 10002, State: HeldForApproval}}},
			map[string]any{"decision": "allowed", "outcome": "approval_requested", "event": "approval_requested", "approved_by": nil,
				"summary": "ℹ️ U0ALICE asked for `stop` of Polyv channels 10001, 10002 in C0OPS: waiting for a second person's approval; nothing sent yet"}},
		{"the first click after a request expired", Record{Request: Request{ID: "env-4", User: "U0BOB", Channel: "C0OPS", Received: received, Command: stop.Command,
			Click: &Click{Action: ActionApprove}}, Decision: Expired, Event: EventApprovalExpired, ForRequest: "env-1", Finished: received},
			map[string]any{"decision": "click", "outcome": "expired", "event": "approval_expired", "for_request": "env-1",
				"summary": "ℹ️ U0BOB clicked Approve on the request for `stop` of Polyv channels 10001, 10002 in C0OPS: a click on an expired approval request; nothing was sent"}},
		{"bad input", Record{Request: Request{ID: "env-2", User: "U0ALICE", Channel: "C0OPS", Text: "stop 1O001", Received: received},
			Decision: Invalid, Problem: &UsageError{Problem: NotDigits, Arg: "1O001"}, Finished: received},
			map[string]any{"verb": "invalid", "decision": "usage", "outcome": "usage", "text": "stop 1O001", "why": "`1O001` is not a Polyv channel id: ids are whole numbers written with the digits 0-9 only"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf logtest.Buffer
			LogSink(slog.New(slog.NewJSONHandler(&buf, nil))).Audit(tc.rec)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(buf.String()), &got))
			for k, v := range tc.want {
				require.Equal(t, v, got[k], "field %s", k)
			}
		})
	}
}

// Every value the audit line's decision, outcome, state and check fields
// can take is in the README's audit section, so that operators' queries
// match what the bot writes; and each word means one thing: busy is only
// "no worker could take it".
func TestReadmeListsEveryAuditValue(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "- **The log.**")
	require.True(t, ok, "the README's audit section")
	section, _, _ = strings.Cut(section, "- **`AUDIT_CHANNEL`.**")
	status := Request{Command: Command{Verb: VerbStatus}}
	var words []string
	for d := Allowed; d <= ApprovalFailed; d++ {
		rec := Record{Request: status, Decision: d}
		if d != Denied { // a denial's decision names its reason: below
			words = append(words, decisionWord(rec))
		}
		words = append(words, outcomeWord(rec))
	}
	for _, denial := range []auth.Denial{auth.DenyUser, auth.DenyChannel, auth.DenyLookup} {
		words = append(words, decisionWord(Record{Decision: Denied, Denial: denial}))
	}
	for s := Stopped; s <= AlreadyNotLive; s++ {
		words = append(words, stateWord(s))
	}
	for v := Verified; v <= Unverified; v++ {
		words = append(words, checkWord(v))
	}
	words = append(words, EventVerified, "pending", EventApprovalRequested, EventApprovalExpired, "approved_by")
	for _, w := range words {
		require.Contains(t, section, "`"+w+"`", "the README's audit section lists %q", w)
	}
	require.NotEqual(t, "busy", stateWord(Elsewhere), "busy means only that no worker could take the request")
}
