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
	srv.Script(8, polyvtest.InvalidSignature())
	lim := rate.NewLimiter(rate.Every(50*time.Millisecond), 1)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim))

	first, err := c.StopPullStream(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, 1, first.Attempts)

	retried, err := c.StopPullStream(context.Background(), 7)
	require.NoError(t, err)
	require.Equal(t, 2, retried.Attempts, "a 5xx and the retry that succeeded")
	require.Positive(t, retried.LimiterWait, "with burst 1 both attempts waited for a token")

	refused, err := c.StopPullStream(context.Background(), 8)
	require.ErrorIs(t, err, polyv.ErrInvalidSignature)
	require.Equal(t, 1, refused.Attempts, "a failed call still says what it cost")
}
