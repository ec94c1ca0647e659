package polyv_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// A stop whose proxy gave up after Polyv acted: the retry finds the stream
// already stopped and is refused. The refusal is the call's error, but it
// may only mean that the first attempt worked.
func TestStop504ThenNotPulling(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(10001, polyvtest.HTML(504).AfterStop(), polyvtest.NotPulling())
	c, _ := newClient(t, srv)
	stats, err := c.StopPullStream(context.Background(), 10001)

	require.Equal(t, 2, stats.Attempts)
	require.Equal(t, 2, srv.StopCalls(10001))
	var ae *polyv.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 400, ae.Code)
	require.Equal(t, 400, ae.HTTPStatus)
	require.Equal(t, "error", ae.Status)
	require.Equal(t, "channel is not pulling stream.", ae.Message)
	require.True(t, stats.Unclear, "the 504 may have been a stop that worked")

	st, err := c.LiveStatus(context.Background(), 10001)
	require.NoError(t, err)
	require.Equal(t, polyv.StatusEnd, st[10001], "only the live status tells that it did")
}

func TestCallStatsUnclear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		replies  []polyvtest.Reply
		opts     func(t *testing.T) []polyv.Option
		kind     string
		attempts int
		unclear  bool
	}{
		// Polyv may have acted and no answer says whether it did.
		{name: "answer cut short", replies: []polyvtest.Reply{polyvtest.OK().CutShort()}, kind: "answer_cut", attempts: 1, unclear: true},
		{name: "504 then a refusal", replies: []polyvtest.Reply{polyvtest.HTML(504).AfterStop(), polyvtest.NotPulling()}, kind: "other", attempts: 2, unclear: true},
		{name: "5xx every time", replies: []polyvtest.Reply{polyvtest.ServerFail(), polyvtest.HTML(502), polyvtest.Empty(503)}, kind: "server_error", attempts: 3, unclear: true},
		{name: "reset connection every time", replies: []polyvtest.Reply{polyvtest.ResetConn(), polyvtest.ResetConn(), polyvtest.ResetConn()}, kind: "transport", attempts: 3, unclear: true},
		{name: "no answer in time", replies: []polyvtest.Reply{polyvtest.Hang()}, kind: "timeout", attempts: 1, unclear: true,
			opts: func(*testing.T) []polyv.Option { return []polyv.Option{polyv.WithTimeout(100 * time.Millisecond)} }},
		{name: "unreadable answer", replies: []polyvtest.Reply{polyvtest.Garbage()}, kind: "bad_response", attempts: 1, unclear: true},
		{name: "contradictory answer", replies: []polyvtest.Reply{polyvtest.Custom(200, `{"code":200,"status":"error"}`)}, kind: "bad_response", attempts: 1, unclear: true},
		{name: "outcome key given twice", replies: []polyvtest.Reply{polyvtest.Custom(200, `{"code":400,"status":"error","code":200,"status":"success"}`)}, kind: "bad_response", attempts: 1, unclear: true},
		{name: "status fail under HTTP 200", replies: []polyvtest.Reply{polyvtest.Custom(200, `{"code":500,"status":"fail","message":"boom"}`)}, kind: "server_error", attempts: 1, unclear: true},

		// Nothing reached Polyv, or its answer says what happened.
		{name: "success", kind: "ok", attempts: 1},
		{name: "success after a 5xx", replies: []polyvtest.Reply{polyvtest.HTML(502)}, kind: "ok", attempts: 2},
		{name: "definite refusal", replies: []polyvtest.Reply{polyvtest.InvalidSignature()}, kind: "invalid_signature", attempts: 1},
		{name: "not pulling on the only attempt", replies: []polyvtest.Reply{polyvtest.NotPulling()}, kind: "other", attempts: 1},
		{name: "quota", replies: []polyvtest.Reply{polyvtest.QuotaExceeded()}, kind: "quota_exceeded", attempts: 1},
		{name: "redirect", replies: []polyvtest.Reply{polyvtest.Redirect(302, "https://elsewhere.example/")}, kind: "redirect", attempts: 1},
		{name: "connection refused", kind: "transport", attempts: 3,
			opts: func(t *testing.T) []polyv.Option { return []polyv.Option{polyv.WithBaseURL(closedURL(t))} }},
		{name: "limiter refusal", kind: "rate_limited", attempts: 0,
			opts: func(*testing.T) []polyv.Option {
				empty := rate.NewLimiter(rate.Every(time.Hour), 1)
				empty.Allow()
				return []polyv.Option{polyv.WithLimiter(empty), polyv.WithMaxWait(time.Second)}
			}},
		{name: "dry run", kind: "ok", attempts: 0,
			opts: func(*testing.T) []polyv.Option { return []polyv.Option{polyv.WithDryRun(true)} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.Script(10001, tc.replies...)
			var opts []polyv.Option
			if tc.opts != nil {
				opts = tc.opts(t)
			}
			c, _ := newClient(t, srv, opts...)
			stats, err := c.StopPullStream(context.Background(), 10001)
			require.Equal(t, tc.kind, polyv.Kind(err), "err = %v", err)
			require.Equal(t, tc.attempts, stats.Attempts)
			require.Equal(t, tc.unclear, stats.Unclear)
		})
	}
}
