package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseIDList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		variable     string
		value        string
		kind         IDKind
		wantIDs      []string
		wantEveryone bool
		wantErr      []string // substrings that must all appear
		wantBad      int      // bad entries reported, one line each; 0 means 1
	}{
		{name: "users", variable: "ALLOWED_USERS", value: "U0123ABC,W0456DEF", kind: UserIDs, wantIDs: []string{"U0123ABC", "W0456DEF"}},
		{name: "trimmed, empties ignored, duplicates collapsed", variable: "ALLOWED_USERS", value: " U1A , ,U2B,U1A,, ", kind: UserIDs, wantIDs: []string{"U1A", "U2B"}},
		{name: "empty", variable: "ALLOWED_USERS", value: "", kind: UserIDs},
		{name: "wildcard", variable: "ALLOWED_USERS", value: "*", kind: UserIDs, wantEveryone: true},
		{name: "wildcard with users", variable: "ALLOWED_USERS", value: "U1A, *", kind: UserIDs, wantIDs: []string{"U1A"}, wantEveryone: true},
		{name: "groups", variable: "ALLOWED_USERGROUPS", value: "S0123,S0456", kind: GroupIDs, wantIDs: []string{"S0123", "S0456"}},
		{name: "channels", variable: "ALLOWED_CHANNELS", value: "C0123,G0456", kind: ChannelIDs, wantIDs: []string{"C0123", "G0456"}},
		{
			name: "user name with @", variable: "ALLOWED_USERS", value: "@alice", kind: UserIDs,
			wantErr: []string{`ALLOWED_USERS: "@alice" is a name; use the member ID (U…/W…): in Slack open the profile, ⋮ More, "Copy member ID"`},
		},
		{name: "bare user name", variable: "ALLOWED_USERS", value: "alice", kind: UserIDs, wantErr: []string{`ALLOWED_USERS: "alice" is a name; use the member ID`}},
		{
			name: "user mention", variable: "ALLOWED_USERS", value: "<@U123|alice>", kind: UserIDs,
			wantErr: []string{`ALLOWED_USERS: "<@U123|alice>" is a mention`, `"Copy member ID"`, "(here probably U123)"},
		},
		{
			name: "channel name", variable: "ALLOWED_CHANNELS", value: "#ops", kind: ChannelIDs,
			wantErr: []string{`ALLOWED_CHANNELS: "#ops" is a name; use the channel ID (C…/G…): open the channel, click its name, the ID is at the bottom of the About tab`},
		},
		{name: "channel mention", variable: "ALLOWED_CHANNELS", value: "<#C123|ops>", kind: ChannelIDs, wantErr: []string{`"<#C123|ops>" is a mention`, "About tab", "(here probably C123)"}},
		{name: "group handle", variable: "ALLOWED_USERGROUPS", value: "@oncall", kind: GroupIDs, wantErr: []string{`ALLOWED_USERGROUPS: "@oncall" is a name; use the user-group ID (S…)`, "User groups", "usergroups.list"}},
		{name: "group mention", variable: "ALLOWED_USERGROUPS", value: "<!subteam^S123>", kind: GroupIDs, wantErr: []string{`"<!subteam^S123>" is a mention`, "(here probably S123)"}},
		{name: "lower case id", variable: "ALLOWED_USERS", value: "u123", kind: UserIDs, wantErr: []string{`"u123": Slack IDs are upper case (U123)`}},
		{name: "too short", variable: "ALLOWED_USERS", value: "U1", kind: UserIDs, wantErr: []string{`"U1" is not a valid member ID (U…/W…)`}},
		{name: "wrong kind", variable: "ALLOWED_USERS", value: "C0123", kind: UserIDs, wantErr: []string{`"C0123" is a channel ID (C…/G…), not a member ID (U…/W…)`}},
		{name: "wildcard in groups", variable: "ALLOWED_USERGROUPS", value: "*", kind: GroupIDs, wantErr: []string{`ALLOWED_USERGROUPS: "*" is accepted only in ALLOWED_USERS`}},
		{name: "wildcard in channels", variable: "ALLOWED_CHANNELS", value: "*", kind: ChannelIDs, wantErr: []string{`ALLOWED_CHANNELS: "*" is accepted only in ALLOWED_USERS`}},
		{name: "space instead of comma", variable: "ALLOWED_USERS", value: "U1A U2B", kind: UserIDs, wantErr: []string{`"U1A U2B" contains a space; separate IDs with commas: U1A,U2B`}},
		{name: "semicolons", variable: "ALLOWED_USERS", value: "U1A;U2B", kind: UserIDs, wantErr: []string{`ALLOWED_USERS: "U1A;U2B" contains ";"; separate IDs with commas: U1A,U2B`}},
		{name: "pipes", variable: "ALLOWED_USERGROUPS", value: "S1A|S2B", kind: GroupIDs, wantErr: []string{`ALLOWED_USERGROUPS: "S1A|S2B" contains "|"; separate IDs with commas: S1A,S2B`}},
		{name: "slashes", variable: "ALLOWED_CHANNELS", value: "C1A/C2B", kind: ChannelIDs, wantErr: []string{`ALLOWED_CHANNELS: "C1A/C2B" contains "/"; separate IDs with commas: C1A,C2B`}},
		{name: "full-width comma", variable: "ALLOWED_USERS", value: "U1A，U2B", kind: UserIDs, wantErr: []string{`"U1A，U2B" contains "，"; separate IDs with commas: U1A,U2B`}},
		{name: "ideographic comma", variable: "ALLOWED_USERS", value: "U1A、U2B", kind: UserIDs, wantErr: []string{`"U1A、U2B" contains "、"; separate IDs with commas: U1A,U2B`}},
		{name: "full-width semicolon", variable: "ALLOWED_USERS", value: "U1A；U2B", kind: UserIDs, wantErr: []string{`"U1A；U2B" contains "；"; separate IDs with commas`}},
		{name: "one per line", variable: "ALLOWED_USERS", value: "U1A\nU2B\r\nW3C", kind: UserIDs, wantErr: []string{`contains a line break; separate IDs with commas: U1A,U2B,W3C`}},
		{name: "tabs", variable: "STATUS_ALLOWED_USERS", value: "U1A\tU2B", kind: UserIDs, wantErr: []string{`STATUS_ALLOWED_USERS: "U1A\tU2B" contains a tab; separate IDs with commas`}},
		{name: "mixed separators", variable: "ALLOWED_USERS", value: "U1A; U2B", kind: UserIDs, wantErr: []string{`"U1A; U2B" contains ";" and a space; separate IDs with commas: U1A,U2B`}},
		{name: "no fix shown when a part is wrong", variable: "ALLOWED_USERS", value: "U1A;C2B", kind: UserIDs, wantErr: []string{`"U1A;C2B" contains ";"; separate IDs with commas`}},
		{name: "name with a space", variable: "ALLOWED_USERS", value: "Alice Smith", kind: UserIDs, wantErr: []string{`"Alice Smith" is a name; use the member ID`}},
		{name: "mention with a space", variable: "ALLOWED_USERS", value: "<@U123|alice smith>", kind: UserIDs, wantErr: []string{`is a mention`, "(here probably U123)"}},
		{
			name: "channel link", variable: "ALLOWED_CHANNELS", value: "https://acme.slack.com/archives/C0123ABC", kind: ChannelIDs,
			wantErr: []string{`"https://acme.slack.com/archives/C0123ABC" is a link, not an ID; use the channel ID`, "(here probably C0123ABC)"},
		},
		{
			name: "profile link", variable: "ALLOWED_USERS", value: "https://acme.slack.com/team/U0123ABC/", kind: UserIDs,
			wantErr: []string{"is a link, not an ID", "(here probably U0123ABC)"},
		},
		{
			name: "every error at once", variable: "ALLOWED_USERS", value: "@alice,U1A,#ops,u123", kind: UserIDs,
			wantErr: []string{`"@alice" is a name`, `"#ops" is a name`, `"u123": Slack IDs are upper case`}, wantBad: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ids, everyone, err := ParseIDList(tt.variable, tt.value, tt.kind)
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					require.Contains(t, err.Error(), want)
				}
				require.Equal(t, max(tt.wantBad, 1), strings.Count(err.Error(), tt.variable+":"), "one line per bad entry")
				require.Nil(t, ids)
				require.False(t, everyone)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantIDs, ids)
			require.Equal(t, tt.wantEveryone, everyone)
		})
	}
}

func TestParseIDListNeverRepeatsTokens(t *testing.T) {
	t.Parallel()
	for _, token := range []string{"xoxb-1234-5678-abcdef", "xapp-1-A1-2-abc", "xoxp-99"} {
		for _, value := range []string{"U1A," + token, "U1A;" + token, "U1A " + token, "https://x.slack.com/" + token} {
			_, _, err := ParseIDList("ALLOWED_USERS", value, UserIDs)
			require.Error(t, err)
			require.NotContains(t, err.Error(), token)
			require.Contains(t, err.Error(), "looks like a Slack token")
		}
	}
}

func TestParseRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		users, groups, channels string
		want                    Rules
		wantErr                 []string
	}{
		{name: "users only", users: "U1A", want: Rules{Users: []string{"U1A"}}},
		{name: "groups only", groups: "S1A", want: Rules{Groups: []string{"S1A"}}},
		{name: "everyone", users: "*", want: Rules{Everyone: true}},
		{name: "all three", users: "U1A", groups: "S1A", channels: "C1A,G2B", want: Rules{Users: []string{"U1A"}, Groups: []string{"S1A"}, Channels: []string{"C1A", "G2B"}}},
		{name: "no users and no groups", channels: "C1A", wantErr: []string{"ALLOWED_USERS and ALLOWED_USERGROUPS are both empty", "ALLOWED_USERS=*"}},
		{name: "only separators", users: " , ", groups: ",", wantErr: []string{"ALLOWED_USERS and ALLOWED_USERGROUPS are both empty"}},
		{
			name: "every error at once", users: "@alice", groups: "*", channels: "#ops",
			wantErr: []string{`ALLOWED_USERS: "@alice"`, `ALLOWED_USERGROUPS: "*"`, `ALLOWED_CHANNELS: "#ops"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRules(tt.users, tt.groups, tt.channels)
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					require.Contains(t, err.Error(), want)
				}
				require.Equal(t, Rules{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// TestConfigCannotAllowByAccident walks blank-looking inputs: none may
// produce a policy that lets an arbitrary user in.
func TestConfigCannotAllowByAccident(t *testing.T) {
	t.Parallel()
	blanks := []string{"", " ", ",", " , ,", ",,,", "\t", "\n", "\u00a0", " \r\n,\t"}
	dir := newFakeDir(map[string][]string{})
	for _, users := range blanks {
		for _, groups := range blanks {
			for _, channels := range append(blanks, "C1A") {
				rules, err := ParseRules(users, groups, channels)
				if err != nil {
					continue
				}
				p, err := NewPolicy(rules, NewGroupCache(dir))
				require.NoError(t, err)
				d := p.Check(context.Background(), "U999ARBITRARY", "C1A")
				require.False(t, d.Permitted(), "users=%q groups=%q channels=%q", users, groups, channels)
			}
		}
	}
	t.Run("zero rules deny", func(t *testing.T) {
		t.Parallel()
		p, err := NewPolicy(Rules{}, nil)
		require.NoError(t, err)
		require.False(t, p.Check(context.Background(), "U999ARBITRARY", "C1A").Permitted())
	})
	t.Run("star as a user ID is refused", func(t *testing.T) {
		t.Parallel()
		_, err := NewPolicy(Rules{Users: []string{"*"}}, nil)
		require.ErrorContains(t, err, `"*" is accepted only in ALLOWED_USERS`)
	})
}

func TestRulesSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rules Rules
		want  string
	}{
		{Rules{Users: []string{"U1", "U2"}, Groups: []string{"S0123"}, Channels: []string{"C1"}}, "users U1, U2; members of S0123; in channels <#C1>"},
		{Rules{Everyone: true, Users: []string{"U1"}}, "everyone (ALLOWED_USERS=*)"},
		{Rules{Everyone: true, Channels: []string{"C1", "C2"}}, "everyone (ALLOWED_USERS=*); in channels <#C1>, <#C2>"},
		{Rules{Groups: []string{"S1", "S2"}}, "members of S1, S2"},
		{Rules{}, "nobody"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.rules.Summary())
	}
}
