package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/polyvbot/polyvbot/internal/app"
)

func TestDemoPlaysEveryScene(t *testing.T) {
	t.Parallel()
	out := playDemoForTest(t)
	// Each scene's command, then what Slack showed for it.
	wants := []string{
		"✓ SLACK_BOT_TOKEN (auth.test)",
		"✓ user group S0ONCALL (usergroups.users.list): 1 member(s)",
		"– AUDIT_CHANNEL C0AUDIT (conversations.info): not checked: conversations.info needs channels:read",
		"✓ Polyv credentials and clock",
		"✓ POLYV_USER_ID (user/get-info)",
		"All checks passed",
		"@alice in #incident types: /polyv stop 10001 -- 2 viewers reported a leaked test stream",
		"#incident › polyvbot: ✅ 1 stopped — @alice asked to stop Polyv channel 10001",
		"Reason: 2 viewers reported a leaked test stream",
		"↳ in thread: ✅ Polyv channel 10001", "stopped", // the channel's name may stand between them
		"@carol in #incident types: /polyv stop 10002",
		"↳ in thread: ✅ Polyv channel 10002", "stopped",
		"@mallory in #incident types: /polyv stop 10001",
		"(only you see) 🚫 Not allowed",
		"/polyv stop abc",
		"(only you see) ⚠️",
		"↳ in thread: ❌ Polyv channel 10003", "Polyv rejected the signature",
		"⏳ Polyv channel 10007", "not sent, your per-user limit",
		"(only you see) ⏳ You have used your stop budget",
		"/polyv status 10009 10010",
		"/polyv stop 10010", "[Cut off the push]", "@dave clicks [Cut off the push]", "banned from pushing",
		"/polyv resume 10010", "resumed",
		"/polyv stop 10009", "[Approve] [Cancel]", "🚫 You asked for this", "approved by @carol",
		"#polyv-audit (AUDIT_CHANNEL) got one line per action",
		"@alice is stopping Polyv channel 10001", "in #incident",
		"8 stop call(s), 1 cut-off(s) and 1 resume(s) reached the fake Polyv",
	}
	last := 0
	for _, w := range wants {
		i := strings.Index(out[last:], w)
		require.GreaterOrEqual(t, i, 0, "transcript lacks %q after offset %d:\n%s", w, last, out)
		last += i + len(w)
	}
}

// The demo's preflight shows what -check shows with the scopes the app
// manifest asks for: without channels:read, conversations.info is refused
// and the audit channel is not checked.
func TestDemoPreflightHasTheShippedScopes(t *testing.T) {
	t.Parallel()
	var m struct {
		OAuthConfig struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
	}
	readYAML(t, "slack-app-manifest.yaml", &m)
	require.NotContains(t, m.OAuthConfig.Scopes.Bot, "channels:read",
		"the manifest now asks for channels:read: the demo's fake Slack must answer conversations.info")
	out := playDemoForTest(t)
	require.NotContains(t, out, "✓ AUDIT_CHANNEL", "a ✓ that the shipped scopes cannot give")
	require.Contains(t, out, "– AUDIT_CHANNEL "+demoAudit+" (conversations.info): not checked")
}

// The audit channel has one name throughout, given once with its ID.
func TestDemoNamesTheAuditChannelOnce(t *testing.T) {
	t.Parallel()
	out := playDemoForTest(t)
	names := regexp.MustCompile(`#[a-z][a-z0-9_-]*`).FindAllString(out, -1)
	slices.Sort(names)
	require.Equal(t, []string{"#incident", "#polyv-audit"}, slices.Compact(names), "the channels the transcript names")
	require.Equal(t, 1, strings.Count(out, "#polyv-audit ("+demoAudit+")"), "the audit channel is introduced with its ID once")
	require.NotContains(t, strings.ToLower(out), "#"+strings.ToLower(demoAudit))
}

// A scene's heading agrees with the configuration and with what the bot
// says in it: every NAME=value is the value the demo set, a rate-limit
// variable the bot blames is in the heading, and bad input is named.
func TestDemoHeadingsMatchTheConfiguration(t *testing.T) {
	t.Parallel()
	scenes := demoScenes(t, playDemoForTest(t))
	require.Len(t, scenes, len(demoActs))
	setting := regexp.MustCompile(`\b([A-Z][A-Z_]+)=([^\s,;)]+)`)
	rateVar := regexp.MustCompile(`\b(?:USER_)?RATE_LIMIT_[A-Z_]+`)
	for i, sc := range scenes {
		for _, m := range setting.FindAllStringSubmatch(sc.heading, -1) {
			require.Contains(t, app.Variables(), m[1], "scene %d heading: %s", i+1, sc.heading)
			require.Equal(t, demoSettings[m[1]], m[2], "scene %d heading says %s", i+1, m[0])
		}
		for _, v := range rateVar.FindAllString(sc.body, -1) {
			require.Contains(t, sc.heading, v+"=", "scene %d: the bot names %s, the heading does not", i+1, v)
		}
	}
	require.Contains(t, scenes[3].body, "/polyv stop abc")
	require.Contains(t, scenes[3].heading, "`abc`", "the bad input is named in its scene's heading")
	require.Contains(t, scenes[5].heading, "USER_RATE_LIMIT_BURST=")
}

type demoSceneOutput struct{ heading, body string }

// demoScenes splits the transcript into its numbered scenes after the
// preflight (scene 0), up to the audit channel's lines.
func demoScenes(t *testing.T, out string) []demoSceneOutput {
	t.Helper()
	var scenes []demoSceneOutput
	for _, part := range strings.Split(out, "\n── ")[1:] {
		heading, body, _ := strings.Cut(part, "\n")
		if strings.HasPrefix(heading, "0. ") || !regexp.MustCompile(`^\d+\. `).MatchString(heading) {
			continue
		}
		scenes = append(scenes, demoSceneOutput{heading: heading, body: body})
	}
	return scenes
}

// playDemoForTest is the demo's transcript; the demo is played once for
// all the tests that read it.
func playDemoForTest(t *testing.T) string {
	t.Helper()
	r := demoRun()
	require.Equal(t, 0, r.code, "stderr: %s\nstdout: %s", r.stderr, r.stdout)
	require.Empty(t, r.stderr, "the demo's logs must not leak onto stderr")
	return r.stdout
}

var demoRun = sync.OnceValue(func() (r struct {
	code           int
	stdout, stderr string
}) {
	var stdout, stderr bytes.Buffer
	r.code = run(context.Background(), []string{"-lang", "en"}, &stdout, &stderr)
	r.stdout, r.stderr = stdout.String(), stderr.String()
	return r
})

func TestRenderSlackMarkup(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<@U0ALICE> asked", "@alice asked"},
		{"in <#C0INCIDENT>", "in #incident"},
		{"see (<https://test.slack.com/archives/C0/p1|thread>)", "see (thread)"},
		{"<https://example.com/x>", "https://example.com/x"},
		{"<@U0NOBODY>", "@U0NOBODY"},
		{"`stop <channelId>…`", "`stop <channelId>…`"},
		{"member ID `U0MALLORY`", "member ID `U0MALLORY`"},
		{"stop &lt;channelId&gt;… a &amp; b", "stop <channelId>… a & b"},
		{"expires <!date^1796648607^{date_short_pretty} at {time}|2026-12-07 13:03 UTC> (in", "expires 2026-12-07 13:03 UTC (in"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, render(tc.in), "render(%q)", tc.in)
	}
}

// The demo takes no argument: a stray one is bad usage, not ignored.
func TestRunUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"help", []string{"-help"}, exitOK},
		{"unknown flag", []string{"-demo"}, exitUsage},
		{"stray argument", []string{"play"}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			require.Equal(t, tc.wantCode, run(context.Background(), tc.args, &stdout, &stderr))
			require.Empty(t, stdout.String(), "nothing played")
			require.Contains(t, stderr.String(), "Usage: go run ./cmd/demo")
		})
	}
}

// readYAML decodes the fields v names from a file of deploy/; a malformed
// file fails the test.
func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("../../deploy/" + name)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, v), name)
}

// With -lang zh-CN the same script plays, and everything the bot writes to
// people is Chinese: the parent, its thread, the private answers and the
// audit channel.
func TestDemoPlaysInChinese(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-lang", "zh-CN"}, &stdout, &stderr), "stderr: %s", stderr.String())
	out := stdout.String()
	for _, want := range []string{
		"#incident › polyvbot: ✅ 已停止 1 个 — @alice 要求停止保利威频道 " + named(t, 10001) + " 的拉流",
		"↳ in thread: ✅ 保利威频道 " + named(t, 10001) + "：已停止拉流",
		"(only you see) 🚫 没有权限：",
		"(only you see) ⚠️ `abc` 不是保利威频道号",
		"❌ 保利威频道 " + named(t, 10003) + "：保利威拒绝了签名",
		"在 #incident 请求 `stop` 保利威频道 10001",
		"[禁止推流]\n", "@dave clicks [禁止推流] in the thread", "已验证，不再直播（已禁推）",
		"[批准] [取消]\n", "(only you see) 🚫 这是你自己发起的请求，你不能批准", "由 @carol 批准",
	} {
		require.Contains(t, out, want)
	}
	require.Equal(t, len(demoActs), len(demoScenes(t, out)), "the same script")
	require.NotContains(t, out, "Polyv channel 10001:", "no English thread line")
}

func TestDemoRefusesALanguageItDoesNotSpeak(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitUsage, run(context.Background(), []string{"-lang", "fr"}, &stdout, &stderr))
	require.Contains(t, stderr.String(), `must be en or zh-CN, got "fr"`)
}
