package bot

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// A stop whose answer does not say whether Polyv acted (an answer cut
// short, a proxy's 5xx, an unreadable answer, a refusal after such an
// attempt) is neither stopped nor failed: the thread says the answer was
// unclear, the verifier's live-status read settles it, and the parent,
// the summary and the audit count what it found.
func TestStopUnclearAnswerIsSettledByVerification(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		replies []polyvtest.Reply
		why     string // in the thread's first line
		calls   int    // stop calls
		stopped bool   // the fake carried the stop out
	}{
		{"a success cut short", []polyvtest.Reply{polyvtest.OK().CutShort()},
			"Polyv answered, but its answer was cut short", 1, true},
		{"a proxy's 504 after the stop, then not pulling", []polyvtest.Reply{polyvtest.HTML(504).AfterStop(), polyvtest.NotPulling()},
			"an earlier try got no clear answer, and the retry was refused: channel is not pulling stream. (code 400), which may only mean the earlier try worked", 2, true},
		{"server errors, the stream untouched", []polyvtest.Reply{polyvtest.HTML(502), polyvtest.HTML(502), polyvtest.HTML(502)},
			"Polyv or a proxy answered with a server error (HTTP 502)", 3, false},
		{"an unreadable answer", []polyvtest.Reply{polyvtest.Garbage()},
			"the bot cannot read Polyv's answer as a success (not json)", 1, false},
		{"an empty answer", []polyvtest.Reply{polyvtest.Empty(200)},
			"the bot cannot read Polyv's answer as a success (empty body)", 1, false},
		{"code 200 with status error", []polyvtest.Reply{polyvtest.Custom(200, `{"code":200,"status":"error","message":"stop failed","data":""}`)},
			`the bot cannot read Polyv's answer as a success (contradictory answer: code 200 but status "error"; message "stop failed")`, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t)
				e.polyv.Script(10001, tc.replies...)
				rec := e.run("stop 10001")
				parent, thread := e.parent()
				require.Len(t, thread, 2, "%q", thread)
				require.Equal(t, "❔ Polyv channel 10001: Polyv's answer was unclear: "+tc.why+"; checking…", thread[0])
				require.Equal(t, tc.calls, e.stopCalls(10001))
				require.Equal(t, []State{Unclear}, states(rec))
				require.True(t, rec.Verifying)
				if tc.stopped {
					require.Equal(t, "🔎 Polyv channel 10001: verified, no longer live (ended)", thread[1])
					require.Equal(t, "✅ 1 stopped — <@U0RESP> asked to stop Polyv channel 10001", parent.Latest())
					require.Equal(t, "✅ 1 stopped", outcomeWord(rec))
					require.Equal(t, "stopped", outcomeLabel(rec))
				} else {
					require.Equal(t, "⚠️ Polyv channel 10001: still live after 15 seconds: the stop did not take effect; stop it again, or use the Polyv console", thread[1])
					require.Equal(t, "⚠️ ❌ 1 failed, still live: 10001 — <@U0RESP> asked to stop Polyv channel 10001", parent.Latest())
					require.Equal(t, "❌ 1 failed", outcomeWord(rec))
				}
				for _, text := range append(thread, parent.Text, parent.Latest()) {
					require.NotContains(t, text, "could not reach Polyv", "an answer arrived")
				}
				result := auditResult(t, rec)
				require.Equal(t, "unclear", result["state"])
				require.Equal(t, map[bool]string{true: "verified", false: "still_live"}[tc.stopped], result["check"])
			})
		})
	}
}

// With VERIFY_STOP=false nothing settles an unclear answer: the thread says
// so plainly, and how to check.
func TestStopUnclearAnswerWithoutVerification(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, noVerify)
		e.polyv.Script(10001, polyvtest.OK().CutShort())
		rec := e.run("stop 10001")
		parent, thread := e.parent()
		require.Equal(t, []string{"❔ Polyv channel 10001: Polyv's answer was unclear: Polyv answered, but its answer was cut short; " +
			"the stream may or may not be stopped; check with `/polyv status 10001`"}, thread)
		require.Equal(t, "❔ 1 unclear — <@U0RESP> asked to stop Polyv channel 10001", parent.Latest())
		require.Equal(t, []State{Unclear}, states(rec))
		require.Equal(t, "❔ 1 unclear", outcomeWord(rec))
		require.Zero(t, e.statusCalls())
	})
}

// auditResult is the audit log's results entry for rec's only channel.
func auditResult(t *testing.T, rec Record) map[string]any {
	t.Helper()
	var buf logtest.Buffer
	LogSink(slog.New(slog.NewJSONHandler(&buf, nil))).Audit(rec)
	var line struct {
		Results []map[string]any `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(buf.String())), &line))
	require.Len(t, line.Results, 1)
	return line.Results[0]
}
