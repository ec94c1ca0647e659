package polyv_test

import (
	"context"
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
		text   string
	}{
		{name: "v3 success", status: 200, body: `{"code":200,"status":"success","message":"","data":""}`, data: `""`},
		{name: "v4 success", status: 200, body: `{"code":200,"status":"success","data":[{"channelId":1,"liveStatus":"live"}],"success":true}`, data: `[{"channelId":1,"liveStatus":"live"}]`},
		{name: "code as a string", status: 200, body: `{"code":"200","data":"x"}`, data: `"x"`},
		{name: "v4 error desc", status: 400, body: `{"code":400,"status":"error","error":{"code":20001,"desc":"application not found."},"success":false}`, want: polyv.ErrAppNotFound, text: "polyv stop-pull-stream: application not found. (code 400, HTTP 400)"},
		{name: "appid is required, any case", status: 400, body: `{"code":400,"message":"APPID IS REQUIRED"}`, want: polyv.ErrAppNotFound},
		{name: "channelId not found", status: 400, body: `{"code":400,"message":"channelId not found"}`, want: polyv.ErrChannelNotFound},
		{name: "qps message", status: 200, body: `{"code":400,"message":"qps exceeds number of calls"}`, want: polyv.ErrQuotaExceeded},
		{name: "status fail under 200", status: 200, body: `{"code":500,"status":"fail","message":"boom"}`, want: polyv.ErrServer},
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
			require.Contains(t, err.Error(), tc.text)
			require.Less(t, len(err.Error()), 400)
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
			}
		}
		got, err := polyv.DecodeLiveStatus(status, body)
		checkErrorText(t, err)
		if err != nil {
			require.Nil(t, got)
			return
		}
		for _, st := range got {
			checkText(t, st.Describe())
		}
	})
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
