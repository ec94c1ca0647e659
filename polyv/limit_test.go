package polyv_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestLimiterRefusesBeyondBurst(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	var ev events
	lim := rate.NewLimiter(rate.Every(time.Hour), 2)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim), polyv.WithMaxWait(time.Second), polyv.WithObserver(ev.add))
	ctx := context.Background()
	require.NoError(t, stop(ctx, c, 1))
	_, err := c.LiveStatus(ctx, 1)
	require.NoError(t, err, "status calls take a token too")

	err = stop(ctx, c, 1)
	var le *polyv.LimitError
	require.ErrorAs(t, err, &le)
	require.ErrorIs(t, err, polyv.ErrRateLimited)
	require.Equal(t, "rate_limited", polyv.Kind(err))
	require.Greater(t, le.Wait, 50*time.Minute)
	require.Contains(t, err.Error(), "polyv rate limit: next call possible in")
	require.Len(t, srv.Calls(), 2, "the refused call sent nothing")

	got := ev.all()
	require.Len(t, got, 3)
	require.Equal(t, 0, got[2].Attempt, "a refusal is reported as attempt 0")
	require.ErrorIs(t, got[2].Err, polyv.ErrRateLimited)
	require.Equal(t, 0, got[2].HTTPStatus)
}

func TestLimiterRefusesBeyondContextDeadline(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim))
	require.NoError(t, stop(context.Background(), c, 1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := stop(ctx, c, 1)
	require.ErrorIs(t, err, polyv.ErrRateLimited, "an hour's wait cannot fit a minute's deadline")
	require.Equal(t, 1, srv.StopCalls(1))
	require.Greater(t, lim.Tokens(), -0.5, "the refused reservation was given back")
}

func TestLimiterMakesTheNextCallWait(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	var ev events
	lim := rate.NewLimiter(rate.Every(100*time.Millisecond), 1)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim), polyv.WithObserver(ev.add))
	require.NoError(t, stop(context.Background(), c, 1))
	// Someone else sharing the bucket runs it into debt: the next call has to
	// wait about 200ms, far more than the time between these lines.
	lim.Reserve()
	lim.Reserve()
	require.NoError(t, stop(context.Background(), c, 1))
	got := ev.all()
	require.Len(t, got, 2)
	require.Positive(t, got[1].Wait, "the second call waited for a token")
	require.Equal(t, 2, srv.StopCalls(1))
}

func TestRetriesTakeTokens(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(1, polyvtest.HTML(502), polyvtest.HTML(502), polyvtest.OK())
	lim := rate.NewLimiter(rate.Every(time.Hour), 2)
	var ev events
	c, _ := newClient(t, srv, polyv.WithLimiter(lim), polyv.WithMaxWait(time.Second), polyv.WithObserver(ev.add))
	err := stop(context.Background(), c, 1)
	require.Equal(t, 2, srv.StopCalls(1), "the third attempt found no token")
	require.ErrorIs(t, err, polyv.ErrServer, "the answer that needed a retry is what the caller sees")
	require.NotErrorIs(t, err, polyv.ErrRateLimited)
	got := ev.all()
	require.Len(t, got, 3)
	require.ErrorIs(t, got[2].Err, polyv.ErrRateLimited, "the refused retry is still observed")
}

func TestDryRunTakesAToken(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c, _ := newClient(t, srv, polyv.WithLimiter(lim), polyv.WithMaxWait(time.Second), polyv.WithDryRun(true))
	require.NoError(t, stop(context.Background(), c, 1))
	err := stop(context.Background(), c, 1)
	require.True(t, errors.Is(err, polyv.ErrRateLimited), "err = %v", err)
	require.Empty(t, srv.Calls())
}

func TestLimitErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		wait time.Duration
		want string
	}{
		{12 * time.Second, "polyv rate limit: next call possible in 12s"},
		{12400 * time.Millisecond, "polyv rate limit: next call possible in 12.4s"},
		{250 * time.Millisecond, "polyv rate limit: next call possible in 250ms"},
	}
	for _, tc := range tests {
		t.Run(tc.wait.String(), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, (&polyv.LimitError{Wait: tc.wait}).Error())
		})
	}
}
