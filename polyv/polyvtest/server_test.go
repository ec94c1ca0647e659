package polyvtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

const (
	appID  = "app1"
	secret = "secret1"
)

var serverNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newServer(t *testing.T, opts ...polyvtest.Option) *polyvtest.Server {
	t.Helper()
	s := polyvtest.NewServer(appID, secret, append([]polyvtest.Option{
		polyvtest.WithClock(func() time.Time { return serverNow }),
	}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// signedForm is a valid stop form; edit changes it before it is signed.
func signedForm(edit func(map[string]string)) url.Values {
	p := map[string]string{
		"appId": appID, "channelId": "10001",
		"timestamp": strconv.FormatInt(serverNow.UnixMilli(), 10),
	}
	if edit != nil {
		edit(p)
	}
	if _, ok := p["sign"]; !ok {
		p["sign"] = polyv.Sign(p, secret)
	}
	v := url.Values{}
	for k, val := range p {
		v.Set(k, val)
	}
	return v
}

type answer struct {
	status int
	Code   int    `json:"code"`
	Msg    string `json:"message"`
	Error  struct {
		Desc string `json:"desc"`
	} `json:"error"`
}

func post(t *testing.T, s *polyvtest.Server, contentType, body string) answer {
	t.Helper()
	resp, err := http.Post(s.URL+"/live/v3/channel/stream/stop-pull-stream", contentType, strings.NewReader(body))
	require.NoError(t, err)
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var a answer
	require.NoError(t, json.Unmarshal(b, &a), "body %q", b)
	a.status = resp.StatusCode
	return a
}

func TestStopVerification(t *testing.T) {
	t.Parallel()
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name    string
		ctype   string
		body    string
		status  int
		msg     string
		verdict string
	}{
		{"valid", form + "; charset=UTF-8", signedForm(nil).Encode(), 200, "", "ok"},
		{"SHA256", form, signedForm(func(p map[string]string) { p["signatureMethod"] = "SHA256" }).Encode(), 200, "", "ok"},
		{"json body", "application/json", `{"appId":"app1"}`, 400, "content type must be application/x-www-form-urlencoded.", "bad content type"},
		{"multipart body", "multipart/form-data; boundary=x", "--x--", 400, "content type must be application/x-www-form-urlencoded.", "bad content type"},
		{"no appId", form, signedForm(func(p map[string]string) { delete(p, "appId") }).Encode(), 400, "appId is required.", "appId is required"},
		{"other appId", form, signedForm(func(p map[string]string) { p["appId"] = "app2" }).Encode(), 400, "application not found.", "application not found"},
		{"12-digit timestamp", form, signedForm(func(p map[string]string) { p["timestamp"] = p["timestamp"][:12] }).Encode(), 400, "invalid timestamp.", "invalid timestamp"},
		{"timestamp 4 minutes old", form, signedForm(func(p map[string]string) {
			p["timestamp"] = strconv.FormatInt(serverNow.Add(-4*time.Minute).UnixMilli(), 10)
		}).Encode(), 400, "invalid timestamp.", "invalid timestamp"},
		{"timestamp 2 minutes ahead", form, signedForm(func(p map[string]string) {
			p["timestamp"] = strconv.FormatInt(serverNow.Add(2*time.Minute).UnixMilli(), 10)
		}).Encode(), 200, "", "ok"},
		{"wrong sign", form, signedForm(func(p map[string]string) { p["sign"] = strings.Repeat("A", 32) }).Encode(), 403, "invalid signature.", "invalid signature"},
		{"lower-case sign", form, signedForm(func(p map[string]string) { p["sign"] = strings.ToLower(polyv.Sign(p, secret)) }).Encode(), 403, "invalid signature.", "invalid signature"},
		{"MD5 sign claiming SHA256", form, signedForm(func(p map[string]string) {
			p["sign"] = polyv.Sign(p, secret)
			p["signatureMethod"] = "SHA256"
		}).Encode(), 403, "invalid signature.", "invalid signature"},
		{"channelId not a number", form, signedForm(func(p map[string]string) { p["channelId"] = "abc" }).Encode(), 400, "channelId must be a positive integer.", "bad channelId"},
		{"channelId zero", form, signedForm(func(p map[string]string) { p["channelId"] = "0" }).Encode(), 400, "channelId must be a positive integer.", "bad channelId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			a := post(t, s, tc.ctype, tc.body)
			require.Equal(t, tc.status, a.status)
			require.Equal(t, tc.status, a.Code)
			require.Equal(t, tc.msg, a.Msg)
			calls := s.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, tc.verdict, calls[0].Verdict)
			require.Equal(t, tc.status, calls[0].HTTPStatus)
		})
	}
}

func TestScriptIsConsumedOnlyByVerifiedCalls(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.Script(10001, polyvtest.ChannelNotFound())
	const ct = "application/x-www-form-urlencoded"
	bad := signedForm(func(p map[string]string) { p["sign"] = "X" })
	require.Equal(t, 403, post(t, s, ct, bad.Encode()).status)
	a := post(t, s, ct, signedForm(nil).Encode())
	require.Equal(t, "channel not found.", a.Msg)
	require.Equal(t, 200, post(t, s, ct, signedForm(nil).Encode()).status, "an exhausted script succeeds")
	require.Equal(t, 3, s.StopCalls(10001))
	require.Equal(t, "scripted: channel not found", s.Calls()[1].Verdict)
}

func TestOtherRoutes(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	resp, err := http.Get(s.URL + "/live/v3/nope")
	require.NoError(t, err)
	a := read(t, resp)
	require.Equal(t, 404, a.status)
	require.Equal(t, 404, a.Code)

	resp, err = http.Get(s.URL + "/live/v3/channel/stream/stop-pull-stream")
	require.NoError(t, err)
	require.Equal(t, 405, read(t, resp).status)

	q := signedForm(func(p map[string]string) { delete(p, "channelId"); p["channelIds"] = "1,x" })
	resp, err = http.Get(s.URL + "/live/v4/channel/live-status/list?" + q.Encode())
	require.NoError(t, err)
	a = read(t, resp)
	require.Equal(t, 400, a.status)
	require.Contains(t, a.Error.Desc, "channelIds", "v4 errors carry error.desc")
}

func TestQuota(t *testing.T) {
	t.Parallel()
	s := newServer(t, polyvtest.WithQuota(2, time.Hour))
	const ct = "application/x-www-form-urlencoded"
	for range 2 {
		require.Equal(t, 200, post(t, s, ct, signedForm(nil).Encode()).status)
	}
	a := post(t, s, ct, signedForm(nil).Encode())
	require.Equal(t, 429, a.status)
	require.Equal(t, "qps exceeds number of calls", a.Msg)
	require.Equal(t, "quota exceeded", s.Calls()[2].Verdict)
}

func TestWaitCallsAndClose(t *testing.T) {
	t.Parallel()
	s := polyvtest.NewServer(appID, secret, polyvtest.WithClock(func() time.Time { return serverNow }))
	s.Script(10001, polyvtest.Hang())
	done := make(chan error, 1)
	go func() {
		resp, err := http.Post(s.URL+"/live/v3/channel/stream/stop-pull-stream",
			"application/x-www-form-urlencoded", strings.NewReader(signedForm(nil).Encode()))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.WaitCalls(ctx, 1))
	require.Equal(t, 0, s.Calls()[0].HTTPStatus, "a hung call has no status")
	s.Close()
	require.Error(t, <-done, "Close releases the hung call without an answer")

	short, cancelShort := context.WithCancel(context.Background())
	cancelShort()
	require.ErrorIs(t, s.WaitCalls(short, 2), context.Canceled)
}

func TestRedirectReply(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.Script(10001, polyvtest.Redirect(307, "https://elsewhere.example/x?y=1"))
	s.ScriptStatus(10001, polyvtest.Redirect(301, "/moved"))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := noFollow.Post(s.URL+"/live/v3/channel/stream/stop-pull-stream",
		"application/x-www-form-urlencoded", strings.NewReader(signedForm(nil).Encode()))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 307, resp.StatusCode)
	require.Equal(t, "https://elsewhere.example/x?y=1", resp.Header.Get("Location"))

	q := signedForm(func(p map[string]string) { delete(p, "channelId"); p["channelIds"] = "10001" })
	resp, err = noFollow.Get(s.URL + "/live/v4/channel/live-status/list?" + q.Encode())
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 301, resp.StatusCode)
	require.Equal(t, "/moved", resp.Header.Get("Location"))

	calls := s.Calls()
	require.Len(t, calls, 2)
	for i, want := range []int{307, 301} {
		require.Equal(t, want, calls[i].HTTPStatus)
		require.Zero(t, calls[i].Code, "a redirect carries no JSON code")
		require.Equal(t, "scripted: redirect "+strconv.Itoa(want), calls[i].Verdict)
	}
}

// stopRaw posts a valid stop for channel 10001 and returns the answer's
// status, the body as far as it could be read, and the read error.
func stopRaw(t *testing.T, s *polyvtest.Server) (int, int64, string, error) {
	t.Helper()
	resp, err := http.Post(s.URL+"/live/v3/channel/stream/stop-pull-stream",
		"application/x-www-form-urlencoded", strings.NewReader(signedForm(nil).Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.ContentLength, string(b), err
}

// liveStatusOf reads channel 10001's live status from s.
func liveStatusOf(t *testing.T, s *polyvtest.Server) string {
	t.Helper()
	q := signedForm(func(p map[string]string) { delete(p, "channelId"); p["channelIds"] = "10001" })
	resp, err := http.Get(s.URL + "/live/v4/channel/live-status/list?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	var a struct {
		Data []struct {
			LiveStatus string `json:"liveStatus"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	require.Len(t, a.Data, 1)
	return a.Data[0].LiveStatus
}

const nginx504 = "<html>\r\n<head><title>504 Gateway Timeout</title></head>\r\n<body>\r\n" +
	"<center><h1>504 Gateway Timeout</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

func TestCutShort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reply   polyvtest.Reply
		status  int
		full    string // the whole body, of which the first half arrives
		stopped bool
		live    string
	}{
		{"success", polyvtest.OK().CutShort(), 200, `{"code":200,"data":"","message":"","status":"success"}`, true, "end"},
		{"refusal", polyvtest.ChannelNotFound().CutShort(), 400, `{"code":400,"data":"","message":"channel not found.","status":"error"}`, false, "live"},
		{"empty body", polyvtest.Empty(200).CutShort(), 200, "", false, "live"},
		{"html 504 after the stop", polyvtest.HTML(504).AfterStop().CutShort(), 504, nginx504, true, "end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			s.Script(10001, tc.reply)
			status, declared, got, err := stopRaw(t, s)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body ends before its Content-Length")
			require.Equal(t, tc.status, status)
			require.Equal(t, int64(max(len(tc.full), 1)), declared, "the whole body is announced")
			require.Equal(t, tc.full[:len(tc.full)/2], got, "and only its first half sent")
			calls := s.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, tc.stopped, calls[0].Stopped)
			require.Equal(t, tc.status, calls[0].HTTPStatus)
			require.True(t, strings.HasSuffix(calls[0].Verdict, ", cut short"), calls[0].Verdict)
			require.Equal(t, tc.live, liveStatusOf(t, s))
		})
	}
}

func TestAfterStop(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.Script(10001, polyvtest.HTML(504).AfterStop(), polyvtest.NotPulling())
	status, _, body, err := stopRaw(t, s)
	require.NoError(t, err)
	require.Equal(t, 504, status)
	require.Equal(t, nginx504, body)
	require.Equal(t, "end", liveStatusOf(t, s), "the stop was carried out before the 504")

	status, _, body, err = stopRaw(t, s)
	require.NoError(t, err)
	require.Equal(t, 400, status)
	require.JSONEq(t, `{"code":400,"status":"error","message":"channel is not pulling stream.","data":""}`, body)

	calls := s.Calls() // stop, status, stop
	require.Len(t, calls, 3)
	require.True(t, calls[0].Stopped)
	require.Equal(t, "scripted: html 504 Gateway Timeout after the stop", calls[0].Verdict)
	require.False(t, calls[1].Stopped, "a status call stops nothing")
	require.False(t, calls[2].Stopped, "a refusal carries nothing out")
	require.Equal(t, "scripted: channel is not pulling stream", calls[2].Verdict)

	kept := newServer(t)
	kept.KeepLive(10001)
	kept.Script(10001, polyvtest.HTML(504).AfterStop())
	status, _, _, err = stopRaw(t, kept)
	require.NoError(t, err)
	require.Equal(t, 504, status)
	require.True(t, kept.Calls()[0].Stopped)
	require.Equal(t, "live", liveStatusOf(t, kept), "KeepLive: the encoder keeps pushing")
}

func TestSuccessIsRecordedAsStopped(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.Script(10001, polyvtest.ServerFail())
	for range 2 {
		_, _, _, err := stopRaw(t, s)
		require.NoError(t, err)
	}
	calls := s.Calls()
	require.False(t, calls[0].Stopped, "a 500 fail carried nothing out")
	require.True(t, calls[1].Stopped, "an exhausted script succeeds and stops")
}
