package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// BenchmarkParseCommand is the parser on the ack path.
func BenchmarkParseCommand(b *testing.B) {
	for _, text := range []string{
		"stop 10001",
		"stop 10001 10002 10003 encoder loop, see INC-42",
		"STATUS 10001",
		"help",
		"stop abc",
	} {
		b.Run(text, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = bot.ParseCommand(text)
			}
		})
	}
}

// BenchmarkAck is one slash command from the fake writing the envelope to the
// fake reading the ack, through the real slack-go Socket Mode client.
// "help" is answered in the ack itself; "stop" is queued for a worker (the
// worker's posts are waited for outside the timer). ack-µs is the fake's own
// measurement, envelope written → ack read.
func BenchmarkAck(b *testing.B) {
	for _, text := range []string{"help", "stop"} {
		b.Run(text, func(b *testing.B) {
			e := newBenchEnv(b)
			var ackTotal time.Duration
			for i := 0; i < b.N; i++ {
				cmd := text
				if text == "stop" {
					cmd = fmt.Sprintf("stop %d", 100000+i)
				}
				ack := e.send(b, cmd)
				ackTotal += ack.At.Sub(ack.SentAt)
				if text == "stop" {
					b.StopTimer()
					e.waitCalls(b, "chat.update", i+1)
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(ackTotal.Microseconds())/float64(b.N), "ack-µs")
		})
	}
}

// BenchmarkEndToEnd is one stop command from its envelope to its outcome
// posted in the thread, the fakes answering at once: ack, parent post, the
// signed Polyv call and the thread reply.
func BenchmarkEndToEnd(b *testing.B) {
	e := newBenchEnv(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.send(b, fmt.Sprintf("stop %d", 100000+i))
		e.waitCalls(b, "chat.postMessage", 2*(i+1)) // parent and outcome
		b.StopTimer()
		e.waitCalls(b, "chat.update", i+1) // the parent's summary: the command is done
		b.StartTimer()
	}
}

// benchEnv is the bot wired as cmd/bot wires it (JSON logs at info, limits
// high, verification off) against both fakes.
type benchEnv struct {
	slack *slacktest.Server
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	s := slacktest.NewServer()
	p := polyvtest.NewServer(testAppID, testAppSecret)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	sc := slackclient.New(slackclient.Options{BotToken: s.BotToken(), AppToken: s.AppToken(), APIURL: s.APIURL(), Logger: log})
	policy, err := auth.NewPolicy(auth.Rules{Everyone: true}, auth.NewGroupCache(sc, auth.WithLogger(log)))
	if err != nil {
		b.Fatal(err)
	}
	pc := polyv.NewClient(testAppID, testAppSecret, polyv.WithBaseURL(p.URL), polyv.WithLogger(log),
		polyv.WithLimiter(rate.NewLimiter(rate.Inf, 1)))
	bt, err := bot.New(bot.Config{Slack: sc, Socket: sc.Socket(0), Polyv: pc, StopPolicy: policy, Logger: log,
		Users: auth.NewUserLimiter(1e9, 1e6), StatusUsers: auth.NewUserLimiter(1e9, 1e6), Metrics: bot.NewMetrics(nil)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bt.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		<-done
		s.Close()
		p.Close()
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.WaitConnected(wctx); err != nil {
		b.Fatal("bot never connected")
	}
	return &benchEnv{slack: s}
}

func (e *benchEnv) send(b *testing.B, text string) slacktest.Ack {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, _, err := e.slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: text, UserID: responder, ChannelID: opsChannel})
	if err != nil {
		b.Fatal(err)
	}
	ack, err := e.slack.WaitAck(ctx, env)
	if err != nil {
		b.Fatal(err)
	}
	return ack
}

func (e *benchEnv) waitCalls(b *testing.B, method string, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.slack.WaitFor(ctx, func(s *slacktest.Server) bool { return s.Calls(method) >= n }); err != nil {
		b.Fatalf("waiting for %d %s calls: %v", n, method, err)
	}
}
