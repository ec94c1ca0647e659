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

func TestCallStats(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(7, polyvtest.ServerFail(), polyvtest.OK())
	lim := rate.NewLimiter(rate.Every(50*time.Millisecond), 1)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim))

	var first polyv.CallStats
	require.NoError(t, c.StopPullStream(polyv.WithCallStats(context.Background(), &first), 1))
	require.Equal(t, 1, first.Attempts)

	var retried polyv.CallStats
	require.NoError(t, c.StopPullStream(polyv.WithCallStats(context.Background(), &retried), 7))
	require.Equal(t, 2, retried.Attempts, "a 5xx and the retry that succeeded")
	require.Positive(t, retried.LimiterWait, "with burst 1 both attempts waited for a token")
}
