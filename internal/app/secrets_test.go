package app

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// secretMarks are the credentials and distinctive pieces of them, so that a
// truncated or re-prefixed print is caught too.
var secretMarks = []string{
	runAppToken, runBotToken, runPolyvSecret,
	"appTokenValue-9f3c0b2e", "botTokenValue-7e2d44a1", "0e8d1c7b5a-never-print-me",
}

// TestSecretsNeverLeak runs the whole bot at LOG_LEVEL=debug through the happy
// path and the failure paths, then scans everything it printed and everything
// both fakes received. Only the Authorization header of Slack requests (which
// carries a token by design) and Polyv's sign (a digest of the secret) are
// exempt.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	h := startRun(t, runOpts{env: map[string]string{
		"VERIFY_STOP": "true", "POLYV_TIMEOUT": "1s", "AUDIT_CHANNEL": "C0AUDIT",
		"STATUS_ALLOWED_USERS": "U0LOOK", "USER_RATE_LIMIT_BURST": "100", "RATE_LIMIT_BURST": "100",
	}})
	replies := map[int64]polyvtest.Reply{
		20001: polyvtest.InvalidSignature(), 20002: polyvtest.InvalidTimestamp(), 20003: polyvtest.AppNotFound(),
		20004: polyvtest.ChannelNotFound(), 20005: polyvtest.QuotaExceeded(), 20006: polyvtest.ServerFail(),
		20007: polyvtest.HTML(502), 20008: polyvtest.Empty(200), 20009: polyvtest.Garbage(),
		20010: polyvtest.ResetConn(), 20011: polyvtest.Hang(),
	}
	var ids []string
	for id, r := range replies {
		h.polyv.Script(id, rep(r, 3)...)
		ids = append(ids, itoa(id))
	}
	exercise(t, h, ids)
	require.Equal(t, 0, h.stop())
	scanRun(t, h)
}

// exercise sends the happy path and every failure path through one run.
func exercise(t *testing.T, h *runHarness, failing []string) {
	_, url := h.send("stop 10001 happy path")
	h.outcome(url, 10001)
	_, url = h.send("stop " + strings.Join(failing, " ") + " every Polyv failure")
	for _, id := range failing {
		require.Regexp(t, "❌|❔", h.outcome(url, mustID(t, id)), "failed, or unclear")
	}
	h.send("status 10001")
	h.send("stop 1O001")
	h.send("help")
	ctx := t.Context()
	_, denied, err := h.slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 10002", UserID: "U0STRANGER", ChannelID: runChannel})
	require.NoError(t, err)
	h.slack.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: 429, RetryAfter: "1"})
	_, url = h.send("stop 10003 post rate-limited")
	h.outcome(url, 10003)
	h.slack.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: 500})
	_, url = h.send("stop 10004 post failed")
	h.outcome(url, 10004)
	h.slack.Disconnect("refresh_requested")
	waitSockets(t, h.slack, 2)
	h.slack.SetNotInChannel(runChannel)
	_, url = h.send("stop 10005 not in channel")
	h.outcome(url, 10005)
	require.NoError(t, h.slack.WaitFor(ctx, func(s *slacktest.Server) bool {
		for _, p := range s.ResponsePosts() {
			if p.URL == denied {
				return true
			}
		}
		return false
	}))
}

func TestSecretsNeverLeakOnFatalErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		method string
	}{
		{"bot token rejected", "auth.test"},
		{"app token rejected", "apps.connections.open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startRun(t, runOpts{noWait: true, setup: func(s *slacktest.Server, _ *polyvtest.Server) {
				s.FailAlways(tc.method, slacktest.Failure{Error: "invalid_auth"})
			}})
			require.NotZero(t, h.wait(20*time.Second))
			scanRun(t, h)
		})
	}
}

func TestSecretsNeverLeakInConfigErrors(t *testing.T) {
	t.Parallel()
	envs := []map[string]string{
		{"SLACK_APP_TOKEN": runBotToken, "SLACK_BOT_TOKEN": runAppToken}, // swapped
		{"SLACK_APP_TOKEN": "not-a-token-" + runPolyvSecret},
		{"SLACK_BOT_TOKEN": runPolyvSecret, "POLYV_TIMEOUT": "forever"},
		{"POLYV_APP_SECRET": " ", "RATE_LIMIT_BURST": runAppToken},
	}
	for _, extra := range envs {
		env := map[string]string{
			"SLACK_APP_TOKEN": runAppToken, "SLACK_BOT_TOKEN": runBotToken, "POLYV_APP_ID": runPolyvID,
			"POLYV_APP_SECRET": runPolyvSecret, "ALLOWED_USERS": runResponder, "LOG_LEVEL": "debug",
		}
		for k, v := range extra {
			env[k] = v
		}
		var stdout, stderr logtest.Buffer
		code := Run(t.Context(), nil, staticEnv(env), &stdout, &stderr)
		require.Equal(t, 2, code, stderr.String())
		for _, mark := range []string{runAppToken, runBotToken, "appTokenValue-9f3c0b2e", "botTokenValue-7e2d44a1"} {
			if strings.Contains(extra["RATE_LIMIT_BURST"], mark) {
				continue // a value put in a non-secret variable may be quoted back
			}
			require.NotContains(t, stderr.String()+stdout.String(), mark)
		}
		require.NotContains(t, stderr.String()+stdout.String(), "0e8d1c7b5a")
	}
}

// scanRun checks the run's output and all traffic the fakes saw.
func scanRun(t *testing.T, h *runHarness) {
	t.Helper()
	out := h.stdout.String() + h.stderr.String()
	require.NotEmpty(t, out)
	var seen []string
	bearers := map[string]bool{}
	for _, r := range h.slack.Requests() {
		bearers[r.Header.Get("Authorization")] = true
		hdr := r.Header.Clone()
		hdr.Del("Authorization")
		seen = append(seen, r.Path, string(r.Body), headerText(hdr))
	}
	for _, c := range h.polyv.Calls() {
		form := c.Form
		form.Del("sign")
		seen = append(seen, c.Path, form.Encode())
	}
	for _, m := range h.slack.Messages() {
		seen = append(seen, m.Text, strings.Join(m.Updates, "\n"))
	}
	for _, p := range h.slack.ResponsePosts() {
		seen = append(seen, p.Text)
	}
	for _, a := range h.slack.Acks() {
		seen = append(seen, string(a.Payload))
	}
	// The scan sees real traffic: the tokens did travel, in their headers.
	require.True(t, bearers["Bearer "+runBotToken], "no request carried the bot token")
	all := out + strings.Join(seen, "\n")
	for _, mark := range secretMarks {
		require.NotContains(t, all, mark)
	}
}

func headerText(h map[string][]string) string {
	var b strings.Builder
	for k, vs := range h {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	return b.String()
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	for _, c := range s {
		id = id*10 + int64(c-'0')
	}
	return id
}
