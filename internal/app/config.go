package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"golang.org/x/text/language"

	"github.com/polyvbot/polyvbot/auth"
	"github.com/polyvbot/polyvbot/bot"
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
	// PolyvUserID is the Polyv account's userId, which ban and resume send;
	// "" when POLYV_USER_ID is unset, and those verbs are refused.
	PolyvUserID string

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

	// Language is what the bot writes to people in (LANGUAGE).
	Language language.Tag
	// Approval is APPROVAL_CHANNELS and APPROVAL_TTL: which Polyv channels'
	// stops wait for a second allowed person, and for how long.
	Approval approvalConfig
}

// approvalConfig is the two-person rule's configuration.
type approvalConfig struct {
	All      bool    // APPROVAL_CHANNELS=*
	Channels []int64 // the listed ids; none with All
	TTL      time.Duration
}

// configVars lists every variable loadConfig reads, in the order of
// variables; the tests check that .env.example and the README document each
// of them, and the misspelling check compares names against them.
var configVars = variableNames(variables)

// Variables names every variable the bot reads, in the order of -help and
// .env.example.
func Variables() []string { return slices.Clone(configVars) }

// variable is one setting the bot reads, with the line -help shows for it.
type variable struct {
	name string
	help string
}

// variables is the one list of the bot's settings: -help prints it, and
// configVars is its names.
var variables = []variable{
	{"SLACK_APP_TOKEN", "required: app-level token xapp-… with scope connections:write (Socket Mode)"},
	{"SLACK_BOT_TOKEN", "required: bot token xoxb-… (Bot User OAuth Token)"},
	{"SLACK_API_URL", "Slack Web API base URL; default " + defaultSlackAPIURL},
	{"POLYV_APP_ID", "required: the appId from the Polyv console (开发设置)"},
	{"POLYV_APP_SECRET", "required: the appSecret from the Polyv console; never printed"},
	{"POLYV_API_URL", "Polyv scheme and host, no path; default " + defaultPolyvAPIURL},
	{"POLYV_TIMEOUT", "time limit for one Polyv call, retries included; default " + defaultPolyvTimeout.String()},
	{"POLYV_SIGNATURE_METHOD", "MD5 (default) or SHA256, as set in the Polyv console"},
	{"ALLOWED_USERS", "member IDs U…/W… who may stop, comma-separated; * = everyone"},
	{"ALLOWED_USERGROUPS", "user-group IDs S… whose members may stop (this or ALLOWED_USERS is required)"},
	{"ALLOWED_CHANNELS", "channel IDs C… where commands are accepted; default any channel"},
	{"STATUS_ALLOWED_USERS", "extra member IDs who may run status but not stop"},
	{"STATUS_ALLOWED_USERGROUPS", "extra user-group IDs who may run status but not stop"},
	{"RATE_LIMIT_PER_MINUTE", fmt.Sprintf("Polyv calls per minute for the whole process; default %d", defaultRatePerMinute)},
	{"RATE_LIMIT_BURST", fmt.Sprintf("burst of that global bucket; default %d", defaultRateBurst)},
	{"USER_RATE_LIMIT_PER_MINUTE", fmt.Sprintf("Polyv channels one Slack user may stop per minute; default %d", defaultUserRatePerMinute)},
	{"USER_RATE_LIMIT_BURST", fmt.Sprintf("burst of each user's bucket; default %d", defaultUserRateBurst)},
	{"AUDIT_CHANNEL", "channel ID C… that also gets one line per action, denial and outcome"},
	{"HEALTH_ADDR", "host:port serving /healthz, /readyz and /metrics; default off"},
	{"LOG_LEVEL", "debug, info (default), warn or error; JSON lines on stderr"},
	{"DRY_RUN", "true: sign and log the stop call instead of sending it (as -dry-run)"},
	{"VERIFY_STOP", "after a stop, poll Polyv and say whether the stream ended; default true"},
	{"CONFIRM_STOP", "true: the requester confirms each stop with a button first"},
	// Appended rather than placed with the other POLYV_ variables: the fuzz
	// corpus picks variables by their index in this list.
	{"POLYV_USER_ID", "the userId from the Polyv console (开发设置); ban and resume are refused without it"},
	{"APPROVAL_CHANNELS", "Polyv channel ids (or *) whose stops wait for a second allowed person to approve"},
	{"APPROVAL_TTL", "how long an approval request stays open, 1m to 1h; default " + defaultApprovalTTL.String()},
	{"LANGUAGE", "en (default) or zh-CN: the language the bot writes to people in; logs stay English"},
}

// printVariables writes one line per variable: its name and its help.
func printVariables(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range variables {
		fmt.Fprintf(tw, "  %s\t%s\n", v.name, v.help)
	}
	_ = tw.Flush()
}

func variableNames(vs []variable) []string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.name
	}
	return names
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
	// defaultApprovalTTL: long enough to find a second person during an
	// incident, short enough that an approval never runs a stop whose
	// reason has gone stale.
	defaultApprovalTTL = 10 * time.Minute
	// polyvMaxPerMinute is Polyv's documented per-IP limit (1500 per 10 s).
	polyvMaxPerMinute = 9000
)

// lookupFunc reads one variable; ok is false when it is not set.
type lookupFunc func(name string) (value string, ok bool)

// Environment is what the bot is configured from: the variables set and
// where each was set.
type Environment struct {
	lookup lookupFunc
	// set names every variable given to the process, with where it was
	// given (see setIn), so that one the bot does not read can be pointed
	// out instead of silently ignored.
	set map[string]string
}

// loadConfig parses and validates every variable and reports every problem at
// once. Messages name the variable and never repeat a secret's value; a
// problem with a variable left unset says so when a near miss of its name is
// set (ALLOWED_USER for ALLOWED_USERS).
func loadConfig(env Environment) (config, error) {
	p := &parser{lookup: env.lookup, unset: map[string]bool{}}
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
	c.PolyvUserID = p.userID("POLYV_USER_ID", c.PolyvAppID, c.PolyvAppSecret)
	c.Rules, c.StatusRules = p.rules()
	c.Language = p.language("LANGUAGE")
	c.Approval.All, c.Approval.Channels = p.approvalChannels("APPROVAL_CHANNELS")
	c.Approval.TTL = p.duration("APPROVAL_TTL", defaultApprovalTTL, time.Minute, time.Hour)
	return c, errors.Join(withoutSecrets(p.hintMisspelt(unknownVars(env.set)), secretsOf(c))...)
}

// withoutSecrets masks every secret in the problems: the problem about a
// value quotes it, and a secret pasted into the wrong line of .env would
// otherwise be printed by the problem about that line. A secret still
// holding the REPLACE-ME placeholder is no secret, and masking it would
// garble the problem that names the placeholder.
func withoutSecrets(problems []error, secrets []string) []error {
	secrets = slices.DeleteFunc(slices.Clone(secrets), isPlaceholder)
	for i, err := range problems {
		if msg := redact(err.Error(), secrets); msg != err.Error() {
			problems[i] = errors.New(msg)
		}
	}
	return problems
}

type parser struct {
	lookup lookupFunc
	errs   []error
	unset  map[string]bool // the variables read as empty
}

// get reads a variable with surrounding white space and byte order marks
// trimmed: a value written with `echo` into a Kubernetes Secret ends in a
// newline, and one pasted from a Windows editor may start with a BOM; both
// are invisible and would otherwise fail far from here.
func (p *parser) get(name string) string {
	v, _ := p.lookup(name)
	v = strings.TrimFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == byteOrderMark })
	if v == "" {
		p.unset[name] = true
	}
	p.placeholder(name, v)
	return v
}

// hintMisspelt returns the problems, one per error, with "did you mean"
// added to each that names a variable left unset while a near miss of its
// name is set: ALLOWED_USER=U0… is why ALLOWED_USERS is empty.
func (p *parser) hintMisspelt(unknown []unknownVar) []error {
	problems := leafErrors(p.errs)
	for i, err := range problems {
		for _, u := range unknown {
			if meant := u.meantFor(err.Error(), p.unset); meant != "" {
				problems[i] = fmt.Errorf("%w; %s is set (in %s): did you mean %s?", problems[i], u.name, u.from, meant)
			}
		}
	}
	return problems
}

// leafErrors flattens joined errors, so that a hint lands on the line of the
// problem it is about.
func leafErrors(errs []error) []error {
	var out []error
	for _, err := range errs {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			out = append(out, leafErrors(j.Unwrap())...)
			continue
		}
		out = append(out, err)
	}
	return out
}

// placeholder catches a value still as .env.example, the deploy templates or
// the README ship it, which would otherwise pass every shape check (U0REPLACEME
// is a well-formed member ID) and fail only later, at Slack or Polyv.
func (p *parser) placeholder(name, v string) {
	if isPlaceholder(v) {
		p.fail(name, "still holds the REPLACE-ME placeholder from .env.example; set the real value")
	}
}

func isPlaceholder(v string) bool {
	up := strings.ToUpper(v)
	return strings.Contains(up, "REPLACE-ME") || strings.Contains(up, "REPLACEME")
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
		p.fail(name, "must be a Go duration from %s to %s such as %s, got %q", lo, hi, def, v)
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

// language reads LANGUAGE (see bot.ParseLanguage).
func (p *parser) language(name string) language.Tag {
	tag, err := bot.ParseLanguage(p.get(name))
	if err != nil {
		p.fail(name, "%s", err.Error())
		return bot.English
	}
	return tag
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
	v := p.get(name)
	m, err := polyv.ParseSignatureMethod(v)
	if err != nil {
		p.fail(name, "must be MD5 (the default) or SHA256, as set in the Polyv console, got %s", shownValue(v))
	}
	return m
}

// maxUserIDLen bounds a userId: Polyv's are 10 characters (1b448be323);
// the bound leaves room without letting a pasted paragraph through.
const maxUserIDLen = 32

// userID takes the Polyv account's userId, optional. Its value is never
// quoted back: a value that is not a userId may well be the appSecret
// pasted into the wrong line, so problems name the character and its place
// instead.
func (p *parser) userID(name, appID, appSecret string) string {
	v := p.get(name)
	if v == "" {
		return ""
	}
	var problem string
	switch {
	case v == appSecret:
		problem = "it holds the value of POLYV_APP_SECRET; the userId is another value, shown next to it"
	case v == appID:
		problem = "it holds the value of POLYV_APP_ID; the userId is another value, shown next to it"
	default:
		problem = userIDProblem(v)
	}
	if problem != "" {
		p.fail(name, "must be the userId from the Polyv console (开发设置), letters and digits such as 1b448be323: %s", problem)
		return ""
	}
	return v
}

// userIDProblem says what keeps v from being a Polyv userId, or "" when
// nothing does: only ASCII letters and digits, at most maxUserIDLen.
func userIDProblem(v string) string {
	for i, r := range []rune(v) {
		if ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z') {
			continue
		}
		var what string
		switch {
		case unicode.IsSpace(r):
			what = "white space"
		case unicode.IsControl(r):
			what = fmt.Sprintf("a control character (%U)", r)
		case !unicode.IsPrint(r):
			what = fmt.Sprintf("an invisible character (%U)", r)
		default:
			what = strconv.QuoteRune(r)
		}
		return fmt.Sprintf("it contains %s at character %d", what, i+1)
	}
	if n := len(v); n > maxUserIDLen {
		return fmt.Sprintf("it is %d characters long; a userId has at most %d", n, maxUserIDLen)
	}
	return ""
}

// maxApprovalChannels bounds APPROVAL_CHANNELS: more ids than that is a
// list pasted by mistake, and * says "all" in one character.
const maxApprovalChannels = 1000

// approvalChannels takes Polyv channel ids separated by commas, or * alone
// for every channel. Empty entries (a trailing comma) are skipped, as a
// list edited by hand often has one; every bad entry is named.
func (p *parser) approvalChannels(name string) (all bool, ids []int64) {
	v := p.get(name)
	if v == "*" {
		return true, nil
	}
	var bad []string
	for _, part := range strings.Split(v, ",") {
		s := strings.TrimSpace(part)
		id, err := strconv.ParseInt(s, 10, 64)
		switch {
		case s == "":
		case err != nil || id < 1 || id > bot.MaxChannelID || s != strconv.FormatInt(id, 10):
			bad = append(bad, shownValue(s))
		case !slices.Contains(ids, id):
			ids = append(ids, id)
		}
	}
	switch {
	case len(bad) > 0:
		p.fail(name, "must be Polyv channel ids from 1 to %d separated by commas, or * alone for every channel; not ids: %s",
			bot.MaxChannelID, strings.Join(bad, ", "))
		return false, nil
	case len(ids) > maxApprovalChannels:
		p.fail(name, "lists %d channels; at most %d, or * for every channel", len(ids), maxApprovalChannels)
		return false, nil
	}
	return false, ids
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

// Where a variable was set, as unknownVar.from says it.
const (
	setInEnvironment = "the environment"
	setInEnvFile     = ".env"
	setInBoth        = "the environment and .env"
)

// setIn maps each variable set to where: environ is the process's NAME=value
// list (os.Environ), file the variables of .env.
func setIn(environ []string, file map[string]string) map[string]string {
	set := make(map[string]string, len(environ)+len(file))
	for _, kv := range environ {
		if name, _, ok := strings.Cut(kv, "="); ok && name != "" {
			set[name] = setInEnvironment
		}
	}
	for name := range file {
		if set[name] == setInEnvironment {
			set[name] = setInBoth
			continue
		}
		set[name] = setInEnvFile
	}
	return set
}

// unknownVar is a variable that is set and looks meant for polyvbot, but is
// not one it reads: a typo (ALLOWED_USER), a wrong case (log_level), or a
// setting it does not have.
type unknownVar struct {
	name    string
	from    string   // setInEnvironment, setInEnvFile or setInBoth
	guesses []string // the variables it is probably meant to be; none when nothing is near
}

// String is the warning: the name, where it is set, and the likely meaning.
func (u unknownVar) String() string {
	return u.name + ": " + u.detail()
}

func (u unknownVar) detail() string {
	what := "set in " + u.from + ", but polyvbot does not read it"
	if len(u.guesses) == 0 {
		return what + "; .env.example lists every variable it reads"
	}
	return what + ": did you mean " + strings.Join(u.guesses, " or ") + "?"
}

// unknownWarnings is a warning line for each variable of unknown that the
// configuration problems (err) do not already name.
func unknownWarnings(unknown []unknownVar, err error) string {
	var b strings.Builder
	for _, u := range unknown {
		if !namesVar(err.Error(), u.name) {
			fmt.Fprintf(&b, "polyvbot: warning: %s\n", u)
		}
	}
	return b.String()
}

// logUnknown logs each variable of unknown once, at start-up.
func logUnknown(log *slog.Logger, unknown []unknownVar) {
	for _, u := range unknown {
		log.Warn("a variable polyvbot does not read is set: "+u.String(),
			"variable", u.name, "set_in", u.from, "did_you_mean", strings.Join(u.guesses, " or "))
	}
}

// meantFor returns the guess of u that problem names and that was left
// unset: the variable u was probably meant to set. "" when there is none.
func (u unknownVar) meantFor(problem string, unset map[string]bool) string {
	for _, g := range u.guesses {
		if unset[g] && namesVar(problem, g) {
			return g
		}
	}
	return ""
}

// ourPrefixes start the names of polyvbot's variables, and of those later
// versions add: a name with one of them is meant for polyvbot even when no
// variable it reads is near.
var ourPrefixes = []string{"SLACK_", "POLYV_", "ALLOWED_", "RATE_", "USER_RATE_", "STATUS_", "AUDIT_",
	"HEALTH_", "LOG_", "DRY_", "VERIFY_", "CONFIRM_", "APPROVAL_"}

// maxVarName bounds the names compared: no variable of ours is near a longer
// one, and comparing costs the product of the lengths.
const maxVarName = 64

// unknownVars lists, by name, the variables in set (see setIn) that polyvbot
// does not read but that look meant for it: near one it reads, or named
// with one of ourPrefixes.
func unknownVars(set map[string]string) []unknownVar {
	var out []unknownVar
	for name, from := range set {
		if slices.Contains(configVars, name) || !isVarName(name) {
			continue
		}
		guesses := guessVar(name)
		if len(guesses) == 0 && !hasOurPrefix(name) {
			continue
		}
		out = append(out, unknownVar{name: name, from: from, guesses: guesses})
	}
	slices.SortFunc(out, func(a, b unknownVar) int { return strings.Compare(a.name, b.name) })
	return out
}

// guessVar names the variables name is probably meant to be: the same in
// another case, the nearest within a couple of typos, one it lengthens
// (HEALTH_ADDRESS), or those it cuts short at a word (RATE_LIMIT).
func guessVar(name string) []string {
	up := strings.ToUpper(name)
	if slices.Contains(configVars, up) {
		return []string{up}
	}
	if near := nearestVars(up); len(near) > 0 {
		return near
	}
	longest := ""
	for _, known := range configVars {
		if strings.HasPrefix(up, known) && len(known) > len(longest) {
			longest = known
		}
	}
	if longest != "" {
		return []string{longest}
	}
	var longer []string
	for _, known := range configVars {
		if len(up) >= 4 && strings.HasPrefix(known, up+"_") {
			longer = append(longer, known)
		}
	}
	return longer
}

// nearestVars returns the variables at the smallest edit distance from name,
// if it is at most 2 and at most a quarter of the variable's length (so
// that short names need a closer match).
func nearestVars(name string) []string {
	var best []string
	bestDist := 3
	for _, known := range configVars {
		d := editDistance(name, known)
		if d > min(2, len(known)/4) || d > bestDist {
			continue
		}
		if d < bestDist {
			best, bestDist = nil, d
		}
		best = append(best, known)
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b (a
// Damerau-Levenshtein distance): insertions, deletions, substitutions and
// swaps of two adjacent bytes each count 1. Variable names are ASCII.
func editDistance(a, b string) int {
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func hasOurPrefix(name string) bool {
	up := strings.ToUpper(name)
	for _, p := range ourPrefixes {
		if strings.HasPrefix(up, p) {
			return true
		}
	}
	return false
}

// isVarName reports whether name is one a person would write for a
// setting: letters, digits and underscores, not too long to compare.
func isVarName(name string) bool {
	if name == "" || len(name) > maxVarName {
		return false
	}
	for _, r := range name {
		if r != '_' && (r < '0' || r > '9') && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// namesVar reports whether text names the variable name as a whole word:
// ALLOWED_USERS is not named by STATUS_ALLOWED_USERS.
func namesVar(text, name string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isNameByte(text[start-1])) && (end == len(text) || !isNameByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isNameByte(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')
}
