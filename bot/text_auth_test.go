package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
)

// The denial texts a responder sees, word for word: auth rules, the bot
// words its ruling.
func TestDenialWords(t *testing.T) {
	t.Parallel()
	oncall := []auth.Group{{ID: "S1A", Handle: "oncall"}}
	tests := []struct {
		name   string
		ruling auth.Ruling
		want   string
	}{
		{
			name:   "in neither",
			ruling: auth.Ruling{Denial: auth.DenyUser, User: "U3C", Groups: oncall},
			want:   "you are not in ALLOWED_USERS or the user groups S1A (oncall); ask an admin to add your member ID `U3C` to ALLOWED_USERS or to one of those groups",
		},
		{
			name:   "not listed, no groups configured",
			ruling: auth.Ruling{Denial: auth.DenyUser, User: "U3C"},
			want:   "you are not in ALLOWED_USERS; ask an admin to add your member ID `U3C` to ALLOWED_USERS",
		},
		{
			name:   "groups without handles",
			ruling: auth.Ruling{Denial: auth.DenyUser, User: "U3C", Groups: []auth.Group{{ID: "S1A"}, {ID: "S2B"}}},
			want:   "you are not in ALLOWED_USERS or the user groups S1A, S2B; ask an admin to add your member ID `U3C` to ALLOWED_USERS or to one of those groups",
		},
		{
			name:   "handle is escaped",
			ruling: auth.Ruling{Denial: auth.DenyUser, User: "U3C", Groups: []auth.Group{{ID: "S1A", Handle: "on<call>"}}},
			want:   "you are not in ALLOWED_USERS or the user groups S1A (on&lt;call&gt;); ask an admin to add your member ID `U3C` to ALLOWED_USERS or to one of those groups",
		},
		{
			name:   "no valid member id",
			ruling: auth.Ruling{Denial: auth.DenyUser},
			want:   "your request carried no valid Slack member ID, so it cannot be authorized",
		},
		{
			name:   "channel not allowed",
			ruling: auth.Ruling{Denial: auth.DenyChannel, Channels: []string{"C1A", "C2B"}},
			want:   "commands are accepted only in <#C1A>, <#C2B>",
		},
		{
			name:   "fail closed",
			ruling: auth.Ruling{Denial: auth.DenyLookup, Groups: oncall, Err: errors.New("missing_scope")},
			want:   "your membership of S1A (oncall) could not be verified (missing_scope); ask an admin to check the bot's usergroups:read scope, or to add you to ALLOWED_USERS",
		},
		{
			name:   "lookup cause is escaped",
			ruling: auth.Ruling{Denial: auth.DenyLookup, Groups: []auth.Group{{ID: "S2B"}}, Err: errors.New("<!channel> & <@U1A>")},
			want:   "your membership of S2B could not be verified (&lt;!channel&gt; &amp; &lt;@U1A&gt;); ask an admin to check the bot's usergroups:read scope, or to add you to ALLOWED_USERS",
		},
		{
			name:   "canceled",
			ruling: auth.Ruling{Denial: auth.DenyLookup, Groups: oncall, Err: fmt.Errorf("waiting: %w", context.Canceled)},
			want:   "your membership of S1A (oncall) could not be verified (the lookup was canceled or timed out); ask an admin to check the bot's usergroups:read scope, or to add you to ALLOWED_USERS",
		},
		{
			name:   "timed out",
			ruling: auth.Ruling{Denial: auth.DenyLookup, Groups: oncall, Err: context.DeadlineExceeded},
			want:   "your membership of S1A (oncall) could not be verified (the lookup was canceled or timed out); ask an admin to check the bot's usergroups:read scope, or to add you to ALLOWED_USERS",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, english.denialReason(tt.ruling))
			require.Equal(t, "🚫 Not allowed: "+tt.want+". Nothing was sent to Polyv.", english.deniedText(tt.ruling))
		})
	}
}

// A long lookup cause is cut to 200 characters before it is escaped, so
// the cut never splits an escape.
func TestDenialCutsLongCause(t *testing.T) {
	t.Parallel()
	cause := strings.Repeat("<", 300)
	got := english.denialReason(auth.Ruling{Denial: auth.DenyLookup, Groups: []auth.Group{{ID: "S1A"}}, Err: errors.New(cause)})
	require.Contains(t, got, "("+strings.Repeat("&lt;", 200)+"…)")
}
