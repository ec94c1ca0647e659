package bot

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// A slow Slack never holds back the Polyv call a click runs: the clicked
// prompt, approval request or cut-off offer is rewritten beside the call
// (or, for an approval request, by the command's poster), not before it.
func TestClickedMessageNeverDelaysTheCall(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		opts  []func(*envConfig)
		hang  string // the Slack call that never answers once the button is shown
		click func(e *env, hang func()) Record
		op    polyvtest.Op
	}{
		{"a confirmation", []func(*envConfig){withConfirm, noVerify}, "respond", func(e *env, hang func()) Record {
			_, token := e.prompt("stop 10001")
			hang()
			return e.clicked(responder, ActionConfirm, token)
		}, polyvtest.OpStop},
		{"an approval", []func(*envConfig){withApproval(10001), noVerify}, "update " + opsChannel, func(e *env, hang func()) Record {
			e.run("stop 10001")
			msg, token := e.approvalRequest()
			hang()
			return e.approvalClicked(approver, ActionApprove, token, msg.TS)
		}, polyvtest.OpStop},
		{"a cut-off offer", nil, "update " + opsChannel, func(e *env, hang func()) Record {
			e.polyv.SetStreamType(10001, polyv.StreamClient)
			e.run("stop 10001")
			_, thread := e.parent()
			btn := offerButton(t, e, thread[2])
			var ts string
			for _, m := range e.slack.messages() {
				if m.Text == thread[2] {
					ts = m.TS
				}
			}
			hang()
			return e.press("cut-off slow", responder, responseURL+"/click", VerbBan, Click{Action: ActionCutoff, Value: btn.Value, MessageTS: ts})
		}, polyvtest.OpCutoff},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, tc.opts...)
				var clicked time.Time
				rec := tc.click(e, func() { e.slack.hang(tc.hang); clicked = time.Now() })
				require.Equal(t, []State{Stopped}, states(rec))
				var calls []polyvtest.Call
				for _, c := range e.polyv.Calls() {
					if c.Op == tc.op {
						calls = append(calls, c)
					}
				}
				require.Len(t, calls, 1)
				require.Equal(t, clicked, calls[0].At, "the call went at the click, whatever Slack was doing")
			})
		})
	}
}
