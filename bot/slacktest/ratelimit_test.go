package slacktest_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// anHour is a Retry-After Slack does send: a client must neither choke on
// it nor have it rounded away.
var anHour = slacktest.Failure{HTTPStatus: http.StatusTooManyRequests, RetryAfter: "3600"}

// Any Web API method, and any response_url, can be answered 429 with the
// Retry-After a test scripts, sent exactly as scripted, by FailNext once
// and by FailAlways until cleared.
func TestRateLimitOnAnyMethod(t *testing.T) {
	t.Parallel()
	methods := []string{"apps.connections.open", "auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral",
		"chat.getPermalink", "usergroups.users.list", "usergroups.list", "conversations.info", "response_url"}
	scripts := map[string]func(*slacktest.Server, string){
		"FailNext":   func(s *slacktest.Server, m string) { s.FailNext(m, 1, anHour) },
		"FailAlways": func(s *slacktest.Server, m string) { s.FailAlways(m, anHour) },
	}
	for _, method := range methods {
		for name, script := range scripts {
			t.Run(method+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv, _ := newAPI(t, nil)
				hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
				t.Cleanup(hc.CloseIdleConnections)
				script(srv, method)
				resp, body := rawCall(t, hc, srv, method)
				require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
				require.Equal(t, []string{"3600"}, resp.Header.Values("Retry-After"))
				require.JSONEq(t, `{"ok":false,"error":"ratelimited"}`, body)
				require.Equal(t, 1, srv.Calls(method))
				require.Empty(t, srv.Messages())
				require.Empty(t, srv.Ephemerals())
				require.Empty(t, srv.ResponsePosts())
			})
		}
	}
}

// rawCall calls method with the right token and arguments enough for it to
// succeed, were it not scripted to fail.
func rawCall(t *testing.T, hc *http.Client, srv *slacktest.Server, method string) (*http.Response, string) {
	t.Helper()
	if method == "response_url" {
		return rawPost(t, hc, responseURL(srv), "application/json", "", `{"text":"x"}`)
	}
	token := srv.BotToken()
	if method == "apps.connections.open" {
		token = srv.AppToken()
	}
	form := url.Values{"channel": {"C1"}, "user": {"U1"}, "text": {"x"}, "ts": {"1.2"}, "usergroup": {"S1"}}
	return rawPost(t, hc, srv.APIURL()+method, "application/x-www-form-urlencoded", token, form.Encode())
}

// slack-go turns an hour's Retry-After into a RateLimitedError of an hour,
// on apps.connections.open (how Socket Mode connects) and on response_url
// posts, both as the bot posts them and as webhooks.
func TestRateLimitAnHourThroughSlackGo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method string
		call         func(context.Context, *slacktest.Server, *slack.Client, *http.Client) error
	}{
		{"apps.connections.open", "apps.connections.open",
			func(ctx context.Context, _ *slacktest.Server, api *slack.Client, _ *http.Client) error {
				_, _, err := api.StartSocketModeContext(ctx)
				return err
			}},
		{"response_url as the bot posts", "response_url",
			func(ctx context.Context, srv *slacktest.Server, api *slack.Client, _ *http.Client) error {
				_, _, _, err := api.SendMessageContext(ctx, "", slack.MsgOptionText("x", false),
					slack.MsgOptionResponseURL(responseURL(srv), slack.ResponseTypeEphemeral))
				return err
			}},
		{"response_url as a webhook", "response_url",
			func(ctx context.Context, srv *slacktest.Server, _ *slack.Client, hc *http.Client) error {
				return slack.PostWebhookCustomHTTPContext(ctx, responseURL(srv), hc, &slack.WebhookMessage{Text: "x"})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := slacktest.NewServer()
			hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
			t.Cleanup(func() { srv.Close(); hc.CloseIdleConnections() })
			api := slack.New(srv.BotToken(), slack.OptionAppLevelToken(srv.AppToken()),
				slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(hc))
			ctx := testCtx(t)

			srv.FailAlways(tt.method, anHour)
			for range 2 {
				var rl *slack.RateLimitedError
				require.ErrorAs(t, tt.call(ctx, srv, api, hc), &rl)
				require.Equal(t, time.Hour, rl.RetryAfter)
			}
			srv.FailAlways(tt.method, slacktest.Failure{})
			require.NoError(t, tt.call(ctx, srv, api, hc), "cleared, the call goes through")
			require.Equal(t, 3, srv.Calls(tt.method))
		})
	}
}
