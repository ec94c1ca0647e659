package polyv_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestChannelInfoNames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("频道", 100) // 600 bytes
	tests := []struct {
		name, sent, want string
	}{
		{"plain", "Product launch", "Product launch"},
		{"a Slack mention is kept: escaping is the caller's", "<!channel> pwn", "<!channel> pwn"},
		{"bidi override dropped", "live \u202egnp.exe", "live gnp.exe"},
		{"zero-width characters dropped", "ad\u200bmin\u2060 \ufeffroom", "admin room"},
		{"right-to-left letters kept", "שלום עולם", "שלום עולם"},
		{"control characters become spaces", "a\x07b\nc\td", "a b c d"},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"the appSecret redacted", "leak " + testAppSecret, "leak [redacted]"},
		{"very long cut on a rune", long, long[:195] + "…"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.SetName(10001, tc.sent, "host: "+tc.sent)
			c, _ := newClient(t, srv)
			info, err := c.ChannelInfo(context.Background(), 10001)
			require.NoError(t, err)
			require.Equal(t, int64(10001), info.ID)
			require.Equal(t, tc.want, info.Name)
			checkName(t, info.Name)
			checkName(t, info.Publisher)
			require.True(t, strings.HasPrefix(info.Publisher, "host:"), info.Publisher)
		})
	}
}

// checkName: a kept name is valid UTF-8 without control or invisible format
// characters, within MaxNameBytes.
func checkName(t *testing.T, s string) {
	t.Helper()
	require.LessOrEqual(t, len(s), polyv.MaxNameBytes)
	require.True(t, utf8.ValidString(s), "%q", s)
	for _, r := range s {
		require.False(t, unicode.IsControl(r) || unicode.Is(unicode.Cf, r), "%U in %q", r, s)
	}
}

func TestChannelInfoAnswers(t *testing.T) {
	t.Parallel()
	ok := func(data string) polyvtest.Reply {
		return polyvtest.Custom(200, `{"code":200,"status":"success","message":"","data":`+data+`}`)
	}
	tests := []struct {
		name     string
		reply    polyvtest.Reply
		unknown  bool
		want     error
		kind     string
		text     string
		attempts int
	}{
		{name: "default", kind: "ok", attempts: 1},
		{name: "channel id as a string", reply: ok(`{"channelId":"10001","name":"n"}`), kind: "ok", attempts: 1},
		{name: "no channelId", reply: ok(`{"name":"n"}`), kind: "ok", attempts: 1},
		{name: "unknown to Polyv", unknown: true, want: polyv.ErrChannelNotFound, kind: "channel_not_found", text: "illegal channel id: 10001 (code 403, HTTP 403)", attempts: 1},
		{name: "success without data", reply: ok(`null`), want: polyv.ErrChannelNotFound, kind: "channel_not_found", text: "a success without data", attempts: 1},
		{name: "success with data absent", reply: polyvtest.Custom(200, `{"code":200,"status":"success"}`), want: polyv.ErrChannelNotFound, kind: "channel_not_found", attempts: 1},
		{name: "channel not found", reply: polyvtest.ChannelNotFound(), want: polyv.ErrChannelNotFound, kind: "channel_not_found", attempts: 1},
		{name: "another channel", reply: ok(`{"channelId":10002,"name":"n"}`), want: polyv.ErrBadResponse, kind: "bad_response", text: "asked for channel 10001, answered about channel 10002", attempts: 1},
		{name: "data not an object", reply: ok(`"x"`), want: polyv.ErrBadResponse, kind: "bad_response", text: "data is not a channel's information", attempts: 1},
		{name: "name not a string", reply: ok(`{"name":7}`), want: polyv.ErrBadResponse, kind: "bad_response", attempts: 1},
		{name: "name twice", reply: ok(`{"channelId":10001,"name":"a","Name":"b","channelPasswd":"` + polyvtest.ChannelPassword + `"}`), want: polyv.ErrBadResponse, kind: "bad_response", text: `key "data.name" given twice (as "name" and "Name")`, attempts: 1},
		{name: "publisher twice", reply: ok(`{"publisher":"a","publisher":"b"}`), want: polyv.ErrBadResponse, kind: "bad_response", text: `"data.publisher" given twice`, attempts: 1},
		{name: "invalid signature", reply: polyvtest.InvalidSignature(), want: polyv.ErrInvalidSignature, kind: "invalid_signature", attempts: 1},
		{name: "server error is retried", reply: polyvtest.ServerFail(), kind: "ok", attempts: 2},
		{name: "unreadable", reply: polyvtest.Garbage(), want: polyv.ErrBadResponse, kind: "bad_response", text: "not json", attempts: 1},
		{name: "JSON without a code is not quoted", reply: polyvtest.Custom(200, `{"data":{"channelPasswd":"`+polyvtest.ChannelPassword+`"}}`), want: polyv.ErrBadResponse, kind: "bad_response", text: "not shown", attempts: 1},
		{name: "cut short, not quoted", reply: polyvtest.OK().CutShort(), want: polyv.ErrAnswerCut, kind: "answer_cut", text: "not shown", attempts: 1},
		{name: "HTML is quoted", reply: polyvtest.HTML(404), kind: "bad_response", text: "404 Not Found", attempts: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			if tc.unknown {
				srv.Unknown(10001)
			}
			if tc.reply != (polyvtest.Reply{}) {
				srv.ScriptOp(polyvtest.OpInfo, 10001, tc.reply)
			}
			var ev events
			c, _ := newClient(t, srv, polyv.WithObserver(ev.add))
			info, err := c.ChannelInfo(context.Background(), 10001)
			require.Equal(t, tc.kind, polyv.Kind(err), "err = %v", err)
			require.Equal(t, tc.attempts, srv.OpCalls(polyvtest.OpInfo, 10001))
			for _, e := range ev.all() {
				require.Equal(t, "channel-info", e.Op)
			}
			if tc.kind == "ok" {
				require.NoError(t, err)
				require.Equal(t, int64(10001), info.ID)
				return
			}
			require.Equal(t, polyv.ChannelInfo{}, info)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
			require.Contains(t, err.Error(), "polyv channel-info: ")
			require.Contains(t, err.Error(), tc.text)
			require.NotContains(t, err.Error(), polyvtest.ChannelPassword, "the answer's secrets are never quoted")
			checkErrorText(t, err)
		})
	}
}

func TestChannelInfoRequest(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	c, logs := newClient(t, srv, polyv.WithDryRun(true), polyv.WithSignatureMethod(polyv.SHA256))
	_, err := c.ChannelInfo(context.Background(), 42)
	require.NoError(t, err, "a read runs in a dry run too")
	calls := srv.Calls()
	require.Len(t, calls, 1)
	require.Equal(t, "GET", calls[0].Method)
	require.Equal(t, "/live/v3/channel/basic/get", calls[0].Path)
	require.Equal(t, "ok", calls[0].Verdict, "the fake verified the sign over the query")
	require.Equal(t, "42", calls[0].Form.Get("channelId"))
	require.Len(t, calls[0].Form.Get("sign"), 64)
	require.NotContains(t, logs.String(), "dry run")

	for _, id := range []int64{0, -1, 1 << 31} {
		_, err := c.ChannelInfo(context.Background(), id)
		require.Error(t, err)
		_, err = c.StreamType(context.Background(), id)
		require.Error(t, err)
	}
	require.Len(t, srv.Calls(), 1, "invalid ids send nothing")
}

// TestChannelInfoTimeout: a slow basic/get ends with the caller's
// deadline, like any call.
func TestChannelInfoTimeout(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Always(polyvtest.OpInfo, 10001, polyvtest.Hang())
	c, _ := newClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.ChannelInfo(ctx, 10001)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, "timeout", polyv.Kind(err))
}

// TestTryChannelInfoNeverWaitsForAToken: names must never hold a token a
// stop waits for, nor retry into Polyv's quota.
func TestTryChannelInfoNeverWaitsForAToken(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.SetName(10002, "Spring Launch", "Ada")
	srv.ScriptOp(polyvtest.OpInfo, 10001, polyvtest.ServerFail())
	lim := rate.NewLimiter(rate.Every(time.Hour), 2)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim), polyv.WithMaxWait(time.Hour))

	info, err := c.TryChannelInfo(context.Background(), 10002)
	require.NoError(t, err)
	require.Equal(t, polyv.ChannelInfo{ID: 10002, Name: "Spring Launch", Publisher: "Ada"}, info)

	_, err = c.TryChannelInfo(context.Background(), 10001)
	require.ErrorIs(t, err, polyv.ErrServer, "one attempt: a 5xx is not retried")
	require.Equal(t, 1, srv.OpCalls(polyvtest.OpInfo, 10001))

	start := time.Now()
	_, err = c.TryChannelInfo(context.Background(), 10002)
	var le *polyv.LimitError
	require.ErrorAs(t, err, &le, "no token now: refused at once")
	require.Less(t, time.Since(start), time.Minute)
	require.Len(t, srv.Calls(), 2, "nothing was sent")
	require.Greater(t, lim.Tokens(), -0.5, "the refusal kept no reservation that others would wait behind")

	_, err = c.TryChannelInfo(context.Background(), 0)
	require.Error(t, err)
	require.NotErrorAs(t, err, &le, "still no token: the id is checked first")
	require.Len(t, srv.Calls(), 2, "an invalid id sends nothing")
}

func TestStreamTypeValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sent   polyv.StreamType
		want   polyv.StreamType
		pushed bool
		pulled bool
		shown  string
	}{
		{"client", polyv.StreamClient, true, false, "client"},
		{"CLIENT", polyv.StreamClient, true, false, "client"},
		{"pull", polyv.StreamPull, false, true, "pull"},
		{"thirdPull", polyv.StreamThirdPull, false, true, "thirdpull"},
		{"disk", polyv.StreamDisk, false, false, "disk"},
		{"audio", polyv.StreamAudio, false, false, "audio"},
		{"", "", false, false, ""},
		{" client", " client", false, false, "client"},
		{"cli\u200bent", "cli\u200bent", false, false, "client"},
		{"ｃlient", "ｃlient", false, false, "ｃlient"},
		{"clientpull", "clientpull", false, false, "clientpull"},
		{"x\u202e\x07y", "x\u202e\x07y", false, false, "x y"},
	}
	for _, tc := range tests {
		t.Run(string(tc.sent), func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.SetStreamType(10001, tc.sent)
			c, _ := newClient(t, srv)
			got, err := c.StreamType(context.Background(), 10001)
			require.NoError(t, err)
			require.Equal(t, tc.want, got, "documented values canonical, the rest as sent")
			require.Equal(t, tc.pushed, got.Pushed())
			require.Equal(t, tc.pulled, got.Pulled())
			require.Equal(t, tc.shown, got.Shown())
			calls := srv.Calls()
			require.Equal(t, "/live/v3/channel/stream/get", calls[0].Path)
			require.Equal(t, "10001", calls[0].Form.Get("channelId"))
		})
	}
}

func TestStreamTypeAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply polyvtest.Reply
		want  error
		text  string
	}{
		{"streamType twice", polyvtest.Custom(200, `{"code":200,"status":"success","data":{"streamType":"pull","StreamType":"client"}}`), polyv.ErrBadResponse, `key "data.streamType" given twice`},
		{"not an object", polyvtest.Custom(200, `{"code":200,"status":"success","data":["client"]}`), polyv.ErrBadResponse, "stream settings"},
		{"streamType not a string", polyvtest.Custom(200, `{"code":200,"status":"success","data":{"streamType":1,"pullUrl":"rtmp://x?token=`+polyvtest.PullToken+`"}}`), polyv.ErrBadResponse, "stream settings"},
		{"no data", polyvtest.Custom(200, `{"code":200,"status":"success","data":null}`), polyv.ErrChannelNotFound, "without data"},
		{"refused", polyvtest.IllegalChannelID(10001), polyv.ErrChannelNotFound, "illegal channel id"},
		{"the pull URL is never quoted", polyvtest.Custom(200, `{"code":200,"status":"success","code":200,"data":{"pullUrl":"rtmp://x?token=`+polyvtest.PullToken+`"}}`), polyv.ErrBadResponse, "not shown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.ScriptOp(polyvtest.OpStreamType, 10001, tc.reply)
			c, _ := newClient(t, srv)
			st, err := c.StreamType(context.Background(), 10001)
			require.Empty(t, st)
			require.ErrorIs(t, err, tc.want)
			require.Contains(t, err.Error(), "polyv stream-type: ")
			require.Contains(t, err.Error(), tc.text)
			require.NotContains(t, err.Error(), polyvtest.PullToken)
			checkErrorText(t, err)
		})
	}
}
