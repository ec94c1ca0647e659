package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestCheckAllGood(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	f.slack.SetUserGroup("S0ONCALL", "oncall", "U01", "U02")
	code, out := runCheckAgainst(t, f, map[string]string{"ALLOWED_USERGROUPS": "S0ONCALL", "AUDIT_CHANNEL": "C0AUDIT"})
	require.Equal(t, 0, code, out)
	for _, want := range []string{
		"✓ configuration: valid; who may stop:",
		"✓ SLACK_BOT_TOKEN (auth.test): workspace",
		"✓ SLACK_APP_TOKEN (apps.connections.open)",
		"✓ user group S0ONCALL (usergroups.users.list): 2 member(s)",
		"✓ AUDIT_CHANNEL C0AUDIT (conversations.info)",
		"✓ Polyv reachable within POLYV_TIMEOUT=2s",
		"✓ Polyv credentials and clock",
		"All checks passed",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "✗")
	// Read-only: nothing posted, nothing stopped, no socket dialled.
	require.Empty(t, f.slack.Messages())
	require.Equal(t, 0, f.slack.SocketsOpened())
	require.Equal(t, 0, countStops(f.polyv))
	require.Len(t, f.polyv.Calls(), 1)
}

func TestCheckFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		script  func(*fakes)
		wantBad string // the ✗ line
		wantFix string // its fix
	}{
		{"wrong Polyv secret", map[string]string{"POLYV_APP_SECRET": "not-the-secret"}, nil,
			"✗ Polyv credentials and clock (live status of channel 1): Polyv says invalid signature", "check POLYV_APP_SECRET"},
		{"unknown Polyv app", map[string]string{"POLYV_APP_ID": "appUNKNOWN"}, nil,
			"Polyv says application not found", "check POLYV_APP_ID"},
		{"clock off", nil, func(f *fakes) { f.polyv.ScriptStatus(checkChannelID, polyvtest.InvalidTimestamp()) },
			"Polyv says invalid timestamp", "NTP"},
		{"Polyv unreachable", map[string]string{"POLYV_API_URL": "http://127.0.0.1:1", "POLYV_TIMEOUT": "1s"}, nil,
			"✗ Polyv reachable within POLYV_TIMEOUT=1s", "over HTTPS"},
		{"Polyv hangs past the time-out", map[string]string{"POLYV_TIMEOUT": "1s"}, func(f *fakes) {
			f.polyv.ScriptStatus(checkChannelID, polyvtest.Hang(), polyvtest.Hang(), polyvtest.Hang())
		}, "✗ Polyv reachable within POLYV_TIMEOUT=1s", "raise POLYV_TIMEOUT"},
		{"revoked bot token", nil, func(f *fakes) { f.slack.FailAlways("auth.test", slacktest.Failure{Error: "token_revoked"}) },
			"✗ SLACK_BOT_TOKEN (auth.test): Slack answered token_revoked", "Bot User OAuth Token"},
		{"bad app token", nil, func(f *fakes) {
			f.slack.FailAlways("apps.connections.open", slacktest.Failure{Error: "invalid_auth"})
		}, "✗ SLACK_APP_TOKEN (apps.connections.open): Slack answered invalid_auth", "connections:write"},
		{"free plan user groups", map[string]string{"ALLOWED_USERGROUPS": "S0FREE"}, func(f *fakes) {
			f.slack.SetUserGroupError("S0FREE", "paid_teams_only")
		}, "✗ user group S0FREE (usergroups.users.list): Slack answered paid_teams_only", "ALLOWED_USERS instead"},
		{"missing usergroups:read", map[string]string{"STATUS_ALLOWED_USERGROUPS": "S0SCOPE"}, func(f *fakes) {
			f.slack.SetUserGroupError("S0SCOPE", "missing_scope")
		}, "✗ user group S0SCOPE", "usergroups:read"},
		{"unknown user group", map[string]string{"ALLOWED_USERGROUPS": "S0GONE"}, nil,
			"✗ user group S0GONE (usergroups.users.list): Slack answered no_such_subteam", "S… id"},
		{"audit channel not found", map[string]string{"AUDIT_CHANNEL": "C0GONE"}, func(f *fakes) {
			f.slack.FailAlways("conversations.info", slacktest.Failure{Error: "channel_not_found"})
		}, "✗ AUDIT_CHANNEL C0GONE (conversations.info): Slack answered channel_not_found", "/invite @polyvbot"},
		{"Slack unreachable", map[string]string{"SLACK_API_URL": "http://127.0.0.1:1/api/"}, nil,
			"✗ SLACK_BOT_TOKEN (auth.test): Slack did not answer", "reach SLACK_API_URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			if tc.script != nil {
				tc.script(f)
			}
			code, out := runCheckAgainst(t, f, tc.env)
			require.Equal(t, exitFatal, code, out)
			require.Contains(t, out, tc.wantBad)
			require.Contains(t, fixUnder(out, tc.wantBad), tc.wantFix, out)
			require.Contains(t, out, "check(s) failed")
		})
	}
}

// A configuration that does not load is exit 2, as when the bot starts, and
// nothing is contacted.
func TestCheckBadConfiguration(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	code, out := runCheckAgainst(t, f, map[string]string{"POLYV_TIMEOUT": "forever"})
	require.Equal(t, exitConfig, code, out)
	const bad = "✗ configuration: the configuration has problems"
	require.Contains(t, out, bad)
	require.Contains(t, fixUnder(out, bad), "POLYV_TIMEOUT: must be a Go duration")
	require.Empty(t, f.slack.Requests())
	require.Empty(t, f.polyv.Calls())
}

func TestCheckSkipsWhatItCannotSee(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	f.slack.FailAlways("conversations.info", slacktest.Failure{Error: "missing_scope"})
	f.polyv.ScriptStatus(checkChannelID, polyvtest.ChannelNotFound())
	code, out := runCheckAgainst(t, f, map[string]string{"AUDIT_CHANNEL": "C0AUDIT"})
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "– AUDIT_CHANNEL C0AUDIT (conversations.info): not checked: conversations.info needs channels:read")
	require.Contains(t, out, "✓ Polyv credentials and clock (live status of channel 1): accepted (Polyv answered: polyv live-status: channel not found")
}

func TestCheckNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	f.slack.FailAlways("auth.test", slacktest.Failure{Error: "invalid_auth"})
	env := f.env(map[string]string{"POLYV_APP_SECRET": "wrong-secret-value-123"})
	var stdout bytes.Buffer
	code := run(context.Background(), []string{"-check"}, staticEnv(env), &stdout, &stdout)
	require.Equal(t, 1, code)
	for _, secret := range []string{f.slack.BotToken(), f.slack.AppToken(), "wrong-secret-value-123", testAppSecret} {
		require.NotContains(t, stdout.String(), secret)
	}
	require.Equal(t, "x [redacted] y", redact("x "+f.slack.BotToken()+" y", secretsOf(config{SlackBotToken: f.slack.BotToken()})))
}

func runCheckAgainst(t *testing.T, f *fakes, extra map[string]string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-check"}, staticEnv(f.env(extra)), &stdout, &stderr)
	require.Empty(t, stderr.String())
	return code, stdout.String()
}

// fixUnder returns the fix printed under the checklist line containing bad.
func fixUnder(out, bad string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.Contains(l, bad) || i+1 == len(lines) || !strings.HasPrefix(lines[i+1], "    fix: ") {
			continue
		}
		fix := lines[i+1]
		for _, more := range lines[i+2:] {
			if !strings.HasPrefix(more, "         ") {
				break
			}
			fix += "\n" + more
		}
		return fix
	}
	return ""
}
