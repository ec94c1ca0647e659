package polyv_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestLiveStatus(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c, _ := newClient(t, srv)
	ctx := context.Background()
	srv.SetLiveStatus(2, polyv.StatusUnstart)
	srv.KeepLive(4)
	require.NoError(t, stop(ctx, c, 3))
	require.NoError(t, stop(ctx, c, 4))

	got, err := c.LiveStatus(ctx, 1, 2, 3, 1, 4)
	require.NoError(t, err)
	require.Equal(t, map[int64]polyv.LiveStatus{
		1: polyv.StatusLive, 2: polyv.StatusUnstart, 3: polyv.StatusEnd, 4: polyv.StatusLive,
	}, got)
	calls := srv.Calls()
	last := calls[len(calls)-1]
	require.Equal(t, "GET", last.Method)
	require.Equal(t, "1,2,3,4", last.Form.Get("channelIds"), "comma-joined, duplicates removed")
	require.Equal(t, "ok", last.Verdict)
}

func TestLiveStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reply  polyvtest.Reply
		secret string
		want   error
		text   string
	}{
		{"v4 application not found", polyvtest.AppNotFound(), testAppSecret, polyv.ErrAppNotFound, "application not found."},
		{"v4 quota", polyvtest.QuotaExceeded(), testAppSecret, polyv.ErrQuotaExceeded, "qps exceeds"},
		{"garbage", polyvtest.Garbage(), testAppSecret, polyv.ErrBadResponse, "not json"},
		{"data of the wrong shape", polyvtest.Custom(200, `{"code":200,"status":"success","data":{"x":1}}`), testAppSecret, polyv.ErrBadResponse, "HTTP 200"},
		{"wrong secret", polyvtest.OK(), "wrong-secret", polyv.ErrInvalidSignature, "invalid signature."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.ScriptStatus(7, tc.reply)
			c := polyv.NewClient(testAppID, tc.secret, polyv.WithBaseURL(srv.URL))
			got, err := c.LiveStatus(context.Background(), 6, 7)
			require.Nil(t, got)
			require.ErrorIs(t, err, tc.want)
			require.Contains(t, err.Error(), tc.text)
			require.Contains(t, err.Error(), "live-status")
			require.Len(t, srv.Calls(), 1)
		})
	}
}

func TestLiveStatusTooManyIDs(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c, _ := newClient(t, srv)
	ids := make([]int64, 0, 201)
	for i := int64(1); i <= 201; i++ {
		ids = append(ids, i)
	}
	_, err := c.LiveStatus(context.Background(), ids...)
	require.ErrorContains(t, err, "at most 200")
	require.Empty(t, srv.Calls())

	got, err := c.LiveStatus(context.Background(), append(ids[:200], 1, 2)...)
	require.NoError(t, err, "200 distinct ids plus duplicates are fine")
	require.Len(t, got, 200)
}

func TestLiveStatusClassification(t *testing.T) {
	t.Parallel()
	const (
		live    = "live"
		notLive = "not live"
		unknown = "unknown"
	)
	tests := []struct {
		in       polyv.LiveStatus
		want     string
		describe string
	}{
		{"live", live, "live (streaming now)"},
		{"LIVE", live, "live (streaming now)"},
		{"Live", live, "live (streaming now)"},
		{"unStart", notLive, "not started"},
		{"unstart", notLive, "not started"},
		{"UNSTART", notLive, "not started"},
		{"end", notLive, "ended"},
		{"End", notLive, "ended"},
		{"waiting", notLive, "waiting"},
		{"WAITING", notLive, "waiting"},
		{"playback", notLive, "playback"},
		{"PlayBack", notLive, "playback"},
		{"banpush", notLive, "banned from pushing"},
		{"banPush", notLive, "banned from pushing"},
		{"", unknown, "no status given"},
		{" live", unknown, `unknown status "live" with spaces or invisible characters`},
		{"living", unknown, `unknown status "living"`},
		{"ended", unknown, `unknown status "ended"`},
		{"paused\n", unknown, `unknown status "paused"`},
		{"lıve", unknown, `unknown status "lıve"`},                     // dotless i: not "live" in any case
		{"playbac\u212a", unknown, "unknown status \"playbac\u212a\""}, // Kelvin sign: only ASCII letters fold
		{"un\u017ftart", unknown, "unknown status \"un\u017ftart\""},
	}
	for _, tc := range tests {
		t.Run(string(tc.in), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want == live, tc.in.IsLive(), "IsLive(%q)", tc.in)
			require.Equal(t, tc.want == notLive, tc.in.IsNotLive(), "IsNotLive(%q)", tc.in)
			require.Equal(t, tc.describe, tc.in.Describe())
		})
	}
}

func TestDecodeLiveStatusRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rows string
		want map[int64]polyv.LiveStatus
	}{
		{"documented values", `[{"channelId":1,"liveStatus":"live"},{"channelId":2,"liveStatus":"unStart"}]`,
			map[int64]polyv.LiveStatus{1: polyv.StatusLive, 2: polyv.StatusUnstart}},
		{"letter case is canonicalised", `[{"channelId":1,"liveStatus":"LIVE"},{"channelId":2,"liveStatus":"UNSTART"}]`,
			map[int64]polyv.LiveStatus{1: polyv.StatusLive, 2: polyv.StatusUnstart}},
		{"missing liveStatus is unknown", `[{"channelId":1}]`, map[int64]polyv.LiveStatus{1: ""}},
		{"null liveStatus is unknown", `[{"channelId":1,"liveStatus":null}]`, map[int64]polyv.LiveStatus{1: ""}},
		{"undocumented value is kept as sent", `[{"channelId":1,"liveStatus":"paused\u0007"}]`, map[int64]polyv.LiveStatus{1: "paused\a"}},
		{"what cleaning would make documented is kept as sent", `[{"channelId":1,"liveStatus":" end"},{"channelId":2,"liveStatus":"e\u200bnd"}]`,
			map[int64]polyv.LiveStatus{1: " end", 2: "e\u200bnd"}},
		{"a long value is cut", `[{"channelId":1,"liveStatus":"` + strings.Repeat("x", 150) + `"}]`, map[int64]polyv.LiveStatus{1: polyv.LiveStatus(strings.Repeat("x", 100) + "…")}},
		{"rows that differ only in invisible characters disagree", `[{"channelId":1,"liveStatus":"end"},{"channelId":1,"liveStatus":"e\u200bnd"}]`, map[int64]polyv.LiveStatus{1: ""}},
		{"quoted channelId", `[{"channelId":"7","liveStatus":"end"}]`, map[int64]polyv.LiveStatus{7: polyv.StatusEnd}},
		{"missing channelId names no channel", `[{"liveStatus":"end"},{"channelId":2,"liveStatus":"live"}]`, map[int64]polyv.LiveStatus{2: polyv.StatusLive}},
		{"null channelId names no channel", `[{"channelId":null,"liveStatus":"end"}]`, map[int64]polyv.LiveStatus{}},
		{"zero channelId names no channel", `[{"channelId":0,"liveStatus":"end"}]`, map[int64]polyv.LiveStatus{}},
		{"negative channelId names no channel", `[{"channelId":-3,"liveStatus":"end"}]`, map[int64]polyv.LiveStatus{}},
		{"channelId out of range names no channel", `[{"channelId":2147483648,"liveStatus":"end"}]`, map[int64]polyv.LiveStatus{}},
		{"duplicate rows that agree", `[{"channelId":1,"liveStatus":"end"},{"channelId":1,"liveStatus":"END"}]`, map[int64]polyv.LiveStatus{1: polyv.StatusEnd}},
		{"duplicate rows that disagree are unknown", `[{"channelId":1,"liveStatus":"end"},{"channelId":1,"liveStatus":"live"}]`, map[int64]polyv.LiveStatus{1: ""}},
		{"disagreement is not undone by a third row", `[{"channelId":1,"liveStatus":"live"},{"channelId":1,"liveStatus":"end"},{"channelId":1,"liveStatus":"end"}]`, map[int64]polyv.LiveStatus{1: ""}},
		{"null data", `null`, map[int64]polyv.LiveStatus{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"code":200,"status":"success","data":` + tc.rows + `,"success":true}`
			got, err := polyv.DecodeLiveStatus(200, []byte(body))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLiveStatusCaseEndToEnd(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.SetLiveStatus(5, "LIVE")
	srv.SetLiveStatus(6, "")
	srv.SetLiveStatus(7, "End")
	c, _ := newClient(t, srv)
	got, err := c.LiveStatus(context.Background(), 5, 6, 7)
	require.NoError(t, err)
	require.True(t, got[5].IsLive())
	require.Equal(t, polyv.StatusLive, got[5])
	require.False(t, got[6].IsLive())
	require.False(t, got[6].IsNotLive(), "no status proves nothing")
	require.True(t, got[7].IsNotLive())
}

func TestTryLiveStatusNeverWaitsForAToken(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.ScriptStatus(10001, polyvtest.ServerFail())
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim), polyv.WithMaxWait(time.Hour))

	_, err := c.TryLiveStatus(context.Background(), 10001)
	require.ErrorIs(t, err, polyv.ErrServer, "one attempt: a 5xx is not retried")
	require.Len(t, srv.Calls(), 1)

	start := time.Now()
	_, err = c.TryLiveStatus(context.Background(), 10001)
	var le *polyv.LimitError
	require.ErrorAs(t, err, &le, "no token now: refused at once")
	require.Less(t, time.Since(start), time.Minute)
	require.Len(t, srv.Calls(), 1, "nothing was sent")
	require.Greater(t, lim.Tokens(), -0.5, "the refusal kept no reservation that others would wait behind")
}
