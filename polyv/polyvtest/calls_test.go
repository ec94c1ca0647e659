package polyvtest_test

import (
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

// signed is params with a valid appId, timestamp and sign; edit changes
// them before they are signed (a "sign" it sets is kept).
func signed(params map[string]string, edit func(map[string]string)) url.Values {
	p := map[string]string{"appId": appID, "timestamp": strconv.FormatInt(serverNow.UnixMilli(), 10)}
	for k, v := range params {
		p[k] = v
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

// full is an answer with its data.
type full struct {
	status  int
	Code    int             `json:"code"`
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func get(t *testing.T, s *polyvtest.Server, path string, q url.Values) full {
	t.Helper()
	resp, err := http.Get(s.URL + path + "?" + q.Encode())
	require.NoError(t, err)
	return readFull(t, resp)
}

func postForm(t *testing.T, s *polyvtest.Server, path string, form url.Values) full {
	t.Helper()
	resp, err := http.Post(s.URL+path, "application/x-www-form-urlencoded; charset=UTF-8", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	return readFull(t, resp)
}

func readFull(t *testing.T, resp *http.Response) full {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var a full
	require.NoError(t, json.Unmarshal(b, &a), "body %q", b)
	a.status = resp.StatusCode
	return a
}

const (
	infoPath    = "/live/v3/channel/basic/get"
	viewersPath = "/live/v2/statistics/get-realtime-viewers"
	streamPath  = "/live/v3/channel/stream/get"
	userPath    = "/live/v3/user/get-info"
	cutoffPath  = "/live/v2/stream/10001/cutoff"
	resumePath  = "/live/v2/stream/10001/resume"
)

func TestReadsAreVerified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		path   string
		params map[string]string
		op     polyvtest.Op
	}{
		{"channel info", infoPath, map[string]string{"channelId": "10001"}, polyvtest.OpInfo},
		{"realtime viewers", viewersPath, map[string]string{"channelIds": "10001,10002"}, polyvtest.OpViewers},
		{"stream type", streamPath, map[string]string{"channelId": "10001"}, polyvtest.OpStreamType},
		{"user info", userPath, nil, polyvtest.OpUserInfo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			a := get(t, s, tc.path, signed(tc.params, nil))
			require.Equal(t, 200, a.status)
			require.Equal(t, "success", a.Status)

			wrong := get(t, s, tc.path, signed(tc.params, func(p map[string]string) { p["sign"] = strings.Repeat("0", 32) }))
			require.Equal(t, 403, wrong.status)
			require.Equal(t, "invalid signature.", wrong.Message)

			// A parameter added after signing is one the sign does not cover.
			q := signed(tc.params, nil)
			q.Set("extra", "1")
			require.Equal(t, "invalid signature.", get(t, s, tc.path, q).Message)

			resp, err := http.Post(s.URL+tc.path, "application/x-www-form-urlencoded", strings.NewReader(signed(tc.params, nil).Encode()))
			require.NoError(t, err)
			require.Equal(t, 405, readFull(t, resp).status, "a read is a GET")

			calls := s.Calls()
			require.Len(t, calls, 4)
			require.Equal(t, []string{"ok", "invalid signature", "invalid signature", "bad method"},
				[]string{calls[0].Verdict, calls[1].Verdict, calls[2].Verdict, calls[3].Verdict})
			require.Equal(t, tc.op, calls[0].Op)
			require.Equal(t, 4, s.OpCalls(tc.op, 0))
		})
	}
}

func TestChannelInfoAnswers(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	hostile := "<!channel> pwn \u202egnp.exe\u200b"
	s.SetName(10001, hostile, "Bob\u0007")
	s.SetLiveStatus(10001, polyv.StatusBanpush)
	a := get(t, s, infoPath, signed(map[string]string{"channelId": "10001"}, nil))
	var d map[string]any
	require.NoError(t, json.Unmarshal(a.Data, &d))
	require.Equal(t, hostile, d["name"], "names go out as set, hostile or not")
	require.Equal(t, "Bob\u0007", d["publisher"])
	require.EqualValues(t, 10001, d["channelId"])
	require.Equal(t, "end", d["watchStatus"])
	require.Equal(t, polyvtest.ChannelPassword, d["channelPasswd"], "what no caller may show is in the answer")

	plain := get(t, s, infoPath, signed(map[string]string{"channelId": "7"}, nil))
	require.NoError(t, json.Unmarshal(plain.Data, &d))
	require.Equal(t, "polyvtest channel 7", d["name"])
	require.Equal(t, "live", d["watchStatus"])

	bad := get(t, s, infoPath, signed(map[string]string{"channelId": "x"}, nil))
	require.Equal(t, 400, bad.status)
	require.Equal(t, "channelId must be a positive integer.", bad.Message)
}

func TestUnknownChannel(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.Unknown(10001)
	for _, path := range []string{infoPath, streamPath} {
		a := get(t, s, path, signed(map[string]string{"channelId": "10001"}, nil))
		require.Equal(t, 403, a.status, path)
		require.Equal(t, "illegal channel id: 10001", a.Message, path)
	}
	a := postForm(t, s, cutoffPath, signed(map[string]string{"userId": polyvtest.DefaultUserID}, nil))
	require.Equal(t, "illegal channel id: 10001", a.Message)
	require.Equal(t, "illegal channel id: 10001", post(t, s, "application/x-www-form-urlencoded", signedForm(nil).Encode()).Msg)

	rows := get(t, s, viewersPath, signed(map[string]string{"channelIds": "10001,2"}, nil))
	require.JSONEq(t, `[{"channelId":2,"time":"12:00:00","count":"0"}]`, string(rows.Data), "no row for a channel Polyv does not know")
	q := signed(map[string]string{"channelIds": "10001,2"}, nil)
	resp, err := http.Get(s.URL + "/live/v4/channel/live-status/list?" + q.Encode())
	require.NoError(t, err)
	require.JSONEq(t, `[{"channelId":2,"liveStatus":"live"}]`, string(readFull(t, resp).Data))
}

func TestViewerRows(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.SetViewers(10001, 12, 30, 45)
	a := get(t, s, viewersPath, signed(map[string]string{"channelIds": "10001,10002"}, nil))
	require.JSONEq(t, `[
		{"channelId":10001,"time":"12:00:00","count":"12"},
		{"channelId":10001,"time":"11:59:50","count":"30"},
		{"channelId":10001,"time":"11:59:40","count":"45"},
		{"channelId":10002,"time":"12:00:00","count":"0"}]`, string(a.Data), "newest first, as Polyv answers")
	require.Equal(t, []int64{10001, 10002}, s.Calls()[0].ChannelIDs)

	many := make([]string, 201)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	tooMany := get(t, s, viewersPath, signed(map[string]string{"channelIds": strings.Join(many, ",")}, nil))
	require.Equal(t, 400, tooMany.status)
}

func TestStreamTypeAnswers(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.SetStreamType(10001, polyv.StreamClient)
	s.SetStreamType(10002, "x")
	for id, want := range map[string]string{"10001": "client", "10002": "x", "10003": "pull"} {
		a := get(t, s, streamPath, signed(map[string]string{"channelId": id}, nil))
		var d struct {
			StreamType string `json:"streamType"`
			PullURL    string `json:"pullUrl"`
		}
		require.NoError(t, json.Unmarshal(a.Data, &d))
		require.Equal(t, want, d.StreamType, id)
		if want == "client" {
			require.Empty(t, d.PullURL, "an encoder pushes: nothing to pull")
		} else {
			require.Contains(t, d.PullURL, polyvtest.PullToken, "a pull URL can carry a token")
		}
	}
}

func TestPushBanVerification(t *testing.T) {
	t.Parallel()
	user := map[string]string{"userId": polyvtest.DefaultUserID}
	tests := []struct {
		name    string
		path    string
		form    url.Values
		status  int
		msg     string
		verdict string
	}{
		{"cutoff", cutoffPath, signed(user, nil), 200, "", "ok"},
		{"resume", resumePath, signed(user, nil), 200, "", "ok"},
		{"channelId in the form too, signed", cutoffPath, signed(user, func(p map[string]string) { p["channelId"] = "10001" }), 200, "", "ok"},
		{"wrong sign", cutoffPath, signed(user, func(p map[string]string) { p["sign"] = strings.Repeat("A", 32) }), 403, "invalid signature.", "invalid signature"},
		{"userId not signed", cutoffPath, func() url.Values {
			v := signed(nil, nil)
			v.Set("userId", polyvtest.DefaultUserID)
			return v
		}(), 403, "invalid signature.", "invalid signature"},
		{"no userId", cutoffPath, signed(nil, nil), 400, "userId is required.", "userId is required"},
		{"blank userId", resumePath, signed(map[string]string{"userId": " "}, nil), 400, "userId is required.", "userId is required"},
		{"other userId", cutoffPath, signed(map[string]string{"userId": "someoneelse"}, nil), 403, "illegal userId.", "invalid userId"},
		{"channel id not a number", "/live/v2/stream/abc/cutoff", signed(user, nil), 400, "channelId must be a positive integer.", "bad channelId"},
		{"channel id zero", "/live/v2/stream/0/resume", signed(user, nil), 400, "channelId must be a positive integer.", "bad channelId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			a := postForm(t, s, tc.path, tc.form)
			require.Equal(t, tc.status, a.status)
			require.Equal(t, tc.status, a.Code)
			require.Equal(t, tc.msg, a.Message)
			if tc.status == 200 {
				require.JSONEq(t, `"success"`, string(a.Data), "Polyv's data for a cutoff or resume done")
			}
			calls := s.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, tc.verdict, calls[0].Verdict)
		})
	}
}

func TestPushBanFromTheQueryIsNotRead(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	q := signed(map[string]string{"userId": polyvtest.DefaultUserID}, nil)
	resp, err := http.Post(s.URL+cutoffPath+"?"+q.Encode(), "application/x-www-form-urlencoded", strings.NewReader(""))
	require.NoError(t, err)
	a := readFull(t, resp)
	require.Equal(t, 400, a.status)
	require.Equal(t, "appId is required.", a.Message, "a POST's parameters are its form")
	resp, err = http.Get(s.URL + cutoffPath + "?" + q.Encode())
	require.NoError(t, err)
	require.Equal(t, 405, readFull(t, resp).status)
}

// TestPushedChannel: a pull stop leaves an encoder's stream live; a cutoff
// bans it, a resume lets it back.
func TestPushedChannel(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.SetStreamType(10001, polyv.StreamClient)
	const ct = "application/x-www-form-urlencoded"
	user := map[string]string{"userId": polyvtest.DefaultUserID}

	require.Equal(t, 200, post(t, s, ct, signedForm(nil).Encode()).status, "the pull stop answers success")
	require.Equal(t, "live", liveStatusOf(t, s), "and the encoder keeps pushing")
	require.True(t, s.Calls()[0].Stopped)

	require.Equal(t, 200, postForm(t, s, cutoffPath, signed(user, nil)).status)
	require.Equal(t, "banpush", liveStatusOf(t, s))
	require.Equal(t, 200, postForm(t, s, resumePath, signed(user, nil)).status)
	require.Equal(t, "live", liveStatusOf(t, s))

	require.Equal(t, 1, s.OpCalls(polyvtest.OpCutoff, 10001))
	require.Equal(t, 1, s.OpCalls(polyvtest.OpResume, 10001))
	require.Equal(t, 3, s.OpCalls(polyvtest.OpStatus, 10001))
	for _, c := range s.Calls() {
		if c.Op == polyvtest.OpCutoff {
			require.Equal(t, []int64{10001}, c.ChannelIDs, "the channel from the path")
			require.True(t, c.Stopped)
		}
	}
}

func TestPushBanScripts(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	user := map[string]string{"userId": polyvtest.DefaultUserID}
	s.ScriptOp(polyvtest.OpCutoff, 10001, polyvtest.HTML(504).AfterStop(), polyvtest.ServerFail())
	require.Equal(t, 504, postForm2(t, s, cutoffPath, signed(user, nil)))
	require.Equal(t, "banpush", liveStatusOf(t, s), "carried out before the 504")
	require.Equal(t, 200, postForm(t, s, resumePath, signed(user, nil)).status, "the resume is not scripted")
	require.Equal(t, "live", liveStatusOf(t, s))
	a := postForm(t, s, cutoffPath, signed(user, nil))
	require.Equal(t, 500, a.status)
	require.Equal(t, "fail", a.Status)
	require.Equal(t, "live", liveStatusOf(t, s), "a refusal carries nothing out")
}

// postForm2 posts form and returns the HTTP status of an answer that need
// not be JSON.
func postForm2(t *testing.T, s *polyvtest.Server, path string, form url.Values) int {
	t.Helper()
	resp, err := http.Post(s.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode
}

func TestAlwaysAndScriptOp(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.ScriptOp(polyvtest.OpInfo, 10001, polyvtest.ServerFail())
	s.Always(polyvtest.OpInfo, 10001, polyvtest.Slow(20*time.Millisecond))
	s.ScriptOp(polyvtest.OpUserInfo, 0, polyvtest.AppNotFound())
	q := signed(map[string]string{"channelId": "10001"}, nil)
	require.Equal(t, 500, get(t, s, infoPath, q).status)
	for range 2 {
		a := get(t, s, infoPath, q)
		require.Equal(t, 200, a.status, "Always, once the script is used up")
		require.Contains(t, string(a.Data), "polyvtest channel 10001", "a scripted success carries the data")
	}
	require.Equal(t, "application not found.", get(t, s, userPath, signed(nil, nil)).Message)
	u := get(t, s, userPath, signed(nil, nil))
	var d map[string]any
	require.NoError(t, json.Unmarshal(u.Data, &d))
	require.Equal(t, polyvtest.DefaultUserID, d["userId"])

	verdicts := []string{}
	for _, c := range s.Calls() {
		verdicts = append(verdicts, c.Verdict)
	}
	require.Equal(t, []string{"scripted: server fail", "always: slow 20ms", "always: slow 20ms", "scripted: application not found", "ok"}, verdicts)
}

func TestWithUserID(t *testing.T) {
	t.Parallel()
	s := newServer(t, polyvtest.WithUserID("acct42"))
	require.Equal(t, "acct42", s.UserID)
	a := postForm(t, s, cutoffPath, signed(map[string]string{"userId": polyvtest.DefaultUserID}, nil))
	require.Equal(t, "illegal userId.", a.Message)
	require.Equal(t, 200, postForm(t, s, cutoffPath, signed(map[string]string{"userId": "acct42"}, nil)).status)
}
