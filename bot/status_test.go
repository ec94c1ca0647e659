package bot_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

const (
	looker   = "U0LOOK"    // in STATUS_ALLOWED_USERS only
	groupie  = "U0GROUPIE" // in a STATUS_ALLOWED_USERGROUPS group only
	stranger = "U0STRANGER"
	lookers  = "S0LOOKERS"
)

// withStatusRules gives status the union the configuration builds: everyone
// who may stop plus STATUS_ALLOWED_USERS and STATUS_ALLOWED_USERGROUPS.
func withStatusRules(t *testing.T) func(*bot.Config) {
	return func(c *bot.Config) {
		rules := auth.Rules{Users: []string{responder, looker}, Groups: []string{lookers}}
		p, err := auth.NewPolicy(rules, auth.NewGroupCache(c.Slack.(auth.Directory)))
		require.NoError(t, err)
		c.StatusPolicy = p
	}
}

func TestStatusAllowedUsers(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, user string }{
		{"may stop, so may look", responder},
		{"STATUS_ALLOWED_USERS", looker},
		{"STATUS_ALLOWED_USERGROUPS", groupie},
	}
	h := newHarness(t, harnessOpts{cfg: withStatusRules(t)})
	h.slack.SetUserGroup(lookers, "lookers", groupie)
	h.polyv.SetLiveStatus(10002, polyv.StatusEnd)
	h.polyv.SetLiveStatus(10003, polyv.StatusUnstart)
	for _, tc := range cases {
		ack, url := h.send(slacktest.SlashCommand{Text: "status 10001 10002,10003", UserID: tc.user})
		text, _ := ack.Text()
		require.Empty(t, text, tc.name)
		p := h.waitPrivate(url)
		require.Equal(t, "ephemeral", p.ResponseType, tc.name)
		require.Equal(t, "• Polyv channel 10001: live (streaming now)\n• Polyv channel 10002: ended\n• Polyv channel 10003: not started", p.Text, tc.name)
	}
	require.Zero(t, h.stopCalls(), "status is read-only")
	require.Empty(t, h.slack.Messages(), "status answers privately")
}

func TestStatusOnlyUserCannotStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{cfg: withStatusRules(t)})
	h.slack.SetUserGroup(lookers, "lookers", groupie)
	for _, user := range []string{looker, groupie} {
		_, url := h.send(slacktest.SlashCommand{Text: "status 10001", UserID: user})
		require.Contains(t, h.waitPrivate(url).Text, "Polyv channel 10001: live", user)

		_, url = h.send(slacktest.SlashCommand{Text: "stop 10001", UserID: user})
		p := h.waitPrivate(url)
		require.Contains(t, p.Text, "Not allowed", user)
		require.Contains(t, p.Text, "Nothing was sent to Polyv", user)
	}
	require.Zero(t, h.stopCalls())
	require.Empty(t, h.slack.ChannelMessages(opsChannel))
}

func TestStatusNotAllowed(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"status rules set", "status rules default to stop rules"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := harnessOpts{}
			if name == "status rules set" {
				o.cfg = withStatusRules(t)
			}
			h := newHarness(t, o)
			h.slack.SetUserGroup(lookers, "lookers", groupie)
			_, url := h.send(slacktest.SlashCommand{Text: "status 10001", UserID: stranger})
			p := h.waitPrivate(url)
			require.Equal(t, "ephemeral", p.ResponseType)
			require.Contains(t, p.Text, "🚫 Not allowed")
			require.NotContains(t, p.Text, "live")
			require.Empty(t, h.polyv.Calls(), "a denied status asks Polyv nothing")
			h.waitAudit()
			require.Contains(t, h.logs.String(), `"decision":"denied:user"`)
		})
	}
}

func TestStatusPolyvFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.polyv.ScriptStatus(10001, polyvtest.InvalidSignature())
	_, url := h.send(slacktest.SlashCommand{Text: "status 10001"})
	p := h.waitPrivate(url)
	require.Contains(t, p.Text, "❌ Could not read the status: Polyv rejected the signature")
	require.NotContains(t, p.Text, "live (streaming")
	require.NotContains(t, p.Text, testAppSecret)
}

// Status has a per-user bucket of its own: looking, which the bot's own
// messages recommend before retrying a stop, never uses up the stop budget.
func TestStatusHasABudgetOfItsOwn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{userPerMin: 0.001, userBurst: 1, cfg: noVerify})
	_, url := h.send(slacktest.SlashCommand{Text: "status 10001"})
	require.Contains(t, h.waitPrivate(url).Text, "live")
	_, url = h.send(slacktest.SlashCommand{Text: "status 10001"})
	refusal := h.waitPrivate(url).Text
	require.Contains(t, refusal, "status")
	require.Contains(t, refusal, "try again in")
	require.Len(t, h.polyv.Calls(), 1, "the refused status call never reached Polyv")

	h.send(slacktest.SlashCommand{Text: "stop 10001 leak"})
	_, thread := h.parentWithReplies(1)
	require.Contains(t, thread[0].Text, "✅ Polyv channel 10001: stopped", "status did not spend the stop budget")
}
