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

// withUser is a client option with the fake's userId.
var withUser = polyv.WithUserID(polyvtest.DefaultUserID)

// pushBanOps are the two calls that need the userId, for tables.
var pushBanOps = []struct {
	name string
	op   polyvtest.Op
	call func(*polyv.Client, context.Context, int64) (polyv.CallStats, error)
}{
	{"cutoff", polyvtest.OpCutoff, (*polyv.Client).Cutoff},
	{"resume", polyvtest.OpResume, (*polyv.Client).Resume},
}

// TestPullStopLeavesPushedStreamLive: a pull stop cannot end what an encoder
// pushes; a cutoff can, and a resume lets it back.
func TestPullStopLeavesPushedStreamLive(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.SetStreamType(10001, polyv.StreamClient)
	c, _ := newClient(t, srv, withUser)
	ctx := context.Background()
	liveNow := func() polyv.LiveStatus {
		st, err := c.LiveStatus(ctx, 10001)
		require.NoError(t, err)
		return st[10001]
	}

	typ, err := c.StreamType(ctx, 10001)
	require.NoError(t, err)
	require.True(t, typ.Pushed())
	require.NoError(t, stop(ctx, c, 10001))
	require.Equal(t, polyv.StatusLive, liveNow(), "the pull stop answered success, and the stream runs on")

	stats, err := c.Cutoff(ctx, 10001)
	require.NoError(t, err)
	require.Equal(t, 1, stats.Attempts)
	require.False(t, stats.Unclear)
	require.Equal(t, polyv.StatusBanpush, liveNow())

	_, err = c.Resume(ctx, 10001)
	require.NoError(t, err)
	require.Equal(t, polyv.StatusLive, liveNow())
}

func TestPushBanRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range pushBanOps {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			var ev events
			c, _ := newClient(t, srv, withUser, polyv.WithObserver(ev.add))
			_, err := tc.call(c, context.Background(), 10001)
			require.NoError(t, err)
			calls := srv.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, "POST", calls[0].Method)
			require.Equal(t, "/live/v2/stream/10001/"+tc.name, calls[0].Path)
			require.Equal(t, "ok", calls[0].Verdict, "the fake verified the sign over the form")
			require.Equal(t, []int64{10001}, calls[0].ChannelIDs)
			form := calls[0].Form
			require.ElementsMatch(t, []string{"appId", "timestamp", "sign", "userId"}, keys(form),
				"the channel id is in the path only; no forbidTime")
			require.Equal(t, polyvtest.DefaultUserID, form.Get("userId"))
			require.Equal(t, tc.name, ev.all()[0].Op)
		})
	}
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPushBanAnswers(t *testing.T) {
	t.Parallel()
	done := func(data string) polyvtest.Reply {
		return polyvtest.Custom(200, `{"code":200,"status":"success","message":"","data":`+data+`}`)
	}
	tests := []struct {
		name     string
		replies  []polyvtest.Reply
		userID   string
		want     error
		kind     string
		text     string
		attempts int
		unclear  bool
	}{
		{name: "success", kind: "ok", attempts: 1},
		{name: "data in capitals", replies: []polyvtest.Reply{done(`"SUCCESS"`)}, kind: "ok", attempts: 1},
		{name: "data empty", replies: []polyvtest.Reply{done(`""`)}, want: polyv.ErrBadResponse, kind: "bad_response", text: `contradictory answer: code 200 but data "" (HTTP 200)`, attempts: 1, unclear: true},
		{name: "data fail", replies: []polyvtest.Reply{done(`"fail"`)}, want: polyv.ErrBadResponse, kind: "bad_response", text: `but data "fail"`, attempts: 1, unclear: true},
		{name: "data true", replies: []polyvtest.Reply{done(`true`)}, want: polyv.ErrBadResponse, kind: "bad_response", text: "but data true", attempts: 1, unclear: true},
		{name: "data success with spaces", replies: []polyvtest.Reply{done(`" success"`)}, want: polyv.ErrBadResponse, kind: "bad_response", attempts: 1, unclear: true},
		{name: "no data", replies: []polyvtest.Reply{polyvtest.Custom(200, `{"code":200,"status":"success"}`)}, want: polyv.ErrBadResponse, kind: "bad_response", text: "but no data", attempts: 1, unclear: true},
		{name: "status error with data success", replies: []polyvtest.Reply{polyvtest.Custom(200, `{"code":200,"status":"error","data":"success"}`)}, want: polyv.ErrBadResponse, kind: "bad_response", attempts: 1, unclear: true},
		{name: "data twice", replies: []polyvtest.Reply{done(`"","data":"success"`)}, want: polyv.ErrBadResponse, kind: "bad_response", text: `key "data" given twice`, attempts: 1, unclear: true},
		{name: "wrong userId", userID: "someoneelse", want: polyv.ErrWrongUserID, kind: "wrong_user_id", text: "illegal userId. (code 403, HTTP 403)", attempts: 1},
		{name: "userId refused as required", replies: []polyvtest.Reply{polyvtest.UserIDRequired()}, want: polyv.ErrWrongUserID, kind: "wrong_user_id", attempts: 1},
		{name: "unknown channel", replies: []polyvtest.Reply{polyvtest.IllegalChannelID(10001)}, want: polyv.ErrChannelNotFound, kind: "channel_not_found", attempts: 1},
		{name: "5xx then success", replies: []polyvtest.Reply{polyvtest.ServerFail(), polyvtest.OK()}, kind: "ok", attempts: 2},
		{name: "504 after the cutoff, then a refusal", replies: []polyvtest.Reply{polyvtest.HTML(504).AfterStop(), polyvtest.Custom(400, `{"code":400,"status":"error","message":"illegal stream status","data":""}`)}, kind: "other", text: "illegal stream status", attempts: 2, unclear: true},
		{name: "cut short", replies: []polyvtest.Reply{polyvtest.OK().CutShort()}, want: polyv.ErrAnswerCut, kind: "answer_cut", attempts: 1, unclear: true},
		{name: "redirect", replies: []polyvtest.Reply{polyvtest.Redirect(307, "https://elsewhere.example/")}, want: polyv.ErrRedirect, kind: "redirect", attempts: 1},
	}
	for _, tc := range tests {
		for _, pb := range pushBanOps {
			t.Run(pb.name+" "+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := fake(t)
				srv.ScriptOp(pb.op, 10001, tc.replies...)
				userID := polyvtest.DefaultUserID
				if tc.userID != "" {
					userID = tc.userID
				}
				c, logs := newClient(t, srv, polyv.WithUserID(userID))
				stats, err := pb.call(c, context.Background(), 10001)
				require.Equal(t, tc.kind, polyv.Kind(err), "err = %v", err)
				require.Equal(t, tc.attempts, stats.Attempts)
				require.Equal(t, tc.attempts, srv.OpCalls(pb.op, 10001))
				require.Equal(t, tc.unclear, stats.Unclear)
				require.NotContains(t, logs.String(), userID, "the userId is not logged in full")
				if tc.kind == "ok" {
					require.NoError(t, err)
					return
				}
				if tc.want != nil {
					require.ErrorIs(t, err, tc.want)
				}
				require.Contains(t, err.Error(), "polyv "+pb.name+": ")
				require.Contains(t, err.Error(), tc.text)
				checkErrorText(t, err)
			})
		}
	}
}

// TestNoUserID: without a userId nothing is sent, not even in a dry run,
// and the error says which kind it is.
func TestNoUserID(t *testing.T) {
	t.Parallel()
	for _, userID := range []string{"", " \t"} {
		for _, dry := range []bool{false, true} {
			srv := fake(t)
			var ev events
			c, logs := newClient(t, srv, polyv.WithUserID(userID), polyv.WithDryRun(dry), polyv.WithObserver(ev.add))
			for _, pb := range pushBanOps {
				stats, err := pb.call(c, context.Background(), 10001)
				require.ErrorIs(t, err, polyv.ErrNoUserID)
				require.Equal(t, "no_user_id", polyv.Kind(err))
				require.Equal(t, "polyv "+pb.name+": no userId set (WithUserID), so nothing was sent", err.Error())
				require.Zero(t, stats)
			}
			err := c.CheckUserID(context.Background())
			require.ErrorIs(t, err, polyv.ErrNoUserID)
			require.Equal(t, "no_user_id", polyv.Kind(err))
			require.Empty(t, srv.Calls())
			require.Empty(t, ev.all(), "no attempt, no limiter token")
			require.NotContains(t, logs.String(), "dry run")
		}
	}
}

func TestPushBanDryRun(t *testing.T) {
	t.Parallel()
	for _, pb := range pushBanOps {
		t.Run(pb.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			lim := rate.NewLimiter(rate.Every(time.Hour), 1)
			c, logs := newClient(t, srv, polyv.WithUserID("1b448be323"), polyv.WithDryRun(true), polyv.WithLimiter(lim), polyv.WithMaxWait(time.Second))
			stats, err := pb.call(c, context.Background(), 10001)
			require.NoError(t, err)
			require.Zero(t, stats.Attempts)
			require.False(t, stats.Unclear)
			require.Empty(t, srv.Calls(), "a dry run sends nothing")
			require.Less(t, lim.Tokens(), 1.0, "but takes its token, as for real")
			out := logs.String()
			require.Contains(t, out, `"msg":"dry run: `+pb.name+` not sent"`)
			require.Contains(t, out, `"url":"`+srv.URL+`/live/v2/stream/10001/`+pb.name+`"`)
			require.Contains(t, out, `"channelId":"10001"`)
			require.Contains(t, out, `"userId":"1b…23"`)
			require.Contains(t, out, `"sign":"`)
			require.NotContains(t, out, "1b448be323", "the userId shortened at info level")
			require.NotContains(t, out, testAppSecret)

			_, err = pb.call(c, context.Background(), 10002)
			require.ErrorIs(t, err, polyv.ErrRateLimited, "a dry run waits for the limiter like a real call")
		})
	}
}

func TestCheckUserID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		userID string
		reply  polyvtest.Reply
		want   error
		kind   string
		text   string
	}{
		{name: "right", userID: polyvtest.DefaultUserID, kind: "ok"},
		{name: "another account's", userID: "1b448be323", want: polyv.ErrWrongUserID, kind: "wrong_user_id",
			text: "polyv user-info: the appId's account has userId pv…01, not 1b…23"},
		{name: "in another letter case", userID: "PVTEST0001", want: polyv.ErrWrongUserID, kind: "wrong_user_id"},
		{name: "answer without a userId", userID: polyvtest.DefaultUserID, kind: "bad_response", want: polyv.ErrBadResponse,
			reply: polyvtest.Custom(200, `{"code":200,"status":"success","data":{"email":"owner@polyvtest.example"}}`), text: "no userId in the account's answer"},
		{name: "answer without data", userID: polyvtest.DefaultUserID, kind: "bad_response", want: polyv.ErrBadResponse,
			reply: polyvtest.Custom(200, `{"code":200,"status":"success","data":null}`)},
		{name: "userId twice", userID: polyvtest.DefaultUserID, kind: "bad_response", want: polyv.ErrBadResponse,
			reply: polyvtest.Custom(200, `{"code":200,"status":"success","data":{"userId":"x","userid":"`+polyvtest.DefaultUserID+`","email":"owner@polyvtest.example"}}`), text: `key "data.userId" given twice`},
		{name: "wrong secret", userID: polyvtest.DefaultUserID, reply: polyvtest.InvalidSignature(), want: polyv.ErrInvalidSignature, kind: "invalid_signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			if tc.reply != (polyvtest.Reply{}) {
				srv.ScriptOp(polyvtest.OpUserInfo, 0, tc.reply)
			}
			c, _ := newClient(t, srv, polyv.WithUserID(tc.userID))
			err := c.CheckUserID(context.Background())
			require.Equal(t, tc.kind, polyv.Kind(err), "err = %v", err)
			calls := srv.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, "/live/v3/user/get-info", calls[0].Path)
			require.Empty(t, calls[0].Form.Get("userId"), "user-info takes no userId")
			if tc.kind == "ok" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.Contains(t, err.Error(), tc.text)
			require.NotContains(t, err.Error(), "owner@polyvtest.example", "the account's email is never quoted")
			if tc.userID != polyvtest.DefaultUserID {
				require.NotContains(t, err.Error(), tc.userID, "userIds are shown shortened")
				require.NotContains(t, err.Error(), polyvtest.DefaultUserID)
			}
			checkText(t, err.Error())
		})
	}
}
