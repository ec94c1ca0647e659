package bot

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot/slackclient"
)

// The queue is bounded by time as well as by count: a command the workers
// cannot be expected to start within the bound is refused at once.
func TestPoolRefusesWhatItCannotStartInTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		workers int
		service time.Duration
		queued  int
		want    admission
	}{
		{"nothing measured yet", 1, 0, 0, accepted},
		{"quick requests, short queue", 16, 5 * time.Millisecond, 100, accepted},
		{"one ahead, within the bound", 1, 60 * time.Millisecond, 0, accepted},
		{"two ahead, past the bound", 1, 60 * time.Millisecond, 1, queueFull},
		{"many workers share the wait", 4, 60 * time.Millisecond, 5, accepted},
		{"a hanging Slack holds every worker", 16, 20 * time.Second, 0, queueFull},
		{"the count bound still holds", 16, 0, 200, queueFull},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := newPool(tc.workers, 200, 100*time.Millisecond)
			q.service.Store(int64(tc.service))
			for range tc.queued {
				q.jobs <- Request{}
			}
			require.Equal(t, tc.want, q.submit(Request{}))
		})
	}
}

func TestPoolServiceTimeIsAMovingAverage(t *testing.T) {
	t.Parallel()
	q := newPool(1, 1, time.Second)
	q.observe(80 * time.Millisecond)
	require.Equal(t, 80*time.Millisecond, time.Duration(q.service.Load()), "the first sample sets it")
	q.observe(0)
	require.Equal(t, 70*time.Millisecond, time.Duration(q.service.Load()), "then an eighth of the way each time")
}

// A command that still waited past the bound is answered "busy", not run
// minutes after it was typed.
func TestBotAnswersBusyInsteadOfRunningLate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		slack := newFakeSlack()
		var records []Record
		policy, err := auth.NewPolicy(auth.Rules{Users: []string{responder}}, nil)
		require.NoError(t, err)
		b, err := New(Config{Slack: slack, Socket: idleSocket{}, Polyv: refusingPolyv{}, StopPolicy: policy,
			Users: auth.NewUserLimiter(60, 10), StatusUsers: auth.NewUserLimiter(60, 10),
			Audit: AuditFunc(func(r Record) { records = append(records, r) })})
		require.NoError(t, err)
		cmd, _ := ParseCommand("stop 10001")
		req := Request{ID: "late", User: responder, Channel: opsChannel, ResponseURL: responseURL, Command: cmd, Received: time.Now()}
		time.Sleep(DefaultQueueWait + time.Millisecond)
		b.runJob(context.Background(), req)
		require.Len(t, records, 1)
		require.Equal(t, Busy, records[0].Decision)
		require.Equal(t, english.busyText(), slack.responded()[0].Text)
		require.Empty(t, slack.parents(opsChannel), "nothing was run")
	})
}

type idleSocket struct{}

func (idleSocket) Run(ctx context.Context, _ slackclient.Handlers) error { <-ctx.Done(); return nil }
func (idleSocket) Ack(context.Context, string, any) error                { return nil }
