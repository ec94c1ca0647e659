package polyv_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// TestEchoedSecretIsRedacted: whatever Polyv (or a proxy) sends back is kept
// without the appSecret, even when it echoes it in every field it can.
func TestEchoedSecretIsRedacted(t *testing.T) {
	t.Parallel()
	s := testAppSecret
	zw := s[:6] + "\u200b" + s[6:] // joined again by sanitising
	tests := []struct {
		name  string
		op    string
		reply polyvtest.Reply
		want  error
	}{
		{"v3 message", "stop", polyvtest.Custom(403, `{"code":403,"status":"error","message":"invalid signature for `+s+`"}`), polyv.ErrInvalidSignature},
		{"v4 error.desc", "status", polyvtest.Custom(400, `{"code":400,"status":"error","error":{"code":20001,"desc":"application not found: `+s+`"},"success":false}`), polyv.ErrAppNotFound},
		{"status field", "stop", polyvtest.Custom(400, `{"code":400,"status":"`+s+`","message":"no"}`), nil},
		{"status field of a contradictory answer", "stop", polyvtest.Custom(200, `{"code":200,"status":"`+s+`"}`), polyv.ErrBadResponse},
		{"success field", "stop", polyvtest.Custom(200, `{"code":200,"status":"success","success":"`+s+`"}`), polyv.ErrBadResponse},
		{"HTML page", "stop", polyvtest.Custom(502, "<html><body>upstream said "+s+"</body></html>"), polyv.ErrServer},
		{"plain text under 200", "status", polyvtest.Custom(200, "secret="+s), polyv.ErrBadResponse},
		{"message straddling the cut", "stop", polyvtest.Custom(400, `{"code":400,"status":"error","message":"`+strings.Repeat("x", 190)+s+`"}`), nil},
		{"body straddling the cut", "stop", polyvtest.Custom(503, strings.Repeat("y", 195)+s), polyv.ErrServer},
		{"split by an invisible character", "stop", polyvtest.Custom(400, `{"code":400,"status":"error","message":"`+zw+`"}`), nil},
		{"split by an invisible character across the cut", "stop", polyvtest.Custom(500, strings.Repeat("z", 195)+zw), polyv.ErrServer},
		{"redirect to a host named after it", "stop", polyvtest.Redirect(302, "http://"+s+".example/"), polyv.ErrRedirect},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake(t)
			if tc.op == "stop" {
				srv.Script(10001, tc.reply)
			} else {
				srv.ScriptStatus(10001, tc.reply)
			}
			c, _ := newClient(t, srv, polyv.WithRetries(1, 0))
			err := call(c, tc.op)
			require.Error(t, err)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
			var ae *polyv.APIError
			require.ErrorAs(t, err, &ae)
			require.Contains(t, err.Error()+ae.Status, "[reda", "the echo was kept, redacted (perhaps cut)")
			for _, text := range []string{
				err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err),
				fmt.Sprintf("%#v", *ae), ae.Message, ae.Status, fmt.Sprint(errors.Unwrap(err)),
			} {
				requireNoSecret(t, text)
			}
		})
	}
}

func TestEchoedSecretInLiveStatus(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.SetLiveStatus(10001, polyv.LiveStatus(testAppSecret))
	srv.SetLiveStatus(10002, polyv.LiveStatus("live "+testAppSecret[:6]+"\u200b"+testAppSecret[6:]))
	c, _ := newClient(t, srv)
	got, err := c.LiveStatus(context.Background(), 10001, 10002)
	require.NoError(t, err)
	require.Equal(t, polyv.LiveStatus("[redacted]"), got[10001])
	require.Equal(t, polyv.LiveStatus("live [redacted]"), got[10002])
	for _, st := range got {
		requireNoSecret(t, string(st))
		requireNoSecret(t, st.Describe())
	}
}

// requireNoSecret fails when text carries the test appSecret or any 8 bytes
// of it in a row, as a cut through the secret would leave.
func requireNoSecret(t *testing.T, text string) {
	t.Helper()
	for i := 0; i+8 <= len(testAppSecret); i++ {
		require.NotContains(t, text, testAppSecret[i:i+8], "part of the appSecret in %q", text)
	}
}
