package bot

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// The names through the pipeline: the real Polyv client against the fake
// Polyv, the names cache on (withNames), in synctest bubbles, so that how
// long a message waited for a name, and when a stop call left, are exact.

// Every message that names the channel carries its name: the parent (and
// its update), the thread's lines, the verdict's, both audit channel lines,
// and the audit log line, which gives it raw.
func TestNamesInEveryMessage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withNames)
		e.polyv.SetName(10001, "Spring Launch", "Alice Zhang")
		e.polyv.SetName(10002, "Keynote & Q&A", "Bob")
		rec := e.run("stop 10001 10002 -- leaked")
		require.Equal(t, []State{Stopped, Stopped}, states(rec))

		parent, thread := e.parent()
		require.Equal(t, "🛑 <@U0RESP> is stopping Polyv channels 10001 «Spring Launch», 10002 «Keynote &amp; Q&amp;A»\nReason: leaked", parent.Text)
		require.Equal(t, "✅ 2 stopped — <@U0RESP> asked to stop Polyv channels 10001 «Spring Launch», 10002 «Keynote &amp; Q&amp;A»\nReason: leaked",
			parent.Latest())
		require.Len(t, thread, 4)
		require.True(t, strings.HasPrefix(thread[0], "✅ Polyv channel 10001 «Spring Launch»: stopped"), thread[0])
		require.True(t, strings.HasPrefix(thread[1], "✅ Polyv channel 10002 «Keynote &amp; Q&amp;A»: stopped"), thread[1])
		require.True(t, strings.HasPrefix(thread[2], "🔎 Polyv channel 10001 «Spring Launch»: verified"), thread[2])
		audit := e.auditLines()
		require.Len(t, audit, 2)
		require.Contains(t, audit[0], "is stopping Polyv channels 10001 «Spring Launch», 10002 «Keynote &amp; Q&amp;A» in <#C0OPS>")
		require.Contains(t, audit[1], "asked to stop Polyv channels 10001 «Spring Launch», 10002 «Keynote &amp; Q&amp;A» in <#C0OPS>")

		results := loggedResults(t, e.record(rec.ID))
		require.Equal(t, "Spring Launch", results[0]["polyv_channel_name"])
		require.Equal(t, "Keynote & Q&A", results[1]["polyv_channel_name"], "the log gives the name raw")
		require.Equal(t, 2, e.polyv.OpCalls(polyvtest.OpInfo, 0), "one lookup per channel for all those messages")
	})
}

// loggedResults is the "results" of rec's audit log line, as JSON gives them.
func loggedResults(t *testing.T, rec Record) []map[string]any {
	t.Helper()
	var buf logtest.Buffer
	LogSink(slog.New(slog.NewJSONHandler(&buf, nil))).Audit(rec)
	var line struct {
		Results []map[string]any `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(buf.String()), &line))
	return line.Results
}

// A name is outside text: it mentions nobody, forms no link or code span,
// stays on its line and is cut, wherever it is shown; the audit log has it
// raw (JSON quotes it), cut to the log's bound.
func TestNamesHostile(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("長い名前", 25) // 300 bytes
	cases := []struct {
		name, title string
		shown       string // what the thread line shows between « and »
		notShown    string // what no message may contain
	}{
		{"a channel mention", "<!channel> pwn", "&lt;!channel&gt; pwn", "<!channel>"},
		{"a user mention", "<@U0ADMIN>", "&lt;@U0ADMIN&gt;", "<@U0ADMIN>"},
		{"a link", "<https://evil.example|click>", "&lt;https://evil.example|click&gt;", "<https://evil"},
		{"300 bytes", long, strings.Repeat("長い名前", 9) + "長い名…", long[:120]},
		{"line breaks and backticks", "line one\nline `two`\r\n«three»", "line one line 'two' ‹three›", "`two`"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, withNames, withConfirm, noVerify)
				e.polyv.SetName(10001, tc.title, tc.title)
				e.run("status 10001")
				_, token := e.prompt("stop 10001 -- leak")
				rec := e.clicked(responder, ActionConfirm, token)
				parent, thread := e.parent()
				require.Len(t, thread, 1)
				require.Contains(t, thread[0], "✅ Polyv channel 10001 «"+tc.shown+"»: stopped")
				require.LessOrEqual(t, utf8.RuneCountInString(tc.shown), maxShownName)
				texts := append(append(append([]string{parent.Text, parent.Latest()}, thread...), e.private()...), e.auditLines()...)
				for _, r := range e.slack.responded() {
					texts = append(texts, r.Text)
				}
				for _, text := range texts {
					require.NotContains(t, text, tc.notShown)
					require.Equal(t, 0, strings.Count(text, "`")%2, "no backtick left unpaired: %q", text)
				}
				for _, line := range append(thread, e.private()...) {
					require.NotContains(t, strings.TrimSuffix(line, "\n"), "\r")
				}
				logged := loggedResults(t, e.record(rec.ID))[0]["polyv_channel_name"].(string)
				require.LessOrEqual(t, utf8.RuneCountInString(logged), maxLoggedText)
				require.NotContains(t, logged, "&lt;", "the log's name is not escaped")
			})
		})
	}
}

// A name lookup that takes 5 s delays no stop call: the call leaves when it
// would without names, the parent waits its 300 ms and goes without the
// name, and the thread line does not wait either.
func TestNamesSlowLookupDelaysNoStop(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, slow bool) (callAt, posted time.Duration, parent string, line string) {
		e := newEnv(t, withNames, noVerify)
		if slow {
			e.polyv.Always(polyvtest.OpInfo, 10001, polyvtest.Slow(5*time.Second))
		}
		rec := e.run("stop 10001")
		require.Equal(t, []State{Stopped}, states(rec))
		p, thread := e.parent()
		calls := e.polyv.Calls()
		for _, c := range calls {
			if c.Op == polyvtest.OpStop {
				callAt = c.At.Sub(rec.Received)
			}
		}
		return callAt, e.record(rec.ID).Finished.Sub(rec.Received), p.Text, thread[0]
	}
	synctest.Test(t, func(t *testing.T) {
		callAt, done, parent, line := run(t, false)
		require.Zero(t, callAt)
		require.Zero(t, done, "a name the fake answers at once costs no time")
		require.Contains(t, parent, "«polyvtest channel 10001»")
		require.Contains(t, line, "«polyvtest channel 10001»")
	})
	synctest.Test(t, func(t *testing.T) {
		callAt, done, parent, line := run(t, true)
		require.Zero(t, callAt, "the stop call left at once, as without names")
		require.Equal(t, parentNameWait, done, "the parent waited its bound, the rest nothing more")
		require.Equal(t, "🛑 <@U0RESP> is stopping Polyv channel 10001", parent)
		require.True(t, strings.HasPrefix(line, "✅ Polyv channel 10001: stopped"), line)
	})
}

// Stopping one channel again and again looks its name up once: the cache
// keeps Polyv calls per stop within 1.05.
func TestNamesRepeatedChannelCostsOneLookup(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withNames, noVerify, func(c *envConfig) { c.userBurst = 1000 })
		const stops = 100
		for i := range stops {
			rec := e.run("stop 10001", withID(string(rune('a'+i%26))+strings.Repeat("x", i)))
			require.Equal(t, []State{Stopped}, states(rec))
		}
		require.Equal(t, stops, e.stopCalls(10001))
		require.Equal(t, 1, e.polyv.OpCalls(polyvtest.OpInfo, 10001))
		perStop := float64(len(e.polyv.Calls())) / float64(stops)
		require.LessOrEqual(t, perStop, 1.05)
	})
}

// A request that may not act causes no Polyv call, not even for a name; its
// messages name the channels the cache already knows.
func TestNamesDeniedRequestLooksNothingUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withNames, noVerify)
		e.polyv.SetName(10001, "Spring Launch", "Alice")
		rec := e.run("stop 10002", as("U0STRANGER"))
		require.Equal(t, Denied, rec.Decision)
		require.Empty(t, e.polyv.Calls())

		e.run("stop 10001")
		e.run("stop 10001 10002", as("U0STRANGER"), withID("denied-again"))
		require.Equal(t, 1, e.polyv.OpCalls(polyvtest.OpInfo, 0), "only the allowed stop looked a name up")
		audit := e.auditLines()
		require.Contains(t, audit[len(audit)-1], "`stop` of Polyv channels 10001 «Spring Launch», 10002 in <#C0OPS>: denied")

		var buf logtest.Buffer
		LogSink(slog.New(slog.NewJSONHandler(&buf, nil))).Audit(e.record(envelopeID("denied-again")))
		var line struct {
			Names map[string]string `json:"polyv_channel_names"`
		}
		require.NoError(t, json.Unmarshal([]byte(buf.String()), &line))
		require.Equal(t, map[string]string{"10001": "Spring Launch"}, line.Names, "the log line names what the cache knew")
	})
}
