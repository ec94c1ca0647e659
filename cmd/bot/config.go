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
	"unicode"

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
		SlackAPIURL:    p.url("SLACK_API_URL", defaultSlackAPIURL, true),
		PolyvAppID:     p.required("POLYV_APP_ID", "the appId from the Polyv console (开发设置)"),
		PolyvAppSecret: p.secret("POLYV_APP_SECRET"),
		PolyvAPIURL:    p.url("POLYV_API_URL", defaultPolyvAPIURL, false),
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
	return c, errors.Join(p.errs...)
}

type parser struct {
	lookup lookupFunc
	errs   []error
}

// get reads a variable with surrounding white space and byte order marks
// trimmed: a value written with `echo` into a Kubernetes Secret ends in a
// newline, and one pasted from a Windows editor may start with a BOM; both
// are invisible and would otherwise fail far from here.
func (p *parser) get(name string) string {
	v, _ := p.lookup(name)
	v = strings.TrimFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == byteOrderMark })
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

// secret is trimmed like every other value: no appSecret Polyv issues
// starts or ends with white space.
func (p *parser) secret(name string) string {
	v := p.get(name)
	if v == "" {
		p.fail(name, "is required: the appSecret from the Polyv console (开发设置); it is never printed")
	}
	return v
}

// url parses an http(s) URL. With withPath false it takes only a scheme and
// a host (and port), because the client appends each call's full path: a
// path given here would be doubled and every call would end in 404. A query,
// a fragment or a user:password never belongs in either. Plain http is
// accepted only for a loopback host (test servers): anywhere else it would
// carry tokens and signatures in clear text. The result has its scheme and
// host in lower case, so HTTPS://API.polyv.net is accepted as what it means.
func (p *parser) url(name, def string, withPath bool) string {
	v := p.get(name)
	if v == "" {
		return def
	}
	example := defaultPolyvAPIURL
	if withPath {
		example = defaultSlackAPIURL
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.fail(name, "must be an absolute URL such as %s, got %s", example, shownValue(v))
		return ""
	}
	ok := true
	if extra := urlExtras(u, v, withPath); len(extra) > 0 {
		give := "give only the scheme and host, such as " + example
		if withPath {
			give = "give only the scheme, host and path, such as " + example
		}
		p.fail(name, "remove %s: %s", strings.Join(extra, " and "), give)
		ok = false
	}
	if u.Scheme == "http" && !isLoopbackURL(u) {
		p.fail(name, "must be https:// (plain http is accepted only for localhost test servers)")
		ok = false
	}
	if !ok {
		return ""
	}
	clean := url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}
	if withPath {
		clean.Path, clean.RawPath = u.Path, u.RawPath
	}
	return clean.String()
}

// urlExtras names each part of u (parsed from raw) that must go. The query,
// the fragment and the user:password are named, never shown: they are where
// a token or a password would be.
func urlExtras(u *url.URL, raw string, withPath bool) []string {
	var extra []string
	if u.User != nil {
		extra = append(extra, `the user name and password (everything up to "@")`)
	}
	if !withPath && u.Path != "" && u.Path != "/" {
		path := "the path " + strconv.Quote(shorten(u.Path))
		if mayHoldCredential(u.Path) {
			path = "the path (everything after the host)"
		}
		extra = append(extra, path)
	}
	if u.ForceQuery || u.RawQuery != "" {
		extra = append(extra, `the query (everything from "?")`)
	}
	if strings.Contains(raw, "#") {
		extra = append(extra, `the fragment (everything from "#")`)
	}
	return extra
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

// isLoopbackURL reports whether u names this machine: localhost,
// 127.0.0.0/8 or ::1.
func isLoopbackURL(u *url.URL) bool {
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// byteOrderMark is U+FEFF, which some editors put at the start of a file.
const byteOrderMark = '\uFEFF'

// maxShownValue bounds how much of a bad value a message repeats.
const maxShownValue = 60

// shownValue quotes a bad value for a message, unless it may hold a
// credential (a user:password@ or a Slack token), which must never reach a
// log.
func shownValue(v string) string {
	if mayHoldCredential(v) {
		return "a value that is not shown (it may hold a password or token)"
	}
	return strconv.Quote(shorten(v))
}

// mayHoldCredential reports whether s may contain a user:password@ or a
// Slack token.
func mayHoldCredential(s string) bool {
	return strings.Contains(s, "@") || strings.Contains(s, "xox") || strings.Contains(s, "xapp-")
}

// shorten cuts s to maxShownValue runes.
func shorten(s string) string {
	if r := []rune(s); len(r) > maxShownValue {
		return string(r[:maxShownValue]) + "…"
	}
	return s
}
