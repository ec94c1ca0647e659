package bot

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// status tells each channel's whole story, and a part that fails or is
// late is left out with a word, never failing the answer when the live
// status arrived; only the live status failing fails it.
func TestStatusStory(t *testing.T) {
	t.Parallel()
	const (
		whole   = "• Polyv channel 10001 «Spring Launch»: live (streaming now) · 1,234 watching now · host Alice Zhang · pushed by an encoder"
		noName  = "• Polyv channel 10001: live (streaming now) · 1,234 watching now · host unknown · pushed by an encoder"
		pulled  = "• Polyv channel 10002 «polyvtest channel 10002»: ended · 0 watching now · host polyvtest host · pulled by Polyv from a source"
		unknown = "• Polyv channel 10003: unknown to Polyv (no such channel in this account); check the id"
	)
	cases := []struct {
		name    string
		prepare func(*polyvtest.Server)
		first   string // the answer's line for 10001
		second  string // and for 10002
		late    bool   // the answer waits for the parts' bound
	}{
		{"every part", nil, whole, pulled, false},
		// One call reads every channel's viewers: its failure leaves them all out.
		{"the viewers fail", func(s *polyvtest.Server) { s.Always(polyvtest.OpViewers, 10001, polyvtest.ServerFail()) },
			noViewers(whole), noViewers(pulled), false},
		{"the viewers are late", func(s *polyvtest.Server) { s.Always(polyvtest.OpViewers, 10001, polyvtest.Hang()) },
			noViewers(whole), noViewers(pulled), true},
		{"the stream type fails", func(s *polyvtest.Server) { s.Always(polyvtest.OpStreamType, 10001, polyvtest.ServerFail()) },
			strings.Replace(whole, "pushed by an encoder", "push or pull unknown", 1), pulled, false},
		{"the stream type is late", func(s *polyvtest.Server) { s.Always(polyvtest.OpStreamType, 10001, polyvtest.Slow(time.Minute)) },
			strings.Replace(whole, "pushed by an encoder", "push or pull unknown", 1), pulled, true},
		{"the name fails", func(s *polyvtest.Server) { s.Always(polyvtest.OpInfo, 10001, polyvtest.ServerFail()) }, noName, pulled, false},
		{"the name is late", func(s *polyvtest.Server) { s.Always(polyvtest.OpInfo, 10001, polyvtest.Hang()) }, noName, pulled, true},
		{"the live status fails", func(s *polyvtest.Server) { s.ScriptStatus(10001, polyvtest.InvalidSignature()) },
			"❌ Could not read the status: Polyv rejected the signature", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				// POLYV_TIMEOUT longer than the parts' bound: the bound cuts a late part.
				e := newEnv(t, withNames, func(c *envConfig) { c.set.PolyvTimeout = 10 * time.Second })
				e.polyv.SetName(10001, "Spring Launch", "Alice Zhang")
				e.polyv.SetViewers(10001, 1234, 1200)
				e.polyv.SetStreamType(10001, polyv.StreamClient)
				e.polyv.SetLiveStatus(10002, polyv.StatusEnd)
				e.polyv.Unknown(10003)
				if tc.prepare != nil {
					tc.prepare(e.polyv)
				}
				rec := e.run("status 10001 10002 10003")
				require.Equal(t, Allowed, rec.Decision)
				require.Len(t, e.private(), 1)
				answer := e.private()[0]
				if rec.StatusErr != nil {
					require.Contains(t, answer, tc.first)
					return
				}
				require.Equal(t, tc.first+"\n"+tc.second+"\n"+unknown, answer)
				took := e.record(rec.ID).Finished.Sub(rec.Received)
				if tc.late {
					require.Equal(t, statusPartsWait, took, "a late part waited for up to its bound, no longer")
				} else {
					require.Less(t, took, time.Second, "nothing waited for the bound")
				}
				require.Equal(t, 1, e.polyv.OpCalls(polyvtest.OpStreamType, 10002), "a stream-type call per channel")
				for _, c := range e.polyv.Calls() {
					require.Equal(t, "GET", c.Method, "status is read-only")
					if c.Op == polyvtest.OpViewers {
						require.Equal(t, []int64{10001, 10002, 10003}, c.ChannelIDs, "one batched viewers call (and its retries)")
					}
				}
			})
		})
	}
}

func noViewers(line string) string {
	return strings.NewReplacer("1,234 watching now", "viewers unknown", "0 watching now", "viewers unknown").Replace(line)
}

// The confirmation prompt shows what will stop: each channel's name, live
// status and viewers, read while it is prepared.
func TestConfirmPromptShowsWhatWillStop(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withNames, withConfirm, noVerify)
		e.polyv.SetName(10001, "Spring Launch", "Alice Zhang")
		e.polyv.SetViewers(10001, 1234)
		e.polyv.SetLiveStatus(10002, polyv.StatusUnstart)
		e.polyv.Unknown(10003)
		rec, token := e.prompt("stop 10001 10002 10003 -- leak")
		require.Zero(t, e.record(rec.ID).Finished.Sub(rec.Received))
		require.Equal(t, "Stop the pull stream of Polyv channels 10001 «Spring Launch», 10002 «polyvtest channel 10002», 10003?\n"+
			"• 10001 «Spring Launch»: live (streaming now) · 1,234 watching now\n"+
			"• 10002 «polyvtest channel 10002»: not started · 0 watching now\n"+
			"• 10003: unknown to Polyv (no such channel in this account); check the id\n"+
			"Reason: leak\n_This prompt expires in 2 minutes._", e.slack.responded()[0].Text)
		require.Empty(t, e.actions(), "only reads before the click")

		stop := e.clicked(responder, ActionConfirm, token)
		require.Equal(t, []State{Stopped, Stopped, Failed}, states(stop))
		require.Equal(t, "Confirmed: stopping Polyv channels 10001 «Spring Launch», 10002 «polyvtest channel 10002», 10003…",
			e.slack.responded()[1].Text)
	})
}

// A Polyv that does not answer leaves the prompt without the live status
// and viewers, shown after its 1.5 s, never later; the stop still works.
func TestConfirmPromptGoesWithoutALatePolyv(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withNames, withConfirm, noVerify)
		for _, op := range []polyvtest.Op{polyvtest.OpStatus, polyvtest.OpViewers, polyvtest.OpInfo} {
			e.polyv.Always(op, 10001, polyvtest.Hang())
		}
		rec, token := e.prompt("stop 10001")
		require.Equal(t, promptReadWait, e.record(rec.ID).Finished.Sub(rec.Received))
		require.Equal(t, "Stop the pull stream of Polyv channel 10001?\n_This prompt expires in 2 minutes._", e.slack.responded()[0].Text)
		require.Equal(t, []State{Stopped}, states(e.clicked(responder, ActionConfirm, token)))
	})
}

// Twenty channels with long hostile names and the longest reason still
// make a prompt within Block Kit's limits (the fake Slack refuses one
// past them, and newEnv fails the test), with the action ids unchanged.
func TestConfirmPromptWithTwentyLongNames(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withNames, withConfirm, noVerify, func(c *envConfig) { c.userBurst = 100 })
		for i := range int64(20) {
			e.polyv.SetName(MaxChannelID-19+i, strings.Repeat("<&>", 70), strings.Repeat("&", 200))
			e.polyv.SetViewers(MaxChannelID-19+i, 123456789)
		}
		e.run("status " + ids(MaxChannelID-19, 20)) // within its 3 s, the names' own budget names all twenty
		_, token := e.prompt("stop " + ids(MaxChannelID-19, 20) + " -- " + strings.Repeat("&", MaxReasonRunes))
		p := e.slack.responded()[len(e.slack.responded())-1]
		require.Equal(t, 20, strings.Count(p.Text, "«&lt;&amp;&gt;"), "every channel named in the text")
		btns := promptButtons(t, p.Blocks)
		require.Equal(t, ActionConfirm, btns[0].ActionID)
		require.Equal(t, ActionCancel, btns[1].ActionID)
		require.Len(t, states(e.clicked(responder, ActionConfirm, token)), 20)
	})
}
