package bot

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"
)

// Each way to reach the requester has its own time: a response_url that
// never answers (or a client waiting out a Retry-After of an hour) gives up
// after wayTimeout, and chat.postEphemeral still gets its own. The tests run
// in a synctest bubble, whose clock moves only when everything waits: the
// hang costs no real time, and the answer's arrival time is exact.
func TestPrivateAnswerOutlivesAStuckResponseURL(t *testing.T) {
	t.Parallel()
	fatal := slack.SlackErrorResponse{Err: "fatal_error"}
	cases := []struct {
		name string
		opts []func(*envConfig)
		do   func(*env)
		want string
	}{
		{"a denial", nil, func(e *env) { e.run("stop 10001", as("U0STRANGER")) }, "🚫 Not allowed"},
		{"a status answer", nil, func(e *env) { e.run("status 10001") }, "• Polyv channel 10001: live"},
		{"a prompt", []func(*envConfig){withConfirm}, func(e *env) { e.run("stop 10001") }, "Stop the pull stream of Polyv channel 10001?"},
		{"a busy notice", nil, func(e *env) {
			e.p.finish(e.p.tooLate(context.Background(), e.request("stop 10001")))
		}, english.busyText()},
		{"an outcome without a thread", nil, func(e *env) {
			e.slack.failWith("post "+opsChannel, fatal)
			e.run("stop 10001")
		}, "✅ Polyv channel 10001: stopped"},
	}
	stuck := []struct {
		name string
		make func(*fakeSlack)
	}{
		{"hangs", func(f *fakeSlack) { f.hang("respond") }},
		{"is rate-limited for an hour", func(f *fakeSlack) { f.failWith("respond", &slack.RateLimitedError{RetryAfter: time.Hour}) }},
	}
	for _, tc := range cases {
		for _, s := range stuck {
			t.Run(tc.name+", response_url "+s.name, func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					e := newEnv(t, append([]func(*envConfig){stubbed, noVerify}, tc.opts...)...)
					s.make(e.slack)
					start := time.Now()
					tc.do(e)
					es := e.slack.ephemeralTexts()
					require.Len(t, es, 1, "the answer came by chat.postEphemeral")
					require.Contains(t, es[0].Text, tc.want)
					require.Equal(t, opsChannel, es[0].Channel)
					require.LessOrEqual(t, es[0].At.Sub(start), wayTimeout, "within the response_url's own time")
				})
			})
		}
	}
}
