package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func noVerify(c *envConfig) { c.set.VerifyStop = false }

// stopCase is one stop through the pipeline: a command, what the fakes do,
// and what must come out.
type stopCase struct {
	name    string
	text    string
	user    string
	opts    []func(*envConfig)
	prepare func(*env)
	check   func(*testing.T, *env, Record)
}

func runStopCases(t *testing.T, cases []stopCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, tc.opts...)
				if tc.prepare != nil {
					tc.prepare(e)
				}
				user := responder
				if tc.user != "" {
					user = tc.user
				}
				tc.check(t, e, e.run(tc.text, as(user)))
			})
		})
	}
}

func TestStop(t *testing.T) {
	t.Parallel()
	runStopCases(t, []stopCase{
		{name: "happy path", text: "stop 10001 -- leaked test stream", check: func(t *testing.T, e *env, rec Record) {
			parent, thread := e.parent()
			require.Equal(t, "🛑 <@U0RESP> is stopping Polyv channel 10001\nReason: leaked test stream", parent.Text)
			require.Equal(t, "✅ 1 stopped — <@U0RESP> asked to stop Polyv channel 10001\nReason: leaked test stream", parent.Latest())
			require.Equal(t, []string{"✅ Polyv channel 10001: stopped (Polyv answered in under 1ms)",
				"🔎 Polyv channel 10001: verified, no longer live (ended)"}, thread)
			require.Equal(t, Allowed, rec.Decision)
			require.Equal(t, []ChannelResult{{ID: 10001, State: Stopped, Attempts: 1, Check: Check{Verdict: Verified, Status: polyv.StatusEnd}}}, rec.Channels)
			require.Equal(t, "https://test.slack.com/archives/C0OPS/p"+strings.Replace(parent.TS, ".", "", 1), rec.Thread, "the record links the parent")
			require.True(t, rec.Verifying)
			calls := e.polyv.Calls()
			require.Len(t, calls, 2, "one stop and one status call")
			stop := calls[0]
			require.Equal(t, "POST", stop.Method)
			require.Equal(t, "ok", stop.Verdict)
			require.Equal(t, "10001", stop.Form.Get("channelId"))
			require.Equal(t, polyv.Sign(map[string]string{"appId": testAppID, "timestamp": stop.Form.Get("timestamp"), "channelId": "10001"}, testAppSecret), stop.Form.Get("sign"))
			require.Equal(t, []string{
				"🛑 <@U0RESP> is stopping Polyv channel 10001 in <#C0OPS> (<" + rec.Thread + "|thread>) _(request " + rec.ID + ", 2026-03-01T03:00:00Z)_",
				"✅ 1 stopped — <@U0RESP> asked to stop Polyv channel 10001 in <#C0OPS> (<" + rec.Thread + "|thread>) _(request " + rec.ID + ", 2026-03-01T03:00:00Z)_",
			}, e.auditLines())
			require.NotContains(t, e.logs.String(), testAppSecret)
		}},
		{name: "several channels, one refused by Polyv", text: "stop 10001 10002 10003 -- leaked test streams",
			prepare: func(e *env) { e.polyv.Script(10002, polyvtest.ChannelNotFound()) },
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Contains(t, parent.Latest(), "✅ 2 stopped, ❌ 1 failed — <@U0RESP> asked to stop Polyv channels 10001, 10002, 10003")
				require.Len(t, thread, 5)
				require.Equal(t, 1, countLines(thread, "❌ Polyv channel 10002: Polyv says this channel does not exist"))
				require.Zero(t, countLines(thread, "Polyv channel 10002: verified"), "a failed stop is not verified")
				for _, id := range []int64{10001, 10003} {
					require.Equal(t, 1, countLines(thread, fmt.Sprintf("✅ Polyv channel %d: stopped", id)))
					require.Equal(t, 1, countLines(thread, fmt.Sprintf("🔎 Polyv channel %d: verified, no longer live (ended)", id)))
				}
				require.Equal(t, []State{Stopped, Failed, Stopped}, states(rec))
				for _, c := range e.polyv.Calls() {
					if strings.HasSuffix(c.Path, "live-status/list") {
						require.Equal(t, []int64{10001, 10003}, c.ChannelIDs, "only accepted stops are verified")
					}
				}
			}},
		{name: "thread lines come in the command's order", text: "stop 10004 10005 10006", opts: []func(*envConfig){noVerify},
			prepare: func(e *env) { e.polyv.Script(10004, polyvtest.Slow(300*time.Millisecond)) },
			check: func(t *testing.T, e *env, rec Record) {
				_, thread := e.parent()
				require.Len(t, thread, 3)
				for i, id := range []int64{10004, 10005, 10006} {
					require.True(t, strings.HasPrefix(thread[i], fmt.Sprintf("✅ Polyv channel %d: stopped", id)), "line %d: %s", i, thread[i])
				}
			}},
		{name: "duplicates collapse", text: "stop 10001 10001,10002 10001 10002 -- why", opts: []func(*envConfig){noVerify},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Contains(t, parent.Text, "Polyv channels 10001, 10002\n")
				require.Equal(t, 1, e.stopCalls(10001))
				require.Equal(t, 1, e.stopCalls(10002))
				require.Len(t, thread, 2)
			}},
		{name: "twenty channels", text: "stop " + ids(20001, 20), opts: []func(*envConfig){noVerify},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Contains(t, parent.Latest(), "✅ 20 stopped")
				require.Len(t, thread, 20)
				require.Len(t, e.polyv.Calls(), 20)
			}},
		{name: "mentions and links in the reason ping nobody", text: "stop 10001 -- <!channel> <@U999> <https://evil.example|click> & more",
			check: func(t *testing.T, e *env, rec Record) {
				parent, _ := e.parent()
				for _, text := range []string{parent.Text, parent.Latest()} {
					require.Contains(t, text, "Reason: &lt;!channel&gt; &lt;@U999&gt; &lt;https://evil.example|click&gt; &amp; more")
				}
			}},
		{name: "a reason is shown as typed, escaped once", text: "stop 10001 -- A&amp;B &lt;test&gt;", opts: []func(*envConfig){noVerify},
			check: func(t *testing.T, e *env, rec Record) {
				parent, _ := e.parent()
				require.Contains(t, parent.Text, "\nReason: A&amp;B &lt;test&gt;")
				require.Equal(t, "A&B <test>", rec.Command.Reason, "the record keeps it as typed")
			}},
		{name: "an ambiguous stop says how it was read", text: "stop 10001 2 viewers reported it", opts: []func(*envConfig){noVerify},
			check: func(t *testing.T, e *env, rec Record) {
				parent, _ := e.parent()
				require.Contains(t, parent.Text, "\n_Read as channels 10001, 2; a reason that starts with a number goes after `--`._")
				require.Equal(t, 1, e.stopCalls(2), "it still does what it says")
			}},
		{name: "dry run", text: "stop 10001", opts: []func(*envConfig){func(c *envConfig) { c.set.DryRun = true }},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Contains(t, parent.Text, "_Dry run: nothing is sent to Polyv._")
				require.Equal(t, []string{"🧪 Polyv channel 10001: dry run (DRY_RUN=true): the signed stop call was logged, not sent"}, thread)
				require.Contains(t, parent.Latest(), "🧪 1 dry run")
				require.Empty(t, e.polyv.Calls(), "nothing is sent, so nothing is verified either")
				require.False(t, rec.Verifying)
			}},
		{name: "the bot is not in the channel", text: "stop 10001 10002 10003 10004",
			prepare: func(e *env) {
				e.slack.failWith("post "+opsChannel, slack.SlackErrorResponse{Err: "not_in_channel"})
				e.polyv.Script(10002, polyvtest.ChannelNotFound())
				e.polyv.KeepLive(10003)
			},
			check: func(t *testing.T, e *env, rec Record) {
				posts := e.slack.responded()
				require.Len(t, posts, 3, "Slack takes five posts per response_url: outcomes and checks are batched")
				for _, p := range posts {
					require.True(t, p.InChannel)
				}
				require.Contains(t, posts[0].Text, "is stopping Polyv channels 10001, 10002, 10003, 10004")
				require.Contains(t, posts[0].Text, "/invite @polyvbot")
				outcomes := strings.Split(posts[1].Text, "\n")
				require.Equal(t, "✅ 3 stopped, ❌ 1 failed", outcomes[0], "the summary heads the outcomes")
				require.Len(t, outcomes, 5)
				checks := strings.Split(posts[2].Text, "\n")
				require.Equal(t, "⚠️ ✅ 3 stopped, ❌ 1 failed, still live: 10003", checks[0])
				require.Len(t, checks, 5)
				require.Equal(t, english.cutoffOfferText("/polyv", []int64{10003}, nil, stillLive, true, false), checks[4], "without a thread, no button: the command to type")
				require.Empty(t, rec.Thread)
			}},
	})
}

// TestStopFailuresInResponderWords: Polyv's definite refusals. Answers
// that do not say whether Polyv acted (5xx, unreadable, cut short) are
// unclear, not failed: see TestStopUnclearAnswerIsSettledByVerification.
func TestStopFailuresInResponderWords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply polyvtest.Reply
		want  string
	}{
		{"invalid signature", polyvtest.InvalidSignature(), "Polyv rejected the signature: check POLYV_APP_SECRET (and POLYV_SIGNATURE_METHOD) in the bot's configuration"},
		{"invalid timestamp", polyvtest.InvalidTimestamp(), "the bot host's clock is off by more than 3 minutes"},
		{"application not found", polyvtest.AppNotFound(), "check POLYV_APP_ID"},
		{"channel not found", polyvtest.ChannelNotFound(), "Polyv says this channel does not exist"},
		{"quota", polyvtest.QuotaExceeded(), "retry in 5 minutes"},
		{"redirect to another host", polyvtest.Redirect(302, "http://elsewhere.example/live/v3/channel/stream/stop-pull-stream"),
			"nothing was sent to Polyv: its address answered with a redirect"},
		{"an unknown refusal", polyvtest.Custom(200, `{"code":400,"status":"error","message":"stream is not pulling"}`),
			"Polyv refused: stream is not pulling (code 400)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t)
				e.polyv.Script(10001, tc.reply, tc.reply, tc.reply)
				rec := e.run("stop 10001")
				parent, thread := e.parent()
				if strings.Contains(tc.want, "not pulling") {
					require.Equal(t, []string{english.cutoffOfferText("/polyv", []int64{10001}, nil, notPulling, true, true)}, thread[1:], "a channel not pulling is offered the cut-off")
					thread = thread[:1]
				}
				require.Len(t, thread, 1, "no verification after a failed stop")
				require.True(t, strings.HasPrefix(thread[0], "❌ Polyv channel 10001: "), thread[0])
				require.Contains(t, thread[0], tc.want)
				require.Contains(t, parent.Latest(), "❌ 1 failed")
				require.NotContains(t, parent.Latest(), "stopped")
				require.Equal(t, []State{Failed}, states(rec))
				require.Zero(t, e.statusCalls())
			})
		})
	}
}

func TestStopWhoMayAndHowMuch(t *testing.T) {
	t.Parallel()
	withGroup := func(dir groups) func(*envConfig) {
		return func(c *envConfig) { c.rules, c.dir = auth.Rules{Groups: []string{"S0ONCALL"}}, dir }
	}
	runStopCases(t, []stopCase{
		{name: "a user-group member may stop", text: "stop 10001", user: "U0GROUPIE",
			opts: []func(*envConfig){noVerify, withGroup(groups{"S0ONCALL": {"U0GROUPIE"}})},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Contains(t, parent.Text, "<@U0GROUPIE>")
				require.Contains(t, thread[0], "✅")
			}},
		{name: "a failed group lookup fails closed", text: "stop 10001", user: "U0GROUPIE",
			opts: []func(*envConfig){withGroup(groups{"S0ONCALL": nil})},
			check: func(t *testing.T, e *env, rec Record) {
				require.Equal(t, Denied, rec.Decision)
				require.Equal(t, auth.DenyLookup, rec.Denial)
				require.Len(t, e.private(), 1)
				require.Contains(t, e.private()[0], "could not be verified")
				require.Contains(t, e.private()[0], "usergroups:read")
				require.Empty(t, e.polyv.Calls())
				require.Empty(t, e.slack.parents(opsChannel))
			}},
		{name: "a stranger is denied", text: "stop 10001", user: "U0STRANGER",
			check: func(t *testing.T, e *env, rec Record) {
				require.Equal(t, Denied, rec.Decision)
				require.Equal(t, auth.DenyUser, rec.Denial)
				require.Len(t, e.private(), 1)
				require.Regexp(t, `^🚫 Not allowed: .*[.!?] Nothing was sent to Polyv\.$`, e.private()[0], "the reason ends its sentence")
				require.Empty(t, e.polyv.Calls())
				require.Empty(t, e.slack.parents(opsChannel))
				require.Equal(t, []string{"🚫 <@U0STRANGER> asked for `stop` of Polyv channel 10001 in <#C0OPS>: denied: not in the allowed users or groups _(request " + envelopeID("stop 10001") + ", 2026-03-01T03:00:00Z)_"},
					e.auditLines())
			}},
		{name: "outside the allowed channels", text: "stop 10001",
			opts: []func(*envConfig){func(c *envConfig) { c.rules.Channels = []string{"C0INCIDENT"} }},
			check: func(t *testing.T, e *env, rec Record) {
				require.Equal(t, auth.DenyChannel, rec.Denial)
				require.Contains(t, e.private()[0], "<#C0INCIDENT>")
				require.Empty(t, e.polyv.Calls())
			}},
		{name: "the per-user budget counts channels", text: "stop 10001 10002 10003",
			opts: []func(*envConfig){noVerify, func(c *envConfig) { c.userPerMin, c.userBurst = 1, 2 }},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Zero(t, e.stopCalls(10003))
				require.Equal(t, []string{"⏳ Polyv channel 10003: not sent, your per-user limit (USER_RATE_LIMIT_PER_MINUTE) is used up; retry in 1 minute"},
					thread[2:], "the refused channel's line follows the calls")
				require.Contains(t, parent.Latest(), "✅ 2 stopped, ⏳ 1 rate-limited — <@U0RESP> asked to stop Polyv channels 10001, 10002, 10003")
				require.Equal(t, []State{Stopped, Stopped, NotSent}, states(rec))

				next := e.run("stop 10004")
				require.Equal(t, OverBudget, next.Decision)
				require.Equal(t, "⏳ You have used your stop budget (USER_RATE_LIMIT_PER_MINUTE); nothing was sent to Polyv. Try again in 1 minute.", e.private()[0])
				require.Zero(t, e.stopCalls(10004))
				require.Len(t, e.slack.parents(opsChannel), 1, "nothing posted in the channel for a refusal")
				require.Contains(t, e.auditLines()[len(e.auditLines())-1], "<@U0RESP> asked for `stop` of Polyv channel 10004 in <#C0OPS>: not sent: the requester's budget (USER_RATE_LIMIT_PER_MINUTE) is used up")
			}},
		{name: "the global bucket counts channels", text: "stop 10001 10002 10003",
			opts: []func(*envConfig){noVerify, func(c *envConfig) { c.globalPerMin, c.globalBurst, c.maxWait = 1, 1, 1 }},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Len(t, e.polyv.Calls(), 1)
				require.Equal(t, 2, countLines(thread, "not sent: the bot's own Polyv call budget (RATE_LIMIT_PER_MINUTE) is used up; retry in"))
				require.Contains(t, parent.Latest(), "✅ 1 stopped, ⏳ 2 rate-limited")
				require.ElementsMatch(t, []State{Stopped, RateLimited, RateLimited}, states(rec))
			}},
		{name: "an echoed appSecret never reaches Slack or the log", text: "stop 10001",
			prepare: func(e *env) {
				e.polyv.Script(10001, polyvtest.Custom(400, `{"code":400,"status":"error","message":"sign mismatch for secret `+testAppSecret+`"}`))
			},
			check: func(t *testing.T, e *env, rec Record) {
				_, thread := e.parent()
				require.Contains(t, thread[0], "[redacted]")
				for _, m := range e.slack.msgs {
					require.NotContains(t, m.Latest()+m.Text, testAppSecret)
				}
				require.NotContains(t, e.logs.String(), testAppSecret)
				require.NotContains(t, fmt.Sprint(rec), testAppSecret)
			}},
	})
}

// The stop goes to Polyv as soon as the command is authorized and
// throttled: a Slack that hangs delays what the channel sees, never the
// stop, and the thread lines follow once the parent exists.
func TestStopNeverWaitsForSlack(t *testing.T) {
	t.Parallel()
	for _, held := range []string{opsChannel, auditChannel} {
		t.Run("posts to "+held+" hang", func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, noVerify)
				release := e.slack.hold(held)
				done := make(chan Record, 1)
				go func() { done <- e.run("stop 10001") }()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				require.NoError(t, e.polyv.WaitCalls(ctx, 1), "the stop went out while Slack hung")
				if held == opsChannel {
					require.Empty(t, e.slack.parents(opsChannel), "the parent is still on its way")
				}
				release()
				rec := <-done
				parent, thread := e.parent()
				require.Equal(t, []string{"✅ Polyv channel 10001: stopped (Polyv answered in under 1ms)"}, thread)
				require.Contains(t, parent.Latest(), "✅ 1 stopped")
				require.Equal(t, []State{Stopped}, states(rec))
			})
		})
	}
}

// When the parent cannot be posted, the outcome reaches the requester the
// first way that works, naming the requester and the reason as the parent
// would have.
func TestStopOutcomeReachesTheRequester(t *testing.T) {
	t.Parallel()
	fatal := slack.SlackErrorResponse{Err: "fatal_error"}
	cases := []struct {
		name  string
		fail  []string
		where func(*env) string
	}{
		{"response_url", nil, func(e *env) string {
			for _, r := range e.slack.responded() {
				if r.InChannel {
					return r.Text
				}
			}
			return ""
		}},
		{"chat.postEphemeral", []string{"respond"}, func(e *env) string {
			if es := e.slack.ephemeralTexts(); len(es) == 1 && es[0].User == responder && es[0].Channel == opsChannel {
				return es[0].Text
			}
			return ""
		}},
		{"a direct message", []string{"respond", "ephemeral"}, func(e *env) string {
			if ms := e.slack.parents(responder); len(ms) == 1 {
				return ms[0].Text
			}
			return ""
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, noVerify)
				e.slack.failWith("post "+opsChannel, fatal)
				for _, what := range tc.fail {
					e.slack.failWith(what, fatal)
				}
				rec := e.run("stop 10001 -- leaked test stream")
				text := tc.where(e)
				require.Equal(t, "✅ 1 stopped — <@U0RESP> asked to stop Polyv channel 10001\nReason: leaked test stream\n"+
					"✅ Polyv channel 10001: stopped (Polyv answered in under 1ms)", text)
				require.Equal(t, 1, e.stopCalls(10001))
				require.Equal(t, []State{Stopped}, states(rec))
			})
		})
	}
}

// A channel someone else is already stopping is not called again, costs
// no token, and the second requester is pointed at the first thread.
func TestStopChannelAlreadyInProgress(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, noVerify, func(c *envConfig) {
			c.rules.Users = []string{responder, "U0SECOND", "U0THIRD"}
			c.userPerMin, c.userBurst = 1, 1
		})
		e.polyv.Script(10001, polyvtest.Slow(500*time.Millisecond))
		first := make(chan Record, 1)
		go func() { first <- e.run("stop 10001") }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, e.polyv.WaitCalls(ctx, 1))

		second := e.run("stop 10001 10002", as("U0SECOND"))
		rec := <-first
		require.Equal(t, []State{Elsewhere, Stopped}, states(second), "10001 is busy; U0SECOND's one token went to 10002")
		require.Equal(t, 1, e.stopCalls(10001), "the busy channel is not called again")
		require.Equal(t, 1, e.stopCalls(10002))
		parents := e.slack.parents(opsChannel)
		require.Len(t, parents, 2)
		thread := e.slack.thread(opsChannel, parents[1].TS)
		require.Equal(t, "⏳ Polyv channel 10001: already being stopped by <@U0RESP> (<"+rec.Thread+"|thread>)", thread[0], "the command's order")
		require.True(t, strings.HasPrefix(thread[1], "✅ Polyv channel 10002: stopped"), thread[1])
		require.Contains(t, parents[1].Latest(), "✅ 1 stopped, ⏳ 1 already in progress")

		// Every channel busy: a private answer, nothing in the channel, and no
		// token needed (U0SECOND has none left).
		e.polyv.Script(10003, polyvtest.Slow(500*time.Millisecond))
		go func() { first <- e.run("stop 10003", as("U0THIRD")) }()
		require.NoError(t, e.polyv.WaitCalls(ctx, 3))
		all := e.run("stop 10003", as("U0SECOND"))
		<-first
		require.Equal(t, InProgress, all.Decision)
		require.Len(t, e.private(), 1)
		require.Contains(t, e.private()[0], "⏳ Polyv channel 10003 is already being stopped by <@U0THIRD> (<https://test.slack.com/archives/C0OPS/p")
		require.Equal(t, 1, e.stopCalls(10003))
		require.Len(t, e.slack.parents(opsChannel), 3)
	})
}

// A stop's line waits for the lines before it, never its Polyv call: every
// call is out while the first channel's answer is still awaited.
func TestStopLineOrderNeverDelaysACall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, noVerify)
		e.polyv.Script(10004, polyvtest.Slow(time.Second))
		done := make(chan Record, 1)
		go func() { done <- e.run("stop 10004 10005 10006") }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, e.polyv.WaitCalls(ctx, 3), "the calls for 10005 and 10006 went out while 10004 was slow")
		<-done
		_, thread := e.parent()
		require.Len(t, thread, 3)
		require.True(t, strings.HasPrefix(thread[0], "✅ Polyv channel 10004: stopped"), thread[0])
	})
}

// A channel whose stop Polyv refused outright is free again at once: a
// second responder's stop is sent, even while the first command is still
// posting its outcome. The first command's end then leaves the second's
// claim alone.
func TestStopFailedChannelIsFreeAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.rules.Users = []string{responder, "U0SECOND", "U0THIRD"} })
		e.polyv.Script(10001, polyvtest.ChannelNotFound())
		arrived, release := e.slack.holdNext("update " + opsChannel)
		defer release()
		first := e.request("stop 10001")
		firstDone := make(chan struct{})
		go func() {
			defer close(firstDone)
			e.handle(first)
		}()
		select {
		case <-arrived: // the first command is updating its parent: a slow chat.update
		case <-time.After(10 * time.Second):
			t.Fatal("the first command never updated its parent")
		}

		second := e.request("stop 10001", as("U0SECOND"), withID("second"))
		e.handle(second)
		require.Equal(t, 2, e.stopCalls(10001), "the second stop was sent")
		require.Equal(t, []string{"✅ Polyv channel 10001: stopped (Polyv answered in under 1ms)"},
			e.slack.thread(opsChannel, e.slack.parents(opsChannel)[1].TS))

		release()
		<-firstDone
		e.handle(e.request("stop 10001", as("U0THIRD"), withID("third")))
		require.Equal(t, InProgress, e.record(envelopeID("third")).Decision, "the second stop's claim outlives the first command")
		require.Equal(t, []State{Failed}, states(e.record(first.ID)))

		synctest.Wait() // the verifier waits for the second stop's first check
		time.Sleep(time.Second)
		require.Equal(t, "verified", english.verificationWords(e.verdict(second.ID).Channels))
	})
}

// A panic in one command is that command's failure, not the process's.
func TestStopPanicIsOneCommandsFailure(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.p.stopPolicy = panicky{}
		rec := e.run("stop 10001")
		require.Equal(t, Crashed, rec.Decision)
		require.Equal(t, []string{english.crashedText()}, e.private())
		require.Empty(t, e.polyv.Calls())
		require.Contains(t, e.logs.String(), "command panicked")
	})
}

type panicky struct{}

func (panicky) Check(context.Context, string, string) auth.Ruling { panic("a bug") }

func states(rec Record) []State {
	var out []State
	for _, r := range rec.Channels {
		out = append(out, r.State)
	}
	return out
}

func ids(first int64, n int) string {
	var s []string
	for i := range int64(n) {
		s = append(s, fmt.Sprint(first+i))
	}
	return strings.Join(s, " ")
}
