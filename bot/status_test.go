package bot

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
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
func withStatusRules(c *envConfig) {
	c.statusRules = &auth.Rules{Users: []string{responder, looker}, Groups: []string{lookers}}
	c.dir = groups{lookers: {groupie}}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	const all = "• Polyv channel 10001: live (streaming now) · 0 watching now · host unknown · pulled by Polyv from a source\n" +
		"• Polyv channel 10002: ended · 0 watching now · host unknown · pulled by Polyv from a source\n" +
		"• Polyv channel 10003: not started · 0 watching now · host unknown · pulled by Polyv from a source"
	cases := []struct {
		name     string
		user     string
		opts     []func(*envConfig)
		prepare  func(*env)
		answer   string
		decision Decision
	}{
		{name: "who may stop may look", user: responder, opts: []func(*envConfig){withStatusRules}, answer: all, decision: Allowed},
		{name: "STATUS_ALLOWED_USERS", user: looker, opts: []func(*envConfig){withStatusRules}, answer: all, decision: Allowed},
		{name: "STATUS_ALLOWED_USERGROUPS", user: groupie, opts: []func(*envConfig){withStatusRules}, answer: all, decision: Allowed},
		{name: "a stranger, with status rules", user: stranger, opts: []func(*envConfig){withStatusRules},
			answer: "🚫 Not allowed", decision: Denied},
		{name: "a stranger, status rules default to the stop rules", user: stranger, answer: "🚫 Not allowed", decision: Denied},
		{name: "Polyv fails", user: responder, prepare: func(e *env) { e.polyv.ScriptStatus(10001, polyvtest.InvalidSignature()) },
			answer: "❌ Could not read the status: Polyv rejected the signature: check POLYV_APP_SECRET", decision: Allowed},
		{name: "a channel Polyv does not list", user: responder,
			prepare: func(e *env) {
				e.polyv.ScriptStatus(10001, polyvtest.Custom(200, `{"code":200,"status":"success","data":[],"success":true}`))
			},
			answer: "• Polyv channel 10001: Polyv returned no status (does the channel exist?)", decision: Allowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, tc.opts...)
				e.polyv.SetLiveStatus(10002, polyv.StatusEnd)
				e.polyv.SetLiveStatus(10003, polyv.StatusUnstart)
				if tc.prepare != nil {
					tc.prepare(e)
				}
				rec := e.run("status 10001 10002,10003", as(tc.user))
				require.Equal(t, tc.decision, rec.Decision)
				require.Len(t, e.private(), 1)
				require.Contains(t, e.private()[0], tc.answer)
				require.NotContains(t, e.private()[0], testAppSecret)
				for _, c := range e.polyv.Calls() {
					require.Equal(t, "GET", c.Method, "status is read-only")
				}
				require.Empty(t, e.slack.parents(opsChannel), "status answers privately")
			})
		})
	}
}

// Whoever may only look cannot stop.
func TestStatusOnlyUserCannotStop(t *testing.T) {
	t.Parallel()
	for _, user := range []string{looker, groupie} {
		t.Run(user, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, withStatusRules)
				require.Equal(t, Allowed, e.run("status 10001", as(user)).Decision)
				rec := e.run("stop 10001", as(user))
				require.Equal(t, Denied, rec.Decision)
				require.Contains(t, e.private()[1], "Nothing was sent to Polyv")
				require.Zero(t, e.stopCalls(10001))
			})
		})
	}
}

// Status has a per-user bucket of its own: looking, which the bot's own
// messages recommend before retrying a stop, never uses up the stop budget.
func TestStatusHasABudgetOfItsOwn(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, noVerify, func(c *envConfig) { c.userPerMin, c.userBurst = 0.001, 1 })
		require.Equal(t, Allowed, e.run("status 10001").Decision)
		rec := e.run("status 10001")
		require.Equal(t, OverBudget, rec.Decision)
		require.Regexp(t, `^⏳ You have used your status budget .*; try again in [\d,]+ minutes?( \d+ seconds?)?\. Your stop budget is untouched\.$`, e.private()[1])
		require.Equal(t, 1, e.statusCalls(), "the refused status call never reached Polyv")

		stop := e.run("stop 10001 -- leak")
		require.Equal(t, []State{Stopped}, states(stop), "status did not spend the stop budget")
	})
}
