package app

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/slack-go/slack"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slackclient"
	"github.com/polyvbot/polyvbot/polyv"
)

// checkChannelID is the Polyv channel the preflight asks about. Reading its
// live status is harmless whether or not it exists: a success, or Polyv's
// refusal of the channel, proves the credentials and the clock work.
const checkChannelID = 1

// check marks.
const (
	markOK      = "✓"
	markFail    = "✗"
	markSkipped = "–" // not checked; does not fail the preflight
	markWarn    = "!" // worth a look; does not fail the preflight
)

// checkResult is one line of the preflight checklist.
type checkResult struct {
	mark   string
	name   string // what was checked, and with which call
	detail string // what was found
	fix    string // what to do about a ✗
}

// runCheck is `bot -check`: it loads the configuration, checks every
// credential for real without side effects (nothing is posted, no stream is
// stopped, the Socket Mode URL is opened but never dialled) and prints a
// checklist. It returns 0 when every check passed, 2 (as the bot itself
// does) when the configuration does not load, and 1 when a credential check
// failed.
func runCheck(ctx context.Context, env Environment, dryRun bool, stdout io.Writer) int {
	fmt.Fprintln(stdout, "polyvbot preflight: checks every credential; posts nothing and stops nothing.")
	unknown := unknownVars(env.set)
	cfg, err := loadConfig(env)
	if err != nil {
		printChecklist(stdout, append(unknownResults(unknown, err), checkResult{mark: markFail, name: "configuration",
			detail: "the configuration has problems", fix: problemList(err) + "\nSee .env.example for every variable."}), nil)
		return exitConfig
	}
	cfg.DryRun = cfg.DryRun || dryRun
	results := append(unknownResults(unknown, nil), configResult(cfg))
	results = append(results, preflight(ctx, cfg, slog.New(slog.DiscardHandler))...)
	if printChecklist(stdout, results, secretsOf(cfg)) > 0 {
		return exitFatal
	}
	return exitOK
}

// preflight runs every check after the configuration's.
func preflight(ctx context.Context, cfg config, log *slog.Logger) []checkResult {
	sc := slackclient.New(slackclient.Options{
		BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken, APIURL: cfg.SlackAPIURL,
		Timeout: 15 * time.Second, Logger: log,
	})
	return append(checkSlack(ctx, sc, cfg), checkPolyv(ctx, cfg, log)...)
}

// checkSlack runs the Slack checks, auth.test first: when that gets no
// answer at all, one line says why and what to check, and the checks that
// need an answer are listed as not run rather than failing for the same
// reason.
func checkSlack(ctx context.Context, sc *slackclient.Client, cfg config) []checkResult {
	bot, err := checkBotToken(ctx, sc)
	if slackUnreachable(err) {
		return slackConnectionFailed(ctx, sc, cfg, err)
	}
	out := []checkResult{bot, checkAppToken(ctx, sc)}
	for _, g := range configuredGroups(cfg) {
		out = append(out, checkGroup(ctx, sc, g))
	}
	return append(out, checkAuditChannel(ctx, sc, cfg.AuditChannel))
}

// slackConnectionFailed is the ✗ for a Slack that could not be reached, then
// every Slack check as not run.
func slackConnectionFailed(ctx context.Context, sc *slackclient.Client, cfg config, err error) []checkResult {
	host := cfg.SlackAPIURL
	if u, perr := url.Parse(cfg.SlackAPIURL); perr == nil {
		host = u.Hostname()
	}
	out := []checkResult{{mark: markFail, name: "Slack connection (SLACK_API_URL " + cfg.SlackAPIURL + ")",
		detail: "no answer: " + networkProblem(err),
		fix: fmt.Sprintf("check SLACK_API_URL (leave it unset for %s), that DNS resolves %s on this host, that no firewall "+
			"blocks it, and, if this host reaches the internet through a proxy, that HTTPS_PROXY (and NO_PROXY) are set "+
			"for the bot", defaultSlackAPIURL, host)}}
	notRun := func(name string) checkResult {
		return checkResult{mark: markSkipped, name: name, detail: "not checked: Slack could not be reached"}
	}
	out = append(out, notRun(botTokenCheck), notRun(appTokenCheck))
	for _, g := range configuredGroups(cfg) {
		out = append(out, notRun(groupCheck(g)))
	}
	if cfg.AuditChannel == "" {
		return append(out, checkAuditChannel(ctx, sc, ""))
	}
	return append(out, notRun(auditChannelCheck(cfg.AuditChannel)))
}

// What each Slack check is called in the checklist.
const (
	botTokenCheck = "SLACK_BOT_TOKEN (auth.test)"
	appTokenCheck = "SLACK_APP_TOKEN (apps.connections.open)"
)

func groupCheck(id string) string        { return "user group " + id + " (usergroups.users.list)" }
func auditChannelCheck(id string) string { return "AUDIT_CHANNEL " + id + " (conversations.info)" }

// printChecklist writes the results with the fix under each ✗, scrubbing
// every secret, and returns how many failed.
func printChecklist(w io.Writer, results []checkResult, secrets []string) int {
	failed, warned := 0, 0
	for _, r := range results {
		line := fmt.Sprintf("%s %s: %s\n", r.mark, r.name, r.detail)
		switch r.mark {
		case markFail:
			failed++
			line += fixText(r.fix)
		case markWarn:
			warned++
		}
		fmt.Fprint(w, redact(line, secrets))
	}
	switch {
	case failed == 0 && warned > 0:
		fmt.Fprintf(w, "All checks passed, but read the %d warning(s) marked ! above; then start the bot with `go run ./cmd/bot` (or the built binary).\n", warned)
	case failed == 0:
		fmt.Fprintln(w, "All checks passed: start the bot with `go run ./cmd/bot` (or the built binary).")
	default:
		fmt.Fprintf(w, "%d check(s) failed; fix them and run -check again.\n", failed)
	}
	return failed
}

// unknownResults is a ! line for each variable polyvbot does not read but
// that looks meant for it, unless the configuration problems (err) already
// name it.
func unknownResults(unknown []unknownVar, err error) []checkResult {
	var out []checkResult
	for _, u := range unknown {
		if err == nil || !namesVar(err.Error(), u.name) {
			out = append(out, checkResult{mark: markWarn, name: u.name, detail: u.detail()})
		}
	}
	return out
}

// fixText lays out the fix under a ✗: on the label's line when it is one
// line, else each of its lines on a line of its own below the label.
func fixText(fix string) string {
	if !strings.Contains(fix, "\n") {
		return "    fix: " + fix + "\n"
	}
	return "    fix:\n      " + strings.ReplaceAll(fix, "\n", "\n      ") + "\n"
}

// problemList is one "- " line per problem of a joined error.
func problemList(err error) string {
	return "- " + strings.ReplaceAll(err.Error(), "\n", "\n- ")
}

func configResult(cfg config) checkResult {
	detail := "valid; who may stop: " + cfg.Rules.Summary()
	if cfg.DryRun {
		detail += "; DRY RUN (stop calls are signed and logged, not sent)"
	}
	return checkResult{mark: markOK, name: "configuration", detail: detail}
}

// checkBotToken calls auth.test and returns its error too, so that a Slack
// that cannot be reached is told apart from a token it refuses.
func checkBotToken(ctx context.Context, sc *slackclient.Client) (checkResult, error) {
	r := checkResult{name: botTokenCheck}
	resp, err := sc.API.AuthTestContext(ctx)
	if err != nil {
		r.mark, r.detail = markFail, slackProblem(err)
		r.fix = slackFix(err, "copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page; "+
			"reinstall the app to the workspace if the token was revoked")
		return r, err
	}
	r.mark = markOK
	r.detail = fmt.Sprintf("workspace %q, bot user %s (%s)", resp.Team, resp.User, resp.UserID)
	return r, nil
}

func checkAppToken(ctx context.Context, sc *slackclient.Client) checkResult {
	r := checkResult{name: appTokenCheck}
	if _, _, err := sc.API.StartSocketModeContext(ctx); err != nil {
		r.mark, r.detail = markFail, slackProblem(err)
		r.fix = slackFix(err, "create an app-level token (xapp-…) with scope connections:write under Basic Information › "+
			"App-Level Tokens, and turn Socket Mode on for the app")
		return r
	}
	r.mark, r.detail = markOK, "Socket Mode can connect (the URL was opened, not dialled)"
	return r
}

// configuredGroups lists every user group the bot will ask Slack about.
func configuredGroups(cfg config) []string {
	groups := append(append([]string(nil), cfg.Rules.Groups...), cfg.StatusRules.Groups...)
	slices.Sort(groups)
	return slices.Compact(groups)
}

func checkGroup(ctx context.Context, sc *slackclient.Client, id string) checkResult {
	r := checkResult{name: groupCheck(id)}
	members, err := sc.UserGroupMembers(ctx, id)
	if err != nil {
		r.mark, r.detail = markFail, slackProblem(err)
		r.fix = slackFix(err, groupFix(slackCode(err)))
		return r
	}
	r.mark = markOK
	r.detail = fmt.Sprintf("%d member(s)", len(members))
	if len(members) == 0 {
		r.detail += " — nobody in it can act until someone joins"
	}
	return r
}

// groupFix is the fix for a failed user-group check: slackclient's words
// for a code it knows, a general direction for any other.
func groupFix(code string) string {
	return cmp.Or(slackclient.GroupFix(code),
		"check the S… id in ALLOWED_USERGROUPS / STATUS_ALLOWED_USERGROUPS and that Slack is reachable")
}

// checkAuditChannel uses conversations.info, which posts nothing. It needs
// channels:read, which the manifest leaves out on purpose (the bot itself
// never reads channels): without it the channel is reported as not checked
// rather than failed.
func checkAuditChannel(ctx context.Context, sc *slackclient.Client, id string) checkResult {
	r := checkResult{name: "AUDIT_CHANNEL (conversations.info)"}
	if id == "" {
		r.mark, r.detail = markSkipped, "not set (optional): the audit trail is the JSON log and the thread of each action"
		return r
	}
	r.name = auditChannelCheck(id)
	ch, err := sc.API.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	switch code := slackCode(err); {
	case err == nil:
		return auditChannelFound(r, ch)
	case code == "missing_scope":
		r.mark = markSkipped
		r.detail = "not checked: conversations.info needs channels:read, which the bot does not ask for; " +
			"make sure the bot is in the channel (/invite @polyvbot) or that it is public"
	default:
		r.mark, r.detail = markFail, slackProblem(err)
		r.fix = slackFix(err, "copy the channel ID (C…) from the channel's details in Slack; for a private channel "+
			"/invite @polyvbot first")
	}
	return r
}

func auditChannelFound(r checkResult, ch *slack.Channel) checkResult {
	r.mark, r.detail = markOK, "#"+ch.Name
	switch {
	case ch.IsMember:
		r.detail += ", the bot is a member"
	case ch.IsPrivate:
		r.mark, r.detail = markFail, "#"+ch.Name+" is private and the bot is not in it"
		r.fix = "run /invite @polyvbot in #" + ch.Name
	default:
		r.detail += ", public: the bot posts there with chat:write.public"
	}
	return r
}

// checkPolyv checks Polyv's reachability and the credentials, then
// POLYV_USER_ID, with one client, so both calls share the global bucket as
// the bot's would.
func checkPolyv(ctx context.Context, cfg config, log *slog.Logger) []checkResult {
	pc := newPolyvClient(cfg, log, bot.NewMetrics(nil))
	results := checkPolyvAccess(ctx, cfg, pc)
	return append(results, checkUserID(ctx, cfg, pc, results[len(results)-1]))
}

// checkPolyvAccess asks Polyv for the live status of checkChannelID,
// read-only, within POLYV_TIMEOUT, and reports reachability and credentials
// apart.
func checkPolyvAccess(ctx context.Context, cfg config, pc *polyv.Client) []checkResult {
	ctx, cancel := context.WithTimeout(ctx, cfg.PolyvTimeout)
	defer cancel()
	start := time.Now()
	_, err := pc.LiveStatus(ctx, checkChannelID)
	took := time.Since(start).Round(time.Millisecond)

	reach := checkResult{name: fmt.Sprintf("Polyv reachable within POLYV_TIMEOUT=%s", cfg.PolyvTimeout)}
	creds := checkResult{name: fmt.Sprintf("Polyv credentials and clock (live status of channel %d)", checkChannelID)}
	if !polyvAnswered(err) {
		reach.mark, reach.detail = markFail, fmt.Sprintf("no answer from %s: %s", cfg.PolyvAPIURL, networkProblem(err))
		reach.fix = "let this host reach " + cfg.PolyvAPIURL + " over HTTPS (firewall, HTTPS_PROXY, DNS); " +
			"raise POLYV_TIMEOUT only if Polyv is merely slow from here"
		creds.mark, creds.detail = markSkipped, "not checked: Polyv did not answer"
		return []checkResult{reach, creds}
	}
	reach.mark, reach.detail = markOK, "answered in "+max(took, time.Millisecond).Round(time.Millisecond).String()
	creds.mark, creds.detail, creds.fix = polyvVerdict(err)
	return []checkResult{reach, creds}
}

// userIDCheck is what the POLYV_USER_ID line is called in the checklist.
const userIDCheck = "POLYV_USER_ID (user/get-info)"

// checkUserID proves POLYV_USER_ID with the read-only user/get-info, which
// answers the userId of the appId's account. It is not asked when the
// credentials line (creds) did not pass: the same cause would fail it, and
// one cause gets one ✗.
func checkUserID(ctx context.Context, cfg config, pc *polyv.Client, creds checkResult) checkResult {
	r := checkResult{name: userIDCheck}
	switch {
	case cfg.PolyvUserID == "":
		r.mark, r.detail = markSkipped, "not set (optional): ban and resume are refused until it is set "+
			"to the userId from the Polyv console (开发设置)"
		return r
	case creds.mark != markOK:
		r.mark, r.detail = markSkipped, "not checked: the Polyv check above did not pass"
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.PolyvTimeout)
	defer cancel()
	err := pc.CheckUserID(ctx)
	r.mark, r.detail, r.fix = userIDVerdict(err)
	return r
}

// userIDVerdict reads the answer to user/get-info.
func userIDVerdict(err error) (mark, detail, fix string) {
	switch {
	case err == nil:
		return markOK, "the userId of the account of POLYV_APP_ID; ban and resume can be used", ""
	case errors.Is(err, polyv.ErrWrongUserID):
		return markFail, err.Error(), "POLYV_USER_ID does not match the account of POLYV_APP_ID: copy the userId " +
			"shown next to the appId in the Polyv console (开发设置)"
	case !polyvAnswered(err):
		return markFail, "no answer: " + networkProblem(err),
			"Polyv answered the check above but not this one; run -check again"
	case errors.Is(err, polyv.ErrQuotaExceeded):
		return markFail, "Polyv says this IP's request quota is used up (" + err.Error() + ")",
			"wait 5 minutes and run -check again"
	}
	return markFail, "the userId could not be checked (" + err.Error() + ")",
		"Polyv's message above is its reason; run -check again, and if it stays, ban and resume may fail the same way"
}

// polyvAnswered reports whether something answered over HTTP: a success or
// any *APIError (even an unreadable body came from the far side). Whether
// that something is Polyv is polyvVerdict's question.
func polyvAnswered(err error) bool {
	var ae *polyv.APIError
	return err == nil || errors.As(err, &ae) || polyv.Kind(err) == "redirect"
}

// polyvVerdict reads the answer to the check call. Only an answer that is
// recognisably Polyv's proves the credentials: a success, or a Polyv-shaped
// refusal of the channel, which Polyv can give only after it accepted the
// sign, the appId and the timestamp. Every other answer is a ✗ saying what
// it shows and what to do.
func polyvVerdict(err error) (mark, detail, fix string) {
	if err == nil {
		return markOK, "accepted", ""
	}
	var ae *polyv.APIError
	errors.As(err, &ae) // nil for a redirect that is not an *APIError
	kind := polyv.Kind(err)
	switch {
	case kind == "redirect" || (ae != nil && ae.HTTPStatus >= 300 && ae.HTTPStatus < 400):
		return markFail, "the answer was a redirect (" + err.Error() + ")",
			"Polyv's API does not redirect: something else answers at POLYV_API_URL (a proxy, a captive portal, " +
				"or a server sending http:// on to https://); set it to Polyv's API host, such as https://api.polyv.net"
	case kind == "invalid_signature" || kind == "app_not_found" || kind == "invalid_timestamp":
		return credentialVerdict(kind)
	case polyvRefusedChannel(ae, kind):
		return markOK, "accepted (Polyv answered: " + err.Error() + ")", ""
	case ae != nil && (ae.HTTPStatus == 404 || ae.Code == 404):
		return markFail, "no Polyv API at this address (" + err.Error() + ")",
			"this address does not serve Polyv's API: check POLYV_API_URL (only the scheme and host, such as https://api.polyv.net)"
	case kind == "quota_exceeded":
		return markFail, "Polyv says this IP's request quota is used up (" + err.Error() + ")",
			"Polyv's per-IP quota (1500 calls per 10 s, shared by everything that calls Polyv from this IP) is used up " +
				"and blocks the IP for 5 minutes: wait 5 minutes and run -check again"
	case kind == "server_error":
		return markFail, "server error (" + err.Error() + ")", "Polyv had a server error; run -check again in a minute"
	case kind == "bad_response" || !polyvShaped(ae):
		return markFail, "the answer is not Polyv's (" + err.Error() + ")",
			"something that is not Polyv answered: a proxy, captive portal or wrong host; check POLYV_API_URL and HTTPS_PROXY"
	}
	return markFail, "Polyv refused the call for a reason that does not prove the credentials (" + err.Error() + ")",
		"Polyv's message above is its reason; check POLYV_APP_ID and POLYV_APP_SECRET in the Polyv console (开发设置), " +
			"then run -check again"
}

// credentialVerdict is the ✗ for Polyv's refusal of the sign, the appId or
// the timestamp.
func credentialVerdict(kind string) (mark, detail, fix string) {
	switch kind {
	case "invalid_signature":
		return markFail, "Polyv says invalid signature",
			"check POLYV_APP_SECRET (the appSecret from the Polyv console, 开发设置) and POLYV_SIGNATURE_METHOD"
	case "app_not_found":
		return markFail, "Polyv says application not found", "check POLYV_APP_ID (the appId from the Polyv console, 开发设置)"
	}
	return markFail, "Polyv says invalid timestamp: this host's clock is off by more than 3 minutes",
		"synchronise the clock with NTP (for example `timedatectl set-ntp true`, or chrony)"
}

// polyvShaped reports whether ae is a refusal in Polyv's own JSON shape: a
// 4xx code with status "error", as every documented Polyv refusal has.
func polyvShaped(ae *polyv.APIError) bool {
	return ae != nil && ae.Code >= 400 && ae.Code < 500 && strings.EqualFold(ae.Status, "error")
}

// polyvRefusedChannel reports whether Polyv refused the call because of the
// channel (it does not exist, or is not this appId's), not because of who
// asked. A 404 never counts: the "not found" of a wrong path can name the
// path, and the path holds the word channel.
func polyvRefusedChannel(ae *polyv.APIError, kind string) bool {
	if !polyvShaped(ae) || ae.HTTPStatus == 404 || ae.Code == 404 {
		return false
	}
	return kind == "channel_not_found" || kind == "other" && strings.Contains(strings.ToLower(ae.Message), "channel")
}

// slackProblem describes a Slack failure by its error code when there is one.
func slackProblem(err error) string {
	if code := slackCode(err); code != "" {
		return "Slack answered " + code
	}
	return "Slack did not answer: " + err.Error()
}

// slackFix is fix when Slack answered, and how to reach Slack when it did not.
func slackFix(err error, fix string) string {
	if slackCode(err) != "" {
		return fix
	}
	return "let this host reach SLACK_API_URL (default https://slack.com/api/) over HTTPS: firewall, HTTPS_PROXY, DNS"
}

// slackUnreachable reports whether err is a request that got no answer at
// all (DNS, connection, proxy, TLS, time-out), as opposed to an answer.
func slackUnreachable(err error) bool {
	var ue *url.Error
	return err != nil && slackCode(err) == "" && errors.As(err, &ue)
}

// networkProblem says in a few words why a request got no answer, naming
// the step that failed: the proxy, DNS, the connection, TLS or the time.
func networkProblem(err error) string {
	var (
		op   *net.OpError
		dns  *net.DNSError
		cert *tls.CertificateVerificationError
		ne   net.Error
	)
	switch {
	case errors.As(err, &op) && op.Op == "proxyconnect":
		return "the proxy (HTTPS_PROXY) cannot be reached: " + op.Err.Error()
	case errors.As(err, &dns):
		return fmt.Sprintf("DNS cannot resolve %s (%s)", dns.Name, dns.Err)
	case errors.Is(err, syscall.ECONNREFUSED) && op != nil && op.Addr != nil:
		return "connection refused: nothing listens at " + op.Addr.String()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &cert):
		return "the server's TLS certificate is not trusted (" + cert.Err.Error() + "): a proxy that intercepts HTTPS, " +
			"or this host lacks CA certificates"
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	return cause(err).Error()
}

// cause drops the request URL from a transport error: it is long, and the
// query (appId, sign) says nothing about why the network failed.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// secretsOf lists the values that must never be printed.
func secretsOf(cfg config) []string {
	return []string{cfg.SlackAppToken, cfg.SlackBotToken, cfg.PolyvAppSecret}
}

// redact replaces every secret in s, in case some error ever quotes one.
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
