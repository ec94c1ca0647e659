package bot

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
)

// alwaysLive is a Polyv whose channels never stop streaming.
type alwaysLive struct{ calls int }

func (p *alwaysLive) StopPullStream(context.Context, int64) (polyv.CallStats, error) {
	return polyv.CallStats{}, nil
}

func (p *alwaysLive) LiveStatus(_ context.Context, ids ...int64) (map[int64]polyv.LiveStatus, error) {
	p.calls++
	out := map[int64]polyv.LiveStatus{}
	for _, id := range ids {
		out[id] = polyv.StatusLive
	}
	return out, nil
}

type allowAll struct{}

func (allowAll) Check(context.Context, string, string) auth.Decision {
	return auth.Decision{Allowed: true}
}

// A shutdown that cuts verification short proves nothing about the channel:
// the thread must not claim it is still live, and the parent must be flagged.
func TestVerifyCutShortByShutdownClaimsNothing(t *testing.T) {
	t.Parallel()
	fake := slacktest.NewServer()
	defer fake.Close()
	pv := &alwaysLive{}
	b, err := New(Config{
		Slack:       NewSlackClient(SlackOptions{BotToken: fake.BotToken(), AppToken: fake.AppToken(), APIURL: fake.APIURL()}),
		Polyv:       pv,
		StopPolicy:  allowAll{},
		Users:       auth.NewUserLimiter(60, 10),
		StatusUsers: auth.NewUserLimiter(60, 10),
	})
	require.NoError(t, err)
	j := job{cmd: slack.SlashCommand{UserID: "U0RESP", ChannelID: "C0OPS"}, parsed: Command{Verb: VerbStop, ChannelIDs: []int64{10001}}}
	parent, err := b.postParent(context.Background(), j)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	results := []result{{id: 10001, state: "stopped"}}
	ready := make(chan struct{})
	close(ready)
	b.verify(ctx, &thread{b: b, j: j, parent: parent, ready: ready}, j.parsed.ChannelIDs, results, summarize(results))

	thread := fake.Thread(parent.Channel, parent.TS)
	require.Len(t, thread, 1)
	require.Contains(t, thread[0].Text, "⚠️ Polyv channel 10001: Polyv accepted the stop, but the bot shut down before it could verify it")
	require.NotContains(t, thread[0].Text, "still reports live")
	require.Zero(t, pv.calls, "a cancelled verification asks Polyv nothing more")
	msgs := fake.ChannelMessages(parent.Channel)
	require.Len(t, msgs, 1)
	require.Equal(t, "⚠️ ✅ 1 stopped, unverified: 10001 — <@U0RESP> asked to stop Polyv channel 10001", msgs[0].Latest())
}
