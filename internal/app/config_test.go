package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/polyv"
)

const (
	cfgAppToken  = "xapp-1-A0TEST-123-appsecretpart"
	cfgBotToken  = "xoxb-123-456-botsecretpart"
	cfgAppSecret = "polyv-app-secret-never-printed"
)

func validEnv() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":  cfgAppToken,
		"SLACK_BOT_TOKEN":  cfgBotToken,
		"POLYV_APP_ID":     "app01",
		"POLYV_APP_SECRET": cfgAppSecret,
		"ALLOWED_USERS":    "U0RESP",
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(mapLookup(validEnv()))
	require.NoError(t, err)
	require.Equal(t, defaultSlackAPIURL, c.SlackAPIURL)
	require.Equal(t, defaultPolyvAPIURL, c.PolyvAPIURL)
	require.Equal(t, 10*time.Second, c.PolyvTimeout)
	require.Equal(t, polyv.MD5, c.PolyvSignature)
	require.Equal(t, 60.0, c.RatePerMinute)
	require.Equal(t, 10, c.RateBurst)
	require.Equal(t, 10.0, c.UserRatePerMinute)
	require.Equal(t, 5, c.UserRateBurst)
	require.Equal(t, slog.LevelInfo, c.LogLevel)
	require.True(t, c.VerifyStop)
	require.False(t, c.DryRun)
	require.False(t, c.ConfirmStop)
	require.Equal(t, approvalConfig{TTL: 10 * time.Minute}, c.Approval, "no channel needs approval by default")
	require.Equal(t, []string{"U0RESP"}, c.Rules.Users)
	require.Equal(t, c.Rules.Users, c.StatusRules.Users, "status follows the stop rules by default")
}

func TestLoadConfigReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SLACK_APP_TOKEN":       cfgBotToken, // swapped
		"SLACK_BOT_TOKEN":       "not-a-token",
		"POLYV_APP_SECRET":      "",
		"POLYV_TIMEOUT":         "forever",
		"RATE_LIMIT_PER_MINUTE": "100000",
		"RATE_LIMIT_BURST":      "0",
		"LOG_LEVEL":             "loud",
		"HEALTH_ADDR":           "8080",
		"DRY_RUN":               "maybe",
		"AUDIT_CHANNEL":         "#audit",
		"POLYV_API_URL":         "http://api.polyv.net",
		"ALLOWED_USERS":         "@alice",
		"APPROVAL_CHANNELS":     "10001,abc",
		"APPROVAL_TTL":          "10s",
	}
	_, err := loadConfig(mapLookup(env))
	require.Error(t, err)
	msg := err.Error()
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "POLYV_APP_ID", "POLYV_APP_SECRET",
		"POLYV_TIMEOUT", "RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_BURST", "LOG_LEVEL", "HEALTH_ADDR", "DRY_RUN",
		"AUDIT_CHANNEL", "POLYV_API_URL", "ALLOWED_USERS", "APPROVAL_CHANNELS", "APPROVAL_TTL"} {
		require.Contains(t, msg, name)
	}
	require.Contains(t, msg, "were the two tokens swapped?")
	require.NotContains(t, msg, "botsecretpart", "a token's value is never repeated")
}

func TestLoadConfigNeverEchoesSecrets(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["SLACK_APP_TOKEN"] = "xoxp-user-token-secretpart"
	env["SLACK_BOT_TOKEN"] = "xapp-app-token-secretpart"
	_, err := loadConfig(mapLookup(env))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secretpart")
	require.NotContains(t, err.Error(), cfgAppSecret)
}

func TestLoadConfigStatusRulesAddToStopRules(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["STATUS_ALLOWED_USERS"] = "U0LOOKER"
	env["STATUS_ALLOWED_USERGROUPS"] = "S0SUPPORT"
	c, err := loadConfig(mapLookup(env))
	require.NoError(t, err)
	require.Equal(t, []string{"U0RESP"}, c.Rules.Users)
	require.Equal(t, []string{"U0RESP", "U0LOOKER"}, c.StatusRules.Users)
	require.Equal(t, []string{"S0SUPPORT"}, c.StatusRules.Groups)
	require.Empty(t, c.Rules.Groups)
}

func TestLoadConfigValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, variable, value string
		check                 func(*testing.T, config)
		wantErr               string
	}{
		{"sha256", "POLYV_SIGNATURE_METHOD", "sha256", func(t *testing.T, c config) { require.Equal(t, polyv.SHA256, c.PolyvSignature) }, ""},
		{"bad method", "POLYV_SIGNATURE_METHOD", "SHA1", nil, `POLYV_SIGNATURE_METHOD: must be MD5 (the default) or SHA256, as set in the Polyv console, got "SHA1"`},
		{"timeout", "POLYV_TIMEOUT", "3s", func(t *testing.T, c config) { require.Equal(t, 3*time.Second, c.PolyvTimeout) }, ""},
		{"timeout too long", "POLYV_TIMEOUT", "1h", nil, "POLYV_TIMEOUT"},
		{"loopback http polyv", "POLYV_API_URL", "http://127.0.0.1:9999", func(t *testing.T, c config) { require.Equal(t, "http://127.0.0.1:9999", c.PolyvAPIURL) }, ""},
		{"slack api url", "SLACK_API_URL", "http://127.0.0.1:1/api/", func(t *testing.T, c config) { require.Equal(t, "http://127.0.0.1:1/api/", c.SlackAPIURL) }, ""},
		{"bad slack api url", "SLACK_API_URL", "slack.com/api", nil, "SLACK_API_URL"},
		{"fractional rate", "RATE_LIMIT_PER_MINUTE", "0.5", func(t *testing.T, c config) { require.Equal(t, 0.5, c.RatePerMinute) }, ""},
		{"negative rate", "USER_RATE_LIMIT_PER_MINUTE", "-1", nil, "USER_RATE_LIMIT_PER_MINUTE"},
		{"nan rate", "RATE_LIMIT_PER_MINUTE", "NaN", nil, "RATE_LIMIT_PER_MINUTE"},
		{"burst", "USER_RATE_LIMIT_BURST", "2", func(t *testing.T, c config) { require.Equal(t, 2, c.UserRateBurst) }, ""},
		{"debug", "LOG_LEVEL", "DEBUG", func(t *testing.T, c config) { require.Equal(t, slog.LevelDebug, c.LogLevel) }, ""},
		{"health", "HEALTH_ADDR", ":8080", func(t *testing.T, c config) { require.Equal(t, ":8080", c.HealthAddr) }, ""},
		{"audit", "AUDIT_CHANNEL", "C0AUDIT", func(t *testing.T, c config) { require.Equal(t, "C0AUDIT", c.AuditChannel) }, ""},
		{"two audit channels", "AUDIT_CHANNEL", "C0A,C0B", nil, "AUDIT_CHANNEL"},
		{"verify off", "VERIFY_STOP", "false", func(t *testing.T, c config) { require.False(t, c.VerifyStop) }, ""},
		{"confirm on", "CONFIRM_STOP", "true", func(t *testing.T, c config) { require.True(t, c.ConfirmStop) }, ""},
		{"dry run", "DRY_RUN", "1", func(t *testing.T, c config) { require.True(t, c.DryRun) }, ""},
		{"everyone", "ALLOWED_USERS", "*", func(t *testing.T, c config) { require.True(t, c.Rules.Everyone) }, ""},
		{"no users no groups", "ALLOWED_USERS", " , ", nil, "ALLOWED_USERGROUPS"},
		{"users with semicolons", "ALLOWED_USERS", "U0A;U0B", nil, `ALLOWED_USERS: "U0A;U0B" contains ";"; separate IDs with commas: U0A,U0B`},
		{"groups with ideographic commas", "ALLOWED_USERGROUPS", "S0A、S0B", nil, `ALLOWED_USERGROUPS: "S0A、S0B" contains "、"; separate IDs with commas`},
		{"channels with pipes", "ALLOWED_CHANNELS", "C0A|C0B", nil, `ALLOWED_CHANNELS: "C0A|C0B" contains "|"; separate IDs with commas`},
		{"status users with full-width commas", "STATUS_ALLOWED_USERS", "U0A，U0B", nil, `STATUS_ALLOWED_USERS: "U0A，U0B" contains "，"; separate IDs with commas`},
		{"status groups one per line", "STATUS_ALLOWED_USERGROUPS", "S0A\nS0B", nil, `STATUS_ALLOWED_USERGROUPS: "S0A\nS0B" contains a line break; separate IDs with commas`},
		{"approval channels", "APPROVAL_CHANNELS", " 10001, 10002,10001,", func(t *testing.T, c config) {
			require.Equal(t, approvalConfig{Channels: []int64{10001, 10002}, TTL: 10 * time.Minute}, c.Approval)
		}, ""},
		{"approval for every channel", "APPROVAL_CHANNELS", "*", func(t *testing.T, c config) { require.True(t, c.Approval.All) }, ""},
		{"approval channels not ids", "APPROVAL_CHANNELS", "10001,#10002,0,2147483648,010003,*", nil,
			`APPROVAL_CHANNELS: must be Polyv channel ids from 1 to 2147483647 separated by commas, or * alone for every channel; not ids: "#10002", "0", "2147483648", "010003", "*"`},
		{"approval channels with spaces between", "APPROVAL_CHANNELS", "10001 10002", nil, `not ids: "10001 10002"`},
		{"too many approval channels", "APPROVAL_CHANNELS", idList(maxApprovalChannels + 1), nil, "APPROVAL_CHANNELS: lists 1001 channels; at most 1000, or * for every channel"},
		{"approval ttl", "APPROVAL_TTL", "30m", func(t *testing.T, c config) { require.Equal(t, 30*time.Minute, c.Approval.TTL) }, ""},
		{"approval ttl too short", "APPROVAL_TTL", "59s", nil, `APPROVAL_TTL: must be a Go duration from 1m0s to 1h0m0s such as 10m0s, got "59s"`},
		{"approval ttl too long", "APPROVAL_TTL", "61m", nil, "APPROVAL_TTL: must be a Go duration from 1m0s to 1h0m0s"},
		{"audit channel with a slash", "AUDIT_CHANNEL", "C0A/C0B", nil, `AUDIT_CHANNEL: "C0A/C0B" contains "/"; separate IDs with commas`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := validEnv()
			env[tc.variable] = tc.value
			c, err := loadConfig(mapLookup(env))
			if tc.wantErr != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestConfigVarsListsEveryVariableRead(t *testing.T) {
	t.Parallel()
	var read []string
	_, _ = loadConfig(Environment{lookup: func(name string) (string, bool) {
		read = append(read, name)
		return "", false
	}})
	require.ElementsMatch(t, configVars, dedupe(read))
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func TestIndentListsOneProblemPerLine(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(mapLookup(map[string]string{}))
	out := indent(err)
	require.GreaterOrEqual(t, strings.Count(out, "\n  - "), 4)
}

// TestLoadConfigURLs: POLYV_API_URL is a scheme and host only (the client
// appends each call's path), SLACK_API_URL keeps its path, plain http is for
// loopback only, the scheme is case-insensitive, and what must go is named
// without repeating anything that may be a credential.
func TestLoadConfigURLs(t *testing.T) {
	t.Parallel()
	const onlyHost = "give only the scheme and host, such as https://api.polyv.net"
	cases := []struct {
		name, variable, value string
		want                  string   // the normalised URL, when accepted
		wantErr               []string // the message, when refused
		hidden                string   // never in the message
	}{
		{name: "polyv default host", variable: "POLYV_API_URL", value: "https://api.polyv.net", want: "https://api.polyv.net"},
		{name: "polyv lone slash", variable: "POLYV_API_URL", value: "https://api.polyv.net/", want: "https://api.polyv.net"},
		{name: "polyv upper-case scheme", variable: "POLYV_API_URL", value: "HTTPS://api.polyv.net", want: "https://api.polyv.net"},
		{name: "polyv upper-case host", variable: "POLYV_API_URL", value: "https://API.Polyv.NET:443/", want: "https://api.polyv.net:443"},
		{name: "polyv localhost http", variable: "POLYV_API_URL", value: "HTTP://LOCALHOST:8080", want: "http://localhost:8080"},
		{name: "polyv 127/8 http", variable: "POLYV_API_URL", value: "http://127.1.2.3:9", want: "http://127.1.2.3:9"},
		{name: "polyv ::1 http", variable: "POLYV_API_URL", value: "http://[::1]:9", want: "http://[::1]:9"},
		{
			name: "polyv path", variable: "POLYV_API_URL", value: "http://127.0.0.1:9/live/v3",
			wantErr: []string{`POLYV_API_URL: remove the path "/live/v3": ` + onlyHost},
		},
		{
			name: "polyv path with slash", variable: "POLYV_API_URL", value: "https://api.polyv.net/live/v3/",
			wantErr: []string{`POLYV_API_URL: remove the path "/live/v3/": ` + onlyHost},
		},
		{
			name: "polyv query", variable: "POLYV_API_URL", value: "https://api.polyv.net?appId=x1&sign=ABCDEF",
			wantErr: []string{`POLYV_API_URL: remove the query (everything from "?"): ` + onlyHost}, hidden: "ABCDEF",
		},
		{
			name: "polyv empty query", variable: "POLYV_API_URL", value: "https://api.polyv.net?",
			wantErr: []string{`POLYV_API_URL: remove the query (everything from "?")`},
		},
		{
			name: "polyv fragment", variable: "POLYV_API_URL", value: "https://api.polyv.net#section-7",
			wantErr: []string{`POLYV_API_URL: remove the fragment (everything from "#"): ` + onlyHost}, hidden: "section-7",
		},
		{
			name: "polyv user and password", variable: "POLYV_API_URL", value: "https://appid:hunter2@api.polyv.net",
			wantErr: []string{`POLYV_API_URL: remove the user name and password (everything up to "@")`}, hidden: "hunter2",
		},
		{
			name: "polyv everything at once", variable: "POLYV_API_URL", value: "https://api.polyv.net/live/v3?x=1#y",
			wantErr: []string{`remove the path "/live/v3" and the query (everything from "?") and the fragment (everything from "#")`},
		},
		{
			name: "polyv path and plain http", variable: "POLYV_API_URL", value: "http://api.polyv.net/live/v3",
			wantErr: []string{`POLYV_API_URL: remove the path "/live/v3"`, "POLYV_API_URL: must be https://"},
		},
		{
			name: "polyv path with a token", variable: "POLYV_API_URL", value: "https://api.polyv.net/xoxb-1-leak",
			wantErr: []string{"POLYV_API_URL: remove the path (everything after the host)"}, hidden: "leak",
		},
		{
			name: "polyv plain http", variable: "POLYV_API_URL", value: "http://api.polyv.net",
			wantErr: []string{"POLYV_API_URL: must be https:// (plain http is accepted only for localhost test servers)"},
		},
		{
			name: "polyv no scheme", variable: "POLYV_API_URL", value: "api.polyv.net",
			wantErr: []string{`POLYV_API_URL: must be an absolute URL such as https://api.polyv.net, got "api.polyv.net"`},
		},
		{
			name: "polyv unparsable with password", variable: "POLYV_API_URL", value: "https://u:hunter2@api.polyv.net:port",
			wantErr: []string{"POLYV_API_URL: must be an absolute URL such as https://api.polyv.net, got a value that is not shown"},
			hidden:  "hunter2",
		},
		{name: "slack keeps its path", variable: "SLACK_API_URL", value: "https://slack.com/api/", want: "https://slack.com/api/"},
		{name: "slack upper-case scheme", variable: "SLACK_API_URL", value: "HTTPS://Slack.com/api/", want: "https://slack.com/api/"},
		{name: "slack loopback http", variable: "SLACK_API_URL", value: "http://127.0.0.1:1/api/", want: "http://127.0.0.1:1/api/"},
		{
			name: "slack plain http", variable: "SLACK_API_URL", value: "http://slack.example.com/api/",
			wantErr: []string{"SLACK_API_URL: must be https:// (plain http is accepted only for localhost test servers)"},
		},
		{
			name: "slack upper-case plain http", variable: "SLACK_API_URL", value: "HTTP://slack.example.com/api/",
			wantErr: []string{"SLACK_API_URL: must be https://"},
		},
		{
			name: "slack query", variable: "SLACK_API_URL", value: "https://slack.com/api/?token=xoxb-1-2-leak",
			wantErr: []string{`SLACK_API_URL: remove the query (everything from "?"): give only the scheme, host and path, such as https://slack.com/api/`},
			hidden:  "leak",
		},
		{
			name: "slack no scheme with a token", variable: "SLACK_API_URL", value: "slack.com/api?token=xoxb-1-2-leak",
			wantErr: []string{"SLACK_API_URL: must be an absolute URL such as https://slack.com/api/, got a value that is not shown"},
			hidden:  "leak",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := validEnv()
			env[tc.variable] = tc.value
			c, err := loadConfig(mapLookup(env))
			if tc.wantErr == nil {
				require.NoError(t, err)
				got := map[string]string{"POLYV_API_URL": c.PolyvAPIURL, "SLACK_API_URL": c.SlackAPIURL}[tc.variable]
				require.Equal(t, tc.want, got)
				return
			}
			require.Error(t, err)
			for _, want := range tc.wantErr {
				require.Contains(t, err.Error(), want)
			}
			if tc.hidden != "" {
				require.NotContains(t, err.Error(), tc.hidden)
			}
		})
	}
}

// TestLoadConfigTrimsEveryValue: the appSecret too is trimmed of the
// newline `echo` leaves in a Kubernetes Secret, and a byte order mark is
// trimmed wherever it sticks to a value.
func TestLoadConfigTrimsEveryValue(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, variable, value string }{
		{"secret with a trailing newline", "POLYV_APP_SECRET", cfgAppSecret + "\n"},
		{"secret with CRLF and spaces", "POLYV_APP_SECRET", "  " + cfgAppSecret + " \r\n"},
		{"secret with a BOM", "POLYV_APP_SECRET", "\ufeff" + cfgAppSecret},
		{"app id with a trailing newline", "POLYV_APP_ID", "app01\n"},
		{"users with a BOM", "ALLOWED_USERS", "\ufeffU0RESP"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := validEnv()
			env[tc.variable] = tc.value
			c, err := loadConfig(mapLookup(env))
			require.NoError(t, err)
			require.Equal(t, cfgAppSecret, c.PolyvAppSecret)
			require.Equal(t, "app01", c.PolyvAppID)
			require.Equal(t, []string{"U0RESP"}, c.Rules.Users)
		})
	}
	env := validEnv()
	env["POLYV_APP_SECRET"] = " \n\ufeff"
	_, err := loadConfig(mapLookup(env))
	require.ErrorContains(t, err, "POLYV_APP_SECRET: is required")
}

// TestRunNamesMisspeltVariables: a variable the bot does not read but that
// looks like one of its own is named with the one it probably means: in the
// configuration error when the meant one is missing, and as a warning (at
// start-up and in -check) when the configuration loads all the same.
func TestRunNamesMisspeltVariables(t *testing.T) {
	t.Parallel()
	env := validEnv()
	delete(env, "ALLOWED_USERS")
	env["ALLOWED_USER"] = "U0RESP"
	for _, args := range [][]string{nil, {"-check"}} {
		t.Run(strings.Join(append([]string{"args"}, args...), " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), args, staticEnv(env), &stdout, &stderr)
			require.Equal(t, exitConfig, code)
			out := stdout.String() + stderr.String()
			require.Contains(t, out, "ALLOWED_USERS and ALLOWED_USERGROUPS are both empty")
			require.Contains(t, out, "; ALLOWED_USER is set (in the environment): did you mean ALLOWED_USERS?")
		})
	}
}

func TestUnknownVars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, from string
		want       []string // the guesses; nil: warned without one
		ignored    bool     // not warned at all
	}{
		{name: "ALLOWED_USER", from: setInEnvFile, want: []string{"ALLOWED_USERS"}},
		{name: "ALLOWED_USERGROUP", from: setInEnvFile, want: []string{"ALLOWED_USERGROUPS"}},
		{name: "SLACK_BOT_TOKN", from: setInEnvironment, want: []string{"SLACK_BOT_TOKEN"}},
		{name: "POLYV_APPSECRET", from: setInEnvFile, want: []string{"POLYV_APP_SECRET"}},
		{name: "POLYV_TIMOUT", from: setInEnvFile, want: []string{"POLYV_TIMEOUT"}},
		{name: "ALOWED_CHANNELS", from: setInEnvFile, want: []string{"ALLOWED_CHANNELS"}},
		{name: "LOG_LEVLE", from: setInEnvFile, want: []string{"LOG_LEVEL"}},
		{name: "DRYRUN", from: setInEnvFile, want: []string{"DRY_RUN"}},
		{name: "log_level", from: setInEnvFile, want: []string{"LOG_LEVEL"}},
		{name: "HEALTH_ADDRESS", from: setInEnvFile, want: []string{"HEALTH_ADDR"}},
		{name: "POLYV_TIMEOUT_SECONDS", from: setInEnvFile, want: []string{"POLYV_TIMEOUT"}},
		{name: "RATE_LIMIT", from: setInEnvFile, want: []string{"RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_BURST"}},
		{name: "AUDIT", from: setInEnvFile, want: []string{"AUDIT_CHANNEL"}},
		{name: "SLACK_SIGNING_SECRET", from: setInEnvironment},
		{name: "POLYV_USER_ID", from: setInEnvFile, ignored: true},
		{name: "APPROVAL_CHANNELS", from: setInEnvFile, ignored: true},
		{name: "APPROVAL_TIMEOUT", from: setInEnvFile},
		{name: "LANGUAGE", from: setInEnvFile, ignored: true},
		{name: "LANGUAGE", from: setInBoth, ignored: true},
		{name: "LANGUAGE", from: setInEnvironment, ignored: true},
		{name: "LANGAUGE", from: setInEnvFile, want: []string{"LANGUAGE"}},
		{name: "ALLOWED_USERS", from: setInEnvFile, ignored: true},
		{name: "PATH", from: setInEnvironment, ignored: true},
		{name: "HOME", from: setInEnvironment, ignored: true},
		{name: "LOGNAME", from: setInEnvironment, ignored: true},
		{name: "HOSTNAME", from: setInEnvironment, ignored: true},
		{name: "HTTPS_PROXY", from: setInEnvironment, ignored: true},
		{name: "LOG", from: setInEnvironment, ignored: true},
		{name: "SLACK_BOT_TOKEN\n", from: setInEnvFile, ignored: true},
	}
	for _, tc := range tests {
		t.Run(tc.name+" in "+tc.from, func(t *testing.T) {
			t.Parallel()
			got := unknownVars(map[string]string{tc.name: tc.from})
			if tc.ignored {
				require.Empty(t, got)
				return
			}
			require.Equal(t, []unknownVar{{name: tc.name, from: tc.from, guesses: tc.want}}, got)
			warning := got[0].String()
			require.True(t, strings.HasPrefix(warning, tc.name+": set in "+tc.from+", but polyvbot does not read it"), warning)
			if tc.want != nil {
				require.True(t, strings.HasSuffix(warning, ": did you mean "+strings.Join(tc.want, " or ")+"?"), warning)
			} else {
				require.True(t, strings.HasSuffix(warning, "; .env.example lists every variable it reads"), warning)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"ABC", "", 3},
		{"", "ABC", 3},
		{"ALLOWED_USER", "ALLOWED_USERS", 1},
		{"ALOWED_USERS", "ALLOWED_USERS", 1},
		{"ALLOWED_UESRS", "ALLOWED_USERS", 1}, // a swap counts once
		{"LOG_LEVLE", "LOG_LEVEL", 1},
		{"POLYV_APPSECRET", "POLYV_APP_SECRET", 1},
		{"KITTEN", "SITTING", 3},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, editDistance(tc.a, tc.b), "%s → %s", tc.a, tc.b)
		require.Equal(t, tc.want, editDistance(tc.b, tc.a), "%s → %s", tc.b, tc.a)
	}
}

// TestLoadConfigSaysDidYouMean: a problem about a variable left unset names
// the near miss that is set; a near miss of a variable that is set, or a
// problem about something else, gets no hint.
func TestLoadConfigSaysDidYouMean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		change  map[string]string // "" removes
		want    string            // in the error; "" means no hint at all
		wantErr bool
	}{
		{"user list misspelt", map[string]string{"ALLOWED_USERS": "", "ALLOWED_USER": "U0RESP"},
			"ALLOWED_USERS and ALLOWED_USERGROUPS are both empty: set at least one (member IDs U…/W…, user-group IDs S…, " +
				"or ALLOWED_USERS=* to allow everyone); ALLOWED_USER is set (in the environment): did you mean ALLOWED_USERS?", true},
		{"token misspelt", map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_BOT_TOKN": cfgBotToken},
			"SLACK_BOT_TOKEN: is required: the Bot User OAuth Token from OAuth & Permissions (it starts with xoxb-); " +
				"SLACK_BOT_TOKN is set (in the environment): did you mean SLACK_BOT_TOKEN?", true},
		{"secret in lower case", map[string]string{"POLYV_APP_SECRET": "", "polyv_app_secret": cfgAppSecret},
			"POLYV_APP_SECRET: is required: the appSecret from the Polyv console (开发设置); it is never printed; " +
				"polyv_app_secret is set (in the environment): did you mean POLYV_APP_SECRET?", true},
		{"a near miss beside the real one", map[string]string{"ALLOWED_USER": "U0OTHER"}, "", false},
		{"a near miss of an optional variable", map[string]string{"POLYV_TIMOUT": "3s", "POLYV_APP_ID": ""}, "", true},
		{"status users misspelt, stop users missing", map[string]string{"ALLOWED_USERS": "", "STATUS_ALLOWED_USER": "U0RESP"}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig(mapLookup(withOverrides(validEnv(), tc.change)))
			if !tc.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			if tc.want == "" {
				require.NotContains(t, err.Error(), "did you mean")
				return
			}
			require.Contains(t, strings.Split(err.Error(), "\n"), tc.want)
			require.NotContains(t, err.Error(), cfgAppSecret)
			require.NotContains(t, err.Error(), "botsecretpart")
		})
	}
}

// TestEnvLookupNamesWhereEachVariableIsSet: the warnings say whether to look
// in .env or in the environment.
func TestEnvLookupNamesWhereEachVariableIsSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	require.NoError(t, os.WriteFile(path, []byte("POLYVBOT_TEST_FILE=1\nPOLYVBOT_TEST_BOTH=1\n"), 0o600))
	t.Setenv("POLYVBOT_TEST_ENV", "1")
	t.Setenv("POLYVBOT_TEST_BOTH", "2")
	env, err := envLookup(path, io.Discard)
	require.NoError(t, err)
	require.Equal(t, setInEnvFile, env.set["POLYVBOT_TEST_FILE"])
	require.Equal(t, setInEnvironment, env.set["POLYVBOT_TEST_ENV"])
	require.Equal(t, setInBoth, env.set["POLYVBOT_TEST_BOTH"])
	require.Equal(t, map[string]string{"A": setInEnvironment, "B": setInBoth, "C": setInEnvFile},
		setIn([]string{"A=1", "B=x=y", "=ignored", "junk"}, map[string]string{"B": "", "C": ""}))
}

// TestRunWarnsOfUnknownVariablesAtStart: a configuration that loads all the
// same starts, with one warning log line per variable it does not read.
func TestRunWarnsOfUnknownVariablesAtStart(t *testing.T) {
	t.Parallel()
	h := startRun(t, runOpts{env: map[string]string{"POLYV_TIMOUT": "3s", "SLACK_SIGNING_SECRET": "not-read-9c1e"}})
	require.Equal(t, exitOK, h.stop())
	logs := h.stderr.String()
	require.Contains(t, logs, `"level":"WARN","msg":"a variable polyvbot does not read is set: POLYV_TIMOUT: set in the environment, but polyvbot does not read it: did you mean POLYV_TIMEOUT?"`)
	require.Contains(t, logs, `"variable":"SLACK_SIGNING_SECRET"`)
	require.NotContains(t, logs, "not-read-9c1e", "only names are logged, never values")
}

// TestHelpListsTheEnvironment: -help says where the configuration comes
// from and lists every variable, one line each, from the same list the
// configuration reads.
func TestHelpListsTheEnvironment(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, Run(context.Background(), []string{"-help"}, staticEnv(nil), &stdout, &stderr))
	help := stdout.String() + stderr.String()
	for _, want := range []string{"-check", "-dry-run", "-version",
		".env in the working directory", "the environment wins"} {
		require.Contains(t, help, want)
	}
	require.NotContains(t, help, "-demo", "the demo is a command of its own")
	lines := strings.Split(help, "\n")
	for _, v := range variables {
		n := 0
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 0 && f[0] == v.name {
				n++
				require.True(t, strings.HasSuffix(l, "  "+v.help), "the line of %s: %q", v.name, l)
			}
		}
		require.Equal(t, 1, n, "%s has one line of its own", v.name)
	}
	for _, l := range lines {
		require.LessOrEqual(t, len([]rune(l)), 120, "a -help line wider than a terminal: %q", l)
	}
}

// TestLoadConfigPolyvUserID: POLYV_USER_ID is optional; when set it is a
// Polyv userId (letters and digits), and each problem is named without
// quoting the value, which may be a secret pasted into the wrong line.
func TestLoadConfigPolyvUserID(t *testing.T) {
	t.Parallel()
	const must = "POLYV_USER_ID: must be the userId from the Polyv console (开发设置), letters and digits such as 1b448be323: "
	cases := []struct {
		name, value string
		want        string // the userId kept, when accepted
		wantErr     string // the whole message, when refused
	}{
		{name: "unset", value: "", want: ""},
		{name: "polyvtest's", value: "pvtest0001", want: "pvtest0001"},
		{name: "hex, as the console shows it", value: "1b448be323", want: "1b448be323"},
		{name: "trimmed like every value", value: " 1b448be323\r\n", want: "1b448be323"},
		{name: "upper case kept", value: "AB12cd", want: "AB12cd"},
		{name: "inner space", value: "1b448 be323", wantErr: must + "it contains white space at character 6"},
		{name: "tab", value: "1b448\tbe323", wantErr: must + "it contains white space at character 6"},
		{name: "control character", value: "1b448\x01be323", wantErr: must + "it contains a control character (U+0001) at character 6"},
		{name: "zero-width space", value: "1b448\u200bbe323", wantErr: must + "it contains an invisible character (U+200B) at character 6"},
		{name: "dash", value: "pv-test", wantErr: must + `it contains '-' at character 3`},
		{name: "Chinese", value: "用户1", wantErr: must + `it contains '用' at character 1`},
		{name: "overlong", value: strings.Repeat("a", maxUserIDLen+1), wantErr: must + "it is 33 characters long; a userId has at most 32"},
		{name: "the appSecret", value: "SecretAbc123",
			wantErr: must + "it holds the value of POLYV_APP_SECRET; the userId is another value, shown next to it"},
		{name: "the appId", value: "app01",
			wantErr: must + "it holds the value of POLYV_APP_ID; the userId is another value, shown next to it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := validEnv()
			env["POLYV_APP_SECRET"] = "SecretAbc123"
			env["POLYV_USER_ID"] = tc.value
			c, err := loadConfig(mapLookup(env))
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				require.NotContains(t, err.Error(), tc.value, "the value is never quoted back")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.PolyvUserID)
		})
	}
}

// A bad POLYV_USER_ID is listed with every other problem, not alone.
func TestLoadConfigPolyvUserIDWithOtherProblems(t *testing.T) {
	t.Parallel()
	env := validEnv()
	env["POLYV_USER_ID"] = "pv test"
	env["POLYV_TIMEOUT"] = "forever"
	_, err := loadConfig(mapLookup(env))
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 2, err.Error())
	require.True(t, strings.HasPrefix(lines[0], "POLYV_TIMEOUT: "), lines[0])
	require.True(t, strings.HasPrefix(lines[1], "POLYV_USER_ID: "), lines[1])
}

// A secret pasted into the wrong line (a shifted .env) is not quoted back
// by the problem about that line, whichever variable it landed in.
func TestLoadConfigNeverEchoesMisplacedSecrets(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{"SLACK_APP_TOKEN": cfgAppToken, "SLACK_BOT_TOKEN": cfgBotToken, "POLYV_APP_SECRET": cfgAppSecret}
	for _, name := range configVars {
		if _, isSecret := secrets[name]; isSecret {
			continue
		}
		for secretVar, secret := range secrets {
			t.Run(name+" holds "+secretVar, func(t *testing.T) {
				t.Parallel()
				env := validEnv()
				env[name] = secret + "x"
				_, err := loadConfig(mapLookup(env))
				if err == nil {
					return // taken as a value of that variable: nothing printed
				}
				require.NotContains(t, err.Error(), secret)
				require.Contains(t, err.Error(), name)
			})
		}
	}
}

// TestLoadConfigLanguage: LANGUAGE is en (the default) or zh-CN, written as
// locales often are; as gettext's list it is read by its first language the
// bot speaks; anything else is refused, naming the choices.
func TestLoadConfigLanguage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, value string
		want        language.Tag
		wantErr     string
	}{
		{name: "unset", value: "", want: bot.English},
		{name: "en", value: "en", want: bot.English},
		{name: "zh-CN", value: "zh-CN", want: bot.Chinese},
		{name: "as a locale", value: "zh_CN", want: bot.Chinese},
		{name: "any case", value: " ZH-cn\n", want: bot.Chinese},
		{name: "gettext's list", value: "zh_CN:en_US:en", want: bot.Chinese},
		{name: "gettext's list, English first", value: "en_US:en", want: bot.English},
		{name: "gettext's list, ours later", value: "fr_FR:zh_CN", want: bot.Chinese},
		{name: "traditional Chinese", value: "zh-TW", wantErr: `LANGUAGE: must be en or zh-CN, got "zh-TW"`},
		{name: "French", value: "fr", wantErr: `LANGUAGE: must be en or zh-CN, got "fr"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := validEnv()
			env["LANGUAGE"] = tc.value
			c, err := loadConfig(mapLookup(env))
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.Language)
		})
	}
}

// idList is n Polyv channel ids, comma-separated.
func idList(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(10001 + i)
	}
	return strings.Join(ids, ",")
}
