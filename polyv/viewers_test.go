package polyv_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestRealtimeViewers(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.SetViewers(10001, 12, 30, 45)
	srv.SetViewers(10002, 7)
	srv.Unknown(10004)
	var ev events
	c, _ := newClient(t, srv, polyv.WithObserver(ev.add))
	got, err := c.RealtimeViewers(context.Background(), 10001, 10002, 10003, 10004, 10001)
	require.NoError(t, err)
	require.Equal(t, map[int64]int{10001: 12, 10002: 7, 10003: 0}, got,
		"the newest count of each channel; none for a channel Polyv does not know")

	calls := srv.Calls()
	require.Len(t, calls, 1, "one call for all channels")
	require.Equal(t, "ok", calls[0].Verdict)
	require.Equal(t, "/live/v2/statistics/get-realtime-viewers", calls[0].Path)
	require.Equal(t, "10001,10002,10003,10004", calls[0].Form.Get("channelIds"), "duplicates removed")
	require.Equal(t, "realtime-viewers", ev.all()[0].Op)
}

func TestRealtimeViewersIDs(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c, _ := newClient(t, srv)
	many := make([]int64, 201)
	for i := range many {
		many[i] = int64(i + 1)
	}
	for _, ids := range [][]int64{nil, {0}, {1, -5}, {1 << 31}, many} {
		_, err := c.RealtimeViewers(context.Background(), ids...)
		require.Error(t, err, "ids %v", ids)
		require.Contains(t, err.Error(), "polyv")
	}
	require.Empty(t, srv.Calls(), "nothing sent for ids the client refuses")

	got, err := c.RealtimeViewers(context.Background(), many[:200]...)
	require.NoError(t, err)
	require.Len(t, got, 200, "200 channels in one call")
}

func TestViewerCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rows string
		want map[int64]int
		text string // in the error when the answer is unreadable
	}{
		{name: "string of digits", rows: `[{"channelId":1,"time":"15:39:10","count":"1234"}]`, want: map[int64]int{1: 1234}},
		{name: "number", rows: `[{"channelId":1,"time":"14:15:49","count":0}]`, want: map[int64]int{1: 0}},
		{name: "leading zeros", rows: `[{"channelId":"1","count":"0012"}]`, want: map[int64]int{1: 12}},
		{name: "newest first", rows: `[{"channelId":1,"count":"5"},{"channelId":2,"count":"9"},{"channelId":1,"count":"4"}]`, want: map[int64]int{1: 5, 2: 9}},
		{name: "no rows", rows: `[]`, want: map[int64]int{}},
		{name: "null data", rows: `null`, want: map[int64]int{}},
		{name: "row naming no channel dropped", rows: `[{"channelId":0,"count":"3"},{"count":"3"},{"channelId":1,"count":"2"}]`, want: map[int64]int{1: 2}},
		{name: "other keys twice", rows: `[{"channelId":1,"time":"a","time":"b","count":"2"}]`, want: map[int64]int{1: 2}},

		{name: "empty string", rows: `[{"channelId":1,"count":""}]`, text: `data[0].count is "", not a number of viewers`},
		{name: "words", rows: `[{"channelId":1,"count":"many"}]`, text: `data[0].count is "many"`},
		{name: "negative", rows: `[{"channelId":1,"count":-1}]`, text: "data[0].count is -1"},
		{name: "negative string", rows: `[{"channelId":1,"count":"-1"}]`, text: `"-1"`},
		{name: "plus sign", rows: `[{"channelId":1,"count":"+1"}]`, text: `"+1"`},
		{name: "fraction", rows: `[{"channelId":1,"count":1.5}]`, text: "1.5"},
		{name: "exponent", rows: `[{"channelId":1,"count":1e3}]`, text: "1e3"},
		{name: "spaces", rows: `[{"channelId":1,"count":" 5"}]`, text: `" 5"`},
		{name: "full-width digits", rows: `[{"channelId":1,"count":"５"}]`, text: `"５"`},
		{name: "null", rows: `[{"channelId":1,"count":null}]`, text: "is null"},
		{name: "missing", rows: `[{"channelId":1,"time":"15:39:10"}]`, text: "data[0].count is missing"},
		{name: "too large", rows: `[{"channelId":1,"count":"99999999999999999999"}]`, text: "not a number of viewers"},
		{name: "boolean", rows: `[{"channelId":1,"count":true}]`, text: "is true"},
		{name: "in an older row", rows: `[{"channelId":1,"count":"5"},{"channelId":1,"count":"x"}]`, text: "data[1].count"},
		{name: "data not rows", rows: `{"channelId":1,"count":"5"}`, text: "unreadable answer"},
		{name: "count twice", rows: `[{"channelId":1,"count":"0","count":"500"}]`, text: `key "data[0].count" given twice`},
		{name: "channelId twice", rows: `[{"channelId":1,"count":"5"},{"channelId":2,"ChannelId":1,"count":"5"}]`, text: `key "data[1].channelId" given twice (as "channelId" and "ChannelId")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.ScriptOp(polyvtest.OpViewers, 1, polyvtest.Custom(200, `{"code":200,"status":"success","message":"","data":`+tc.rows+`}`))
			c, _ := newClient(t, srv)
			got, err := c.RealtimeViewers(context.Background(), 1)
			if tc.want != nil {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			require.Nil(t, got)
			require.ErrorIs(t, err, polyv.ErrBadResponse, "unreadable, never 0")
			require.Equal(t, "bad_response", polyv.Kind(err))
			require.Contains(t, err.Error(), "polyv realtime-viewers: unreadable answer (HTTP 200): ")
			require.Contains(t, err.Error(), tc.text)
			checkErrorText(t, err)
		})
	}
}

func TestRealtimeViewersRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reply    polyvtest.Reply
		want     error
		attempts int
	}{
		{"invalid signature", polyvtest.InvalidSignature(), polyv.ErrInvalidSignature, 1},
		{"quota", polyvtest.QuotaExceeded(), polyv.ErrQuotaExceeded, 1},
		{"server error every time", polyvtest.HTML(502), polyv.ErrServer, 3},
		{"redirect", polyvtest.Redirect(302, "https://elsewhere.example/"), polyv.ErrRedirect, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.Always(polyvtest.OpViewers, 1, tc.reply)
			c, _ := newClient(t, srv)
			_, err := c.RealtimeViewers(context.Background(), 1, 2)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, tc.attempts, srv.OpCalls(polyvtest.OpViewers, 1), "retried like any read")
		})
	}
}

func BenchmarkDecodeViewers(b *testing.B) {
	var rows []string
	for id := 1; id <= 200; id++ {
		for i := range 15 {
			rows = append(rows, `{"channelId":`+strconv.Itoa(id)+`,"time":"15:39:10","count":"`+strconv.Itoa(i)+`"}`)
		}
	}
	body := `{"code":200,"status":"success","message":"","data":[` + strings.Join(rows, ",") + `]}`
	srv := polyvtest.NewServer(testAppID, testAppSecret)
	b.Cleanup(srv.Close)
	srv.Always(polyvtest.OpViewers, 1, polyvtest.Custom(200, body))
	c := polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL(srv.URL))
	for b.Loop() {
		got, err := c.RealtimeViewers(context.Background(), 1)
		if err != nil || len(got) != 200 {
			b.Fatal(err, len(got))
		}
	}
}
