package bot

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

const intruder = "U0OTHER"

func withConfirm(c *envConfig) { c.set.ConfirmStop = true }

// prompt asks for a confirmation and returns the token its buttons carry.
func (e *env) prompt(text string) (Record, string) {
	e.t.Helper()
	rec := e.run(text)
	rs := e.slack.responded()
	require.NotEmpty(e.t, rs, "a prompt")
	btns := promptButtons(e.t, rs[len(rs)-1].Blocks)
	return rec, btns[0].Value
}

// clicked is a click on the prompt's button by user. It returns the last
// record written: a stop the click ran is recorded under the command's
// request, a click that cannot be honoured under its own.
func (e *env) clicked(user, action, token string) Record {
	e.t.Helper()
	return e.press("click-"+user+"-"+action, user, responseURL, VerbStop, Click{Action: action, Value: token})
}

// press is a click by user on a button of the bot's, as the transport
// hands it on (id seeds its envelope id). It returns the last record
// written: for an action being verified, the verdict's.
func (e *env) press(id, user, url string, verb Verb, c Click) Record {
	e.t.Helper()
	rec := e.handle(Request{ID: envelopeID(id), User: user, Channel: opsChannel, ResponseURL: url,
		Command: Command{Verb: verb}, Click: &c, Received: time.Now()})
	if rec.Pending() {
		return e.verdict(rec.ID)
	}
	return rec
}

func promptButtons(t *testing.T, blocks []slack.Block) []*slack.ButtonBlockElement {
	t.Helper()
	return buttons(t, blocks, 2, "Stop stream and Cancel")
}

// buttons are the buttons in blocks' action blocks: want of them, as what
// names them.
func buttons(t *testing.T, blocks []slack.Block, want int, what string) []*slack.ButtonBlockElement {
	t.Helper()
	var out []*slack.ButtonBlockElement
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				out = append(out, el.(*slack.ButtonBlockElement))
			}
		}
	}
	require.Len(t, out, want, what)
	return out
}

func TestConfirmPromptAsksBeforeCallingPolyv(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withConfirm)
		rec, token := e.prompt("stop 10001 10002 -- leaked <!here> stream")
		require.Equal(t, Confirming, rec.Decision)
		p := e.slack.responded()[0]
		require.False(t, p.InChannel, "only the requester sees the prompt")
		require.Equal(t, "Stop the pull stream of Polyv channels 10001, 10002?\n"+
			"• 10001: live (streaming now) · 0 watching now\n• 10002: live (streaming now) · 0 watching now\n"+
			"Reason: leaked &lt;!here&gt; stream\n_This prompt expires in 2 minutes._", p.Text)
		btns := promptButtons(t, p.Blocks)
		stop, cancel := btns[0], btns[1]
		require.Equal(t, ActionConfirm, stop.ActionID)
		require.Equal(t, "Stop stream", stop.Text.Text)
		require.Equal(t, slack.StyleDanger, stop.Style)
		require.NotNil(t, stop.Confirm, "the stop button asks Slack for a confirm dialog")
		require.Equal(t, "Viewers of Polyv channels 10001, 10002 lose the stream now.", stop.Confirm.Text.Text)
		require.Equal(t, ActionCancel, cancel.ActionID)
		require.Equal(t, token, cancel.Value, "both buttons carry the prompt's token")
		require.Empty(t, e.actions(), "nothing goes to Polyv before the click")
		require.Empty(t, e.slack.parents(opsChannel))
	})
}

func TestConfirmClicks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		check func(t *testing.T, e *env, token string)
	}{
		{"confirmed", func(t *testing.T, e *env, token string) {
			rec := e.clicked(responder, ActionConfirm, token)
			require.Equal(t, []State{Stopped}, states(rec))
			require.Equal(t, "bad stream", rec.Command.Reason, "the record is the original command's")
			parent, thread := e.parent()
			require.Equal(t, "🛑 <@U0RESP> is stopping Polyv channel 10001\nReason: bad stream", parent.Text)
			require.Equal(t, []string{"✅ Polyv channel 10001: stopped (Polyv answered in under 1ms)"}, thread)
			require.Equal(t, "Confirmed: stopping Polyv channel 10001…", replaced(e)[0])
		}},
		{"cancelled, then a late Stop click does nothing", func(t *testing.T, e *env, token string) {
			require.Equal(t, Cancelled, e.clicked(responder, ActionCancel, token).Decision)
			require.Equal(t, Used, e.clicked(responder, ActionConfirm, token).Decision)
			require.Equal(t, []string{english.cancelledText()}, replaced(e))
			require.Equal(t, []string{english.usedText()}, e.private()[2:], "the late click is told why nothing happens")
			require.Empty(t, e.actions())
		}},
		{"expired", func(t *testing.T, e *env, token string) {
			time.Sleep(2*time.Minute + maxClockSkew + time.Second)
			require.Equal(t, Expired, e.clicked(responder, ActionConfirm, token).Decision)
			require.Equal(t, []string{"⌛ This confirmation expired after 2 minutes; nothing was sent to Polyv. Run the command again."}, replaced(e))
			require.Empty(t, e.actions())
		}},
		{"still valid just before expiry", func(t *testing.T, e *env, token string) {
			time.Sleep(2*time.Minute - time.Second)
			require.Equal(t, []State{Stopped}, states(e.clicked(responder, ActionConfirm, token)))
		}},
		{"clicked by someone else, then by the requester", func(t *testing.T, e *env, token string) {
			for _, action := range []string{ActionConfirm, ActionCancel} {
				require.Equal(t, NotYours, e.clicked(intruder, action, token).Decision)
			}
			es := e.slack.ephemeralTexts()
			require.Len(t, es, 2)
			for _, m := range es {
				require.Equal(t, intruder, m.User)
				require.Equal(t, "🚫 This confirmation is not yours: only the person who ran the command can confirm it.", m.Text)
			}
			require.Empty(t, replaced(e), "the requester's prompt is left alone")
			require.Equal(t, []State{Stopped}, states(e.clicked(responder, ActionConfirm, token)), "still the requester's to confirm")
		}},
		{"clicked twice", func(t *testing.T, e *env, token string) {
			e.clicked(responder, ActionConfirm, token)
			require.Equal(t, Used, e.clicked(responder, ActionConfirm, token).Decision)
			require.Equal(t, 1, e.stopCalls(10001), "exactly one Polyv call")
			require.Len(t, replaced(e), 1)
			require.Contains(t, e.private(), english.usedText())
		}},
		{"clicked again as late as a ticket is honoured", func(t *testing.T, e *env, token string) {
			e.clicked(responder, ActionConfirm, token)
			time.Sleep(2*time.Minute + maxClockSkew)
			require.Equal(t, Used, e.clicked(responder, ActionConfirm, token).Decision, "remembered as used for as long as it is honoured")
			require.Equal(t, 1, e.stopCalls(10001))
		}},
		{"a ticket changed on its way", func(t *testing.T, e *env, token string) {
			altered := strings.Replace(token, `"p":[10001]`, `"p":[10001,10002]`, 1)
			require.NotEqual(t, token, altered)
			require.Equal(t, Altered, e.clicked(responder, ActionConfirm, altered).Decision)
			require.Equal(t, Altered, e.clicked(responder, ActionConfirm, "not a ticket").Decision)
			require.Equal(t, []string{english.alteredText(), english.alteredText()}, e.private()[1:])
			require.Empty(t, e.actions())
			require.Equal(t, []State{Stopped}, states(e.clicked(responder, ActionConfirm, token)), "the real one still works")
		}},
		{"a ticket signed with another key", func(t *testing.T, e *env, token string) {
			other := newTickets([]byte("another bot's key"), 2*time.Minute, time.Now)
			forged := other.issue(e.request("stop 10009"))
			require.Equal(t, Altered, e.clicked(responder, ActionConfirm, forged).Decision)
			require.Empty(t, e.actions())
		}},
		{"authorization is checked again at the click", func(t *testing.T, e *env, token string) {
			e.p.stopPolicy = denyAll{}
			rec := e.clicked(responder, ActionConfirm, token)
			require.Equal(t, Denied, rec.Decision)
			require.Empty(t, e.actions())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, withConfirm, noVerify)
				_, token := e.prompt("stop 10001 -- bad stream")
				tc.check(t, e, token)
			})
		})
	}
}

func TestConfirmPromptFallsBackToEphemeral(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withConfirm)
		e.slack.failWith("respond", slack.SlackErrorResponse{Err: "expired_url"})
		e.run("stop 10001")
		es := e.slack.ephemeralTexts()
		require.Len(t, es, 1)
		require.Equal(t, responder, es[0].User)
		require.Contains(t, es[0].Text, "Stop the pull stream of Polyv channel 10001?")
		require.Equal(t, ActionConfirm, promptButtons(t, es[0].Blocks)[0].ActionID)
	})
}

// replaced are the texts that replaced the prompt.
func replaced(e *env) []string {
	var out []string
	for _, r := range e.slack.responded() {
		if r.Replace {
			out = append(out, r.Text)
		}
	}
	return out
}

// A prompt's buttons carry everything the stop needs, signed: a replica that
// never saw the command, sharing only the configuration, runs it.
func TestConfirmClickOnAnotherReplica(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		key := TicketKey("appSecret", "xoxb-bot-token")
		shared := func(c *envConfig) { c.ticketKey = key }
		a := newEnv(t, withConfirm, noVerify, shared)
		b := newEnv(t, withConfirm, noVerify, shared)
		_, token := a.prompt("stop 10001 10002 -- leaked stream")

		require.Equal(t, NotYours, b.clicked(intruder, ActionConfirm, token).Decision, "still only the requester's")
		rec := b.clicked(responder, ActionConfirm, token)
		require.Equal(t, []State{Stopped, Stopped}, states(rec))
		require.Equal(t, "leaked stream", rec.Command.Reason)
		require.Equal(t, envelopeID("stop 10001 10002 -- leaked stream"), rec.ID, "recorded under the command's request")
		parent, _ := b.parent()
		require.Equal(t, "🛑 <@U0RESP> is stopping Polyv channels 10001, 10002\nReason: leaked stream", parent.Text)
		require.Equal(t, Used, b.clicked(responder, ActionConfirm, token).Decision, "used on this replica")
		require.Empty(t, a.actions(), "the replica that asked ran nothing")
		require.Equal(t, 2, len(b.actions()))
	})
}

// The longest command still fits in a button: Slack takes 2000 characters.
func TestTicketFitsInAButton(t *testing.T) {
	t.Parallel()
	tk := newTickets(nil, 2*time.Minute, time.Now)
	req := Request{ID: strings.Repeat("e", 40), User: "U0123456789AB", UserName: strings.Repeat("n", 80), Channel: "C0123456789AB",
		Slash: "/polyv-operations", Command: Command{Verb: VerbStop, ChannelIDs: make([]int64, MaxChannels), Reason: strings.Repeat(`"`, MaxReasonRunes)}}
	for i := range req.Command.ChannelIDs {
		req.Command.ChannelIDs[i] = MaxChannelID - int64(i)
	}
	value := tk.issue(req)
	require.LessOrEqual(t, len([]rune(value)), maxButtonValue, "%d characters", len([]rune(value)))
	got, decision, err := tk.redeem(value, req.User)
	require.NoError(t, err)
	require.Equal(t, Allowed, decision)
	require.Equal(t, req.Command, got.Command)
}

// A prompt meets Slack's Block Kit limits whatever the command: real
// envelope ids are 36-character UUIDs, and a reason may be 500 characters
// that escaping makes five times longer. The fake Slack refuses a prompt
// past the limits with invalid_blocks, as Slack does.
func TestConfirmPromptMeetsBlockKitLimits(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const user, channel = "U07ABCDEF12", "C07ABCDEF12"
		amps := strings.Repeat("&", MaxReasonRunes)
		cases := []struct{ name, text string }{
			{"one channel", "stop 10001"},
			{"three channels and a reason", "stop 10001 10002 10003 -- leaked test stream from the rehearsal"},
			{"twenty channels and the longest reason", "stop " + ids(MaxChannelID-19, 20) + " -- " + amps},
			{"an ambiguous reason quoted three times", "stop 10001 10002 " + amps},
		}
		blockIDsSeen := map[string]bool{}
		for _, tc := range cases {
			e := newEnv(t, withConfirm, func(c *envConfig) { c.rules.Users = []string{user} })
			rec := e.run(tc.text, as(user), func(r *Request) { r.Channel, r.UserName, r.Slash = channel, "alice.responder", "/polyv-operations" })
			require.Equal(t, Confirming, rec.Decision, tc.name)
			rs := e.slack.responded()
			require.Len(t, rs, 1, "%s: the prompt was taken", tc.name)
			require.Empty(t, blockKitProblems(rs[0].Blocks, nil), tc.name)
			require.True(t, strings.HasSuffix(rs[0].Text, "_This prompt expires in 2 minutes._"), "%s: the notification text is whole", tc.name)
			for id := range blockIDs(rs[0].Blocks) {
				require.False(t, blockIDsSeen[id], "%s: a new block_id for each prompt", tc.name)
				blockIDsSeen[id] = true
			}
			token := promptButtons(t, rs[0].Blocks)[0].Value
			stop := e.clicked(user, ActionConfirm, token)
			require.Len(t, stop.Channels, len(rec.Command.ChannelIDs), "%s: the button still carries the whole command", tc.name)
		}
	})
}

// When Slack refuses the prompt anyway, every way, the requester is told in
// plain text, and the audit does not say they were asked to confirm.
func TestConfirmPromptRefusedAnyway(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withConfirm)
		e.slack.failWith("blocks", slack.SlackErrorResponse{Err: "invalid_blocks"})
		rec := e.run("stop 10001")
		require.Equal(t, []string{"⚠️ The bot could not show the confirmation buttons (Slack refused them: invalid_blocks); nothing was sent to Polyv. Try again, or ask an admin to check the bot's log."},
			e.private())
		require.Equal(t, "prompt_failed", outcomeWord(rec))
		require.NotContains(t, english.decisionWords(rec), "asked the requester to confirm")
		require.Contains(t, english.auditSentence(rec, false), "could not show the confirmation prompt (Slack refused it: invalid_blocks); nothing was sent")
		require.Empty(t, e.actions())
	})
}

// Confirm on one replica and Cancel on another: the Cancel cannot know
// whether the Stop ran elsewhere, so it claims nothing about Polyv, and it
// is audited as the click it is, under its own request, never as the
// command's outcome.
func TestConfirmCancelOnAnotherReplica(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		key := TicketKey("appSecret", "xoxb-bot-token")
		shared := func(c *envConfig) { c.ticketKey = key }
		a := newEnv(t, withConfirm, noVerify, shared)
		b := newEnv(t, withConfirm, noVerify, shared)
		prompt, token := a.prompt("stop 10001 -- leaked stream")
		stop := a.clicked(responder, ActionConfirm, token)
		require.Equal(t, []State{Stopped}, states(stop))

		cancel := b.clicked(responder, ActionCancel, token)
		require.Equal(t, []string{"Cancelled: this prompt will not stop anything now. If Stop stream was clicked first, its thread in the channel says what happened."},
			replaced(b))
		require.Equal(t, envelopeID("click-"+responder+"-"+ActionCancel), cancel.ID, "the click's own request")
		require.Equal(t, prompt.ID, cancel.ForRequest, "naming the command it was about")
		require.Equal(t, []int64{10001}, cancel.Command.ChannelIDs)
		require.Equal(t, "click", decisionWord(cancel))
		require.Equal(t, "cancel_clicked", outcomeWord(cancel))
		require.NotContains(t, english.auditSentence(cancel, false), "nothing was sent")
		for _, rec := range append(a.audits, b.audits...) {
			if rec.ID == prompt.ID {
				require.NotContains(t, english.auditSentence(rec, false), "ancel", "the command's own records never say it was cancelled")
			}
		}
		require.Empty(t, b.actions())
		require.Equal(t, 1, a.stopCalls(10001))
	})
}

// Replicas' clocks differ: a ticket's expiry is the issuer's clock plus the
// prompt's lifetime, and whichever replica gets the click honours it within
// 3 minutes of skew either way, as Polyv tolerates its callers' clocks, but
// never for longer.
func TestConfirmClockSkewBetweenReplicas(t *testing.T) {
	t.Parallel()
	const skew = 3 * time.Minute
	cases := []struct {
		name    string
		clicker time.Duration // the clicking replica's clock, against the issuer's
		after   time.Duration // when the click comes, after the prompt
		want    Decision
		text    string
	}{
		{"the clicker's clock 2 minutes ahead, a click 10 seconds later", 2 * time.Minute, 10 * time.Second, Allowed, ""},
		{"the clicker's clock 2 minutes behind, a click at once", -2 * time.Minute, 0, Allowed, ""},
		{"2 minutes ahead, a click as the prompt expires", 2 * time.Minute, 2 * time.Minute, Allowed, ""},
		{"the same clock, within the skew after expiry", 0, 2*time.Minute + skew, Allowed, ""},
		{"the same clock, past the skew after expiry", 0, 2*time.Minute + skew + time.Second, Expired, english.expiredText(2 * time.Minute)},
		{"3 minutes 1 second ahead, past expiry", skew + time.Second, 2 * time.Minute, Expired, english.expiredText(2 * time.Minute)},
		{"an issuer 4 minutes ahead", -4 * time.Minute, 0, Expired, "⌛ This confirmation cannot be used here: the bot that made it has a clock more than 3 minutes ahead of this one; nothing was sent to Polyv. Run the command again, and ask an admin to check the bot hosts' clocks (NTP)."},
	}
	key := TicketKey("appSecret", "xoxb-bot-token")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				shared := func(c *envConfig) { c.ticketKey = key }
				a := newEnv(t, withConfirm, noVerify, shared)
				b := newEnv(t, withConfirm, noVerify, shared, func(c *envConfig) { c.clockOffset = tc.clicker })
				_, token := a.prompt("stop 10001")
				time.Sleep(tc.after)
				rec := b.clicked(responder, ActionConfirm, token)
				require.Equal(t, tc.want, rec.Decision)
				if tc.want == Allowed {
					require.Equal(t, []State{Stopped}, states(rec))
					return
				}
				require.Equal(t, []string{tc.text}, replaced(b))
				require.Empty(t, b.actions())
			})
		})
	}
}
