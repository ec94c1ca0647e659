package bot

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/time/rate"
)

// Config wires a Bot. Slack, Socket, Polyv, StopPolicy, Users and
// StatusUsers are required.
type Config struct {
	Slack  Slack  // the Web API: a *slackclient.Client
	Socket Socket // Socket Mode: (*slackclient.Client).Socket
	Polyv  Polyv
	// PolyvQuota is the global bucket the Polyv client takes its tokens
	// from (polyv.WithLimiter): the channel-name lookups make a call only
	// while more than half its burst is free, and take at most a tenth of
	// its rate, so that they never starve a stop. nil: they keep to their
	// own small budget only.
	PolyvQuota   *rate.Limiter
	StopPolicy   Authorizer
	StatusPolicy Authorizer   // who may run status; nil means StopPolicy
	Users        UserThrottle // stop tokens, one per channel
	// StatusUsers is the per-user bucket for status, kept apart from the
	// stop budget: the bot tells people to check with status before
	// retrying a stop, so looking must never use up stopping.
	StatusUsers UserThrottle
	Logger      *slog.Logger
	Metrics     *Metrics  // nil: unregistered series
	Audit       AuditSink // where audit records go; default LogSink(Logger)

	WhoMayStop   string        // for the help text, e.g. auth.Rules.Summary(); empty leaves it out
	AuditChannel string        // also post one line per action, denial and outcome here
	PolyvTimeout time.Duration // POLYV_TIMEOUT, quoted in messages; shutdown waits this + 5 s
	DryRun       bool          // the stop call is signed and logged, not sent (the Polyv client does it); messages say so
	VerifyStop   bool          // after a stop, poll LiveStatus to see the channel is no longer live
	VerifyWindow time.Duration // how long to poll; default 15 s
	ConfirmStop  bool          // ask the requester to confirm with a button first
	ConfirmTTL   time.Duration // how long a confirmation prompt stays valid; default 2 min
	// ConfirmKey signs the confirmation buttons' tickets. Replicas that
	// share it honour each other's prompts (see TicketKey); empty means a
	// random key only this process knows.
	ConfirmKey []byte
	// CutoffAvailable says that the Polyv client has the account's userId
	// (POLYV_USER_ID), which ban and resume send; without it they are
	// refused, and a stop's thread says what to set instead of offering
	// the cut-off button.
	CutoffAvailable bool
	// Language is what the bot writes to people in (LANGUAGE): English
	// (also the zero value) or Chinese. Logs and metrics stay English.
	Language language.Tag
	// ApprovalChannels (APPROVAL_CHANNELS) are the Polyv channels whose
	// stops wait for a second allowed person's approval; ApprovalAll, every
	// channel. A request can be approved for ApprovalTTL; default 10 min.
	// Its buttons' tickets are signed with ConfirmKey.
	ApprovalChannels []int64
	ApprovalAll      bool
	ApprovalTTL      time.Duration

	Workers int // concurrent commands; default 16
	Queue   int // accepted commands waiting for a worker; default 4096 (about 1 KB each)
	// QueueWait is the longest a command may wait for a worker: one the
	// workers cannot be expected to start sooner is answered "busy, try
	// again" at once; default 5 s.
	QueueWait time.Duration
}

// Bot is the Slack side of polyvbot: it reads payloads from the socket,
// answers in the ack what needs no work, and runs the rest on a pool of
// workers through the pipeline.
type Bot struct {
	cfg         Config
	log         *slog.Logger
	metrics     *Metrics
	socket      Socket
	pipe        *pipeline
	pool        *pool
	seen        *envelopeSet
	ready       atomic.Bool
	readyWhy    atomic.Pointer[string]
	connections atomic.Int64
}

// New checks the configuration and builds a Bot; Run starts it.
func New(cfg Config) (*Bot, error) {
	var errs []error
	for _, required := range []struct {
		missing bool
		what    string
	}{{cfg.Slack == nil, "Slack client"}, {cfg.Socket == nil, "Socket Mode connection"}, {cfg.Polyv == nil, "Polyv client"},
		{cfg.StopPolicy == nil, "stop policy"}, {cfg.Users == nil || cfg.StatusUsers == nil, "per-user throttles for stop and status"}} {
		if required.missing {
			errs = append(errs, errors.New("bot: the "+required.what+" is required"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	b := &Bot{cfg: cfg, log: cfg.Logger, metrics: cfg.Metrics, socket: cfg.Socket,
		pool: newPool(cfg.Workers, cfg.Queue, cfg.QueueWait), seen: newEnvelopeSet(10*time.Minute, time.Now)}
	b.pipe = &pipeline{
		slack: cfg.Slack, polyv: cfg.Polyv, stopPolicy: cfg.StopPolicy, statusPolicy: cfg.StatusPolicy,
		users: cfg.Users, statusUsers: cfg.StatusUsers, sink: cfg.Audit, metrics: cfg.Metrics, log: cfg.Logger,
		flights: newFlights(), tickets: newTickets(cfg.ConfirmKey, cfg.ConfirmTTL, time.Now), offers: newOffers(cfg.ConfirmKey), workers: b.pool,
		words:    newWords(cfg.Language),
		approval: newApprovals(cfg.ApprovalAll, cfg.ApprovalChannels, cfg.ApprovalTTL, cfg.ConfirmKey, time.Now),
		set: settings{AuditChannel: cfg.AuditChannel, PolyvTimeout: cfg.PolyvTimeout, DryRun: cfg.DryRun,
			VerifyStop: cfg.VerifyStop, VerifyWindow: cfg.VerifyWindow, ConfirmStop: cfg.ConfirmStop, ConfirmTTL: cfg.ConfirmTTL,
			CutoffAvailable: cfg.CutoffAvailable},
	}
	b.pipe.verifier = newVerifier(b.pipe)
	b.pipe.names = newNames(cfg.Polyv, withQuota(cfg.PolyvQuota))
	b.setReady(false, "not connected yet")
	return b, nil
}

func withDefaults(cfg Config) Config {
	if cfg.StatusPolicy == nil {
		cfg.StatusPolicy = cfg.StopPolicy
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Audit == nil {
		cfg.Audit = LogSink(cfg.Logger)
	}
	for _, d := range []struct {
		d   *time.Duration
		def time.Duration
	}{{&cfg.PolyvTimeout, 10 * time.Second}, {&cfg.VerifyWindow, 15 * time.Second}, {&cfg.ConfirmTTL, 2 * time.Minute},
		{&cfg.QueueWait, DefaultQueueWait}, {&cfg.ApprovalTTL, 10 * time.Minute}} {
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

// Ready reports whether the Socket Mode connection is up (hello received),
// and why not: with the socket's latest failed attempt to connect, when it
// tells one (see slackclient.Socket.LastConnectFailure).
func (b *Bot) Ready() (bool, string) {
	if b.ready.Load() {
		return true, "connected"
	}
	why := *b.readyWhy.Load()
	if s, ok := b.socket.(connectFailures); ok {
		if f, failing := s.LastConnectFailure(); failing {
			why += "; " + f.String()
		}
	}
	return false, why
}

// Run serves payloads from the socket until ctx is cancelled. Then it hands
// over: it closes its Socket Mode connection first, so that Slack sends new
// payloads to the app's other connections (other replicas), carries out
// every payload it had already received, lets the accepted commands finish
// (up to POLYV_TIMEOUT + 5 s before it cancels them, then up to
// finalPostWait for their outcomes) and returns nil. It returns a
// *slackclient.FatalError when Slack rejects the app token.
func (b *Bot) Run(ctx context.Context) error {
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stopWorkers := make(chan struct{})
	var workers sync.WaitGroup
	for range b.cfg.Workers {
		workers.Go(func() { b.pool.work(workCtx, stopWorkers, b.runJob) })
	}
	var verifier sync.WaitGroup
	verifier.Go(func() { b.pipe.verifier.run(workCtx) })
	workers.Go(func() { b.sweep(workCtx) })

	// The socket returns once ctx ends and the payloads that had arrived
	// are handed on: nothing reaches the pool after that.
	err := b.socket.Run(ctx, b.handlers())
	if err == nil {
		b.log.Info("connection closed; finishing the commands received", "grace", gracePeriod(b.cfg.PolyvTimeout).String())
		if !b.pool.drain(gracePeriod(b.cfg.PolyvTimeout), finalPostWait, cancelWork) {
			b.log.Error("commands still running after the grace period; exiting anyway")
		}
	}
	cancelWork() // ends the verifier, whose work the drain already waited for
	// The workers stop only after the verifier, which may still hand them
	// the verdicts of the verifications it cut short.
	verifier.Wait()
	close(stopWorkers)
	workers.Wait()
	// Nothing looks a name up any more; lookups still in flight help no
	// message now.
	b.pipe.names.Close()
	return err
}

// sweep frees, every minute, the remembered envelopes and used tickets that
// have left their windows, so that an idle bot's memory goes down too.
func (b *Bot) sweep(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		b.seen.ids.sweep()
		b.pipe.tickets.used.sweep()
		b.pipe.offers.used.sweep()
	}
}

// DefaultQueueWait is how long a command may wait for a worker by default.
const DefaultQueueWait = 5 * time.Second

// runJob is how a worker runs one request: unless it waited past QueueWait, in
// which case it is answered "busy" rather than run late.
// A verification's verdict is always run: it was reserved when its stop ran.
func (b *Bot) runJob(ctx context.Context, req Request) {
	if req.verdict != nil {
		b.pipe.finish(b.pipe.handle(ctx, req))
		return
	}
	defer b.metrics.inFlight.Dec()
	if time.Since(req.Received) > b.cfg.QueueWait {
		b.pipe.finish(b.pipe.tooLate(ctx, req))
		return
	}
	b.pipe.finish(b.pipe.handle(ctx, req))
}

// MaxShutdown is the longest Run takes to return after its context is
// cancelled: the grace period for accepted commands (POLYV_TIMEOUT + 5 s),
// then the bound on posting the outcomes of the commands it had to cancel.
// Deployment stop timeouts must exceed it.
func MaxShutdown(polyvTimeout time.Duration) time.Duration {
	return gracePeriod(polyvTimeout) + finalPostWait
}

// gracePad is how much longer than one Polyv call a command may take to
// finish: its posts and its audit.
const gracePad = 5 * time.Second

// finalPostWait bounds the wait for cancelled commands to post their
// outcomes, each post being bounded by postTimeout.
const finalPostWait = postTimeout + 5*time.Second

func gracePeriod(polyvTimeout time.Duration) time.Duration { return polyvTimeout + gracePad }
