package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDemoPlaysEveryScene(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-demo"}, staticEnv(nil), &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	out := stdout.String()
	// Each scene's command, then what Slack showed for it.
	wants := []string{
		"✓ SLACK_BOT_TOKEN (auth.test)",
		"✓ user group S0ONCALL (usergroups.users.list): 1 member(s)",
		"✓ AUDIT_CHANNEL C0AUDIT (conversations.info): #",
		"✓ Polyv credentials and clock",
		"All checks passed",
		"@alice in #incident types: /polyv stop 10001 -- 2 viewers reported a leaked test stream",
		"#incident › polyvbot: ✅ 1 stopped — @alice asked to stop Polyv channel 10001",
		"Reason: 2 viewers reported a leaked test stream",
		"↳ in thread: ✅ Polyv channel 10001: stopped",
		"@carol in #incident types: /polyv stop 10002",
		"↳ in thread: ✅ Polyv channel 10002: stopped",
		"@mallory in #incident types: /polyv stop 10001",
		"(only you see) 🚫 Not allowed",
		"/polyv stop abc",
		"(only you see) ⚠️",
		"↳ in thread: ❌ Polyv channel 10003: Polyv rejected the signature",
		"⏳ Polyv channel 10007: not sent, your per-user limit",
		"(only you see) ⏳ You have used your stop budget",
		"#polyv-audit (AUDIT_CHANNEL) got one line per action",
		"@alice is stopping Polyv channel 10001 in #incident",
		"6 stop call(s) reached the fake Polyv",
	}
	last := 0
	for _, w := range wants {
		i := strings.Index(out[last:], w)
		require.GreaterOrEqual(t, i, 0, "transcript lacks %q after offset %d:\n%s", w, last, out)
		last += i + len(w)
	}
	require.Empty(t, stderr.String(), "the demo's logs must not leak onto stderr")
}

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
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, render(tc.in), "render(%q)", tc.in)
	}
}
