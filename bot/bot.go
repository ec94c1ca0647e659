package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/polyv"
)

// Polyv is what the bot needs from the Polyv client.
type Polyv interface {
	StopPullStream(ctx context.Context, channelID int64) (polyv.CallStats, error)
	LiveStatus(ctx context.Context, channelIDs ...int64) (map[int64]polyv.LiveStatus, error)
}

// Authorizer decides whether a Slack user may act in a Slack channel.
type Authorizer interface {
	Check(ctx context.Context, userID, channelID string) auth.Decision
}

// UserThrottle is the per-user token bucket.
type UserThrottle interface {
	Take(userID string) (ok bool, retryAfter time.Duration)
}

// Config wires a Bot. Slack, Polyv, StopPolicy, Users and StatusUsers are
// required.
type Config struct {
	Slack        *SlackClient
	Polyv        Polyv
	StopPolicy   Authorizer
	StatusPolicy Authorizer   // who may run status; nil means StopPolicy
	Users        UserThrottle // stop tokens, one per channel
	// StatusUsers is the per-user bucket for status, kept apart from the
	// stop budget: the bot tells people to check with status before
	// retrying a stop, so looking must never use up stopping.
	StatusUsers UserThrottle
	Logger      *slog.Logger
	Metrics     *Metrics // nil: unregistered series

	WhoMayStop   string        // for the help text, e.g. auth.Rules.Summary(); empty leaves it out
	AuditChannel string        // also post one line per action, denial and outcome here
	PolyvTimeout time.Duration // POLYV_TIMEOUT, quoted in messages; shutdown waits this + 5 s
	DryRun       bool          // the stop call is signed and logged, not sent (the Polyv client does it); messages say so
	VerifyStop   bool          // after a stop, poll LiveStatus to see the channel is no longer live
	VerifyWindow time.Duration // how long to poll; default 15 s
	ConfirmStop  bool          // ask the requester to confirm with a button first
	ConfirmTTL   time.Duration // how long a confirmation prompt stays valid; default 2 min

	Workers     int           // concurrent commands; default 16
	Queue       int           // accepted commands waiting for a worker; default 4096 (about 1 KB each)
	PingTimeout time.Duration // Socket Mode: reconnect when Slack sent no ping for this long; default 30 s
	// MaxReconnectWait caps the wait between Socket Mode connection attempts
	// while Slack cannot be reached; default 30 s.
	MaxReconnectWait time.Duration
	Clock            func() time.Time
}

// Bot is the Slack side of polyvbot.
type Bot struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	msg     *messenger
	sm      *socketmode.Client
	now     func() time.Time

	jobs    chan job
	mu      sync.Mutex // guards draining and pending.Add
	drain   bool
	pending sync.WaitGroup

	seen    *envelopeSet
	flights *flights
	prompts *prompts

	ready    atomic.Bool
	readyWhy atomic.Value // string
	fatal    chan error
	// restartSocket cancels the current RunContext (see supervise).
	restartSocket atomic.Pointer[context.CancelFunc]
	connCount     atomic.Int64
	workCtx       context.Context
	cancelWork    context.CancelFunc
}

// New checks the configuration and builds a Bot; Run starts it.
func New(cfg Config) (*Bot, error) {
	var errs []error
	if cfg.Slack == nil {
		errs = append(errs, errors.New("bot: Slack client is required"))
	}
	if cfg.Polyv == nil {
		errs = append(errs, errors.New("bot: Polyv client is required"))
	}
	if cfg.StopPolicy == nil {
		errs = append(errs, errors.New("bot: stop policy is required"))
	}
	if cfg.Users == nil || cfg.StatusUsers == nil {
		errs = append(errs, errors.New("bot: per-user throttles for stop and status are required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	b := &Bot{
		cfg:     cfg,
		log:     cfg.Logger,
		metrics: cfg.Metrics,
		now:     cfg.Clock,
		jobs:    make(chan job, cfg.Queue),
		seen:    newEnvelopeSet(10*time.Minute, cfg.Clock),
		flights: newFlights(),
		prompts: newPrompts(cfg.ConfirmTTL, cfg.Clock),
		fatal:   make(chan error, 1),
	}
	b.msg = &messenger{api: cfg.Slack.API, log: cfg.Logger}
	cfg.Slack.gate.setMax(cfg.MaxReconnectWait)
	b.sm = socketmode.New(cfg.Slack.API,
		socketmode.OptionPingInterval(cfg.PingTimeout),
		socketmode.OptionLog(slogPrinter{cfg.Logger}))
	b.readyWhy.Store("not connected yet")
	return b, nil
}

func withDefaults(cfg Config) Config {
	if cfg.StatusPolicy == nil {
		cfg.StatusPolicy = cfg.StopPolicy
	}
	cfg.Logger = logger(cfg.Logger)
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	defaults := []struct {
		d   *time.Duration
		def time.Duration
	}{{&cfg.PolyvTimeout, 10 * time.Second}, {&cfg.VerifyWindow, 15 * time.Second},
		{&cfg.ConfirmTTL, 2 * time.Minute}, {&cfg.PingTimeout, 30 * time.Second},
		{&cfg.MaxReconnectWait, 30 * time.Second}}
	for _, d := range defaults {
		if *d.d <= 0 {
			*d.d = d.def
		}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Queue <= 0 {
		// A waiting command costs about 1 KB, so 4096 bound the backlog to
		// ~4 MB while a burst of 1000 commands at once is still all taken:
		// a "busy" refusal makes a responder retry mid-incident, a short
		// wait does not.
		cfg.Queue = 4096
	}
	return cfg
}

// Ready reports whether the Socket Mode connection is up (hello received), and
// why not.
func (b *Bot) Ready() (bool, string) {
	if b.ready.Load() {
		return true, "connected"
	}
	return false, b.readyWhy.Load().(string)
}

// Run connects to Slack and serves commands until ctx is cancelled, then stops
// taking new commands, lets accepted ones finish (up to POLYV_TIMEOUT + 5 s),
// and returns nil. It returns a *FatalError when Slack rejects a token.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.whoAmI(ctx); err != nil {
		return err
	}
	b.workCtx, b.cancelWork = context.WithCancel(context.WithoutCancel(ctx))
	defer b.cancelWork()
	sockCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for range b.cfg.Workers {
		wg.Go(func() { b.work(sockCtx) })
	}
	supervised := make(chan error, 1)
	wg.Go(func() { supervised <- b.supervise(sockCtx) })
	wg.Go(func() { b.drainEvents(sockCtx) })

	var err error
	select {
	case <-ctx.Done():
	case err = <-b.fatal:
	case err = <-supervised:
	}
	if err == nil {
		b.shutdown()
	}
	stopSocket()
	wg.Wait()
	return err
}

// whoAmI checks the bot token and learns the workspace URL for thread links.
// A rejected token is fatal; an unreachable Slack is not (the socket retries).
func (b *Bot) whoAmI(ctx context.Context) error {
	resp, err := b.cfg.Slack.API.AuthTestContext(ctx)
	if err != nil {
		if fatal := asFatal("auth.test (SLACK_BOT_TOKEN)", err); fatal != nil {
			return fatal
		}
		b.log.Warn("auth.test failed; thread links will be missing until restart", "err", err)
		return nil
	}
	b.msg.teamURL = resp.URL
	b.log.Info("slack bot token ok", "team", resp.Team, "bot_user", resp.UserID)
	return nil
}

// MaxShutdown is the longest Run takes to return after its context is
// cancelled: the grace period for accepted commands (POLYV_TIMEOUT + 5 s),
// then the bound on posting the outcomes of the commands it had to cancel.
// Deployment stop timeouts must exceed it.
func MaxShutdown(polyvTimeout time.Duration) time.Duration {
	return gracePeriod(polyvTimeout) + finalPostWait
}

// finalPostWait bounds the wait for cancelled commands to post their
// outcomes, each post being bounded by postTimeout.
const finalPostWait = postTimeout + 5*time.Second

func gracePeriod(polyvTimeout time.Duration) time.Duration { return polyvTimeout + 5*time.Second }

// shutdown stops admitting commands and waits for accepted ones; after the
// grace period it cancels the rest, whose outcomes are still posted.
func (b *Bot) shutdown() {
	b.mu.Lock()
	b.drain = true
	b.mu.Unlock()
	grace := gracePeriod(b.cfg.PolyvTimeout)
	b.log.Info("shutting down: finishing accepted commands", "grace", grace.String())
	done := make(chan struct{})
	go func() { b.pending.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(grace):
		b.log.Warn("grace period over: cancelling the commands still running")
		b.cancelWork()
	}
	// Cancelled commands still post their outcome, each post bounded by
	// postTimeout; past that, give up rather than hang the exit.
	select {
	case <-done:
	case <-time.After(finalPostWait):
		b.log.Error("commands still running after the grace period; exiting anyway")
	}
}

// spawn runs f in the background as part of a command that is already
// pending, so the drain waits for it too.
func (b *Bot) spawn(f func()) {
	b.pending.Add(1)
	go func() {
		defer b.pending.Done()
		f()
	}()
}

// admit counts a command as pending unless the bot is shutting down.
func (b *Bot) admit() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drain {
		return false
	}
	b.pending.Add(1)
	return true
}

func (b *Bot) setReady(ok bool, why string) {
	b.readyWhy.Store(why)
	b.ready.Store(ok)
	if ok {
		b.metrics.connected.Set(1)
	} else {
		b.metrics.connected.Set(0)
	}
}

func (b *Bot) raiseFatal(err error) {
	select {
	case b.fatal <- err:
	default:
	}
}

func describeIDs(ids []int64) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(id)
	}
	return s
}

// sleep waits for d and reports whether it did; false means ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
