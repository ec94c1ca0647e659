// Command demo plays a short scripted session of polyvbot and prints what
// Slack would show: the real bot, wired as cmd/bot wires it (internal/app:
// configuration, -check's preflight, the bot), against a fake Slack and a
// fake Polyv on loopback. It needs no token and no network:
//
//	go run ./cmd/demo
//
// It exits 0 when every scene played, 1 when the demo failed, 2 on bad
// usage. The fakes live here and in tests only: the bot's binary links
// neither.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/polyvbot/polyvbot/bot"
	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/internal/app"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// Exit codes; see the package doc.
const (
	exitOK    = 0
	exitFatal = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, so that tests can run it end to end. Its one
// flag, -lang, is the bot's LANGUAGE; without it LANGUAGE is honoured.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", os.Getenv("LANGUAGE"), "the language the bot writes in: en or zh-CN (default: LANGUAGE, else en)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./cmd/demo [-lang zh-CN]\nPlays a scripted session of the real bot against a fake Slack and a fake Polyv (no tokens, no network).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	if _, err := bot.ParseLanguage(*lang); err != nil {
		fmt.Fprintf(stderr, "polyvbot demo: -lang %s\n", err)
		return exitUsage
	}
	return runDemo(ctx, *lang, stdout, stderr)
}

// The demo's cast: Slack IDs and the names the transcript shows for them.
const (
	demoChannel = "C0INCIDENT"
	demoAudit   = "C0AUDIT"
	demoAlice   = "U0ALICE"   // in ALLOWED_USERS
	demoCarol   = "U0CAROL"   // in the on-call user group
	demoBob     = "U0BOB"     // in ALLOWED_USERS; runs the burst
	demoDave    = "U0DAVE"    // in ALLOWED_USERS; stops the pushed stream
	demoMallory = "U0MALLORY" // allowed nowhere
	demoGroup   = "S0ONCALL"
	demoTeam    = "T0DEMO"
	demoAppID   = "demoAppId"
	// demoRefused is the Polyv channel the fake Polyv refuses to stop.
	demoRefused = 10003
	// demoStepTimeout bounds the wait for each scene's final outcome.
	demoStepTimeout = 10 * time.Second
)

var demoNames = map[string]string{
	demoChannel: "#incident", demoAudit: "#polyv-audit", demoAlice: "@alice", demoCarol: "@carol", demoBob: "@bob",
	demoDave:    "@dave",
	demoMallory: "@mallory", demoGroup: "@oncall",
}

// demoScene is one slash command and what the narrator says about it.
type demoScene struct {
	title string
	user  string
	text  string
}

// demoSettings is the demo's configuration besides the fakes' addresses
// and tokens. Scene titles quote it through setting, so that what a title
// says is what the bot runs with.
var demoSettings = map[string]string{
	"POLYV_TIMEOUT": "3s", "AUDIT_CHANNEL": demoAudit,
	"ALLOWED_USERS": demoAlice + "," + demoBob + "," + demoDave, "ALLOWED_USERGROUPS": demoGroup,
	// Channel names refill at a tenth of the global bucket's rate (at most
	// 5/s, bursts of half its burst): this one is large enough that every
	// scene, the burst of stops included, shows them.
	"RATE_LIMIT_PER_MINUTE": "3000", "RATE_LIMIT_BURST": "100",
	"USER_RATE_LIMIT_PER_MINUTE": "1", "USER_RATE_LIMIT_BURST": "3",
	"APPROVAL_CHANNELS": strconv.Itoa(demoKeynote),
}

// setting is NAME=value as the demo sets it.
func setting(name string) string { return name + "=" + demoSettings[name] }

var demoScript = []demoScene{
	{"An allowed responder stops a leaked stream; the reason goes after `--`, so it may start with a number", demoAlice, "stop 10001 -- 2 viewers reported a leaked test stream"},
	{"A member of the on-call user group stops a stream", demoCarol, "stop 10002"},
	{"Someone who is not allowed tries", demoMallory, "stop 10001"},
	{"Bad input: `abc` is not a channel id (Polyv channel ids are numbers)", demoAlice, "stop abc"},
	{"Polyv refuses the call (the fake Polyv answers \"invalid signature\" for 10003)", demoAlice, "stop 10003"},
	{"A burst: four channels at once, one more than the per-user budget holds (" + setting("USER_RATE_LIMIT_BURST") +
		", refilled at " + setting("USER_RATE_LIMIT_PER_MINUTE") + " a minute)", demoBob, "stop 10004 10005 10006 10007"},
	{"The same user again within the minute: the budget refills at " + setting("USER_RATE_LIMIT_PER_MINUTE") + " a minute",
		demoBob, "stop 10008"},
}

// runDemo is the demo: the real wiring against a fake Slack and a fake
// Polyv on loopback, playing demoScript and printing what Slack would show.
func runDemo(ctx context.Context, lang string, stdout, stderr io.Writer) int {
	if err := playDemo(ctx, lang, stdout); err != nil {
		fmt.Fprintf(stderr, "polyvbot demo: %v\n", err)
		return exitFatal
	}
	return exitOK
}

func playDemo(ctx context.Context, lang string, out io.Writer) error {
	sl := slacktest.NewServer(slacktest.WithTeam(demoTeam, "Demo Workspace"), slacktest.WithBotUser("U0POLYVBOT", "polyvbot"))
	defer sl.Close()
	pv := polyvtest.NewServer(demoAppID, "demo-secret-not-a-real-one")
	defer pv.Close()
	stageFakes(sl, pv)

	audits := newAuditCounter()
	a, err := demoApp(sl, pv, audits, lang)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	if err := playScenes(ctx, newStage(out, sl, audits), a); err != nil {
		return err
	}
	// Stopping the bot waits for everything it started, the audit
	// channel's lines included.
	cancel()
	if err := <-done; err != nil {
		return fmt.Errorf("the bot stopped with an error: %w", err)
	}
	printAuditChannel(out, sl)
	printPolyvCalls(out, pv)
	return nil
}

// playScenes plays the preflight and every scene, once the bot is
// connected.
func playScenes(ctx context.Context, st *stage, a *app.App) error {
	if err := waitConnected(ctx, st.sl); err != nil {
		return err
	}
	printDemoIntro(st.out, a)
	fmt.Fprintln(st.out, "\n── 0. The preflight, `-check`, against the fakes (with the scopes of deploy/slack-app-manifest.yaml)")
	if !a.Preflight(ctx, st.out) {
		return fmt.Errorf("the preflight failed against the fakes")
	}
	for i, act := range demoActs {
		if err := st.playAct(ctx, i+1, act); err != nil {
			return err
		}
	}
	return nil
}

// printAuditChannel ends the transcript with what AUDIT_CHANNEL received,
// which the scenes do not show as it happens.
func printAuditChannel(out io.Writer, sl *slacktest.Server) {
	fmt.Fprintf(out, "\n── Meanwhile %s (AUDIT_CHANNEL) got one line per action, denial and outcome:\n", demoNames[demoAudit])
	for _, m := range sl.ChannelMessages(demoAudit) {
		printLines(out, "  ", m.Latest())
	}
}

// demoApp wires the real app with the demo's configuration. The logs are
// dropped (the transcript is the output) and the audit records counted, to
// know when a command is over.
func demoApp(sl *slacktest.Server, pv *polyvtest.Server, audits *auditCounter, lang string) (*app.App, error) {
	env := map[string]string{
		"SLACK_APP_TOKEN": sl.AppToken(), "SLACK_BOT_TOKEN": sl.BotToken(), "SLACK_API_URL": sl.APIURL(),
		"POLYV_APP_ID": demoAppID, "POLYV_APP_SECRET": pv.AppSecret, "POLYV_API_URL": pv.URL,
		"POLYV_USER_ID": pv.UserID, "LANGUAGE": lang,
	}
	maps.Copy(env, demoSettings)
	a, err := app.New(env, slog.New(slog.DiscardHandler), func(c *bot.Config) {
		c.VerifyWindow = time.Second
		c.Audit = audits
	})
	if err != nil {
		return nil, fmt.Errorf("demo %w", err)
	}
	return a, nil
}

func waitConnected(ctx context.Context, sl *slacktest.Server) error {
	wctx, cancel := context.WithTimeout(ctx, demoStepTimeout)
	defer cancel()
	if err := sl.WaitConnected(wctx); err != nil {
		return fmt.Errorf("the bot did not connect to the fake Slack: %w", err)
	}
	return nil
}

func printDemoIntro(out io.Writer, a *app.App) {
	fmt.Fprintln(out, "polyvbot demo: the real bot against a fake Slack and a fake Polyv on this machine (no tokens, no network).")
	fmt.Fprintf(out, "Cast: @alice (%s), @bob (%s) and @dave (%s) are in ALLOWED_USERS; @carol (%s) is in the user group @oncall (%s, ALLOWED_USERGROUPS); @mallory (%s) is in neither.\n",
		demoAlice, demoBob, demoDave, demoCarol, demoGroup, demoMallory)
	fmt.Fprintf(out, "Commands are typed in %s (%s); the audit channel, AUDIT_CHANNEL, is %s (%s).\n",
		demoNames[demoChannel], demoChannel, demoNames[demoAudit], a.AuditChannel())
	fmt.Fprintf(out, "Who may stop: %s. Per-user budget: %s at once, then %s a minute.\n",
		a.WhoMayStop(), setting("USER_RATE_LIMIT_BURST"), setting("USER_RATE_LIMIT_PER_MINUTE"))
}

func printLines(out io.Writer, prefix, text string) {
	pad := strings.Repeat(" ", len([]rune(prefix)))
	for i, line := range strings.Split(render(text), "\n") {
		if i == 0 {
			fmt.Fprintln(out, prefix+line)
		} else {
			fmt.Fprintln(out, pad+line)
		}
	}
}

// slackMarkup matches mentions (<@U…>, <#C…>, <!subteam^S…>), dates
// (<!date^…|fallback>) and links (<https://…|label>); other text in angle
// brackets is left alone.
var slackMarkup = regexp.MustCompile(`<([@#]|!subteam\^|!date\^|https?://)([^>|]*)(?:\|([^>]*))?>`)

// render turns Slack markup into what a reader sees: <@U0ALICE> → @alice,
// <https://…|thread> → thread, a date → its fallback, &lt; → <.
func render(text string) string {
	text = slackMarkup.ReplaceAllStringFunc(text, func(m string) string {
		g := slackMarkup.FindStringSubmatch(m)
		switch name, ok := demoNames[g[2]]; {
		case ok:
			return name
		case g[3] != "":
			return g[3]
		case strings.HasPrefix(g[1], "http"):
			return g[1] + g[2]
		}
		return g[1] + g[2]
	})
	return slackEntities.Replace(text)
}

// slackEntities are the three escapes Slack shows as plain characters.
var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// printPolyvCalls ends the transcript with the actions that reached the
// fake Polyv, refused ones included.
func printPolyvCalls(out io.Writer, pv *polyvtest.Server) {
	n := map[polyvtest.Op]int{}
	for _, c := range pv.Calls() {
		n[c.Op]++
	}
	fmt.Fprintf(out, "\n%d stop call(s), %d cut-off(s) and %d resume(s) reached the fake Polyv. That is the whole product; next: create the Slack app (README, Quickstart).\n",
		n[polyvtest.OpStop], n[polyvtest.OpCutoff], n[polyvtest.OpResume])
}
