package polyv_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// A stop Polyv carried out whose answer was cut after the status line
// reached Polyv: sending it again cannot tell more, and what it answers
// then (the stream is already stopped) would only hide that it worked.
func TestStopAnswerCutShort(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(10001, polyvtest.OK().CutShort(), polyvtest.OK())
	var ev events
	c, _ := newClient(t, srv, polyv.WithObserver(ev.add))
	stats, err := c.StopPullStream(context.Background(), 10001)

	require.ErrorIs(t, err, polyv.ErrAnswerCut)
	require.Equal(t, "answer_cut", polyv.Kind(err))
	require.Equal(t, 1, srv.StopCalls(10001), "a cut answer is not retried")
	require.Equal(t, 1, stats.Attempts)
	require.Len(t, ev.all(), 1)
	var ae *polyv.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 200, ae.HTTPStatus)
	require.Equal(t, `{"code":200,"data":"","mess`, ae.Message, "what was read, as an excerpt")
	require.Equal(t, `polyv stop-pull-stream: answer cut short (HTTP 200): {"code":200,"data":"","mess`, err.Error())
	checkErrorText(t, err)

	st, err := c.LiveStatus(context.Background(), 10001)
	require.NoError(t, err)
	require.Equal(t, polyv.StatusEnd, st[10001], "the fake did stop it")
}

// The excerpt of a cut answer never shows the appSecret, not even the part
// of it before the cut.
func TestAnswerCutInsideTheSecret(t *testing.T) {
	t.Parallel()
	body := `{"message":"` + testAppSecret + " " + testAppSecret + `"}` + strings.Repeat(" ", 30)
	second := strings.LastIndex(body, testAppSecret)
	half := len(body) / 2
	require.True(t, half > second+4 && half < second+len(testAppSecret), "the cut falls inside the second secret")

	srv := fake(t)
	srv.Script(10001, polyvtest.Custom(200, body).CutShort())
	c, _ := newClient(t, srv)
	err := stop(context.Background(), c, 10001)
	require.ErrorIs(t, err, polyv.ErrAnswerCut)
	require.Equal(t, `polyv stop-pull-stream: answer cut short (HTTP 200): {"message":"[redacted] [redacted]`, err.Error())
}

func TestStatusAnswerCutShort(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.ScriptStatus(10001, polyvtest.OK().CutShort(), polyvtest.OK())
	c, _ := newClient(t, srv)
	got, err := c.LiveStatus(context.Background(), 10001)
	require.Nil(t, got)
	require.ErrorIs(t, err, polyv.ErrAnswerCut)
	require.Contains(t, err.Error(), "polyv live-status: answer cut short (HTTP 200)")
	require.Len(t, srv.Calls(), 1, "not retried either")
}

func TestAnswerCutBeforeAnyBody(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.Script(10001, polyvtest.HTML(504).AfterStop().CutShort(), polyvtest.Empty(200).CutShort())
	c, _ := newClient(t, srv)
	stats, err := c.StopPullStream(context.Background(), 10001)
	require.ErrorIs(t, err, polyv.ErrAnswerCut)
	require.Contains(t, err.Error(), "answer cut short (HTTP 504): <html>")
	require.Equal(t, 1, stats.Attempts, "a cut 5xx is not retried either: the answer came")
	require.True(t, stats.Unclear)

	err = stop(context.Background(), c, 10001)
	require.ErrorIs(t, err, polyv.ErrAnswerCut)
	require.Equal(t, "polyv stop-pull-stream: answer cut short (HTTP 200): nothing of the body arrived", err.Error())
	require.Equal(t, 2, srv.StopCalls(10001))
}
