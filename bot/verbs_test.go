package bot

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// Every entry of the verb table is whole: an acting verb has its call, its
// bucket and its words; a read has its run; each has a policy unless the
// ack answers it, and its help and usage hint.
func TestVerbTableEntriesAreWhole(t *testing.T) {
	t.Parallel()
	p := &pipeline{users: auth.NewUserLimiter(1, 1), statusUsers: auth.NewUserLimiter(1, 1)}
	for _, s := range verbs {
		t.Run(string(s.Verb), func(t *testing.T) {
			require.NotEmpty(t, s.Summary, "help")
			require.NotEmpty(t, s.hint, "usage hint")
			require.Equal(t, specOf(s.Verb).Verb, s.Verb, "specOf finds it")
			if s.Verb == VerbHelp {
				require.Nil(t, s.policy, "the ack answers help")
				return
			}
			require.NotNil(t, s.policy, "who may")
			if s.action == nil {
				require.NotNil(t, s.run, "a read runs")
				return
			}
			require.Nil(t, s.run, "an acting verb runs through act")
			require.NotNil(t, s.action.call)
			require.NotNil(t, s.action.bucket(p))
			w := s.action.words
			require.NotEmpty(t, w.emoji)
			for _, phrase := range []string{w.running, w.asked, w.done, w.success, w.dryRun, w.confirm} {
				require.NotEmpty(t, phrase)
			}
			if s.action.verifies {
				require.NotNil(t, w.check, "a verified action words its verdicts")
			}
			if s.action.confirms {
				pw := w.prompt
				require.NotEmpty(t, pw.question)
				require.NotEmpty(t, pw.title)
				require.NotNil(t, pw.body)
				require.NotEmpty(t, pw.button)
				require.NotEmpty(t, pw.keep)
			}
		})
	}
}

// Each acting entry's call is its Polyv call, and nothing else: stop is
// stop-pull-stream, ban the cut-off, resume its lifting.
func TestActingEntriesCallTheirPolyvCall(t *testing.T) {
	t.Parallel()
	for verb, op := range map[Verb]polyvtest.Op{VerbStop: polyvtest.OpStop, VerbBan: polyvtest.OpCutoff, VerbResume: polyvtest.OpResume} {
		t.Run(string(verb), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, noVerify)
				_, err := specOf(verb).action.call(e.p.polyv, context.Background(), 10001)
				require.NoError(t, err)
				calls := e.polyv.Calls()
				require.Len(t, calls, 1)
				require.Equal(t, op, calls[0].Op)
				require.Equal(t, []int64{10001}, calls[0].ChannelIDs)
			})
		})
	}
}

// A confirmation ticket carries its verb, so that a click runs the verb
// the requester was asked to confirm; a ticket without one (issued before
// the verb was kept) is a stop's; one naming a verb this bot cannot run is
// refused like an altered ticket and sends nothing.
func TestTicketCarriesItsVerb(t *testing.T) {
	t.Parallel()
	tk := newTickets([]byte("k"), 2*time.Minute, time.Now)
	req := Request{ID: "env-1", User: responder, Channel: opsChannel, Command: Command{Verb: VerbStop, ChannelIDs: []int64{10001}}}
	got, decision, err := tk.redeem(tk.issue(req), responder)
	require.NoError(t, err)
	require.Equal(t, Allowed, decision)
	require.Equal(t, VerbStop, got.Command.Verb)

	req.ID, req.Command.Verb = "env-2", ""
	got, _, err = tk.redeem(tk.issue(req), responder)
	require.NoError(t, err)
	require.Equal(t, VerbStop, got.Command.Verb, "an old ticket is a stop's")

	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, withConfirm, noVerify)
		unknown := e.p.tickets.issue(Request{ID: "env-3", User: responder, Channel: opsChannel,
			Command: Command{Verb: "launch", ChannelIDs: []int64{10001}}})
		rec := e.clicked(responder, ActionConfirm, unknown)
		require.Equal(t, Altered, rec.Decision)
		require.Empty(t, e.polyv.Calls(), "nothing was sent")
		require.Equal(t, english.alteredText(), e.slack.responded()[0].Text)
	})
}
