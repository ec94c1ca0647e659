package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/logtest"
	"github.com/polyvbot/polyvbot/polyv"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

const (
	testAppID     = "appTEST01"
	testAppSecret = "s3cr3t-polyv-app-secret-value"
	responder     = "U0RESP"
	opsChannel    = "C0OPS"
)

// harness runs the real bot against the fake Slack and the fake Polyv, for
// the tests of the transport: Socket Mode, acks, the Web API client. The
// pipeline's own behaviour is tested without a websocket (stop_test.go).
type harness struct {
	t       *testing.T
	slack   *slacktest.Server
	polyv   *polyvtest.Server
	bot     *bot.Bot
	logs    *syncBuffer
	cancel  context.CancelFunc
	done    chan error
	mu      sync.Mutex
	records []bot.Record
	changed chan struct{}
}

type harnessOpts struct {
	cfg          func(*bot.Config)
	rules        auth.Rules
	polyvOpts    []polyv.Option
	userPerMin   float64
	userBurst    int
	globalPerMin float64
	globalBurst  int
	maxWait      time.Duration
	slackOpts    []slacktest.Option
	polyvTimeout time.Duration
	// pingTimeout and maxReconnectWait configure the Socket Mode connection.
	pingTimeout      time.Duration
	maxReconnectWait time.Duration
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	h := &harness{t: t, logs: &syncBuffer{}, done: make(chan error, 1), changed: make(chan struct{})}
	h.slack = slacktest.NewServer(o.slackOpts...)
	h.polyv = polyvtest.NewServer(testAppID, testAppSecret)
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if len(o.rules.Users) == 0 && len(o.rules.Groups) == 0 && !o.rules.Everyone {
		o.rules.Users = []string{responder}
	}
	sc := slackclient.New(slackclient.Options{BotToken: h.slack.BotToken(), AppToken: h.slack.AppToken(), APIURL: h.slack.APIURL(),
		Logger: log, MaxReconnectWait: o.maxReconnectWait})
	_, _, err := sc.WhoAmI(context.Background())
	require.NoError(t, err)
	groups := auth.NewGroupCache(sc, auth.WithLogger(log))
	policy, err := auth.NewPolicy(o.rules, groups)
	require.NoError(t, err)
	if o.polyvTimeout == 0 {
		o.polyvTimeout = 2 * time.Second
	}
	pc := polyv.NewClient(testAppID, testAppSecret, append([]polyv.Option{
		polyv.WithBaseURL(h.polyv.URL),
		polyv.WithLimiter(rate.NewLimiter(rate.Limit(orDefault(o.globalPerMin, 6000)/60), int(orDefault(float64(o.globalBurst), 100)))),
		polyv.WithMaxWait(orDuration(o.maxWait, 5*time.Second)),
		polyv.WithTimeout(o.polyvTimeout),
		polyv.WithRetries(3, 10*time.Millisecond),
		polyv.WithLogger(log),
	}, o.polyvOpts...)...)
	cfg := bot.Config{
		Slack: sc, Socket: sc.Socket(o.pingTimeout), Polyv: pc, StopPolicy: policy,
		Users:        auth.NewUserLimiter(orDefault(o.userPerMin, 600), int(orDefault(float64(o.userBurst), 50))),
		StatusUsers:  auth.NewUserLimiter(orDefault(o.userPerMin, 600), int(orDefault(float64(o.userBurst), 50))),
		Logger:       log,
		Audit:        bot.AuditFunc(h.audit),
		PolyvTimeout: o.polyvTimeout,
		VerifyStop:   true,
		VerifyWindow: 300 * time.Millisecond,
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	h.bot, err = bot.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.bot.Run(ctx) }()
	t.Cleanup(h.close)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	require.NoError(t, h.slack.WaitConnected(wctx), "bot never connected")
	return h
}

// maybeNamed matches channel id as the bot shows it with or without the
// fake Polyv's default name: a name that is not there in time is left out,
// and the tests of everything else do not wait for one.
func maybeNamed(id int64) string {
	return fmt.Sprintf("%d( «polyvtest channel %d»)?", id, id)
}

// stopBot cancels the bot and waits for Run to return.
func (h *harness) stopBot() error {
	h.cancel()
	select {
	case err := <-h.done:
		h.done <- err
		return err
	case <-time.After(30 * time.Second):
		h.t.Fatal("bot did not stop within 30s")
		return nil
	}
}

func (h *harness) close() {
	_ = h.stopBot()
	h.slack.Close()
	h.polyv.Close()
	if h.t.Failed() {
		h.t.Logf("bot logs:\n%s", h.logs.String())
	}
}

// send delivers a slash command from the responder in the ops channel unless
// cmd says otherwise, and waits for its ack.
func (h *harness) send(cmd slacktest.SlashCommand) (slacktest.Ack, string) {
	h.t.Helper()
	if cmd.UserID == "" {
		cmd.UserID = responder
	}
	if cmd.ChannelID == "" {
		cmd.ChannelID = opsChannel
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, responseURL, err := h.slack.SendSlashCommand(ctx, cmd)
	require.NoError(h.t, err)
	ack, err := h.slack.WaitAck(ctx, env)
	require.NoError(h.t, err)
	return ack, responseURL
}

// waitFor waits until pred holds, failing the test after 10 s.
func (h *harness) waitFor(what string, pred func(*slacktest.Server) bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.slack.WaitFor(ctx, pred); err != nil {
		h.t.Fatalf("timed out waiting for %s", what)
	}
}

// parent waits for the single top-level message in the ops channel and for its
// thread to hold n replies.
func (h *harness) parentWithReplies(n int) (slacktest.Message, []slacktest.Message) {
	h.t.Helper()
	h.waitFor("parent and thread", func(s *slacktest.Server) bool {
		ms := s.ChannelMessages(opsChannel)
		return len(ms) == 1 && len(s.Thread(opsChannel, ms[0].TS)) >= n && len(ms[0].Updates) > 0
	})
	p := h.slack.ChannelMessages(opsChannel)[0]
	return p, h.slack.Thread(opsChannel, p.TS)
}

func (h *harness) privateTo(responseURL string) []slacktest.ResponsePost {
	var out []slacktest.ResponsePost
	for _, p := range h.slack.ResponsePosts() {
		if p.URL == responseURL {
			out = append(out, p)
		}
	}
	return out
}

func (h *harness) waitPrivate(responseURL string) slacktest.ResponsePost {
	h.t.Helper()
	h.waitFor("private answer", func(*slacktest.Server) bool { return len(h.privateTo(responseURL)) > 0 })
	return h.privateTo(responseURL)[0]
}

func (h *harness) stopCalls() int {
	n := 0
	for _, c := range h.polyv.Calls() {
		if strings.HasSuffix(c.Path, "stop-pull-stream") {
			n++
		}
	}
	return n
}

// audit is the bot's audit sink: it keeps every record and wakes waiters.
func (h *harness) audit(r bot.Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	close(h.changed)
	h.changed = make(chan struct{})
}

// waitRecord waits for the last audit record of envelope id: the bot is
// done with that command.
func (h *harness) waitRecord(id string) bot.Record {
	h.t.Helper()
	// A stop being verified is done with its verdict's record.
	return h.waitRecordWhere(func(r bot.Record) bool { return r.ID == id })
}

func noVerify(c *bot.Config) { c.VerifyStop = false }

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orDuration(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// syncBuffer captures logs written from many goroutines.
type syncBuffer = logtest.Buffer
