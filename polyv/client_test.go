package polyv_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestStopPullStreamAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reply   polyvtest.Reply
		timeout time.Duration
		refused bool // connect to a port nobody listens on
		want    error
		kind    string
		text    string
	}{
		{name: "success", reply: polyvtest.OK(), kind: "ok"},
		{name: "400 invalid timestamp", reply: polyvtest.InvalidTimestamp(), want: polyv.ErrInvalidTimestamp, kind: "invalid_timestamp", text: "invalid timestamp. (code 400, HTTP 400)"},
		{name: "400 application not found", reply: polyvtest.AppNotFound(), want: polyv.ErrAppNotFound, kind: "app_not_found", text: "application not found."},
		{name: "400 appId is required", reply: polyvtest.AppIDRequired(), want: polyv.ErrAppNotFound, kind: "app_not_found", text: "appId is required"},
		{name: "400 channel not found", reply: polyvtest.ChannelNotFound(), want: polyv.ErrChannelNotFound, kind: "channel_not_found", text: "channel not found."},
		{name: "400 channel does not exist", reply: polyvtest.Custom(400, `{"code":400,"status":"error","message":"Channel does not exist"}`), want: polyv.ErrChannelNotFound, kind: "channel_not_found", text: "Channel does not exist"},
		{name: "403 invalid signature", reply: polyvtest.InvalidSignature(), want: polyv.ErrInvalidSignature, kind: "invalid_signature", text: "invalid signature. (code 403, HTTP 403)"},
		{name: "401 invalid signature", reply: polyvtest.Custom(401, `{"code":401,"status":"error","message":"invalid signature."}`), want: polyv.ErrInvalidSignature, kind: "invalid_signature", text: "(code 401, HTTP 401)"},
		{name: "code 400 under HTTP 200", reply: polyvtest.Custom(200, `{"code":400,"status":"error","message":"invalid signature."}`), want: polyv.ErrInvalidSignature, kind: "invalid_signature", text: "HTTP 200"},
		{name: "unknown refusal", reply: polyvtest.Custom(200, `{"code":400,"status":"error","message":"stream is not pulling"}`), kind: "other", text: "stream is not pulling"},
		{name: "500 fail", reply: polyvtest.ServerFail(), want: polyv.ErrServer, kind: "server_error", text: "system error, please try again later."},
		{name: "HTML 502", reply: polyvtest.HTML(502), want: polyv.ErrServer, kind: "server_error", text: "502 Bad Gateway"},
		{name: "empty body", reply: polyvtest.Empty(200), want: polyv.ErrBadResponse, kind: "bad_response", text: "empty body"},
		{name: "not json", reply: polyvtest.Garbage(), want: polyv.ErrBadResponse, kind: "bad_response", text: "not json"},
		{name: "429 quota", reply: polyvtest.QuotaExceeded(), want: polyv.ErrQuotaExceeded, kind: "quota_exceeded", text: "qps exceeds"},
		{name: "429 HTML", reply: polyvtest.HTML(429), want: polyv.ErrQuotaExceeded, kind: "quota_exceeded", text: "HTTP 429"},
		{name: "slow server times out", reply: polyvtest.Slow(time.Minute), timeout: 150 * time.Millisecond, want: context.DeadlineExceeded, kind: "timeout", text: "no answer"},
		{name: "hanging server times out", reply: polyvtest.Hang(), timeout: 150 * time.Millisecond, want: context.DeadlineExceeded, kind: "timeout", text: "timeout 150ms"},
		{name: "connection refused", refused: true, kind: "transport", text: "cannot reach Polyv"},
		{name: "connection reset", reply: polyvtest.ResetConn(), kind: "transport", text: "cannot reach Polyv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.Script(10001, tc.reply)
			opts := []polyv.Option{polyv.WithRetries(1, time.Millisecond)}
			if tc.timeout > 0 {
				opts = append(opts, polyv.WithTimeout(tc.timeout))
			}
			if tc.refused {
				opts = append(opts, polyv.WithBaseURL(closedURL(t)))
			}
			c, _ := newClient(t, srv, opts...)
			err := stop(context.Background(), c, 10001)
			require.Equal(t, tc.kind, polyv.Kind(err), "err = %v", err)
			if tc.kind == "ok" {
				require.NoError(t, err)
				require.Equal(t, 1, srv.StopCalls(10001))
				return
			}
			require.Error(t, err)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
			require.Contains(t, err.Error(), tc.text)
			require.Contains(t, err.Error(), "stop-pull-stream", "the error names the call")
			require.NotContains(t, err.Error(), testAppSecret)
		})
	}
}

func TestVerificationEndToEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []polyv.Option
		want error
	}{
		{"MD5", nil, nil},
		{"SHA256", []polyv.Option{polyv.WithSignatureMethod(polyv.SHA256)}, nil},
		{"clock 4 minutes slow", []polyv.Option{polyv.WithClock(func() time.Time { return time.Now().Add(-4 * time.Minute) })}, polyv.ErrInvalidTimestamp},
		{"clock 4 minutes fast", []polyv.Option{polyv.WithClock(func() time.Time { return time.Now().Add(4 * time.Minute) })}, polyv.ErrInvalidTimestamp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			c, _ := newClient(t, srv, tc.opts...)
			err := stop(context.Background(), c, 7)
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
			}
			calls := srv.Calls()
			require.Len(t, calls, 1, "refusals are not retried")
		})
	}
}

func TestSHA256FormOnTheWire(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c, _ := newClient(t, srv, polyv.WithSignatureMethod(polyv.SHA256))
	require.NoError(t, stop(context.Background(), c, 42))
	form := srv.Calls()[0].Form
	require.Equal(t, "SHA256", form.Get("signatureMethod"))
	require.Len(t, form.Get("sign"), 64)
	require.Equal(t, "42", form.Get("channelId"))
	require.Len(t, form.Get("timestamp"), 13)
	require.Empty(t, form.Get("appSecret"))
}

func TestBlankValuesAreNotSent(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c := polyv.NewClient(" ", testAppSecret, polyv.WithBaseURL(srv.URL), polyv.WithRetries(1, 0))
	require.ErrorIs(t, stop(context.Background(), c, 5), polyv.ErrAppNotFound)
	form := srv.Calls()[0].Form
	require.NotContains(t, form, "appId", "a blank value is neither signed nor sent")
	require.Equal(t, "appId is required", srv.Calls()[0].Verdict)
}

func TestWrongSecret(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(5, polyvtest.ServerFail())
	bad := polyv.NewClient(testAppID, "not-the-secret", polyv.WithBaseURL(srv.URL))
	err := stop(context.Background(), bad, 5)
	require.ErrorIs(t, err, polyv.ErrInvalidSignature)
	require.Equal(t, "invalid_signature", polyv.Kind(err))
	require.Equal(t, "invalid signature", srv.Calls()[0].Verdict)

	// The refused call did not consume the scripted reply.
	good, _ := newClient(t, srv, polyv.WithRetries(1, 0))
	require.ErrorIs(t, stop(context.Background(), good, 5), polyv.ErrServer)
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		replies []polyvtest.Reply
		want    error
		calls   int
	}{
		{"5xx then success", []polyvtest.Reply{polyvtest.HTML(502), polyvtest.OK()}, nil, 2},
		{"500 fail then success", []polyvtest.Reply{polyvtest.ServerFail(), polyvtest.OK()}, nil, 2},
		{"reset then success", []polyvtest.Reply{polyvtest.ResetConn(), polyvtest.OK()}, nil, 2},
		{"4xx is final", []polyvtest.Reply{polyvtest.ChannelNotFound(), polyvtest.OK()}, polyv.ErrChannelNotFound, 1},
		{"429 is final", []polyvtest.Reply{polyvtest.QuotaExceeded(), polyvtest.OK()}, polyv.ErrQuotaExceeded, 1},
		{"garbage 200 is final", []polyvtest.Reply{polyvtest.Garbage(), polyvtest.OK()}, polyv.ErrBadResponse, 1},
		{"quota under 503 is final", []polyvtest.Reply{polyvtest.Custom(503, `{"code":503,"status":"error","message":"qps exceeds number of calls"}`), polyvtest.OK()}, polyv.ErrQuotaExceeded, 1},
		{"invalid signature under 500 is final", []polyvtest.Reply{polyvtest.Custom(500, `{"code":403,"status":"error","message":"invalid signature."}`), polyvtest.OK()}, polyv.ErrInvalidSignature, 1},
		{"code 500 fail under HTTP 200 is final", []polyvtest.Reply{polyvtest.Custom(200, `{"code":500,"status":"fail","message":"boom"}`), polyvtest.OK()}, polyv.ErrServer, 1},
		{"3 x 5xx", []polyvtest.Reply{polyvtest.HTML(503), polyvtest.ServerFail(), polyvtest.Empty(504), polyvtest.OK()}, polyv.ErrServer, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.Script(9, tc.replies...)
			var ev events
			c, _ := newClient(t, srv, polyv.WithObserver(ev.add))
			err := stop(context.Background(), c, 9)
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
			}
			require.Equal(t, tc.calls, srv.StopCalls(9))
			got := ev.all()
			require.Len(t, got, tc.calls, "one event per attempt")
			for i, e := range got {
				require.Equal(t, i+1, e.Attempt)
				require.Equal(t, "stop-pull-stream", e.Op)
			}
		})
	}
}

func TestEveryAttemptIsFreshlySigned(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(9, polyvtest.HTML(502), polyvtest.HTML(502))
	start := time.Now()
	var ticks atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
	c, _ := newClient(t, srv, polyv.WithClock(clock))
	require.NoError(t, stop(context.Background(), c, 9))
	calls := srv.Calls()
	require.Len(t, calls, 3)
	seenTS, seenSign := map[string]bool{}, map[string]bool{}
	for _, call := range calls {
		require.True(t, strings.HasPrefix(call.Verdict, "scripted") || call.Verdict == "ok", "verdict %q", call.Verdict)
		seenTS[call.Form.Get("timestamp")] = true
		seenSign[call.Form.Get("sign")] = true
	}
	require.Len(t, seenTS, 3, "a fresh timestamp per attempt")
	require.Len(t, seenSign, 3, "a fresh sign per attempt")
}

func TestTimeoutCoversRetries(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(3, polyvtest.Hang(), polyvtest.OK())
	c, _ := newClient(t, srv, polyv.WithTimeout(100*time.Millisecond))
	err := stop(context.Background(), c, 3)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, "timeout", polyv.Kind(err))
	require.Equal(t, 1, srv.StopCalls(3), "no attempt after the deadline")
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(3, polyvtest.Hang())
	c, _ := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_ = srv.WaitCalls(context.Background(), 1)
		cancel()
	}()
	err := stop(ctx, c, 3)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "canceled", polyv.Kind(err))
}

func TestInvalidChannelIDs(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c, _ := newClient(t, srv)
	for _, id := range []int64{0, -1, -10001, 2147483648} {
		err := stop(context.Background(), c, id)
		require.Error(t, err, "id %d", id)
		require.Contains(t, err.Error(), fmt.Sprint(id))
		_, err = c.LiveStatus(context.Background(), 1, id)
		require.Error(t, err, "id %d", id)
	}
	_, err := c.LiveStatus(context.Background())
	require.Error(t, err)
	require.Empty(t, srv.Calls())
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	c := polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL("http://polyv.example/"))
	want := "polyv.Client{appId: testapp01, base: http://polyv.example, method: MD5}"
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		got := fmt.Sprintf(verb, c)
		require.NotContains(t, got, testAppSecret, verb)
		require.NotContains(t, got, fmt.Sprintf("%x", testAppSecret), verb)
		if verb != "%x" && verb != "%q" {
			require.Equal(t, want, got, verb)
		}
		deref := fmt.Sprintf(verb, *c)
		require.NotContains(t, deref, testAppSecret, "dereferenced "+verb)
		require.NotContains(t, deref, fmt.Sprintf("%x", testAppSecret), "dereferenced "+verb)
	}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c, logs := newClient(t, srv, polyv.WithDryRun(true))
	require.NoError(t, stop(context.Background(), c, 10001))
	require.Empty(t, srv.Calls(), "a dry run sends nothing")
	out := logs.String()
	require.Contains(t, out, "dry run: stop-pull-stream not sent")
	require.Contains(t, out, `"channelId":"10001"`)
	require.Contains(t, out, `"appId":"testapp01"`)
	require.Contains(t, out, `"sign":"`)
	require.NotContains(t, out, testAppSecret)

	// Read-only calls still go out.
	_, err := c.LiveStatus(context.Background(), 10001)
	require.NoError(t, err)
	require.Len(t, srv.Calls(), 1)
}
