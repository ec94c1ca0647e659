package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/polyv"
)

// config is everything the bot reads from its environment, parsed and
// validated in one place.
type config struct {
	SlackAppToken string
	SlackBotToken string
	SlackAPIURL   string

	PolyvAppID     string
	PolyvAppSecret string
	PolyvAPIURL    string
	PolyvTimeout   time.Duration
	PolyvSignature polyv.SignatureMethod

	Rules       auth.Rules
	StatusRules auth.Rules // who may run status: Rules unless STATUS_ALLOWED_* are set

	RatePerMinute     float64
	RateBurst         int
	UserRatePerMinute float64
	UserRateBurst     int

	AuditChannel string
	HealthAddr   string
	LogLevel     slog.Level

	DryRun      bool
	VerifyStop  bool
	ConfirmStop bool
}

// configVars lists every variable loadConfig reads; the tests check that
// .env.example and the README document each of them.
var configVars = []string{
	"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL",
	"POLYV_APP_ID", "POLYV_APP_SECRET", "POLYV_API_URL", "POLYV_TIMEOUT", "POLYV_SIGNATURE_METHOD",
	"ALLOWED_USERS", "ALLOWED_USERGROUPS", "ALLOWED_CHANNELS",
	"STATUS_ALLOWED_USERS", "STATUS_ALLOWED_USERGROUPS",
	"RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_BURST", "USER_RATE_LIMIT_PER_MINUTE", "USER_RATE_LIMIT_BURST",
	"AUDIT_CHANNEL", "HEALTH_ADDR", "LOG_LEVEL",
	"DRY_RUN", "VERIFY_STOP", "CONFIRM_STOP",
}

// Defaults, chosen far below Polyv's 1500 requests per 10 s per IP: the bot
// shares its egress IP, and going over blocks the IP for 5 minutes.
const (
	defaultSlackAPIURL       = "https://slack.com/api/"
	defaultPolyvAPIURL       = "https://api.polyv.net"
	defaultPolyvTimeout      = 10 * time.Second
	defaultRatePerMinute     = 60
	defaultRateBurst         = 10
	defaultUserRatePerMinute = auth.DefaultUserPerMinute
	defaultUserRateBurst     = auth.DefaultUserBurst
	// polyvMaxPerMinute is Polyv's documented per-IP limit (1500 per 10 s).
	polyvMaxPerMinute = 9000
)

// lookupFunc reads one variable; ok is false when it is not set.
type lookupFunc func(name string) (value string, ok bool)

// loadConfig parses and validates every variable and reports every problem at
// once. Messages name the variable and never repeat a secret's value.
func loadConfig(lookup lookupFunc) (config, error) {
	p := &parser{lookup: lookup}
	c := config{
		SlackAppToken:  p.token("SLACK_APP_TOKEN", "xapp-", "the app-level token from Basic Information › App-Level Tokens, with scope connections:write"),
		SlackBotToken:  p.token("SLACK_BOT_TOKEN", "xoxb-", "the Bot User OAuth Token from OAuth & Permissions"),
		SlackAPIURL:    p.url("SLACK_API_URL", defaultSlackAPIURL),
		PolyvAppID:     p.required("POLYV_APP_ID", "the appId from the Polyv console (开发设置)"),
		PolyvAppSecret: p.secret("POLYV_APP_SECRET"),
		PolyvAPIURL:    p.url("POLYV_API_URL", defaultPolyvAPIURL),
		PolyvTimeout:   p.duration("POLYV_TIMEOUT", defaultPolyvTimeout, time.Second, 5*time.Minute),

		RatePerMinute:     p.rate("RATE_LIMIT_PER_MINUTE", defaultRatePerMinute, polyvMaxPerMinute),
		RateBurst:         p.integer("RATE_LIMIT_BURST", defaultRateBurst, 1, 1000),
		UserRatePerMinute: p.rate("USER_RATE_LIMIT_PER_MINUTE", defaultUserRatePerMinute, polyvMaxPerMinute),
		UserRateBurst:     p.integer("USER_RATE_LIMIT_BURST", defaultUserRateBurst, 1, 1000),

		AuditChannel: p.channel("AUDIT_CHANNEL"),
		HealthAddr:   p.addr("HEALTH_ADDR"),
		LogLevel:     p.level("LOG_LEVEL"),
		DryRun:       p.boolean("DRY_RUN", false),
		VerifyStop:   p.boolean("VERIFY_STOP", true),
		ConfirmStop:  p.boolean("CONFIRM_STOP", false),
	}
	c.PolyvSignature = p.signature("POLYV_SIGNATURE_METHOD")
	c.Rules, c.StatusRules = p.rules()
	if c.PolyvAPIURL != "" && !strings.HasPrefix(c.PolyvAPIURL, "https://") && !isLoopbackURL(c.PolyvAPIURL) {
		p.fail("POLYV_API_URL", "must be https:// (plain http is accepted only for localhost test servers)")
	}
	return c, errors.Join(p.errs...)
}

type parser struct {
	lookup lookupFunc
	errs   []error
}

func (p *parser) get(name string) string {
	v, _ := p.lookup(name)
	v = strings.TrimSpace(v)
	p.placeholder(name, v)
	return v
}

// placeholder catches a value still as .env.example, the deploy templates or
// the README ship it, which would otherwise pass every shape check (U0REPLACEME
// is a well-formed member ID) and fail only later, at Slack or Polyv.
func (p *parser) placeholder(name, v string) {
	if up := strings.ToUpper(v); strings.Contains(up, "REPLACE-ME") || strings.Contains(up, "REPLACEME") {
		p.fail(name, "still holds the REPLACE-ME placeholder from .env.example; set the real value")
	}
}

func (p *parser) fail(name, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
}

func (p *parser) required(name, what string) string {
	v := p.get(name)
	if v == "" {
		p.fail(name, "is required: %s", what)
	}
	return v
}

// token checks a Slack token's presence and prefix without echoing it.
func (p *parser) token(name, prefix, what string) string {
	v := p.get(name)
	switch {
	case v == "":
		p.fail(name, "is required: %s (it starts with %s)", what, prefix)
	case !strings.HasPrefix(v, prefix):
		p.fail(name, "must start with %q (%s); the value set does not%s", prefix, what, swappedHint(v))
	}
	return v
}

func swappedHint(v string) string {
	for _, kind := range []string{"xapp-", "xoxb-", "xoxp-"} {
		if strings.HasPrefix(v, kind) {
			return fmt.Sprintf(": it looks like a %s… token; were the two tokens swapped?", kind)
		}
	}
	return ""
}

func (p *parser) secret(name string) string {
	v, _ := p.lookup(name)
	p.placeholder(name, v)
	if strings.TrimSpace(v) == "" {
		p.fail(name, "is required: the appSecret from the Polyv console (开发设置); it is never printed")
	}
	return v
}

func (p *parser) url(name, def string) string {
	v := p.get(name)
	if v == "" {
		return def
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.fail(name, "must be an absolute http(s) URL, got %q", v)
		return ""
	}
	return v
}

func (p *parser) duration(name string, def, lo, hi time.Duration) time.Duration {
	v := p.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		p.fail(name, "must be a Go duration from %s to %s such as 10s, got %q", lo, hi, v)
		return def
	}
	return d
}

func (p *parser) rate(name string, def, hi float64) float64 {
	v := p.get(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || f > hi {
		p.fail(name, "must be a number of calls per minute above 0 and at most %g (Polyv's per-IP limit), got %q", hi, v)
		return def
	}
	return f
}

func (p *parser) integer(name string, def, lo, hi int) int {
	v := p.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(name, "must be a whole number from %d to %d, got %q", lo, hi, v)
		return def
	}
	return n
}

func (p *parser) boolean(name string, def bool) bool {
	v := p.get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, "must be true or false, got %q", v)
		return def
	}
	return b
}

func (p *parser) level(name string) slog.Level {
	switch v := strings.ToLower(p.get(name)); v {
	case "", "info":
		return slog.LevelInfo
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		p.fail(name, "must be debug, info, warn or error, got %q", v)
		return slog.LevelInfo
	}
}

func (p *parser) addr(name string) string {
	v := p.get(name)
	if v == "" {
		return ""
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		p.fail(name, "must be host:port such as :8080 or 127.0.0.1:8080, got %q", v)
		return ""
	}
	return v
}

func (p *parser) channel(name string) string {
	ids, _, err := auth.ParseIDList(name, p.get(name), auth.ChannelIDs)
	switch {
	case err != nil:
		p.errs = append(p.errs, err)
	case len(ids) > 1:
		p.fail(name, "takes one channel ID, got %d", len(ids))
	case len(ids) == 1:
		return ids[0]
	}
	return ""
}

func (p *parser) signature(name string) polyv.SignatureMethod {
	m, err := polyv.ParseSignatureMethod(p.get(name))
	if err != nil {
		p.fail(name, "%v", err)
	}
	return m
}

// rules parses who may stop and who may look: status is open to everyone who
// may stop plus STATUS_ALLOWED_USERS and STATUS_ALLOWED_USERGROUPS, so a wider
// group can look without being able to stop.
func (p *parser) rules() (stop, status auth.Rules) {
	stop, err := auth.ParseRules(p.get("ALLOWED_USERS"), p.get("ALLOWED_USERGROUPS"), p.get("ALLOWED_CHANNELS"))
	if err != nil {
		p.errs = append(p.errs, err)
	}
	status = stop
	users, everyone, uerr := auth.ParseIDList("STATUS_ALLOWED_USERS", p.get("STATUS_ALLOWED_USERS"), auth.UserIDs)
	groups, _, gerr := auth.ParseIDList("STATUS_ALLOWED_USERGROUPS", p.get("STATUS_ALLOWED_USERGROUPS"), auth.GroupIDs)
	if uerr != nil || gerr != nil {
		p.errs = append(p.errs, errors.Join(uerr, gerr))
		return stop, status
	}
	// Whoever may stop may also look; the STATUS_ lists add people.
	status.Users = append(append([]string(nil), stop.Users...), users...)
	status.Groups = append(append([]string(nil), stop.Groups...), groups...)
	status.Everyone = stop.Everyone || everyone
	return stop, status
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
