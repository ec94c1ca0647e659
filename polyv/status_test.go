package polyv_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

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
	require.NoError(t, c.StopPullStream(ctx, 3))
	require.NoError(t, c.StopPullStream(ctx, 4))

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
