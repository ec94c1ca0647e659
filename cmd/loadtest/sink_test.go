package main

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot/slacktest"
)

// TestWebSinkAnswersLikeSlack drives the sink with the slack-go client the
// bot uses: the messages calls are answered by the sink and traced by Polyv
// channel, everything else reaches the fake Slack.
func TestWebSinkAnswersLikeSlack(t *testing.T) {
	t.Parallel()
	fake := slacktest.NewServer()
	t.Cleanup(fake.Close)
	sink, err := newWebSink(fake.APIURL(), fake.BotToken())
	require.NoError(t, err)
	t.Cleanup(sink.Close)
	api := slack.New(fake.BotToken(), slack.OptionAPIURL(sink.APIURL()))
	ctx := context.Background()

	who, err := api.AuthTestContext(ctx)
	require.NoError(t, err, "auth.test goes through to the fake Slack")
	require.Equal(t, "U0BOT", who.UserID)
	require.Equal(t, 1, fake.Calls("auth.test"))

	ch, parent, err := api.PostMessageContext(ctx, "C0OPS", slack.MsgOptionText("🛑 <@U1> is stopping Polyv channel 7", false))
	require.NoError(t, err)
	require.Equal(t, "C0OPS", ch)
	require.NotEmpty(t, parent)
	_, reply, err := api.PostMessageContext(ctx, "C0OPS", slack.MsgOptionText("✅ Polyv channel 7: stopped", false), slack.MsgOptionTS(parent))
	require.NoError(t, err)
	require.NotEqual(t, parent, reply, "every message gets its own ts")
	_, _, _, err = api.UpdateMessageContext(ctx, "C0OPS", parent, slack.MsgOptionText("✅ 1 stopped", false))
	require.NoError(t, err)
	_, err = api.PostEphemeralContext(ctx, "C0OPS", "U1", slack.MsgOptionText("only you", false))
	require.NoError(t, err)
	_, _, err = api.PostMessageContext(ctx, "C0OPS", slack.MsgOptionText("🔎 Polyv channel 7: verified, no longer live (ended)", false), slack.MsgOptionTS(parent))
	require.NoError(t, err)
	_, _, err = api.PostMessageContext(ctx, "C0OPS", slack.MsgOptionText("a reply naming no channel", false), slack.MsgOptionTS(parent))
	require.NoError(t, err)

	require.Equal(t, sinkCounts{Posts: 4, Updates: 1, Ephemerals: 1, Unmatched: 1, Channels: 1}, sink.counts())
	require.Empty(t, fake.Messages(), "the sink answered the messages calls itself")
	traces := sink.snapshot(func(yield func(int64) bool) { _ = yield(7) && yield(8) })
	require.Len(t, traces, 1)
	tr := traces[7]
	require.Equal(t, 2, tr.Replies)
	require.True(t, tr.Stopped)
	done, ok := tr.done(true)
	require.True(t, ok)
	require.Equal(t, tr.Verified, done)

	_, _, err = slack.New("xoxb-wrong", slack.OptionAPIURL(sink.APIURL())).PostMessageContext(ctx, "C0OPS", slack.MsgOptionText("x", false))
	require.ErrorContains(t, err, "invalid_auth")
	_, _, err = api.PostMessageContext(ctx, "", slack.MsgOptionText("x", false))
	require.ErrorContains(t, err, "channel_not_found")
}
