package app

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
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

// TestCheckPolyvAnswersThatProveNothing: only Polyv's own answers prove the
// credentials. A 404, a 5xx, a quota refusal, a redirect, an HTML page or an
// unreadable body fails the check with what to do about it.
func TestCheckPolyvAnswersThatProveNothing(t *testing.T) {
	t.Parallel()
	const (
		notPolyvAPI = "this address does not serve Polyv's API: check POLYV_API_URL"
		serverError = "Polyv had a server error; run -check again in a minute"
		notPolyv    = "something that is not Polyv answered: a proxy, captive portal or wrong host"
	)
	script := func(replies ...polyvtest.Reply) func(*testing.T, *fakes) map[string]string {
		return func(_ *testing.T, f *fakes) map[string]string {
			f.polyv.ScriptStatus(checkChannelID, replies...)
			return nil
		}
	}
	raw := func(h http.HandlerFunc) func(*testing.T, *fakes) map[string]string {
		return func(t *testing.T, _ *fakes) map[string]string {
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			return map[string]string{"POLYV_API_URL": srv.URL}
		}
	}
	tests := []struct {
		name    string
		answer  func(*testing.T, *fakes) map[string]string
		wantFix string
	}{
		{"JSON 404", script(polyvtest.Custom(404, `{"code":404,"status":"error","message":"not found."}`)), notPolyvAPI},
		{"404 that names the channel path", script(polyvtest.Custom(404,
			`{"code":404,"status":"error","message":"/live/v4/channel/live-status/list not found"}`)), notPolyvAPI},
		{"JSON code 404 under HTTP 200", script(polyvtest.Custom(200, `{"code":404,"status":"error","message":"no such api"}`)), notPolyvAPI},
		{"HTML 404 page", script(polyvtest.HTML(404)), notPolyvAPI},
		{"plain 404 at every path", raw(http.NotFoundHandler().ServeHTTP), notPolyvAPI},
		{"server failure", script(polyvtest.ServerFail(), polyvtest.ServerFail(), polyvtest.ServerFail()), serverError},
		{"HTML 502", script(polyvtest.HTML(502), polyvtest.HTML(502), polyvtest.HTML(502)), serverError},
		{"HTML page", script(polyvtest.HTML(200)), notPolyv},
		{"empty body", script(polyvtest.Empty(200)), notPolyv},
		{"not JSON", script(polyvtest.Garbage()), notPolyv},
		{"JSON not in Polyv's shape", script(polyvtest.Custom(200, `{"ok":true}`)), notPolyv},
		{"quota used up", script(polyvtest.QuotaExceeded()), "wait 5 minutes"},
		{"redirect", raw(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusFound) }),
			"Polyv's API does not redirect: something else answers at POLYV_API_URL"},
		{"redirect to a login page", raw(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/login" {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html><body>Please log in to use this network</body></html>")
				return
			}
			http.Redirect(w, r, "/login", http.StatusFound)
		}), "POLYV_API_URL"},
		{"another Polyv refusal", script(polyvtest.Custom(400, `{"code":400,"status":"error","message":"param error."}`)),
			"check POLYV_APP_ID and POLYV_APP_SECRET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			// A generous time-out: each case must get its answer even on a
			// loaded machine, where a late one would read as unreachable.
			env := map[string]string{"POLYV_TIMEOUT": "20s"}
			maps.Copy(env, tc.answer(t, f))
			code, out := runCheckAgainst(t, f, env)
			require.Equal(t, exitFatal, code, out)
			const bad = "✗ Polyv credentials and clock (live status of channel 1):"
			require.Contains(t, out, bad)
			require.Contains(t, fixUnder(out, bad), tc.wantFix, out)
			require.NotContains(t, out, "All checks passed")
		})
	}
}

// TestCheckPolyvAnswersThatProve: a success, or Polyv's own refusal of the
// channel, passes.
func TestCheckPolyvAnswersThatProve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reply  *polyvtest.Reply
		detail string
	}{
		{"success", nil, "accepted"},
		{"channel not found", ptr(polyvtest.ChannelNotFound()), "accepted (Polyv answered: polyv live-status: channel not found"},
		{"channel of another account", ptr(polyvtest.Custom(400,
			`{"code":400,"status":"error","message":"channel does not belong to this appId."}`)),
			"accepted (Polyv answered: polyv live-status: channel does not belong to this appId."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			if tc.reply != nil {
				f.polyv.ScriptStatus(checkChannelID, *tc.reply)
			}
			code, out := runCheckAgainst(t, f, map[string]string{"POLYV_TIMEOUT": "20s"})
			require.Equal(t, exitOK, code, out)
			require.Contains(t, out, "✓ Polyv credentials and clock (live status of channel 1): "+tc.detail)
		})
	}
}

// A POLYV_API_URL with a path (or a query, a fragment, a password) could
// never work: the client appends /live/v3/… itself. It is a configuration
// error, exit 2, before anything is contacted.
func TestCheckRefusesPolyvURLThatCannotWork(t *testing.T) {
	t.Parallel()
	tests := []struct{ suffix, want string }{
		{"/live/v3", `POLYV_API_URL: remove the path "/live/v3": give only the scheme and host, such as https://api.polyv.net`},
		{"/?x=1", `POLYV_API_URL: remove the query (everything from "?")`},
		{"#frag", `POLYV_API_URL: remove the fragment (everything from "#")`},
	}
	for _, tc := range tests {
		t.Run(tc.suffix, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			code, out := runCheckAgainst(t, f, map[string]string{"POLYV_API_URL": f.polyv.URL + tc.suffix})
			require.Equal(t, exitConfig, code, out)
			require.Contains(t, fixUnder(out, "✗ configuration"), tc.want)
			require.Empty(t, f.polyv.Calls())
			require.Empty(t, f.slack.Requests())
		})
	}
}

// The secret a Kubernetes Secret made with `echo` holds ends in a newline;
// it is trimmed like every other value, so the sign is right.
func TestCheckTrimsPolyvSecret(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	code, out := runCheckAgainst(t, f, map[string]string{"POLYV_APP_SECRET": testAppSecret + "\n", "POLYV_TIMEOUT": "20s"})
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, "✓ Polyv credentials and clock (live status of channel 1): accepted")
}

func ptr[T any](v T) *T { return &v }

func TestCheckNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	f.slack.FailAlways("auth.test", slacktest.Failure{Error: "invalid_auth"})
	env := f.env(map[string]string{"POLYV_APP_SECRET": "wrong-secret-value-123"})
	var stdout bytes.Buffer
	code := Run(context.Background(), []string{"-check"}, staticEnv(env), &stdout, &stdout)
	require.Equal(t, 1, code)
	for _, secret := range []string{f.slack.BotToken(), f.slack.AppToken(), "wrong-secret-value-123", testAppSecret} {
		require.NotContains(t, stdout.String(), secret)
	}
	require.Equal(t, "x [redacted] y", redact("x "+f.slack.BotToken()+" y", secretsOf(config{SlackBotToken: f.slack.BotToken()})))
}

func runCheckAgainst(t *testing.T, f *fakes, extra map[string]string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"-check"}, staticEnv(f.env(extra)), &stdout, &stderr)
	require.Empty(t, stderr.String())
	return code, stdout.String()
}

// fixUnder returns the fix printed under the checklist line containing bad:
// the rest of its "    fix:" line and the lines indented below it.
func fixUnder(out, bad string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.Contains(l, bad) || i+1 == len(lines) || !strings.HasPrefix(lines[i+1], "    fix:") {
			continue
		}
		fix := strings.TrimPrefix(strings.TrimPrefix(lines[i+1], "    fix:"), " ")
		for _, more := range lines[i+2:] {
			if !strings.HasPrefix(more, "      ") {
				break
			}
			fix += "\n" + strings.TrimPrefix(more, "      ")
		}
		return fix
	}
	return ""
}

// A variable the bot does not read but that looks meant for it is a ! line:
// worth a look, not a failure.
func TestCheckWarnsOfUnknownVariables(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	code, out := runCheckAgainst(t, f, map[string]string{"POLYV_TIMOUT": "5s", "APPROVAL_TIMEOUT": "5m"})
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, "! APPROVAL_TIMEOUT: set in the environment, but polyvbot does not read it; .env.example lists every variable it reads\n"+
		"! POLYV_TIMOUT: set in the environment, but polyvbot does not read it: did you mean POLYV_TIMEOUT?\n"+
		"✓ configuration: valid")
	require.Contains(t, out, "All checks passed, but read the 2 warning(s) marked ! above")
}

// The fix under a ✗ with several problems starts on its own line, one
// problem per line, instead of gluing the first to its label.
func TestCheckListsEachProblemOnItsOwnLine(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	code, out := runCheckAgainst(t, f, map[string]string{"POLYV_APP_ID": "", "POLYV_TIMEOUT": "forever"})
	require.Equal(t, exitConfig, code, out)
	require.Contains(t, out, "✗ configuration: the configuration has problems\n"+
		"    fix:\n"+
		"      - POLYV_APP_ID: is required: the appId from the Polyv console (开发设置)\n"+
		"      - POLYV_TIMEOUT: must be a Go duration from 1s to 5m0s such as 10s, got \"forever\"\n"+
		"      See .env.example for every variable.\n")
	require.NotRegexp(t, `fix:[ \t]+-`, out)
}

// When Slack cannot be reached, one ✗ line says so, naming the error and
// what to check; the Slack checks that need an answer are not run.
func TestCheckSlackUnreachable(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	f.slack.SetUserGroup("S0ONCALL", "oncall", "U01")
	closed := closedLoopbackURL(t) + "/api/"
	code, out := runCheckAgainst(t, f, map[string]string{"SLACK_API_URL": closed, "ALLOWED_USERGROUPS": "S0ONCALL", "AUDIT_CHANNEL": "C0AUDIT"})
	require.Equal(t, exitFatal, code, out)
	bad := "✗ Slack connection (SLACK_API_URL " + closed + "): no answer: connection refused: nothing listens at " +
		strings.TrimSuffix(strings.TrimPrefix(closed, "http://"), "/api/")
	require.Contains(t, out, bad)
	fix := fixUnder(out, bad)
	for _, want := range []string{"SLACK_API_URL", "DNS", "proxy", "HTTPS_PROXY", "firewall"} {
		require.Contains(t, fix, want)
	}
	for _, skipped := range []string{"SLACK_BOT_TOKEN (auth.test)", "SLACK_APP_TOKEN (apps.connections.open)",
		"user group S0ONCALL (usergroups.users.list)", "AUDIT_CHANNEL C0AUDIT (conversations.info)"} {
		require.Contains(t, out, "– "+skipped+": not checked: Slack could not be reached")
	}
	require.Equal(t, 1, strings.Count(out, "✗ Slack"), "one line for one cause")
	require.Contains(t, out, "✓ Polyv credentials and clock", "Polyv is checked all the same")
}

// closedLoopbackURL is the URL of a loopback port that nothing listens on.
func closedLoopbackURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// TestCheckPolyvUserID: POLYV_USER_ID unset is a – line saying what it
// costs; set, it is proved with the read-only user/get-info, which answers
// the appId's account's userId.
func TestCheckPolyvUserID(t *testing.T) {
	t.Parallel()
	const line = "POLYV_USER_ID (user/get-info): "
	tests := []struct {
		name     string
		userID   string
		script   func(*fakes)
		wantCode int
		want     string // the whole POLYV_USER_ID line
		wantFix  string // the fix under it, for a ✗
		wantGets int    // user/get-info calls that reached Polyv
	}{
		{name: "unset", wantCode: exitOK, want: "– " + line + "not set (optional): ban and resume are refused until it is set " +
			"to the userId from the Polyv console (开发设置)"},
		{name: "right", userID: polyvtest.DefaultUserID, wantCode: exitOK, wantGets: 1,
			want: "✓ " + line + "the userId of the account of POLYV_APP_ID; ban and resume can be used"},
		{name: "another account's", userID: "pvother0002", wantCode: exitFatal, wantGets: 1,
			want:    "✗ " + line + "polyv user-info: the appId's account has userId pv…01, not pv…02",
			wantFix: "POLYV_USER_ID does not match the account of POLYV_APP_ID: copy the userId shown next to the appId"},
		{name: "credentials refused", userID: polyvtest.DefaultUserID, wantCode: exitFatal,
			script: func(f *fakes) { f.polyv.ScriptStatus(checkChannelID, polyvtest.InvalidSignature()) },
			want:   "– " + line + "not checked: the Polyv check above did not pass"},
		{name: "quota used up", userID: polyvtest.DefaultUserID, wantCode: exitFatal, wantGets: 1,
			script:  func(f *fakes) { f.polyv.ScriptOp(polyvtest.OpUserInfo, 0, polyvtest.QuotaExceeded()) },
			want:    "✗ " + line + "Polyv says this IP's request quota is used up",
			wantFix: "wait 5 minutes and run -check again"},
		{name: "server failing", userID: polyvtest.DefaultUserID, wantCode: exitFatal, wantGets: 3,
			script: func(f *fakes) {
				f.polyv.ScriptOp(polyvtest.OpUserInfo, 0, polyvtest.ServerFail(), polyvtest.ServerFail(), polyvtest.ServerFail())
			},
			want:    "✗ " + line + "the userId could not be checked (polyv user-info:",
			wantFix: "Polyv's message above is its reason; run -check again"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			if tc.script != nil {
				tc.script(f)
			}
			code, out := runCheckAgainst(t, f, map[string]string{"POLYV_USER_ID": tc.userID, "POLYV_TIMEOUT": "20s"})
			require.Equal(t, tc.wantCode, code, out)
			require.Regexp(t, "(?m)^"+regexp.QuoteMeta(tc.want), out)
			if tc.wantFix != "" {
				require.Contains(t, fixUnder(out, tc.want), tc.wantFix, out)
			}
			require.Equal(t, tc.wantGets, userInfoCalls(f.polyv), "user/get-info calls")
			require.Equal(t, 0, countStops(f.polyv)+f.polyv.OpCalls(polyvtest.OpCutoff, 0)+f.polyv.OpCalls(polyvtest.OpResume, 0),
				"nothing changed at Polyv")
		})
	}
}

// userInfoCalls is how many user/get-info calls reached the fake Polyv.
func userInfoCalls(pv *polyvtest.Server) int {
	n := 0
	for _, c := range pv.Calls() {
		if c.Op == polyvtest.OpUserInfo {
			n++
		}
	}
	return n
}
