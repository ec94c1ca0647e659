package slacktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// newAPI returns a server and a real Web API client wired to it.
func newAPI(t *testing.T, srvOpts []slacktest.Option, opts ...slack.Option) (*slacktest.Server, *slack.Client) {
	t.Helper()
	srv := slacktest.NewServer(srvOpts...)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(func() {
		srv.Close()
		hc.CloseIdleConnections()
	})
	all := append([]slack.Option{slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(hc)}, opts...)
	return srv, slack.New(srv.BotToken(), all...)
}

func TestAuthTest(t *testing.T) {
	t.Parallel()
	_, api := newAPI(t, []slacktest.Option{slacktest.WithTeam("T9", "Nine"), slacktest.WithBotUser("U9", "nine-bot")})
	res, err := api.AuthTestContext(testCtx(t))
	require.NoError(t, err)
	require.Equal(t, "T9", res.TeamID)
	require.Equal(t, "Nine", res.Team)
	require.Equal(t, "U9", res.UserID)
	require.Equal(t, "nine-bot", res.User)
}

func TestTokensAreChecked(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t, nil)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	client := func(bot, app string) *slack.Client {
		return slack.New(bot, slack.OptionAppLevelToken(app), slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(hc))
	}
	tests := []struct {
		name   string
		client *slack.Client
		call   func(context.Context, *slack.Client) error
	}{
		{"wrong bot token", client("xoxb-wrong", srv.AppToken()), authTest},
		{"no bot token", client("", srv.AppToken()), authTest},
		{"app token where bot token belongs", client(srv.AppToken(), srv.AppToken()), authTest},
		{"bot token opening a socket", client(srv.BotToken(), srv.BotToken()), openSocket},
		{"wrong app token", client(srv.BotToken(), "xapp-1-nope"), openSocket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.EqualError(t, tt.call(testCtx(t), tt.client), "invalid_auth")
		})
	}
}

func authTest(ctx context.Context, c *slack.Client) error {
	_, err := c.AuthTestContext(ctx)
	return err
}
func openSocket(ctx context.Context, c *slack.Client) error {
	_, _, err := c.StartSocketModeContext(ctx)
	return err
}

func TestPostThreadUpdateEphemeral(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil)
	ctx := testCtx(t)

	ch, parentTS, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("stopping 10001 &lt;x&gt;", false))
	require.NoError(t, err)
	require.Equal(t, "C1", ch)
	_, replyTS, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("stopped", false), slack.MsgOptionTS(parentTS))
	require.NoError(t, err)
	require.Greater(t, replyTS, parentTS, "ts must increase")
	_, _, _, err = api.UpdateMessageContext(ctx, "C1", parentTS, slack.MsgOptionText("10001 stopped", false))
	require.NoError(t, err)
	_, _, _, err = api.UpdateMessageContext(ctx, "C1", parentTS,
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "done", false, false), nil, nil)))
	require.NoError(t, err)
	_, err = api.PostEphemeralContext(ctx, "C1", "U5", slack.MsgOptionText("only you", false))
	require.NoError(t, err)

	top := srv.ChannelMessages("C1")
	require.Len(t, top, 1)
	require.Equal(t, "stopping 10001 &lt;x&gt;", top[0].Text)
	require.Equal(t, []string{"10001 stopped", ""}, top[0].Updates)
	require.Equal(t, "", top[0].Latest())
	require.Contains(t, string(top[0].UpdatedBlocks), `"done"`)
	require.Empty(t, top[0].Params.Get("link_names"))
	require.Empty(t, top[0].Params.Get("parse"))

	thread := srv.Thread("C1", parentTS)
	require.Len(t, thread, 1)
	require.Equal(t, "stopped", thread[0].Text)
	require.Equal(t, replyTS, thread[0].TS)
	require.Len(t, srv.Messages(), 2)

	eph := srv.Ephemerals()
	require.Len(t, eph, 1)
	require.Equal(t, slacktest.Ephemeral{Channel: "C1", User: "U5", Text: "only you", At: eph[0].At}, eph[0])

	link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: parentTS})
	require.NoError(t, err)
	require.Contains(t, link, "/archives/C1/p")
}

func TestTimestampsAreUniqueUnderConcurrency(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil)
	ctx := testCtx(t)
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			_, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("x", false))
			errs <- err
		}()
	}
	for range 20 {
		require.NoError(t, <-errs)
	}
	seen := map[string]bool{}
	for _, m := range srv.Messages() {
		require.False(t, seen[m.TS], "duplicate ts %s", m.TS)
		seen[m.TS] = true
	}
	require.Len(t, seen, 20)
}

func TestResponseURLPosts(t *testing.T) {
	t.Parallel()
	srv := slacktest.NewServer()
	h := newHarness(t, srv, 3*time.Second)
	ctx := testCtx(t)
	_, respURL, err := srv.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "stop 3"})
	require.NoError(t, err)
	h.nextCommand(t)

	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	api := slack.New(srv.BotToken(), slack.OptionAPIURL(srv.APIURL()), slack.OptionHTTPClient(hc))
	_, _, err = api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(respURL, slack.ResponseTypeInChannel),
		slack.MsgOptionText("stopping", false))
	require.NoError(t, err)
	require.NoError(t, slack.PostWebhookCustomHTTPContext(ctx, respURL, hc,
		&slack.WebhookMessage{Text: "done", ResponseType: "ephemeral", ReplaceOriginal: true}))
	for range 3 {
		require.NoError(t, slack.PostWebhookCustomHTTPContext(ctx, respURL, hc, &slack.WebhookMessage{Text: "more"}))
	}
	err = slack.PostWebhookCustomHTTPContext(ctx, respURL, hc, &slack.WebhookMessage{Text: "sixth"})
	var codeErr slack.StatusCodeError
	require.ErrorAs(t, err, &codeErr, "a sixth post must be refused like Slack does")
	require.Equal(t, http.StatusNotFound, codeErr.Code)

	posts := srv.ResponsePosts()
	require.Len(t, posts, 5)
	require.Equal(t, respURL, posts[0].URL)
	require.Equal(t, "stopping", posts[0].Text)
	require.Equal(t, "in_channel", posts[0].ResponseType)
	require.Equal(t, "done", posts[1].Text)
	require.True(t, posts[1].ReplaceOriginal)
	require.Equal(t, 6, srv.Calls("response_url"))
}

func TestScriptedFailures(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil, slack.OptionRetry(2))
	ctx := testCtx(t)

	srv.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: http.StatusTooManyRequests, RetryAfter: "1"})
	_, _, err := api.PostMessageContext(ctx, "C3", slack.MsgOptionText("retried", false))
	require.NoError(t, err)
	require.Equal(t, 2, srv.Calls("chat.postMessage"))
	require.Len(t, srv.Messages(), 1)

	srv.SetNotInChannel("C4")
	_, _, err = api.PostMessageContext(ctx, "C4", slack.MsgOptionText("x", false))
	require.EqualError(t, err, "not_in_channel")

	srv.FailAlways("auth.test", slacktest.Failure{HTTPStatus: http.StatusInternalServerError})
	_, err = api.AuthTestContext(ctx)
	var codeErr slack.StatusCodeError
	require.ErrorAs(t, err, &codeErr)
	require.Equal(t, http.StatusInternalServerError, codeErr.Code)
	srv.FailAlways("auth.test", slacktest.Failure{})
	_, err = api.AuthTestContext(ctx)
	require.NoError(t, err)

	srv.FailNext("usergroups.list", 1, slacktest.Failure{Error: "ratelimited"})
	_, err = api.GetUserGroupsContext(ctx)
	require.EqualError(t, err, "ratelimited")
}

func TestRateLimitWithoutRetryIsReported(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil)
	srv.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: http.StatusTooManyRequests, RetryAfter: "7"})
	_, _, err := api.PostMessageContext(testCtx(t), "C3", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	require.True(t, errors.As(err, &rl), "got %v", err)
	require.Equal(t, 7*time.Second, rl.RetryAfter)
	require.Empty(t, srv.Messages())
}

func TestUserGroups(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil)
	ctx := testCtx(t)
	srv.SetUserGroup("S1", "oncall", "U1", "U2")

	members, err := api.GetUserGroupMembersContext(ctx, "S1")
	require.NoError(t, err)
	require.Equal(t, []string{"U1", "U2"}, members)
	groups, err := api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))
	require.NoError(t, err)
	require.Len(t, groups, 1)
	require.Equal(t, "oncall", groups[0].Handle)

	_, err = api.GetUserGroupMembersContext(ctx, "S404")
	require.EqualError(t, err, "no_such_subteam")

	srv.SetUserGroupError("S1", "missing_scope")
	_, err = api.GetUserGroupMembersContext(ctx, "S1")
	require.EqualError(t, err, "missing_scope")
	_, err = api.GetUserGroupsContext(ctx)
	require.EqualError(t, err, "missing_scope")

	srv.SetUserGroupError("S1", "")
	members, err = api.GetUserGroupMembersContext(ctx, "S1")
	require.NoError(t, err)
	require.Equal(t, []string{"U1", "U2"}, members)
	require.Equal(t, 4, srv.Calls("usergroups.users.list"))
}

func TestConversationInfoAndUnknownMethod(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil)
	ctx := testCtx(t)
	srv.SetNotInChannel("C8")
	info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C8"})
	require.NoError(t, err)
	require.Equal(t, "C8", info.ID)
	require.False(t, info.IsMember)

	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	resp, err := hc.Post(srv.APIURL()+"files.upload", "application/x-www-form-urlencoded",
		strings.NewReader("token="+srv.BotToken()))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	require.Equal(t, map[string]any{"ok": false, "error": "unknown_method"}, got)
}

func TestRequestsRecordEverything(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil)
	_, _, err := api.PostMessageContext(testCtx(t), "C1", slack.MsgOptionText("hi", false))
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, http.MethodPost, reqs[0].Method)
	require.Equal(t, "/api/chat.postMessage", reqs[0].Path)
	require.Contains(t, string(reqs[0].Body), "text=hi")
	require.Equal(t, srv.BotToken(), srv.Messages()[0].Params.Get("token"))
}

func TestClockStampsRecords(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv, api := newAPI(t, []slacktest.Option{slacktest.WithClock(func() time.Time { return at })})
	_, _, err := api.PostMessageContext(testCtx(t), "C1", slack.MsgOptionText("hi", false))
	require.NoError(t, err)
	require.Equal(t, at, srv.Messages()[0].At)
	require.Equal(t, at, srv.Requests()[0].At)
}

func TestLatencyDelaysAnswersAndCloseCutsItShort(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, []slacktest.Option{slacktest.WithLatency(time.Hour)})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 1, srv.Calls("chat.postMessage"))
	require.Empty(t, srv.Messages(), "the answer must not have been processed yet")
	// The cleanup's Close must return although a handler is still asleep.
}

func TestScriptedFailureShapes(t *testing.T) {
	t.Parallel()
	t.Run("channel-scoped failure spares other channels", func(t *testing.T) {
		t.Parallel()
		srv, api := newAPI(t, nil)
		ctx := testCtx(t)
		srv.FailAlways("chat.postMessage", slacktest.Failure{Error: "fatal_error", Channel: "C1"})
		_, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("elsewhere", false))
		require.NoError(t, err)
		_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("here", false))
		require.EqualError(t, err, "fatal_error")
		require.Len(t, srv.Messages(), 1)
	})
	t.Run("FailNext skips calls for other channels", func(t *testing.T) {
		t.Parallel()
		srv, api := newAPI(t, nil)
		ctx := testCtx(t)
		srv.FailNext("chat.postMessage", 1, slacktest.Failure{Error: "fatal_error", Channel: "C1"})
		_, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("first", false))
		require.NoError(t, err)
		_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("second", false))
		require.EqualError(t, err, "fatal_error")
		_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("third", false))
		require.NoError(t, err)
	})
	t.Run("delivered then failed", func(t *testing.T) {
		t.Parallel()
		srv, api := newAPI(t, nil)
		srv.FailNext("chat.postMessage", 1, slacktest.Failure{HTTPStatus: http.StatusBadGateway, Delivered: true})
		_, _, err := api.PostMessageContext(testCtx(t), "C1", slack.MsgOptionText("posted anyway", false))
		var codeErr slack.StatusCodeError
		require.ErrorAs(t, err, &codeErr)
		require.Equal(t, http.StatusBadGateway, codeErr.Code)
		require.Len(t, srv.Messages(), 1, "the post took effect although the answer was 502")
	})
	t.Run("a delay ends when the client gives up", func(t *testing.T) {
		t.Parallel()
		srv, api := newAPI(t, nil)
		srv.FailNext("chat.postMessage", 1, slacktest.Failure{Delay: time.Hour})
		ctx, cancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
		defer cancel()
		_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hangs", false))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Empty(t, srv.Messages())
	})
}

func TestSlowAnswerIsNormalAfterItsDelay(t *testing.T) {
	t.Parallel()
	srv, api := newAPI(t, nil)
	srv.FailNext("chat.postMessage", 1, slacktest.Failure{Delay: 50 * time.Millisecond})
	start := time.Now()
	_, _, err := api.PostMessageContext(testCtx(t), "C1", slack.MsgOptionText("slow", false))
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	require.Len(t, srv.Messages(), 1)
}
