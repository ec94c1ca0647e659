package slackclient

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// webCall is one way the bot posts, as the rate-limit tests drive it.
type webCall struct {
	name, method string // method: what the fake counts the call as
	call         func(ctx context.Context, c *Client, srv *slacktest.Server) error
}

var webCalls = []webCall{
	{"response_url", "response_url", func(ctx context.Context, c *Client, srv *slacktest.Server) error {
		return c.Respond(ctx, srv.URL()+"/response/T0TEST/1", Response{Message: Message{Text: "stopped"}})
	}},
	{"chat.postEphemeral", "chat.postEphemeral", func(ctx context.Context, c *Client, _ *slacktest.Server) error {
		return c.PostEphemeral(ctx, "C0OPS", "U0USER", Message{Text: "stopped"})
	}},
	{"chat.postMessage", "chat.postMessage", func(ctx context.Context, c *Client, _ *slacktest.Server) error {
		_, _, err := c.Post(ctx, "C0OPS", Message{Text: "stopped"})
		return err
	}},
}

// TestLongRetryAfterIsNotWaitedFor: a 429 whose Retry-After the call cannot
// afford returns at once, saying for how long Slack refuses, so that the
// caller can try its other ways (response_url, then an ephemeral, then a
// DM) instead of spending its whole deadline asleep in one of them.
func TestLongRetryAfterIsNotWaitedFor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		retryAfter string
		want       time.Duration
		deadline   time.Duration // 0: no deadline, so the 10 s cap applies
	}{
		{"an hour, within a 2 s deadline", "3600", time.Hour, 2 * time.Second},
		{"past the cap, without a deadline", "11", 11 * time.Second, 0},
		{"longer than the deadline left", "3", 3 * time.Second, 2 * time.Second},
	}
	for _, wc := range webCalls {
		for _, tc := range cases {
			t.Run(wc.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := slacktest.NewServer()
				t.Cleanup(srv.Close)
				c := New(Options{BotToken: srv.BotToken(), AppToken: srv.AppToken(), APIURL: srv.APIURL()})
				srv.FailNext(wc.method, 1, slacktest.Failure{HTTPStatus: 429, RetryAfter: tc.retryAfter})
				ctx, cancel := withOptionalTimeout(tc.deadline)
				defer cancel()
				guard, stop := context.WithTimeout(context.Background(), 5*time.Second)
				defer stop()
				done := make(chan error, 1)
				go func() { done <- wc.call(ctx, c, srv) }()
				var err error
				select {
				case err = <-done:
				case <-guard.Done():
					cancel()
					<-done
					t.Fatal("the call was still waiting after 5 s")
				}
				require.NoError(t, ctx.Err(), "the call returned only when its context ended")
				var limited *slack.RateLimitedError
				require.ErrorAs(t, err, &limited)
				require.Equal(t, tc.want, limited.RetryAfter)
				require.Contains(t, err.Error(), "rate limit")
				require.Equal(t, 1, srv.Calls(wc.method), "nothing was retried")
			})
		}
	}
}

// TestShortRetryAfterIsHonouredOnce: Slack did nothing on a 429, so a wait
// the call can afford is taken once, posts included; a second 429 returns.
func TestShortRetryAfterIsHonouredOnce(t *testing.T) {
	t.Parallel()
	for _, wc := range webCalls {
		for _, refusals := range []int{1, 2} {
			t.Run(wc.name+"/"+[]string{"", "one 429", "two 429s"}[refusals], func(t *testing.T) {
				t.Parallel()
				srv := slacktest.NewServer()
				t.Cleanup(srv.Close)
				c := New(Options{BotToken: srv.BotToken(), AppToken: srv.AppToken(), APIURL: srv.APIURL()})
				srv.FailNext(wc.method, refusals, slacktest.Failure{HTTPStatus: 429, RetryAfter: "1"})
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				err := wc.call(ctx, c, srv)
				require.Equal(t, 2, srv.Calls(wc.method), "the refused call and one retry")
				if refusals == 1 {
					require.NoError(t, err)
					return
				}
				var limited *slack.RateLimitedError
				require.ErrorAs(t, err, &limited)
				require.Equal(t, time.Second, limited.RetryAfter)
			})
		}
	}
}

func withOptionalTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	if d == 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), d)
}
