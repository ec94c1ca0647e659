package slackclient

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// A failed user-group call says what to do, in GroupFix's words (the same
// the -check preflight shows), and adds nothing for a code it does not know.
func TestUserGroupErrorsCarryTheFix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code, fix string
	}{
		{"missing_scope", "add the usergroups:read bot scope"},
		{"paid_teams_only", "list the people in ALLOWED_USERS instead"},
		{"team_not_paid", "list the people in ALLOWED_USERS instead"},
		{"no_such_subteam", "copy the group's S… id"},
		{"fatal_error", ""},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.fix == "", GroupFix(tc.code) == "")
			require.Contains(t, GroupFix(tc.code), tc.fix)
			srv := slacktest.NewServer()
			t.Cleanup(srv.Close)
			c := New(Options{BotToken: srv.BotToken(), AppToken: srv.AppToken(), APIURL: srv.APIURL()})
			srv.SetUserGroupError("S0ONCALL", tc.code)
			srv.FailAlways("usergroups.list", slacktest.Failure{Error: tc.code})

			_, members := c.UserGroupMembers(context.Background(), "S0ONCALL")
			_, handles := c.UserGroupHandles(context.Background())

			want := ""
			if tc.fix != "" {
				want = "; " + GroupFix(tc.code)
			}
			require.EqualError(t, members, "usergroups.users.list S0ONCALL: "+tc.code+want)
			require.EqualError(t, handles, "usergroups.list: "+tc.code+want)
			require.Equal(t, tc.code, ErrorCode(members))
		})
	}
}
