package bot

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// approver is a second person allowed to stop streams.
const approver = "U0APPR"

// withApproval lists Polyv channels in APPROVAL_CHANNELS and lets the
// approver stop streams too.
func withApproval(ids ...int64) func(*envConfig) {
	return func(c *envConfig) {
		c.approvalIDs = ids
		c.rules.Users = []string{responder, approver}
	}
}

func withApprovalAll(c *envConfig) {
	c.approvalAll = true
	c.rules.Users = []string{responder, approver}
}

// approvalRequest is the one approval request in the ops channel and the
// ticket its buttons carry.
func (e *env) approvalRequest() (fakeMsg, string) {
	e.t.Helper()
	var found []fakeMsg
	for _, m := range e.slack.parents(opsChannel) {
		if len(m.Blocks) > 0 {
			found = append(found, m)
		}
	}
	require.Len(e.t, found, 1, "one approval request in the channel")
	btns := approvalButtons(e.t, found[0].Blocks)
	require.Equal(e.t, btns[0].Value, btns[1].Value, "both buttons carry the request's ticket")
	return found[0], btns[0].Value
}

// approvalClicked is a click by user on the request's button; like
// clicked, it returns the last record written.
func (e *env) approvalClicked(user, action, token, ts string) Record {
	e.t.Helper()
	return e.press("approval-"+user+"-"+action, user, responseURL+"/"+user, VerbStop, Click{Action: action, Value: token, MessageTS: ts})
}

func approvalButtons(t *testing.T, blocks []slack.Block) []*slack.ButtonBlockElement {
	t.Helper()
	return buttons(t, blocks, 2, "Approve and Cancel")
}

// privateTo are the texts sent only to user.
func (e *env) privateTo(user string) []string {
	var out []string
	for _, r := range e.slack.responded() {
		if !r.InChannel && !r.Replace && strings.HasSuffix(r.URL, "/"+user) {
			out = append(out, r.Text)
		}
	}
	for _, m := range e.slack.ephemeralTexts() {
		if m.User == user {
			out = append(out, m.Text)
		}
	}
	return out
}

// latest is the approval request message as it is now.
func (e *env) latest(ts string) fakeMsg {
	e.t.Helper()
	for _, m := range e.slack.parents(opsChannel) {
		if m.TS == ts {
			return m
		}
	}
	e.t.Fatalf("no message %s", ts)
	return fakeMsg{}
}

const approvalRequestWant = "✋ <@U0RESP> asks for a second person's approval to stop Polyv channel 10001\n" +
	"• 10001: live (streaming now) · 0 watching now\nReason: CEO keynote &lt;leaked&gt;\n" +
	"Anyone else allowed to stop streams can approve it; nothing is sent to Polyv until then. It expires <!date^1772334600^{date_short_pretty} at {time}|2026-03-01 03:10 UTC> (in 10 minutes)."

func TestApprovalRequestIsPostedAndSendsNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withApproval(10001))
		rec := e.run("stop 10001 -- CEO keynote <leaked>")
		require.Equal(t, AwaitingApproval, rec.Decision)
		require.Equal(t, EventApprovalRequested, rec.Event)
		require.Equal(t, []State{HeldForApproval}, states(rec))
		msg, token := e.approvalRequest()
		require.Equal(t, approvalRequestWant, msg.Text)
		require.Equal(t, rec.Thread, "https://test.slack.com/archives/C0OPS/p"+strings.Replace(msg.TS, ".", "", 1))
		btns := approvalButtons(t, msg.Blocks)
		require.Equal(t, ActionApprove, btns[0].ActionID)
		require.Equal(t, "Approve", btns[0].Text.Text)
		require.Equal(t, slack.StylePrimary, btns[0].Style)
		require.Equal(t, ActionApprovalCancel, btns[1].ActionID)
		require.Contains(t, token, `"k":"a"`, "an approval ticket")
		require.Empty(t, actionCalls(e.polyv.Calls()), "nothing goes to Polyv before the approval")
		require.Empty(t, e.private(), "the request is in the channel, not private")
		require.Len(t, e.auditLines(), 1)
		require.True(t, strings.HasPrefix(e.auditLines()[0],
			"✋ <@U0RESP> asked to stop Polyv channel 10001 in <#C0OPS>: waiting for a second person's approval (<"+rec.Thread+"|thread>)"))
		require.Equal(t, "approval_requested", outcomeWord(rec))
		require.Equal(t, "allowed", decisionWord(rec))
	})
}

// Each end of a request, and each click that changes nothing.
func TestApprovalClicks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		opts  []func(*envConfig)
		check func(t *testing.T, e *env, msg fakeMsg, token string)
	}{
		{"approved by a second person", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			rec := e.approvalClicked(approver, ActionApprove, token, msg.TS)
			require.Equal(t, Allowed, rec.Decision)
			require.Equal(t, []State{Stopped}, states(rec))
			require.Equal(t, approver, rec.ApprovedBy)
			require.Equal(t, envelopeID("stop 10001 -- CEO keynote <leaked>"), rec.ID, "recorded under the command's request")
			require.Equal(t, 1, e.stopCalls(10001))
			now := e.latest(msg.TS)
			require.Equal(t, []string{"✅ Approved by <@U0APPR>: stopping Polyv channel 10001 for <@U0RESP>…",
				"✅ 1 stopped — <@U0RESP> asked to stop Polyv channel 10001, approved by <@U0APPR>\nReason: CEO keynote &lt;leaked&gt;"}, now.Updates)
			require.Equal(t, []string{"✅ Polyv channel 10001: stopped (Polyv answered in under 1ms) _(asked by <@U0RESP>, approved by <@U0APPR>)_"},
				e.slack.thread(opsChannel, msg.TS), "the request is the thread's parent")
			require.Len(t, e.slack.parents(opsChannel), 1, "no other parent")
			lines := e.auditLines()
			require.Len(t, lines, 2, "one line for the request, one for its end")
			require.True(t, strings.HasPrefix(lines[1], "✅ 1 stopped — <@U0RESP> asked to stop Polyv channel 10001, approved by <@U0APPR> in <#C0OPS>"), lines[1])
			require.Contains(t, english.auditSentence(rec, false), "in C0OPS, approved by U0APPR: allowed; ✅ 1 stopped")
		}},
		{"approved twice", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			e.approvalClicked(approver, ActionApprove, token, msg.TS)
			for _, who := range []string{approver, responder} {
				rec := e.approvalClicked(who, ActionApprove, token, msg.TS)
				require.Equal(t, Used, rec.Decision)
				require.Equal(t, []string{"This request was already approved by <@U0APPR>; its thread says what happened. This click sent nothing to Polyv."},
					e.privateTo(who)[len(e.privateTo(who))-1:])
			}
			require.Equal(t, 1, e.stopCalls(10001), "exactly one Polyv call")
		}},
		{"the requester's own Approve is refused", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			rec := e.approvalClicked(responder, ActionApprove, token, msg.TS)
			require.Equal(t, SelfApproval, rec.Decision)
			require.Equal(t, "self_approval", outcomeWord(rec))
			require.Equal(t, []string{english.selfApprovalText()}, e.privateTo(responder))
			require.Empty(t, actionCalls(e.polyv.Calls()))
			require.Empty(t, e.latest(msg.TS).Updates, "the request stands")
			require.Equal(t, []State{Stopped}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)), "a second person still may")
		}},
		{"someone not allowed to stop is refused", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			rec := e.approvalClicked(intruder, ActionApprove, token, msg.TS)
			require.Equal(t, Denied, rec.Decision)
			require.Len(t, e.privateTo(intruder), 1)
			require.Contains(t, e.privateTo(intruder)[0], "Not allowed")
			require.Empty(t, actionCalls(e.polyv.Calls()))
			require.Empty(t, e.latest(msg.TS).Updates)
			require.True(t, strings.HasPrefix(e.auditLines()[1], "🚫 <@U0OTHER> clicked Approve on the request for `stop` of Polyv channel 10001 in <#C0OPS>: denied"), e.auditLines()[1])
			require.Equal(t, []State{Stopped}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
		}},
		{"cancelled by the requester", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			rec := e.approvalClicked(responder, ActionApprovalCancel, token, msg.TS)
			require.Equal(t, ApprovalCancelled, rec.Decision)
			require.Equal(t, envelopeID("stop 10001 -- CEO keynote <leaked>"), rec.ForRequest)
			require.Equal(t, []string{"🚫 Cancelled by <@U0RESP>: the request to stop Polyv channel 10001 sent nothing to Polyv."}, e.latest(msg.TS).Updates)
			require.Equal(t, Used, e.approvalClicked(approver, ActionApprove, token, msg.TS).Decision)
			require.Equal(t, []string{"This request was cancelled by <@U0RESP>; nothing was sent to Polyv."}, e.privateTo(approver))
			require.Empty(t, actionCalls(e.polyv.Calls()))
			require.Equal(t, "🚫 <@U0RESP> cancelled their request to stop Polyv channel 10001 in <#C0OPS>: nothing was sent", stamped(e.auditLines()[1]))
		}},
		{"Cancel by someone else is refused", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			require.Equal(t, NotYours, e.approvalClicked(approver, ActionApprovalCancel, token, msg.TS).Decision)
			require.Equal(t, []string{"🚫 Only <@U0RESP>, who asked for this, can cancel the request. Nothing changed."}, e.privateTo(approver))
			require.Empty(t, e.latest(msg.TS).Updates)
			require.Equal(t, []State{Stopped}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
		}},
		{"expired", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			time.Sleep(10*time.Minute + maxClockSkew + time.Second)
			rec := e.approvalClicked(approver, ActionApprove, token, msg.TS)
			require.Equal(t, Expired, rec.Decision)
			require.Equal(t, EventApprovalExpired, rec.Event)
			want := "⌛ Expired: <@U0RESP>'s request to stop Polyv channel 10001 was not approved within 10 minutes; nothing was sent to Polyv. Run the command again if it is still needed."
			require.Equal(t, []string{want}, e.latest(msg.TS).Updates)
			require.Equal(t, []string{want}, e.privateTo(approver))
			again := e.approvalClicked(responder, ActionApprovalCancel, token, msg.TS)
			require.Equal(t, Expired, again.Decision)
			require.Empty(t, again.Event, "the end is recorded once")
			require.Len(t, e.auditLines(), 2)
			require.Equal(t, "⌛ <@U0RESP>'s request to stop Polyv channel 10001 in <#C0OPS> expired after 10 minutes without approval: nothing was sent", stamped(e.auditLines()[1]))
			require.Empty(t, actionCalls(e.polyv.Calls()))
		}},
		{"still open just before it expires", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			time.Sleep(10*time.Minute - time.Second)
			require.Equal(t, []State{Stopped}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
		}},
		{"stopped by someone else before the approval", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			e.polyv.SetLiveStatus(10001, polyv.StatusEnd)
			rec := e.approvalClicked(approver, ActionApprove, token, msg.TS)
			require.Equal(t, []State{AlreadyNotLive}, states(rec))
			require.Zero(t, e.stopCalls(10001), "not stopped twice")
			require.Equal(t, []string{"⏹ Polyv channel 10001: not sent: it was no longer live (ended) when the approval came; someone may have stopped it already _(asked by <@U0RESP>, approved by <@U0APPR>)_"},
				e.slack.thread(opsChannel, msg.TS))
		}},
		{"being stopped by someone else at that moment", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			other := e.p.newThread(e.request("stop 10001", as("U0BOB")))
			other.giveUp()
			e.p.flights.claim([]int64{10001}, "U0BOB", other)
			require.Equal(t, []State{Elsewhere}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
			require.Zero(t, e.stopCalls(10001))
		}},
		{"dry run", []func(*envConfig){func(c *envConfig) { c.set.DryRun = true }}, func(t *testing.T, e *env, msg fakeMsg, token string) {
			require.Contains(t, msg.Text, "_Dry run: nothing is sent to Polyv._")
			require.Equal(t, []State{DryRun}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
			require.Zero(t, e.stopCalls(10001))
		}},
		{"the requester's budget applies", []func(*envConfig){func(c *envConfig) { c.userBurst, c.userPerMin = 1, 1 }}, func(t *testing.T, e *env, msg fakeMsg, token string) {
			e.run("stop 10002")
			require.Equal(t, []State{NotSent}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
			require.Zero(t, e.stopCalls(10001))
		}},
		{"verified, every line naming both", []func(*envConfig){func(c *envConfig) { c.set.VerifyStop = true }}, func(t *testing.T, e *env, msg fakeMsg, token string) {
			rec := e.approvalClicked(approver, ActionApprove, token, msg.TS)
			require.Equal(t, EventVerified, rec.Event)
			require.Equal(t, approver, rec.ApprovedBy)
			thread := e.slack.thread(opsChannel, msg.TS)
			require.Len(t, thread, 2)
			for _, line := range thread {
				require.True(t, strings.HasSuffix(line, " _(asked by <@U0RESP>, approved by <@U0APPR>)_"), line)
			}
		}},
		{"a ticket changed on its way", nil, func(t *testing.T, e *env, msg fakeMsg, token string) {
			altered := strings.Replace(token, `"p":[10001]`, `"p":[10002]`, 1)
			require.Equal(t, Altered, e.approvalClicked(approver, ActionApprove, altered, msg.TS).Decision)
			require.Equal(t, []string{english.approvalAlteredText()}, e.privateTo(approver))
			require.Empty(t, actionCalls(e.polyv.Calls()))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, append([]func(*envConfig){withApproval(10001), noVerify}, tc.opts...)...)
				e.run("stop 10001 -- CEO keynote <leaked>")
				msg, token := e.approvalRequest()
				tc.check(t, e, msg, token)
			})
		})
	}
}

// stamped is an audit channel line without its request and time.
func stamped(line string) string {
	head, _, _ := strings.Cut(line, " _(request ")
	return head
}

// A command naming an approval channel and another: the other is stopped
// at once, and its thread says which one waits.
func TestApprovalMixedCommand(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withApproval(10001), noVerify)
		rec := e.run("stop 10001 10002 -- launch leak")
		require.Equal(t, Allowed, rec.Decision)
		require.Equal(t, EventApprovalRequested, rec.Event)
		require.Equal(t, []State{HeldForApproval, Stopped}, states(rec))
		require.Equal(t, "✅ 1 stopped, ⏸ 1 awaiting approval", outcomeWord(rec))
		require.Equal(t, 1, e.stopCalls(10002))
		require.Zero(t, e.stopCalls(10001))
		msg, token := e.approvalRequest()
		require.True(t, strings.HasPrefix(msg.Text, "✋ <@U0RESP> asks for a second person's approval to stop Polyv channel 10001\n"), msg.Text)
		var run fakeMsg
		for _, m := range e.slack.parents(opsChannel) {
			if m.TS != msg.TS {
				run = m
			}
		}
		require.Equal(t, "✅ 1 stopped, ⏸ 1 awaiting approval — <@U0RESP> asked to stop Polyv channels 10001, 10002\nReason: launch leak", run.Latest())
		require.Equal(t, []string{
			"⏸ Polyv channel 10001: not sent yet: it needs a second person's approval (APPROVAL_CHANNELS); the request with an Approve button is in this channel",
			"✅ Polyv channel 10002: stopped (Polyv answered in under 1ms)",
		}, e.slack.thread(opsChannel, run.TS))

		approved := e.approvalClicked(approver, ActionApprove, token, msg.TS)
		require.Equal(t, []State{Stopped}, states(approved))
		require.Equal(t, []int64{10001}, approved.Command.ChannelIDs, "the approval runs only what waited")
		require.Equal(t, 1, e.stopCalls(10001))
		require.Equal(t, 1, e.stopCalls(10002), "the other channel is not stopped again")
	})
}

// APPROVAL_CHANNELS=* covers every channel of a command, in one request.
func TestApprovalForEveryChannel(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withApprovalAll, noVerify)
		rec := e.run("stop 10001 10002")
		require.Equal(t, AwaitingApproval, rec.Decision)
		msg, token := e.approvalRequest()
		require.True(t, strings.HasPrefix(msg.Text, "✋ <@U0RESP> asks for a second person's approval to stop Polyv channels 10001, 10002\n"), msg.Text)
		require.Empty(t, actionCalls(e.polyv.Calls()))
		require.Equal(t, []State{Stopped, Stopped}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
		require.Equal(t, Allowed, e.run("status 10001").Decision, "a read needs no approval")
	})
}

// With CONFIRM_STOP the requester confirms first; the confirmation then
// asks for the approval, and still sends nothing.
func TestApprovalAfterConfirmation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withConfirm, withApproval(10001), noVerify)
		rec, prompt := e.prompt("stop 10001 -- CEO keynote <leaked>")
		require.Equal(t, Confirming, rec.Decision)
		require.Empty(t, e.slack.parents(opsChannel), "no request before the confirmation")
		confirmed := e.clicked(responder, ActionConfirm, prompt)
		require.Equal(t, AwaitingApproval, confirmed.Decision)
		msg, token := e.approvalRequest()
		require.Equal(t, approvalRequestWant, msg.Text)
		require.Zero(t, e.polyv.OpCalls(polyvtest.OpStop, 10001), "the prompt only read what it shows")
		require.Equal(t, []State{Stopped}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
	})
}

// A request's buttons carry everything the stop needs, signed: a replica
// that never saw the command runs it, and remembers it was approved.
func TestApprovalOnAnotherReplica(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		shared := func(c *envConfig) { c.ticketKey = TicketKey("appSecret", "xoxb-bot-token") }
		a := newEnv(t, withApproval(10001), noVerify, shared)
		b := newEnv(t, withApproval(10001), noVerify, shared)
		a.run("stop 10001 -- CEO keynote <leaked>")
		msg, token := a.approvalRequest()
		require.Equal(t, SelfApproval, b.approvalClicked(responder, ActionApprove, token, msg.TS).Decision)
		rec := b.approvalClicked(approver, ActionApprove, token, msg.TS)
		require.Equal(t, []State{Stopped}, states(rec))
		require.Equal(t, "CEO keynote <leaked>", rec.Command.Reason)
		require.Equal(t, approver, rec.ApprovedBy)
		require.Equal(t, "https://test.slack.com/archives/"+opsChannel+"/p"+strings.Replace(msg.TS, ".", "", 1), rec.Thread,
			"the record points at the request's thread, though another replica posted it")
		require.Equal(t, Used, b.approvalClicked(approver, ActionApprove, token, msg.TS).Decision, "approved on this replica")
		require.Empty(t, actionCalls(a.polyv.Calls()), "the replica that asked ran nothing")
		require.Equal(t, 1, b.stopCalls(10001))
	})
}

// When Slack takes the request no way, nothing is sent and the requester
// is told.
func TestApprovalRequestRefused(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withApproval(10001), noVerify)
		e.slack.failWith("post "+opsChannel, slack.SlackErrorResponse{Err: "not_in_channel"})
		rec := e.run("stop 10001")
		require.Equal(t, ApprovalFailed, rec.Decision)
		require.Equal(t, "approval_request_failed", outcomeWord(rec))
		require.Equal(t, []string{"⚠️ The bot could not post the approval request for Polyv channel 10001 (Slack refused it: not_in_channel); nothing was sent to Polyv for it. " +
			"Invite the bot to this channel (`/invite @polyvbot`) and try again, or ask an admin to check the bot's log."}, e.private())
		require.Empty(t, actionCalls(e.polyv.Calls()))
	})
}

// An approval ticket never confirms a stop, and a confirmation's ticket
// never approves one, though both are signed with the same key.
func TestTicketKinds(t *testing.T) {
	t.Parallel()
	key := TicketKey("appSecret", "xoxb-bot-token")
	confirms := newTickets(key, 2*time.Minute, time.Now)
	approves := newApprovals(false, []int64{10001}, 10*time.Minute, key, time.Now).tickets
	req := Request{ID: "env-1", User: responder, Channel: opsChannel, Command: Command{Verb: VerbStop, ChannelIDs: []int64{10001}}}

	_, decision, err := confirms.redeem(approves.issue(req), responder)
	require.Equal(t, Altered, decision)
	require.ErrorIs(t, err, errOtherKind)
	_, err = approves.read(confirms.issue(req))
	require.ErrorIs(t, err, errOtherKind)

	_, decision, err = confirms.redeem(confirms.issue(req), responder)
	require.NoError(t, err)
	require.Equal(t, Allowed, decision)
	tk, err := approves.read(approves.issue(req))
	require.NoError(t, err)
	require.Equal(t, req.Command, tk.request().Command)
}

// The longest command's approval ticket still fits in a button.
func TestApprovalTicketFitsInAButton(t *testing.T) {
	t.Parallel()
	tk := newApprovals(true, nil, time.Hour, nil, time.Now).tickets
	req := Request{ID: strings.Repeat("e", 40), User: "U0123456789AB", UserName: strings.Repeat("n", 80), Channel: "C0123456789AB",
		Slash: "/polyv-operations", Command: Command{Verb: VerbStop, ChannelIDs: make([]int64, MaxChannels), Reason: strings.Repeat(`"`, MaxReasonRunes)}}
	for i := range req.Command.ChannelIDs {
		req.Command.ChannelIDs[i] = MaxChannelID - int64(i)
	}
	value := tk.issue(req)
	require.LessOrEqual(t, len([]rune(value)), maxButtonValue, "%d characters", len([]rune(value)))
	require.Empty(t, blockKitProblems(approvalBlocks(english, english.approvalRequestText(req, nil, time.Now(), time.Hour, true), value), nil))
}

// ban is approvable like stop, however it is asked for; resume is not.
func TestApprovalForBanNotResume(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withApproval(10001), noVerify)
		rec := e.run("ban 10001 -- keynote leaked")
		require.Equal(t, AwaitingApproval, rec.Decision)
		msg, token := e.approvalRequest()
		require.Contains(t, msg.Text, "approval to cut off Polyv channel 10001")
		require.Empty(t, actionCalls(e.polyv.Calls()), "nothing is sent before the approval")
		require.Equal(t, []State{Stopped}, states(e.approvalClicked(approver, ActionApprove, token, msg.TS)))
		calls := actionCalls(e.polyv.Calls())
		require.Len(t, calls, 1)
		require.Equal(t, polyvtest.OpCutoff, calls[0].Op)

		require.Equal(t, Allowed, e.run("resume 10001").Decision, "a resume needs no approval")
	})
}

// actionCalls are the calls among calls that act on a channel (stop,
// cut-off, resume): the reads a request makes to show what will stop are
// not among them.
func actionCalls(calls []polyvtest.Call) []polyvtest.Call {
	var out []polyvtest.Call
	for _, c := range calls {
		switch c.Op {
		case polyvtest.OpStop, polyvtest.OpCutoff, polyvtest.OpResume:
			out = append(out, c)
		}
	}
	return out
}

// The live-status read before an approved stop is bounded: a Polyv whose
// status never answers delays the stop by approvedReadWait, then it goes.
func TestApprovedStopWaitsBoundedForItsRead(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withApproval(10001), noVerify)
		e.run("stop 10001 -- CEO keynote")
		msg, token := e.approvalRequest()
		e.polyv.Always(polyvtest.OpStatus, 10001, polyvtest.Hang())
		clicked := time.Now()
		rec := e.approvalClicked(approver, ActionApprove, token, msg.TS)
		require.Equal(t, []State{Stopped}, states(rec))
		stops := actionCalls(e.polyv.Calls())
		require.Len(t, stops, 1)
		require.Equal(t, approvedReadWait, stops[0].At.Sub(clicked), "the stop went once the read's bound was over")
	})
}
