package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
	}
	_, err := loadConfig(mapLookup(env))
	require.Error(t, err)
	msg := err.Error()
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "POLYV_APP_ID", "POLYV_APP_SECRET",
		"POLYV_TIMEOUT", "RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_BURST", "LOG_LEVEL", "HEALTH_ADDR", "DRY_RUN",
		"AUDIT_CHANNEL", "POLYV_API_URL", "ALLOWED_USERS"} {
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
		{"bad method", "POLYV_SIGNATURE_METHOD", "SHA1", nil, "POLYV_SIGNATURE_METHOD"},
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
	_, _ = loadConfig(func(name string) (string, bool) {
		read = append(read, name)
		return "", false
	})
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
