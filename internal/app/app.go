package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/polyv"
)

// globalMaxWait is how long a command may wait for the global Polyv bucket
// before it is reported as rate-limited instead of hanging.
const globalMaxWait = 5 * time.Second

// App is the wired bot: every part built from one validated config.
type App struct {
	cfg      config
	log      *slog.Logger
	slack    *slackclient.Client
	polyv    *polyv.Client
	bot      *bot.Bot
	registry *prometheus.Registry
	health   *healthServer // nil until start, and when HEALTH_ADDR is empty
}

// Option adjusts the bot's wiring beyond what the environment can say;
// only the demo and tests use it, so production keeps the bot's defaults.
type Option func(*bot.Config)

// New loads the configuration from vars, as if they were the whole
// environment, and wires the app: how a caller that brings its own Slack
// and Polyv (SLACK_API_URL, POLYV_API_URL) runs the real bot. Its errors
// are the configuration's problems, all of them, or wiring mistakes.
func New(vars map[string]string, log *slog.Logger, opts ...Option) (*App, error) {
	cfg, err := loadConfig(mapLookup(vars))
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	return newApp(cfg, log, opts...)
}

// Preflight is -check on the app's configuration: it prints the ✓/✗
// checklist to out, secrets masked, and reports whether every line passed.
// It posts and stops nothing.
func (a *App) Preflight(ctx context.Context, out io.Writer) bool {
	results := append([]checkResult{configResult(a.cfg)}, preflight(ctx, a.cfg, slog.New(slog.DiscardHandler))...)
	return printChecklist(out, results, secretsOf(a.cfg)) == 0
}

// WhoMayStop says who may stop streams, as the bot's refusals word it.
func (a *App) WhoMayStop() string { return a.cfg.Rules.Summary() }

// AuditChannel is the channel ID that gets one line per action, or "".
func (a *App) AuditChannel() string { return a.cfg.AuditChannel }

// newApp builds every part from cfg. Its errors are wiring mistakes, not
// outside failures: nothing is contacted until run.
func newApp(cfg config, log *slog.Logger, opts ...Option) (*App, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := bot.NewMetrics(reg)
	sc := slackclient.New(slackclient.Options{
		BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken, APIURL: cfg.SlackAPIURL, Logger: log,
	})
	stopPolicy, statusPolicy, err := policies(cfg, auth.NewGroupCache(sc, auth.WithLogger(log)))
	if err != nil {
		return nil, err
	}
	quota := globalBucket(cfg)
	pc := newPolyvClientWith(cfg, log, metrics, quota)
	bcfg := bot.Config{
		Slack: sc, Socket: sc.Socket(0), Polyv: pc, PolyvQuota: quota, StopPolicy: stopPolicy, StatusPolicy: statusPolicy,
		Users:       auth.NewUserLimiter(cfg.UserRatePerMinute, cfg.UserRateBurst),
		StatusUsers: auth.NewUserLimiter(cfg.UserRatePerMinute, cfg.UserRateBurst),
		Logger:      log,
		Metrics:     metrics, AuditChannel: cfg.AuditChannel, PolyvTimeout: cfg.PolyvTimeout,
		WhoMayStop: cfg.Rules.Summary(),
		DryRun:     cfg.DryRun, VerifyStop: cfg.VerifyStop, ConfirmStop: cfg.ConfirmStop,
		// Every replica derives the same key from the secrets they share, so
		// that a confirmation prompt one posted may be clicked on another.
		ConfirmKey: bot.TicketKey(cfg.PolyvAppSecret, cfg.SlackBotToken),
		// ban and resume send the account's userId: without one they are
		// refused, and a stop's thread says what to set.
		CutoffAvailable:  cfg.PolyvUserID != "",
		ApprovalChannels: cfg.Approval.Channels, ApprovalAll: cfg.Approval.All, ApprovalTTL: cfg.Approval.TTL,
		Language: cfg.Language,
	}
	for _, o := range opts {
		o(&bcfg)
	}
	b, err := bot.New(bcfg)
	if err != nil {
		return nil, fmt.Errorf("wiring the bot: %w", err)
	}
	return &App{cfg: cfg, log: log, slack: sc, polyv: pc, bot: b, registry: reg}, nil
}

// policies are who may stop and who may ask for status, sharing one cache
// of user-group memberships.
func policies(cfg config, groups *auth.GroupCache) (stop, status *auth.Policy, err error) {
	if stop, err = auth.NewPolicy(cfg.Rules, groups); err != nil {
		return nil, nil, fmt.Errorf("stop policy: %w", err)
	}
	if status, err = auth.NewPolicy(cfg.StatusRules, groups); err != nil {
		return nil, nil, fmt.Errorf("status policy: %w", err)
	}
	return stop, status, nil
}

// newPolyvClient builds the Polyv client from cfg, with the global bucket
// (RATE_LIMIT_*) that every call of the client waits on.
func newPolyvClient(cfg config, log *slog.Logger, metrics *bot.Metrics) *polyv.Client {
	return newPolyvClientWith(cfg, log, metrics, globalBucket(cfg))
}

// globalBucket is the global bucket (RATE_LIMIT_*): the bot is given it too,
// so that channel-name lookups leave its tokens to stops.
func globalBucket(cfg config) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(cfg.RatePerMinute/60), cfg.RateBurst)
}

func newPolyvClientWith(cfg config, log *slog.Logger, metrics *bot.Metrics, limiter *rate.Limiter) *polyv.Client {
	return polyv.NewClient(cfg.PolyvAppID, cfg.PolyvAppSecret,
		polyv.WithBaseURL(cfg.PolyvAPIURL),
		polyv.WithLimiter(limiter),
		polyv.WithMaxWait(globalMaxWait),
		polyv.WithTimeout(cfg.PolyvTimeout),
		polyv.WithSignatureMethod(cfg.PolyvSignature),
		polyv.WithUserID(cfg.PolyvUserID),
		polyv.WithLogger(log),
		polyv.WithDryRun(cfg.DryRun),
		polyv.WithObserver(metrics.ObservePolyv),
	)
}

// Run serves until ctx ends (then drains) or Slack rejects a token.
func (a *App) Run(ctx context.Context) error {
	if err := a.start(); err != nil {
		return err
	}
	return a.serve(ctx)
}

// start logs the configuration and opens the health server, so that a port
// already in use fails start-up at once.
func (a *App) start() error {
	a.logStart()
	if a.cfg.HealthAddr == "" {
		return nil
	}
	hs, err := startHealth(a.cfg.HealthAddr, healthHandler(a.bot.Ready, a.registry), a.log)
	if err != nil {
		return err
	}
	a.health = hs
	return nil
}

// serve runs the bot; the health server goes down with it, after the drain,
// so /readyz keeps saying "not ready" while accepted commands finish.
func (a *App) serve(ctx context.Context) error {
	if a.health != nil {
		defer a.health.shutdown()
	}
	if err := a.whoAmI(ctx); err != nil {
		return err
	}
	return a.bot.Run(ctx)
}

// whoAmI checks the bot token and learns the workspace URL that thread
// links are built from. A rejected token is fatal; an unreachable Slack is
// not (the socket keeps trying, and links are missing until a restart).
func (a *App) whoAmI(ctx context.Context) error {
	team, user, err := a.slack.WhoAmI(ctx)
	var fatal *slackclient.FatalError
	switch {
	case errors.As(err, &fatal):
		return err
	case err != nil:
		a.log.Warn("auth.test failed; thread links will be missing until restart", "err", err)
	default:
		a.log.Info("slack bot token ok", "team", team, "bot_user", user)
	}
	return nil
}

func (a *App) logStart() {
	if a.cfg.Rules.Everyone {
		a.log.Warn("ALLOWED_USERS=* lets every member of the workspace stop streams")
	}
	if a.cfg.DryRun {
		a.log.Warn("dry run: stop calls are signed and logged, not sent to Polyv")
	}
	a.log.Info("polyvbot starting", "version", version, "who_may_stop", a.cfg.Rules.Summary(),
		"rate_per_minute", a.cfg.RatePerMinute, "rate_burst", a.cfg.RateBurst,
		"user_rate_per_minute", a.cfg.UserRatePerMinute, "user_rate_burst", a.cfg.UserRateBurst,
		"polyv_timeout", a.cfg.PolyvTimeout.String(), "verify_stop", a.cfg.VerifyStop, "confirm_stop", a.cfg.ConfirmStop)
}
