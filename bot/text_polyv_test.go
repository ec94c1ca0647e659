package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// redirectErr is the error the Polyv client returns when its address
// answers a stop with a redirect.
func redirectErr(status int, location string) error {
	srv := polyvtest.NewServer(testAppID, testAppSecret)
	defer srv.Close()
	srv.Script(10001, polyvtest.Redirect(status, location))
	c := polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL(srv.URL), polyv.WithRetries(1, 0))
	_, err := c.StopPullStream(context.Background(), 10001)
	return err
}

// A redirect is said once: where it pointed, and what to configure.
func TestRedirectWording(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   int
		location string
		want     string
	}{
		{"to another host", 302, "http://elsewhere.example/live/v3/channel/stream/stop-pull-stream?sign=x",
			"nothing was sent to Polyv: its address answered with a redirect to http://elsewhere.example (HTTP 302); POLYV_API_URL must be Polyv's API address itself"},
		{"without a Location", 307, "",
			"nothing was sent to Polyv: its address answered with a redirect (HTTP 307); POLYV_API_URL must be Polyv's API address itself"},
		{"a target with markup", 301, "https://<!here>.example/",
			"nothing was sent to Polyv: its address answered with a redirect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := redirectErr(tc.status, tc.location)
			require.ErrorIs(t, err, polyv.ErrRedirect)
			for _, stop := range []bool{true, false} {
				got := english.explainPolyv(err, 10*time.Second, stop)
				require.True(t, strings.HasPrefix(got, tc.want), got)
				require.Equal(t, 1, strings.Count(got, "redirect"), got)
				require.Equal(t, 1, strings.Count(got, "POLYV_API_URL"), got)
				require.NotContains(t, got, "<!here>", "escaped")
			}
		})
	}
}
