package bot

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// Verification runs on the bubble's clock, which moves through each wait
// at once: checks at 1, 3, 7 and 15 seconds of the 15 s window cost no
// real time.
func TestVerify(t *testing.T) {
	t.Parallel()
	runStopCases(t, []stopCase{
		{name: "the first check sees the channel ended", text: "stop 10001", check: func(t *testing.T, e *env, rec Record) {
			parent, thread := e.parent()
			require.Equal(t, "🔎 Polyv channel 10001: verified, no longer live (ended)", thread[1])
			require.NotContains(t, parent.Latest(), "⚠️")
			require.Equal(t, 1, e.statusCalls())
			require.Equal(t, "verified", english.verificationWords(rec.Channels))
			require.Equal(t, time.Second, time.Since(epoch), "one check, after 1 second on the bubble's clock")
		}},
		{name: "still live after the window", text: "stop 10001 10002",
			prepare: func(e *env) { e.polyv.KeepLive(10002) },
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Len(t, thread, 5)
				require.Equal(t, 1, countLines(thread, "🔎 Polyv channel 10001: verified, no longer live"))
				require.Equal(t, []string{"⚠️ Polyv channel 10002: Polyv accepted the stop, but the channel still reports live after 15 seconds; check the Polyv console",
					english.cutoffOfferText("/polyv", []int64{10002}, nil, stillLive, true, true)}, thread[3:], "and the cut-off is offered for the channel still live")
				require.Equal(t, "⚠️ ✅ 2 stopped, still live: 10002 — <@U0RESP> asked to stop Polyv channels 10001, 10002", parent.Latest())
				calls := e.polyv.Calls()[2:]
				require.Len(t, calls, 4, "checks at 1, 3, 7 and 15 seconds")
				for _, c := range calls[1:] {
					require.Equal(t, []int64{10002}, c.ChannelIDs, "the channel that ended is not asked about again")
				}
				require.Equal(t, "still live: 10002", english.verificationWords(rec.Channels))
				require.Equal(t, 15*time.Second, time.Since(epoch), "the window, on the bubble's clock")
			}},
		{name: "status unreadable", text: "stop 10001",
			prepare: func(e *env) {
				e.polyv.KeepLive(10001)
				fail := polyvtest.InvalidSignature() // not retried: one reply per check
				e.polyv.ScriptStatus(10001, fail, fail, fail, fail)
			},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Equal(t, "⚠️ Polyv channel 10001: Polyv accepted the stop, but the bot could not verify it: Polyv rejected the signature: check POLYV_APP_SECRET (and POLYV_SIGNATURE_METHOD) in the bot's configuration", thread[1])
				require.Contains(t, parent.Latest(), "⚠️ ✅ 1 stopped, unverified: 10001")
				require.Equal(t, Check{Verdict: Unverified, Why: StatusUnreadable, Err: rec.Channels[0].Check.Err}, rec.Channels[0].Check)
			}},
		{name: "a failed check, then a good one", text: "stop 10001",
			prepare: func(e *env) {
				e.polyv.ScriptStatus(10001, polyvtest.ServerFail(), polyvtest.ServerFail(), polyvtest.ServerFail())
			},
			check: func(t *testing.T, e *env, rec Record) {
				_, thread := e.parent()
				require.Equal(t, "🔎 Polyv channel 10001: verified, no longer live (ended)", thread[1])
				require.Equal(t, Verified, rec.Channels[0].Check.Verdict)
			}},
		{name: "missing from Polyv's answer", text: "stop 10001 10002",
			prepare: func(e *env) {
				e.polyv.ScriptStatus(10001, polyvtest.Custom(200, `{"code":200,"status":"success","requestId":"x","data":[],"success":true}`))
			},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Equal(t, 1, countLines(thread, "⚠️ Polyv channel 10001: Polyv accepted the stop, but its status answer does not list the channel"))
				require.Zero(t, countLines(thread, "verified, no longer live"), "a missing row proves nothing")
				require.Contains(t, parent.Latest(), "⚠️ ✅ 2 stopped, unverified: 10001, 10002")
				require.Equal(t, 1, e.statusCalls(), "nothing is left to poll")
			}},
		{name: "off", text: "stop 10001", opts: []func(*envConfig){noVerify}, check: func(t *testing.T, e *env, rec Record) {
			_, thread := e.parent()
			require.Len(t, thread, 1)
			require.Zero(t, e.statusCalls())
			require.False(t, rec.Verifying)
		}},
	})
}

// Only a status Polyv documents as not live verifies a stop, in any letter
// case; an unknown or empty status is unverified, never verified.
func TestVerifyReadsOnlyKnownStatuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status  polyv.LiveStatus
		line    string
		verdict string
	}{
		{"End", "🔎 Polyv channel 10001: verified, no longer live (ended)", "verified"},
		{"playback", "🔎 Polyv channel 10001: verified, no longer live (playback)", "verified"},
		{"LIVE", "⚠️ Polyv channel 10001: Polyv accepted the stop, but the channel still reports live after 15 seconds", "still live: 10001"},
		{"", "⚠️ Polyv channel 10001: Polyv accepted the stop, but reports its status as no status given, which does not say whether it is live", "unverified: 10001"},
		{"recording", "⚠️ Polyv channel 10001: Polyv accepted the stop, but reports its status as unknown status", "unverified: 10001"},
	}
	for _, tc := range cases {
		t.Run("status "+strconv.Quote(string(tc.status)), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t)
				e.polyv.KeepLive(10001)
				e.polyv.SetLiveStatus(10001, tc.status)
				rec := e.run("stop 10001")
				parent, thread := e.parent()
				require.Equal(t, 1, countLines(thread, tc.line), "thread: %q", thread)
				require.Equal(t, tc.verdict, english.verificationWords(rec.Channels))
				require.Equal(t, tc.verdict != "verified", strings.HasPrefix(parent.Latest(), "⚠️"))
			})
		})
	}
}

// A shutdown that cuts verification short proves nothing either way: the
// thread must not claim the channel is still live, and the parent is
// flagged.
func TestVerifyCutShortByShutdown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		req := e.request("stop 10001")
		e.handle(req)
		synctest.Wait() // the verifier waits for the first check; the shutdown comes first
		e.stopVerifier()
		rec := e.verdict(req.ID)
		parent, thread := e.parent()
		require.Equal(t, "⚠️ Polyv channel 10001: Polyv accepted the stop, but the bot shut down before it could verify it; check with `status`", thread[1])
		require.Zero(t, e.statusCalls(), "a cancelled verification asks Polyv nothing more")
		require.Equal(t, "⚠️ ✅ 1 stopped, unverified: 10001 — <@U0RESP> asked to stop Polyv channel 10001", parent.Latest())
		require.Equal(t, Check{Verdict: Unverified, Why: ShutDown}, rec.Channels[0].Check)
	})
}

// One verifier serves the process: channels due at the same time are
// checked in one call, in batches of at most 200.
func TestVerifyBatchesAcrossCommands(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.userBurst, c.globalPerMin, c.globalBurst = 1000, 60000, 1000 })
		var stops []Request
		for i := range 11 {
			stops = append(stops, e.request("stop "+ids(int64(20001+20*i), 20)))
			e.handle(stops[i])
		}
		require.Equal(t, 220, len(e.polyv.Calls()), "the stops went out; no check is due yet")
		synctest.Wait() // the verifier waits for the first check
		time.Sleep(time.Second)
		for _, req := range stops {
			require.Equal(t, "verified", english.verificationWords(e.verdict(req.ID).Channels))
		}
		var sizes []int
		for _, c := range e.polyv.Calls() {
			if strings.HasSuffix(c.Path, "live-status/list") {
				sizes = append(sizes, len(c.ChannelIDs))
			}
		}
		require.ElementsMatch(t, []int{200, 20}, sizes, "220 channels due together: two calls")
		require.Len(t, e.audits, 22, "each stop's record, then its verdict's")
	})
}

// A channel's in-flight claim lasts until its verification is over: a
// second stop meanwhile is told where the first one is.
func TestVerifyKeepsTheClaimUntilTheVerdict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		reply polyvtest.Reply
		state State
	}{
		{"a stop Polyv accepted", polyvtest.OK(), Stopped},
		{"a stop whose answer was cut short", polyvtest.OK().CutShort(), Unclear},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, func(c *envConfig) { c.rules.Users = []string{responder, "U0SECOND"} })
				e.polyv.Script(10001, tc.reply)
				first := e.request("stop 10001")
				e.handle(first)
				synctest.Wait() // the verifier waits for the first check

				e.handle(e.request("stop 10001", as("U0SECOND"), withID("second")))
				second := e.record(envelopeID("second"))
				require.Equal(t, InProgress, second.Decision)
				require.Regexp(t, `^⏳ Polyv channel 10001 is already being stopped by <@U0RESP> \(<https://test\.slack\.com/archives/C0OPS/p\d+\|thread>\); nothing more was sent\.$`, e.private()[0])
				require.Equal(t, 1, e.stopCalls(10001))

				time.Sleep(time.Second)
				e.verdict(first.ID)
				require.Equal(t, []State{tc.state}, states(e.record(first.ID)))
				require.Equal(t, "verified", english.verificationWords(e.record(first.ID).Channels))
				third := e.run("stop 10001", as("U0SECOND"), withID("third"))
				require.Equal(t, []State{Stopped}, states(third), "once verified, the channel is free again")
				require.Equal(t, 2, e.stopCalls(10001))
			})
		})
	}
}

// Status checks take a global token only if one is free at once: when the
// bucket is short, the check waits for the channel's next round instead of
// queueing ahead of stops.
func TestVerifyNeverWaitsForTheGlobalBucket(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.globalPerMin, c.globalBurst = 0.001, 1 })
		rec := e.run("stop 10001")
		require.Equal(t, []State{Stopped}, states(rec), "the stop took the only token")
		require.Zero(t, e.statusCalls(), "no check could take a token, so none was sent")
		_, thread := e.parent()
		require.Equal(t, "⚠️ Polyv channel 10001: Polyv accepted the stop, but the bot could not verify it: not sent: the bot's own Polyv call budget (RATE_LIMIT_PER_MINUTE) is used up; retry in "+
			strings.SplitN(thread[1], "retry in ", 2)[1], thread[1])
		require.Equal(t, Unverified, rec.Channels[0].Check.Verdict)
	})
}
