package bot

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// ban and resume are entries of the verb table: they run like a stop
// (permissions, buckets, parent and thread, audit, dry run), in their own
// words, and need POLYV_USER_ID.
func TestBanAndResume(t *testing.T) {
	t.Parallel()
	nothingDone := func(t *testing.T, e *env) {
		t.Helper()
		require.Empty(t, e.polyv.Calls(), "nothing was sent")
		require.Empty(t, e.slack.parents(opsChannel), "nothing was posted in the channel")
	}
	runStopCases(t, []stopCase{
		{name: "ban cuts off and is verified", text: "ban 10001 -- host keeps pushing", check: func(t *testing.T, e *env, rec Record) {
			parent, thread := e.parent()
			require.Equal(t, "⛔ <@U0RESP> is cutting off Polyv channel 10001\nReason: host keeps pushing", parent.Text)
			require.Equal(t, "✅ 1 cut off — <@U0RESP> asked to cut off Polyv channel 10001\nReason: host keeps pushing", parent.Latest())
			require.Equal(t, []string{
				"✅ Polyv channel 10001: cut off (Polyv answered in under 1ms); the host cannot push again for 24 h or until `/polyv resume 10001`",
				"🔎 Polyv channel 10001: verified, no longer live (banned from pushing)"}, thread)
			require.Equal(t, []State{Stopped}, states(rec))
			require.Equal(t, Check{Verdict: Verified, Status: polyv.StatusBanpush}, rec.Channels[0].Check)
			calls := e.polyv.Calls()
			require.Equal(t, polyvtest.OpCutoff, calls[0].Op)
			require.Equal(t, polyvtest.DefaultUserID, calls[0].Form.Get("userId"), "the cut-off sends POLYV_USER_ID")
			require.Equal(t, 1, e.statusCalls())
			require.Equal(t, "ban", metricVerb(rec))
			require.Equal(t, "✅ 1 cut off", outcomeWord(rec))
			require.Equal(t, "stopped", outcomeLabel(rec))
			require.Len(t, e.auditLines(), 2)
			require.Contains(t, e.auditLines()[1], "✅ 1 cut off — <@U0RESP> asked to cut off Polyv channel 10001 in <#C0OPS>")
		}},
		{name: "resume lifts it and is not verified", text: "resume 10001",
			prepare: func(e *env) { e.polyv.SetLiveStatus(10001, polyv.StatusBanpush) },
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Equal(t, "▶️ <@U0RESP> is resuming Polyv channel 10001", parent.Text)
				require.Equal(t, []string{"✅ Polyv channel 10001: resumed (Polyv answered in under 1ms); the host's encoder can push again"}, thread)
				require.Equal(t, "✅ 1 resumed — <@U0RESP> asked to resume Polyv channel 10001", parent.Latest())
				require.False(t, rec.Verifying, "a resume shows only once the encoder pushes again")
				require.Equal(t, 1, e.polyv.OpCalls(polyvtest.OpResume, 10001))
				require.Zero(t, e.statusCalls())
			}},
		{name: "dry run", text: "ban 10001", opts: []func(*envConfig){func(c *envConfig) { c.set.DryRun = true }},
			check: func(t *testing.T, e *env, rec Record) {
				parent, thread := e.parent()
				require.Contains(t, parent.Text, "_Dry run: nothing is sent to Polyv._")
				require.Equal(t, []string{"🧪 Polyv channel 10001: dry run (DRY_RUN=true): the signed cut-off call was logged, not sent"}, thread)
				require.Empty(t, e.polyv.Calls())
			}},
		{name: "ban without POLYV_USER_ID", text: "ban 10001", opts: []func(*envConfig){withoutUserID},
			check: func(t *testing.T, e *env, rec Record) {
				require.Equal(t, Unconfigured, rec.Decision)
				require.Equal(t, []string{english.cutoffUnavailableText()}, e.private())
				require.Contains(t, e.private()[0], "POLYV_USER_ID")
				nothingDone(t, e)
				require.Equal(t, []string{"🚫 <@U0RESP> asked for `ban` of Polyv channel 10001 in <#C0OPS>: refused: ban and resume need POLYV_USER_ID, which is not set; nothing was sent _(request " + rec.ID + ", 2026-03-01T03:00:00Z)_"},
					e.auditLines())
				require.Equal(t, "unconfigured", decisionWord(rec))
				require.Equal(t, "no_user_id", outcomeWord(rec))
				require.Equal(t, []State{Stopped}, states(e.run("stop 10001", withID("then a stop"))), "nothing was claimed")
			}},
		{name: "resume without POLYV_USER_ID", text: "resume 10001", opts: []func(*envConfig){withoutUserID},
			check: func(t *testing.T, e *env, rec Record) {
				require.Equal(t, Unconfigured, rec.Decision)
				require.Equal(t, []string{english.cutoffUnavailableText()}, e.private())
				nothingDone(t, e)
			}},
		{name: "the stop policy decides", text: "ban 10001", user: "U0STRANGER",
			check: func(t *testing.T, e *env, rec Record) {
				require.Equal(t, Denied, rec.Decision)
				nothingDone(t, e)
			}},
		{name: "the requester's stop budget", text: "resume 10001 10002",
			opts: []func(*envConfig){func(c *envConfig) { c.userPerMin, c.userBurst = 1, 1 }},
			check: func(t *testing.T, e *env, rec Record) {
				require.Equal(t, []State{Stopped, NotSent}, states(rec))
				require.Zero(t, e.polyv.OpCalls(polyvtest.OpResume, 10002))
			}},
		{name: "Polyv refuses the userId", text: "ban 10001",
			opts: []func(*envConfig){func(c *envConfig) { c.polyvUserID = "pvwrong0002" }},
			check: func(t *testing.T, e *env, rec Record) {
				_, thread := e.parent()
				require.Equal(t, []string{"❌ Polyv channel 10001: Polyv refused the userId: POLYV_USER_ID must be the userId the Polyv console shows beside the appId (开发设置); ask an admin to fix it"}, thread)
				require.Equal(t, []State{Failed}, states(rec))
				require.ErrorIs(t, rec.Channels[0].Err, polyv.ErrWrongUserID)
				require.Zero(t, e.statusCalls(), "a refused cut-off is not verified")
			}},
		{name: "Polyv does not know the channel", text: "resume 10001",
			prepare: func(e *env) { e.polyv.Unknown(10001) },
			check: func(t *testing.T, e *env, rec Record) {
				_, thread := e.parent()
				require.Equal(t, []string{"❌ Polyv channel 10001: Polyv says this channel does not exist: check the channel id in the Polyv console"}, thread)
			}},
	})
}

// The client lacks a userId its configuration said it had (a replica
// configured apart from the others): the call sends nothing, and the line
// says what to set.
func TestBanOnAClientWithoutUserID(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.polyvUserID = "" })
		rec := e.run("ban 10001")
		_, thread := e.parent()
		require.Equal(t, []string{"❌ Polyv channel 10001: " + english.explainPolyv(polyv.ErrNoUserID, time.Second, true)}, thread)
		require.Equal(t, []State{Failed}, states(rec))
		require.Empty(t, e.polyv.Calls())
	})
}

// CONFIRM_STOP asks before a ban too, in the ban's words; without
// POLYV_USER_ID nothing is asked.
func TestBanConfirmation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withConfirm, noVerify)
		rec, token := e.prompt("ban 10001 -- host keeps pushing")
		require.Equal(t, Confirming, rec.Decision)
		p := e.slack.responded()[0]
		require.Equal(t, "Cut off the push to Polyv channel 10001?\n• 10001: live (streaming now) · 0 watching now\nReason: host keeps pushing\n_This prompt expires in 2 minutes._", p.Text)
		btn := promptButtons(t, p.Blocks)[0]
		require.Equal(t, "Cut off", btn.Text.Text)
		require.Equal(t, "Cut off the push?", btn.Confirm.Title.Text)
		require.Zero(t, e.polyv.OpCalls(polyvtest.OpCutoff, 10001), "the prompt only read what it shows")

		done := e.clicked(responder, ActionConfirm, token)
		require.Equal(t, []State{Stopped}, states(done))
		require.Equal(t, VerbBan, done.Command.Verb)
		require.Equal(t, 1, e.polyv.OpCalls(polyvtest.OpCutoff, 10001))
		require.Zero(t, e.stopCalls(10001), "the prompt's verb ran, not a stop")
		require.Equal(t, "Confirmed: cutting off Polyv channel 10001…", replaced(e)[0])
	})
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withConfirm, withoutUserID)
		rec := e.run("resume 10001")
		require.Equal(t, Unconfigured, rec.Decision)
		require.Equal(t, []string{english.cutoffUnavailableText()}, e.private(), "no prompt")
	})
}

// A pushed channel stays live after a pull stop: when its verification
// ends, the thread says why and offers the cut-off, a button only the
// requester's click runs, on any replica, once.
func TestStopOfAPushedChannelOffersTheCutoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		shared := func(c *envConfig) { c.ticketKey = TicketKey("appSecret", "xoxb-bot-token") }
		a, b := newEnv(t, shared), newEnv(t, shared)
		a.polyv.SetStreamType(10001, polyv.StreamClient)
		stop := a.run("stop 10001 -- leaked stream")
		require.Equal(t, StillLive, stop.Channels[0].Check.Verdict)
		_, thread := a.parent()
		require.Len(t, thread, 3)
		require.Equal(t, english.cutoffOfferText("/polyv", []int64{10001}, nil, stillLive, true, true), thread[2])
		require.Zero(t, a.polyv.OpCalls(polyvtest.OpStreamType, 10001), "a stop asks nothing more of Polyv to offer the cut-off")
		require.Equal(t, 1+rounds, len(a.polyv.Calls()), "the stop and its checks")
		btn := offerButton(t, a, thread[2])

		require.Equal(t, NotYours, b.cutoffClick(intruder, btn.Value, "intruder").Decision)
		es := b.slack.ephemeralTexts()
		require.Len(t, es, 1)
		require.Equal(t, intruder, es[0].User, "answered privately")
		require.Equal(t, english.offerNotYoursText(), es[0].Text)
		require.Zero(t, b.polyv.OpCalls(polyvtest.OpCutoff, 10001))

		ban := b.cutoffClick(responder, btn.Value, "first")
		require.Equal(t, envelopeID("cut-off first"), ban.ID, "audited under the click's request")
		require.Equal(t, stop.ID, ban.ForRequest, "naming the stop's")
		require.Equal(t, VerbBan, ban.Command.Verb)
		require.Equal(t, []State{Stopped}, states(ban))
		require.Equal(t, Check{Verdict: Verified, Status: polyv.StatusBanpush}, ban.Channels[0].Check)
		parent, banThread := b.parent()
		require.Equal(t, "⛔ <@U0RESP> is cutting off Polyv channel 10001\nReason: leaked stream", parent.Text)
		require.Equal(t, "🔎 Polyv channel 10001: verified, no longer live (banned from pushing)", banThread[1])
		require.Equal(t, ban.ForRequest, auditField(t, ban, "for_request"))

		require.Equal(t, Used, b.cutoffClick(responder, btn.Value, "again").Decision)
		require.Contains(t, b.private(), english.offerUsedText())
		require.Equal(t, 1, b.polyv.OpCalls(polyvtest.OpCutoff, 10001), "one cut-off for two clicks")
		require.Zero(t, a.polyv.OpCalls(polyvtest.OpCutoff, 10001), "the replica that offered it ran nothing")
	})
}

// Polyv refusing a pull stop because the channel is not pulling gets the
// offer at once; without POLYV_USER_ID the line says what to set, and has
// no button.
func TestStopOfAChannelNotPulling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		opts  []func(*envConfig)
		check func(t *testing.T, e *env, stop Record, offer string)
	}{
		{"the button runs the ban", nil, func(t *testing.T, e *env, stop Record, offer string) {
			require.Equal(t, english.cutoffOfferText("/polyv", []int64{10001}, nil, notPulling, true, true), offer)
			ban := e.cutoffClick(responder, offerButton(t, e, offer).Value, "click")
			require.Equal(t, []State{Stopped}, states(ban))
			require.Equal(t, 1, e.polyv.OpCalls(polyvtest.OpCutoff, 10001))
		}},
		{"without POLYV_USER_ID", []func(*envConfig){withoutUserID}, func(t *testing.T, e *env, stop Record, offer string) {
			require.Equal(t, english.cutoffOfferText("/polyv", []int64{10001}, nil, notPulling, false, false), offer)
			require.Contains(t, offer, "needs POLYV_USER_ID")
			for _, m := range e.slack.messages() {
				require.Empty(t, m.Blocks, "no button")
			}
		}},
		{"the button expires", nil, func(t *testing.T, e *env, stop Record, offer string) {
			token := offerButton(t, e, offer).Value
			time.Sleep(CutoffOfferTTL + maxClockSkew + time.Second)
			require.Equal(t, Expired, e.cutoffClick(responder, token, "late").Decision)
			require.Contains(t, e.private(), english.offerExpiredText(CutoffOfferTTL))
			require.Zero(t, e.polyv.OpCalls(polyvtest.OpCutoff, 10001))
		}},
		{"a confirmation's ticket is not a cut-off's", nil, func(t *testing.T, e *env, stop Record, offer string) {
			confirm := e.p.tickets.issue(e.request("ban 10001", withID("a ban prompt")))
			require.Equal(t, Altered, e.cutoffClick(responder, confirm, "forged").Decision)
			require.Contains(t, e.private(), english.offerAlteredText())
			require.Zero(t, e.polyv.OpCalls(polyvtest.OpCutoff, 10001))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				// One key, as replicas share it: the offers' is derived apart.
				key := func(c *envConfig) { c.ticketKey = TicketKey("appSecret", "xoxb-bot-token") }
				e := newEnv(t, append([]func(*envConfig){key}, tc.opts...)...)
				e.polyv.Script(10001, polyvtest.NotPulling())
				stop := e.run("stop 10001")
				require.Equal(t, []State{Failed}, states(stop))
				_, thread := e.parent()
				require.Len(t, thread, 2)
				tc.check(t, e, stop, thread[1])
			})
		})
	}
}

// cutoffClick is user's click on a cut-off button carrying token; seed
// names its envelope. It returns the click's last record: for a ban being
// verified, the verdict's.
func (e *env) cutoffClick(user, token, seed string) Record {
	e.t.Helper()
	return e.press("cut-off "+seed, user, responseURL+"/click", VerbBan, Click{Action: ActionCutoff, Value: token})
}

// offerButton is the cut-off button of the thread message whose text is
// offer, checked against Slack's Block Kit limits.
func offerButton(t *testing.T, e *env, offer string) *slack.ButtonBlockElement {
	t.Helper()
	for _, m := range e.slack.messages() {
		if m.Text != offer || m.ThreadTS == "" {
			continue
		}
		require.Empty(t, blockKitProblems(m.Blocks, nil))
		for _, b := range m.Blocks {
			if a, ok := b.(*slack.ActionBlock); ok {
				require.True(t, strings.HasPrefix(a.BlockID, "polyv_cutoff_"), a.BlockID)
				btn := a.Elements.ElementSet[0].(*slack.ButtonBlockElement)
				require.Equal(t, ActionCutoff, btn.ActionID)
				require.Equal(t, slack.StyleDanger, btn.Style)
				return btn
			}
		}
	}
	t.Fatalf("no cut-off button in the thread message %q", offer)
	return nil
}

// auditField is one field of rec's audit log line.
func auditField(t *testing.T, rec Record, field string) any {
	t.Helper()
	var buf logtest.Buffer
	LogSink(slog.New(slog.NewJSONHandler(&buf, nil))).Audit(rec)
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(buf.String())), &line))
	return line[field]
}

// The cut-off button stays within Slack's Block Kit limits whatever the
// stop: twenty channels, the longest reason, a long slash command.
func TestCutoffButtonMeetsBlockKitLimits(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.userBurst = MaxChannels })
		text := "stop " + ids(MaxChannelID-19, 20) + " -- " + strings.Repeat("&", MaxReasonRunes)
		for id := MaxChannelID - 19; id <= MaxChannelID; id++ {
			e.polyv.Script(int64(id), polyvtest.NotPulling())
		}
		e.run(text, func(r *Request) { r.Slash = "/polyv-operations" })
		_, thread := e.parent()
		btn := offerButton(t, e, thread[len(thread)-1])
		require.LessOrEqual(t, len([]rune(btn.Value)), maxButtonValue)
		_, decision, err := e.p.offers.redeem(btn.Value, responder)
		require.NoError(t, err)
		require.Equal(t, Allowed, decision)
	})
}

// messages are every message posted, replies included.
func (f *fakeSlack) messages() []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMsg(nil), f.msgs...)
}

// Once its requester clicks the cut-off, the offer in the stop's thread
// says who did, without the button: it could only answer "used" now.
func TestCutoffOfferIsRetiredWhenClicked(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.polyv.SetStreamType(10001, polyv.StreamClient)
		e.run("stop 10001 -- leaked stream")
		_, thread := e.parent()
		btn := offerButton(t, e, thread[2])
		var offer fakeMsg
		for _, m := range e.slack.messages() {
			if m.Text == thread[2] {
				offer = m
			}
		}
		rec := e.press("cut-off retire", responder, responseURL+"/click", VerbBan, Click{Action: ActionCutoff, Value: btn.Value, MessageTS: offer.TS})
		require.Equal(t, []State{Stopped}, states(rec))
		for _, m := range e.slack.messages() {
			if m.TS == offer.TS {
				require.Equal(t, []string{english.offerTakenText(responder)}, m.Updates)
			}
		}
	})
}
