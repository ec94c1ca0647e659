package app

import (
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
)

// FuzzLoadConfig sets one variable of an otherwise valid environment to any
// text, derives the three secrets from another, and sets one more variable
// of any name: loadConfig must never panic, never quote a secret back, name
// the variable in every problem, suggest only variables it reads, and accept
// only values inside the documented bounds.
func FuzzLoadConfig(f *testing.F) {
	f.Add(uint8(0), "xoxb-swapped", "abc", "")
	f.Add(uint8(9), "U0A,U0B *", "s", "")
	f.Add(uint8(6), "https://api.polyv.net", "", "")
	f.Add(uint8(13), "NaN", "x", "")
	f.Add(uint8(14), "-1", "\n", "")
	f.Add(uint8(18), "[::1]:", " ", "")
	f.Add(uint8(7), "1ns", "secret with spaces", "")
	f.Add(uint8(8), "", "s", "ALLOWED_USER")
	f.Add(uint8(1), "", "s", "SLACK_BOT_TOKN")
	f.Add(uint8(24), "10001, 10002,,+3,٣", "s", "")
	f.Add(uint8(25), "1h0m0.5s", "s", "")
	f.Fuzz(func(t *testing.T, which uint8, value, secret, extra string) {
		name := configVars[int(which)%len(configVars)]
		secrets := map[string]string{
			"SLACK_APP_TOKEN":  "xapp-SECRET-A" + secret,
			"SLACK_BOT_TOKEN":  "xoxb-SECRET-B" + secret,
			"POLYV_APP_SECRET": "SECRET-P" + secret,
		}
		env := map[string]string{"POLYV_APP_ID": "app1", "ALLOWED_USERS": "U0RESP"}
		for k, v := range secrets {
			env[k] = v
		}
		if _, isSecret := secrets[name]; !isSecret {
			env[name] = value
		}
		if _, known := env[extra]; !known && !slices.Contains(configVars, extra) {
			env[extra] = value
		}
		cfg, err := loadConfig(mapLookup(env))
		if err != nil {
			checkConfigError(t, err, secrets)
			return
		}
		checkConfig(t, cfg)
	})
}

func checkConfigError(t *testing.T, err error, secrets map[string]string) {
	t.Helper()
	msg := err.Error()
	for _, s := range secrets {
		if strings.TrimSpace(s) != "" {
			require.NotContains(t, msg, strings.TrimSpace(s), "a secret quoted back")
		}
	}
	for _, line := range strings.Split(msg, "\n") {
		named := false
		for _, v := range configVars {
			named = named || strings.HasPrefix(line, v+":") || strings.HasPrefix(line, v+" ")
		}
		require.True(t, named, "a problem that names no variable: %q", line)
	}
	for _, m := range didYouMean.FindAllStringSubmatch(msg, -1) {
		require.Contains(t, configVars, m[1], "a suggestion of a variable the bot does not read")
	}
}

var didYouMean = regexp.MustCompile(`did you mean ([A-Z_]+)\?`)

func checkConfig(t *testing.T, c config) {
	t.Helper()
	require.True(t, strings.HasPrefix(c.SlackAppToken, "xapp-"))
	require.True(t, strings.HasPrefix(c.SlackBotToken, "xoxb-"))
	require.True(t, c.RatePerMinute > 0 && c.RatePerMinute <= polyvMaxPerMinute, "rate %v", c.RatePerMinute)
	require.True(t, c.UserRatePerMinute > 0 && c.UserRatePerMinute <= polyvMaxPerMinute)
	require.True(t, c.RateBurst >= 1 && c.RateBurst <= 1000)
	require.True(t, c.UserRateBurst >= 1 && c.UserRateBurst <= 1000)
	require.True(t, c.PolyvTimeout >= time.Second && c.PolyvTimeout <= 5*time.Minute)
	require.Contains(t, []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}, c.LogLevel)
	for _, raw := range []string{c.SlackAPIURL, c.PolyvAPIURL} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		require.Contains(t, []string{"http", "https"}, u.Scheme)
		require.NotEmpty(t, u.Host)
		require.True(t, u.Scheme == "https" || isLoopbackURL(u), "plain http to %s", u.Host)
		require.Nil(t, u.User, "a user:password in %s", raw)
		require.False(t, u.ForceQuery || u.RawQuery != "" || strings.Contains(raw, "#"), "a query or fragment in %s", raw)
		require.Equal(t, strings.ToLower(u.Host), u.Host)
	}
	polyvURL, err := url.Parse(c.PolyvAPIURL)
	require.NoError(t, err)
	require.Empty(t, polyvURL.Path, "the client appends the path itself")
	require.True(t, c.Rules.Everyone || len(c.Rules.Users)+len(c.Rules.Groups) > 0, "someone may stop")
	require.Empty(t, userIDProblem(c.PolyvUserID), "userId %q", c.PolyvUserID)
	require.Equal(t, strings.TrimSpace(c.PolyvUserID), c.PolyvUserID)
	require.True(t, c.Approval.TTL >= time.Minute && c.Approval.TTL <= time.Hour, "approval ttl %s", c.Approval.TTL)
	require.False(t, c.Approval.All && len(c.Approval.Channels) > 0, "* stands alone")
	require.LessOrEqual(t, len(c.Approval.Channels), maxApprovalChannels)
	for i, id := range c.Approval.Channels {
		require.True(t, id >= 1 && id <= bot.MaxChannelID, "approval channel %d", id)
		require.NotContains(t, c.Approval.Channels[:i], id, "listed once")
	}
}

// FuzzUnknownVars gives the misspelling check any variable name, from the
// environment or from .env: it must never warn about a variable the bot
// reads, suggest only variables it reads, and warn about a name only as it
// was given.
func FuzzUnknownVars(f *testing.F) {
	f.Add("ALLOWED_USER", true)
	f.Add("log_level", false)
	f.Add("RATE_LIMIT", true)
	f.Add("LANGUAGE", false)
	f.Fuzz(func(t *testing.T, name string, inFile bool) {
		from := setInEnvironment
		if inFile {
			from = setInEnvFile
		}
		got := unknownVars(map[string]string{name: from, "ALLOWED_USERS": from})
		if len(got) == 0 {
			return
		}
		require.Len(t, got, 1)
		require.Equal(t, name, got[0].name)
		require.NotContains(t, configVars, name)
		require.True(t, isVarName(name), "warned about %q", name)
		for _, g := range got[0].guesses {
			require.Contains(t, configVars, g)
		}
		require.NotContains(t, got[0].String(), "\n")
	})
}
