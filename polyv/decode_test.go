package polyv_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestDecodeResponse(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name   string
		status int
		body   string
		data   string
		want   error
		not    error
		text   string
	}{
		{name: "v3 success", status: 200, body: `{"code":200,"status":"success","message":"","data":""}`, data: `""`},
		{name: "v4 success", status: 200, body: `{"code":200,"status":"success","data":[{"channelId":1,"liveStatus":"live"}],"success":true}`, data: `[{"channelId":1,"liveStatus":"live"}]`},
		{name: "code as a string", status: 200, body: `{"code":"200","status":"success","data":"x"}`, data: `"x"`},
		{name: "v4 error desc", status: 400, body: `{"code":400,"status":"error","error":{"code":20001,"desc":"application not found."},"success":false}`, want: polyv.ErrAppNotFound, text: "polyv stop-pull-stream: application not found. (code 400, HTTP 400)"},
		{name: "appid is required, any case", status: 400, body: `{"code":400,"message":"APPID IS REQUIRED"}`, want: polyv.ErrAppNotFound},
		{name: "channelId not found", status: 400, body: `{"code":400,"message":"channelId not found"}`, want: polyv.ErrChannelNotFound},
		{name: "qps message", status: 200, body: `{"code":400,"message":"qps exceeds number of calls"}`, want: polyv.ErrQuotaExceeded},
		{name: "status fail under 200", status: 200, body: `{"code":500,"status":"fail","message":"boom"}`, want: polyv.ErrServer},
		{name: "status FAIL under 200", status: 200, body: `{"code":400,"status":"FAIL","message":"boom"}`, want: polyv.ErrServer},
		{name: "status fail with a zero-width space is no fail", status: 200, body: `{"code":400,"status":"fa\u200bil","message":"boom"}`, not: polyv.ErrServer, text: "boom (code 400, HTTP 200)"},
		{name: "status fail with spaces is no fail", status: 200, body: `{"code":400,"status":" fail ","message":"boom"}`, not: polyv.ErrServer, text: "boom (code 400, HTTP 200)"},
		{name: "success code under HTTP 500", status: 500, body: `{"code":200,"status":"success"}`, want: polyv.ErrServer},
		{name: "success code under HTTP 404", status: 404, body: `{"code":200,"status":"success"}`, want: polyv.ErrBadResponse},
		{name: "json without code", status: 200, body: `{"status":"success"}`, want: polyv.ErrBadResponse},
		{name: "json array", status: 200, body: `[]`, want: polyv.ErrBadResponse},
		{name: "control characters removed", status: 400, body: "{\"code\":400,\"message\":\"bad\\u0007\\nthing\\u001b[31m\\u202e!\"}", text: "bad thing [31m! (code 400"},
		{name: "long body cut", status: 502, body: long, want: polyv.ErrServer, text: strings.Repeat("x", 200) + "…"},
		{name: "invalid UTF-8", status: 200, body: "\xff\xfe not json", want: polyv.ErrBadResponse, text: "\uFFFD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := polyv.DecodeResponse("stop-pull-stream", tc.status, []byte(tc.body))
			if tc.data != "" {
				require.NoError(t, err)
				require.JSONEq(t, tc.data, string(data))
				return
			}
			require.Error(t, err)
			var ae *polyv.APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tc.status, ae.HTTPStatus)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
			if tc.not != nil {
				require.NotErrorIs(t, err, tc.not)
			}
			require.Contains(t, err.Error(), tc.text)
			require.Less(t, len(err.Error()), 400)
		})
	}
}

// TestSuccessMustBeSaid: an answer is a success only when every field that
// carries the outcome says so; any disagreement is ErrBadResponse ("may or may
// not"), never a success and never a plain refusal.
func TestSuccessMustBeSaid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		ok   bool
		text string // in the error: what came back
	}{
		// Consistent successes.
		{name: "v3 documented", body: `{"code":200,"status":"success","message":"","data":""}`, ok: true},
		{name: "v4 documented", body: `{"code":200,"status":"success","requestId":"r","data":[],"success":true}`, ok: true},
		{name: "status in capitals", body: `{"code":200,"status":"SUCCESS","data":""}`, ok: true},
		{name: "status mixed case", body: `{"code":200,"status":"Success","success":true}`, ok: true},
		{name: "quoted code", body: `{"code":"200","status":"success"}`, ok: true},
		{name: "null error object", body: `{"code":200,"status":"success","error":null,"success":true}`, ok: true},
		{name: "empty error object", body: `{"code":200,"status":"success","error":{},"success":true}`, ok: true},
		{name: "success with spaces around true", body: `{"code":200,"status":"success","success": true }`, ok: true},

		// Code 200 contradicted.
		{name: "status error", body: `{"code":200,"status":"error","message":"stop failed"}`, text: `code 200 but status "error"; message "stop failed"`},
		{name: "status fail", body: `{"code":200,"status":"fail","message":"boom"}`, text: `code 200 but status "fail"`},
		{name: "status empty", body: `{"code":200,"status":"","data":""}`, text: "code 200 but no status"},
		{name: "status missing", body: `{"code":200,"data":""}`, text: "code 200 but no status"},
		{name: "status null", body: `{"code":200,"status":null}`, text: "code 200 but no status"},
		{name: "status with spaces", body: `{"code":200,"status":" success "}`, text: `code 200 but status "success" with spaces or invisible characters`},
		{name: "status with a zero-width space", body: `{"code":200,"status":"succ\u200bess"}`, text: `code 200 but status "success" with spaces or invisible characters`},
		{name: "status with a long s", body: `{"code":200,"status":"ſuccess"}`, text: `code 200 but status "ſuccess"`},
		{name: "status successful", body: `{"code":200,"status":"successful"}`, text: `status "successful"`},
		{name: "success false", body: `{"code":200,"status":"success","success":false}`, text: "code 200 but success false"},
		{name: "success as a string", body: `{"code":200,"status":"success","success":"true"}`, text: `code 200 but success "true"`},
		{name: "success null", body: `{"code":200,"status":"success","success":null}`, text: "code 200 but success null"},
		{name: "success as a number", body: `{"code":200,"status":"success","success":1}`, text: "code 200 but success 1"},
		{name: "v4 error object", body: `{"code":200,"status":"success","error":{"code":20001,"desc":"application not found."},"success":true}`, text: `code 200 but an error object; message "application not found."`},
		{name: "everything wrong", body: `{"code":200,"status":"error","success":false,"error":{"desc":"no"}}`, text: `code 200 but status "error" and success false and an error object; message "no"`},

		// A failure code claiming success.
		{name: "code 400 with status success", body: `{"code":400,"status":"success","message":"invalid signature."}`, text: `code 400 but status "success"`},
		{name: "code 500 with success true", body: `{"code":500,"status":"fail","success":true}`, text: "code 500 but success true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, op := range []string{"stop-pull-stream", "live-status"} {
				_, err := polyv.DecodeResponse(op, 200, []byte(tc.body))
				if tc.ok {
					require.NoError(t, err)
					continue
				}
				require.ErrorIs(t, err, polyv.ErrBadResponse, "err = %v", err)
				require.Equal(t, "bad_response", polyv.Kind(err))
				require.Contains(t, err.Error(), "polyv "+op+": contradictory answer: ")
				require.Contains(t, err.Error(), tc.text)
				require.Contains(t, err.Error(), "(HTTP 200)")
				checkErrorText(t, err)
			}
		})
	}
}

func TestContradictoryStopIsNotSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"status error", `{"code":200,"status":"error","message":"stop failed"}`},
		{"no status", `{"code":200,"message":"","data":""}`},
		{"success false", `{"code":200,"status":"success","success":false}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			srv.Script(10001, polyvtest.Custom(200, tc.body), polyvtest.OK())
			c, _ := newClient(t, srv)
			err := stop(context.Background(), c, 10001)
			require.ErrorIs(t, err, polyv.ErrBadResponse)
			require.Equal(t, 1, srv.StopCalls(10001), "a contradictory answer is final")
			st, err := c.LiveStatus(context.Background(), 10001)
			require.NoError(t, err)
			require.Equal(t, polyv.StatusLive, st[10001], "the fake did not stop it either")
		})
	}
}

func TestKind(t *testing.T) {
	t.Parallel()
	_, apiErr := polyv.DecodeResponse("live-status", 200, []byte(`{"code":403,"message":"invalid signature."}`))
	_, other := polyv.DecodeResponse("live-status", 200, []byte(`{"code":400,"message":"something new"}`))
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{apiErr, "invalid_signature"},
		{fmt.Errorf("wrapped: %w", apiErr), "invalid_signature"},
		{other, "other"},
		{&polyv.LimitError{}, "rate_limited"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "timeout"},
		{context.Canceled, "canceled"},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, "transport"},
		{fmt.Errorf("reading the answer: %w", io.ErrUnexpectedEOF), "transport"},
		{errors.New("something"), "other"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, polyv.Kind(tc.err), "Kind(%v)", tc.err)
	}
	require.False(t, errors.Is(other, polyv.ErrServer))
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add(200, []byte(`{"code":200,"status":"success","message":"","data":""}`))
	f.Add(200, []byte(`{"code":200,"status":"success","data":[{"channelId":2477096,"liveStatus":"live"}],"success":true}`))
	f.Add(400, []byte(`{"code":400,"status":"error","error":{"code":20001,"desc":"application not found."},"success":false}`))
	f.Add(403, []byte(`{"code":403,"status":"error","message":"invalid signature.","data":""}`))
	f.Add(502, []byte("<html><body>502 Bad Gateway</body></html>"))
	f.Add(429, []byte{})
	f.Add(200, []byte("not json"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		for _, op := range []string{"stop-pull-stream", "live-status"} {
			_, err := polyv.DecodeResponse(op, status, body)
			checkErrorText(t, err)
			if err == nil {
				require.True(t, status >= 200 && status < 300, "success under HTTP %d", status)
				checkSaysSuccess(t, body)
			}
			checkRepeats(t, status, body, err, false)
		}
		got, err := polyv.DecodeLiveStatus(status, body)
		checkErrorText(t, err)
		checkRepeats(t, status, body, err, true)
		if err != nil {
			require.Nil(t, got)
			return
		}
		for id, st := range got {
			require.True(t, id > 0 && id <= 1<<31-1, "row for channel %d", id)
			require.False(t, st.IsLive() && st.IsNotLive(), "%q is both", st)
			if st.IsLive() {
				require.Equal(t, polyv.StatusLive, st, "documented values come back canonical")
			}
			if st.IsLive() || st.IsNotLive() {
				checkSentAs(t, body, st)
			}
			checkText(t, st.Describe())
		}
	})
}

// checkSaysSuccess: an accepted body says success in every field that
// carries the outcome.
func checkSaysSuccess(t *testing.T, body []byte) {
	t.Helper()
	var env struct {
		Status  string          `json:"status"`
		Success json.RawMessage `json:"success"`
	}
	require.NoError(t, json.Unmarshal(body, &env))
	require.Equal(t, "success", strings.ToLower(env.Status), "accepted with status %q", env.Status)
	if env.Success != nil {
		require.Equal(t, "true", strings.TrimSpace(string(env.Success)), "accepted with success %s", env.Success)
	}
}

// checkRepeats: an answer is refused for a repeated outcome key exactly
// when it gives one twice in one object, counting keys as encoding/json
// matches them (any letter case): at the top, in "error" and, with rows, in
// each object of "data". The count here walks the JSON another way than
// the client does.
func checkRepeats(t *testing.T, status int, body []byte, err error, rows bool) {
	t.Helper()
	if !json.Valid(body) {
		return
	}
	twice := saidTwice(t, body, rows)
	if err == nil {
		require.Empty(t, twice, "accepted with a key given twice")
		return
	}
	refused := errors.Is(err, polyv.ErrBadResponse) &&
		strings.Contains(err.Error(), fmt.Sprintf(": unreadable answer (HTTP %d): key \"", status))
	if refused {
		require.NotEmpty(t, twice, "refused for a repeat that is not there: %v", err)
	}
}

// saidTwice names an outcome key given twice in one object of body, or "".
func saidTwice(t *testing.T, body []byte, rows bool) string {
	t.Helper()
	once := map[string][]string{
		"":      {"code", "status", "message", "data", "success", "error"},
		"error": {"code", "desc"},
	}
	if rows {
		once["data[]"] = []string{"channelId", "liveStatus"}
	}
	twice := ""
	// Numbers stay text: a valid answer may carry one no float64 holds.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	walkKeys(t, dec, "", func(path string, keys []string) {
		for _, field := range once[path] {
			n := 0
			for _, k := range keys {
				if strings.EqualFold(k, field) {
					n++
				}
			}
			if n > 1 && twice == "" {
				twice = path + "." + field
			}
		}
	})
	return twice
}

// walkKeys reads one JSON value from dec and calls visit with the keys of
// every object in it, named by path: "" for the top, "error" for an object
// under the top's "error", "data[]" for the objects in the top's "data" array.
func walkKeys(t *testing.T, dec *json.Decoder, path string, visit func(path string, keys []string)) {
	t.Helper()
	tok, err := dec.Token()
	require.NoError(t, err)
	switch tok {
	case json.Delim('{'):
		var keys []string
		for dec.More() {
			k, err := dec.Token()
			require.NoError(t, err)
			keys = append(keys, k.(string))
			inner := "-"
			if path == "" {
				inner = strings.ToLower(k.(string))
			}
			walkKeys(t, dec, inner, visit)
		}
		visit(path, keys)
	case json.Delim('['):
		for dec.More() {
			walkKeys(t, dec, path+"[]", visit)
		}
	default:
		return
	}
	_, err = dec.Token()
	require.NoError(t, err)
}

// checkSentAs: a status that proves something was sent as that value, in
// another letter case at most, by some row of body.
func checkSentAs(t *testing.T, body []byte, st polyv.LiveStatus) {
	t.Helper()
	var env struct {
		Data []struct {
			LiveStatus string `json:"liveStatus"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &env))
	for _, r := range env.Data {
		if len(r.LiveStatus) == len(st) && strings.EqualFold(r.LiveStatus, string(st)) {
			return
		}
	}
	require.Fail(t, "status proves something that no row sent", "%q", st)
}

// checkErrorText: what reaches a responder is short, printable UTF-8.
func checkErrorText(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ae *polyv.APIError
	require.ErrorAs(t, err, &ae, "decode errors are *APIError")
	checkText(t, err.Error())
}

func checkText(t *testing.T, s string) {
	t.Helper()
	require.LessOrEqual(t, len(s), 600, "text too long: %d bytes", len(s))
	require.True(t, utf8.ValidString(s), "invalid UTF-8: %q", s)
	for _, r := range s {
		require.False(t, unicode.IsControl(r), "control character %U in %q", r, s)
	}
}
