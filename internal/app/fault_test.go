package app

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// The fault cases drive the real main wiring (run with an environment that
// points at the fakes). Every case checks the invariants: each acked command
// reaches a final outcome its requester can see, Polyv gets no stop call
// nobody asked for and never two successful ones for one command, nothing
// panics, and (TestMain) no goroutine outlives the test. The ping time-out
// needs a knob the environment does not have; it is in bot/fault_test.go.

func TestFaultSocketDisconnects(t *testing.T) {
	t.Parallel()
	for i, reason := range []string{"warning", "refresh_requested", "link_disabled"} {
		t.Run(reason, func(t *testing.T) {
			t.Parallel()
			h := startRun(t, runOpts{})
			h.slack.Disconnect(reason)
			waitSockets(t, h.slack, 2)
			id := int64(10001 + i)
			_, url := h.send("stop " + itoa(id))
			require.Contains(t, h.outcome(url, id), "✅")
			require.Equal(t, 0, h.stop())
			h.checkPolyv(map[int64]int{id: 1}, 1)
		})
	}
}

func TestFaultConnectionDroppedMidCommand(t *testing.T) {
	t.Parallel()
	h := startRun(t, runOpts{})
	h.polyv.Script(10001, polyvtest.Slow(700*time.Millisecond))
	_, url := h.send("stop 10001")
	waitPolyvCalls(t, h.polyv, 1)
	h.slack.DropConnections()
	require.Contains(t, h.outcome(url, 10001), "✅ Polyv channel 10001: stopped")
	waitSockets(t, h.slack, 2)
	_, url2 := h.send("stop 10002")
	require.Contains(t, h.outcome(url2, 10002), "✅")
	require.Equal(t, 0, h.stop())
	h.checkPolyv(map[int64]int{10001: 1, 10002: 1}, 1)
}

func TestFaultConnectionsOpen(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		failure slacktest.Failure
		n       int
	}{
		{"5xx", slacktest.Failure{HTTPStatus: 503}, 2},
		{"429 with Retry-After", slacktest.Failure{HTTPStatus: 429, RetryAfter: "1"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startRun(t, runOpts{})
			h.slack.FailNext("apps.connections.open", tc.n, tc.failure)
			h.slack.Disconnect("refresh_requested")
			waitSockets(t, h.slack, 2)
			require.GreaterOrEqual(t, h.slack.ConnectionsOpened(), tc.n+2, "the first open, the failed ones, the one that worked")
			_, url := h.send("stop 10001")
			require.Contains(t, h.outcome(url, 10001), "✅")
			require.Equal(t, 0, h.stop())
			h.checkPolyv(map[int64]int{10001: 1}, 1)
		})
	}
}

func TestFaultAppTokenRejectedIsFatal(t *testing.T) {
	t.Parallel()
	h := startRun(t, runOpts{noWait: true, setup: func(s *slacktest.Server, _ *polyvtest.Server) {
		s.FailAlways("apps.connections.open", slacktest.Failure{Error: "invalid_auth"})
	}})
	code := h.wait(20 * time.Second)
	require.NotZero(t, code)
	stderr := h.stderr.String()
	require.Contains(t, stderr, "SLACK_APP_TOKEN")
	require.Contains(t, stderr, "invalid_auth")
	require.NotContains(t, stderr, runAppToken)
	require.NotContains(t, stderr, runBotToken)
	require.Empty(t, h.polyv.Calls())
}

func TestFaultEverySocketDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("watches reconnects for 10 s")
	}
	t.Parallel()
	h := startRun(t, runOpts{})
	h.slack.SetDropNewSockets(true)
	before := h.slack.ConnectionsOpened()
	h.slack.DropConnections()
	<-time.After(10 * time.Second) // the window the attempts are counted over
	opened := h.slack.ConnectionsOpened() - before
	t.Logf("apps.connections.open calls in 10 s while every socket is dropped: %d", opened)
	// The connect gate backs off from 250 ms, doubling to 30 s: about six
	// calls fit in 10 s. A storm would be hundreds.
	require.Positive(t, opened)
	require.LessOrEqual(t, opened, 12)
	require.Equal(t, 0, h.stop(), "the run stops cleanly while backing off")
	require.Empty(t, h.polyv.Calls())
}

func TestFaultPostMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		failure slacktest.Failure
		parents int // top-level messages in the channel at the end
	}{
		// Slack did nothing on a 429, so the post is retried.
		{"429 with Retry-After", slacktest.Failure{HTTPStatus: 429, RetryAfter: "1"}, 1},
		// A 5xx may come after the post was delivered: it is not retried,
		// and the outcome reaches the channel through response_url.
		{"5xx", slacktest.Failure{HTTPStatus: 500}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startRun(t, runOpts{})
			h.slack.FailNext("chat.postMessage", 1, tc.failure)
			_, url := h.send("stop 10001")
			require.Contains(t, h.outcome(url, 10001), "✅")
			require.Equal(t, 0, h.stop())
			require.Len(t, h.slack.ChannelMessages(runChannel), tc.parents, "the parent is posted at most once")
			h.checkPolyv(map[int64]int{10001: 1}, 1)
		})
	}
	t.Run("not_in_channel", func(t *testing.T) {
		t.Parallel()
		h := startRun(t, runOpts{})
		h.slack.SetNotInChannel(runChannel)
		_, url := h.send("stop 10001")
		require.Contains(t, h.outcome(url, 10001), "✅")
		var parent slacktest.ResponsePost
		for _, p := range h.slack.ResponsePosts() {
			if p.URL == url && strings.Contains(p.Text, "/invite") {
				parent = p
			}
		}
		require.Equal(t, "in_channel", parent.ResponseType, "the parent goes to the channel through response_url")
		require.Equal(t, 0, h.stop())
		h.checkPolyv(map[int64]int{10001: 1}, 1)
	})
}

func TestFaultPolyvAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		replies []polyvtest.Reply
		timeout string
		want    string
	}{
		{"5xx every attempt", rep(polyvtest.ServerFail(), 3), "", "❔ Polyv channel 10001: Polyv's answer was unclear: Polyv or a proxy answered with a server error (HTTP 500)"},
		{"5xx then ok", []polyvtest.Reply{polyvtest.ServerFail()}, "", "✅ Polyv channel 10001: stopped"},
		{"HTML 502", rep(polyvtest.HTML(502), 3), "", "❔ Polyv channel 10001: Polyv's answer was unclear: Polyv or a proxy answered with a server error (HTTP 502)"},
		{"empty body", rep(polyvtest.Empty(200), 3), "", "❔ Polyv channel 10001: Polyv's answer was unclear: the bot cannot read Polyv's answer as a success"},
		{"garbage JSON", rep(polyvtest.Custom(200, `{"code":200,"status":`), 3), "", "❔ Polyv channel 10001: Polyv's answer was unclear: the bot cannot read Polyv's answer as a success"},
		{"reset connection", rep(polyvtest.ResetConn(), 3), "", "❔ Polyv channel 10001: Polyv's answer was unclear: the stop was sent, and the connection broke before Polyv's answer arrived"},
		{"never answers", rep(polyvtest.Hang(), 3), "1s", "❔ Polyv channel 10001: Polyv's answer was unclear: the stop was sent, and Polyv did not answer within POLYV_TIMEOUT (1 second)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startRun(t, runOpts{env: map[string]string{"POLYV_TIMEOUT": tc.timeout}})
			h.polyv.Script(10001, tc.replies...)
			_, url := h.send("stop 10001")
			require.Contains(t, h.outcome(url, 10001), tc.want)
			require.Equal(t, 0, h.stop())
			h.checkPolyv(map[int64]int{10001: 1}, 3)
		})
	}
}

func TestFaultHostClockSkewed(t *testing.T) {
	t.Parallel()
	ahead := func() time.Time { return time.Now().Add(3*time.Minute + 30*time.Second) }
	h := startRun(t, runOpts{polyvOpts: []polyvtest.Option{polyvtest.WithClock(ahead)}})
	_, url := h.send("stop 10001")
	line := h.outcome(url, 10001)
	require.Contains(t, line, "❌")
	require.Contains(t, line, "clock is off by more than 3 minutes")
	require.Equal(t, 0, h.stop())
	h.checkPolyv(map[int64]int{10001: 1}, 1)
	require.Equal(t, "invalid timestamp", h.polyv.Calls()[0].Verdict)
}

// TestFaultSIGTERMWithFiveInFlight: SIGTERM hands over. The connection
// closes at once, so that Slack sends new payloads to other replicas, while
// the five commands already received run to their end.
func TestFaultSIGTERMWithFiveInFlight(t *testing.T) {
	t.Parallel()
	h := startRun(t, runOpts{})
	urls := map[int64]string{}
	asked := map[int64]int{}
	for id := int64(10001); id <= 10005; id++ {
		h.polyv.Script(id, polyvtest.Slow(time.Second))
		_, urls[id] = h.send("stop " + itoa(id))
		asked[id] = 1
	}
	waitPolyvCalls(t, h.polyv, 5)
	h.cancel() // what SIGTERM does through signal.NotifyContext
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.slack.WaitFor(ctx, func(s *slacktest.Server) bool { return !s.Connected() }),
		"the connection closes first")
	for id := range urls {
		require.Empty(t, findOutcome(h.slack, urls[id], id), "channel %d is still running when the connection closes", id)
	}
	require.Equal(t, 0, h.stop(), "a drained shutdown exits 0")
	for id, url := range urls {
		require.Contains(t, findOutcome(h.slack, url, id), "✅", "channel %d's outcome was posted before run returned", id)
	}
	h.checkPolyv(asked, 1)
}

// TestFaultEnvelopeRedelivered: Slack redelivers an envelope it saw no ack
// for, on whichever socket is up; the second delivery must not stop twice.
func TestFaultEnvelopeRedelivered(t *testing.T) {
	t.Parallel()
	h := startRun(t, runOpts{})
	h.polyv.Script(10001, polyvtest.Slow(300*time.Millisecond))
	cmd := slacktest.SlashCommand{Text: "stop 10001", UserID: runResponder, ChannelID: runChannel, EnvelopeID: "env-redelivered"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, url, err := h.slack.SendSlashCommand(ctx, cmd)
	require.NoError(t, err)
	h.slack.Disconnect("refresh_requested")
	waitSockets(t, h.slack, 2)
	_, _, err = h.slack.SendSlashCommand(ctx, cmd)
	require.NoError(t, err)
	// The first ack may have been lost with the old socket (slack-go reports
	// a write error); the redelivery is acked.
	_, err = h.slack.WaitAck(ctx, cmd.EnvelopeID)
	require.NoError(t, err)
	require.Contains(t, h.outcome(url, 10001), "✅")
	require.Equal(t, 0, h.stop())
	require.Equal(t, 1, h.polyv.StopCalls(10001))
	require.Len(t, h.slack.ChannelMessages(runChannel), 1)
}

func rep(r polyvtest.Reply, n int) []polyvtest.Reply {
	out := make([]polyvtest.Reply, n)
	for i := range out {
		out[i] = r
	}
	return out
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func waitSockets(t *testing.T, s *slacktest.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	require.NoError(t, s.WaitFor(ctx, func(s *slacktest.Server) bool { return s.SocketsOpened() >= n && s.Connected() }),
		"socket %d never came up", n)
}

func waitPolyvCalls(t *testing.T, s *polyvtest.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.WaitCalls(ctx, n))
}
