// Command bot runs polyvbot: a Slack bot that lets incident responders stop a
// Polyv live stream with `/polyv stop <channelId> [-- reason]`.
//
// It connects to Slack over Socket Mode (no public URL needed), checks that
// the person may act, throttles Polyv calls with a token bucket, signs and
// sends Polyv's stop-pull-stream call, and reports in the channel with the
// outcome in a thread.
//
// Configuration comes from the environment and from a .env file in the
// working directory (the environment wins); see .env.example and README.md.
// Required: SLACK_APP_TOKEN, SLACK_BOT_TOKEN, POLYV_APP_ID, POLYV_APP_SECRET,
// and ALLOWED_USERS or ALLOWED_USERGROUPS.
//
// Flags:
//
//	-version   print the version and exit
//	-dry-run   sign and log the stop call instead of sending it (DRY_RUN=true)
//	-check     preflight: check the configuration and every credential for
//	           real (Slack tokens, user groups, AUDIT_CHANNEL, Polyv
//	           credentials, clock and reachability) without posting or
//	           stopping anything; prints a ✓/✗ checklist, exits 1 on any ✗
//	           (2 when the configuration itself does not load)
//	-demo      play a short scripted session against a built-in fake Slack
//	           and fake Polyv on loopback (no tokens, no network) and print
//	           what Slack would show
//
// With HEALTH_ADDR set (for example :8080) it serves /healthz (the process
// is up), /readyz (200 while the Socket Mode connection is up, else 503 with
// the reason) and /metrics (Prometheus).
//
// SIGTERM or SIGINT starts a graceful drain; a second one ends the process at
// once, for the operator who cannot wait.
//
// Exit codes:
//
//	0  stopped cleanly (after the drain), or -help, -version, -demo, -check passed
//	1  fatal at run time: Slack rejected a token, HEALTH_ADDR could not be
//	   bound, a -check credential line failed, or the demo failed
//	2  bad usage or configuration: an unknown flag, an unreadable .env, a
//	   missing or invalid variable (also under -check)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/joho/godotenv"
)

// Exit codes; see the package doc.
const (
	exitOK     = 0
	exitFatal  = 1
	exitConfig = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal the default action comes back, so a second
	// Ctrl-C or SIGTERM kills a drain that may take tens of seconds.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], func() (environment, error) { return envLookup(".env", os.Stderr) }, os.Stdout, os.Stderr))
}

// loadEnvFunc builds the variable lookup. run calls it only in the modes
// that read configuration, so that a broken .env cannot block -version or
// -demo.
type loadEnvFunc func() (environment, error)

// run is the whole program, so that tests can run it end to end. It returns
// the exit code.
func run(ctx context.Context, args []string, loadEnv loadEnvFunc, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("polyvbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	dryRun := fs.Bool("dry-run", false, "sign and log the Polyv stop call instead of sending it")
	check := fs.Bool("check", false, "check the configuration and every credential for real, without side effects, and exit")
	demo := fs.Bool("demo", false, "play a scripted session against a built-in fake Slack and fake Polyv (no tokens, no network) and exit")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK // asked for, as with the flag package's own ExitOnError
		}
		return exitConfig
	}
	switch {
	case *showVersion:
		fmt.Fprintln(stdout, versionLine())
		return exitOK
	case *demo:
		return runDemo(ctx, stdout, stderr)
	}
	lookup, err := loadEnv()
	if err != nil {
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return exitConfig
	}
	if *check {
		return runCheck(ctx, lookup, *dryRun, stdout)
	}
	return runBot(ctx, lookup, *dryRun, stderr)
}

// usage is -help: the flags, then where the configuration comes from and
// every variable with its line of help.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintln(w, "Usage: polyvbot [-check | -demo | -dry-run | -version]")
	fmt.Fprintln(w, "Without a flag it runs the bot. Flags:")
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nConfiguration: from the environment and from .env in the working directory when present;")
	fmt.Fprintln(w, "where both set a variable, the environment wins. .env.example documents each variable:")
	printVariables(w)
}

// runBot loads the configuration and serves until ctx ends or Slack rejects
// a token.
func runBot(ctx context.Context, env environment, dryRun bool, stderr io.Writer) int {
	unknown := unknownVars(env.set)
	cfg, err := loadConfig(env)
	if err != nil {
		fmt.Fprint(stderr, unknownWarnings(unknown, err)+configProblems(err))
		return exitConfig
	}
	cfg.DryRun = cfg.DryRun || dryRun
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	logUnknown(log, unknown)
	app, err := newApp(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return exitConfig
	}
	if err := app.run(ctx); err != nil {
		log.Error("polyvbot stopped", "err", err)
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return exitFatal
	}
	log.Info("polyvbot stopped")
	return exitOK
}

// configProblems is the start-up message for a configuration that does not
// load: one problem per line, then where to look.
func configProblems(err error) string {
	return "polyvbot: the configuration has problems:\n" + indent(err) + "\nSee .env.example for every variable.\n"
}

// envLookup reads the environment, then the .env file at path when present:
// variables already set in the environment win. A malformed file is an error
// that names the line where parsing breaks but never repeats its text: the
// file holds secrets, and godotenv's own errors quote it. Warnings about a
// file that loads all the same go to warn.
func envLookup(path string, warn io.Writer) (environment, error) {
	file, err := readEnvFile(path, warn)
	if err != nil {
		return environment{}, err
	}
	lookup := func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		v, ok := file[name]
		return v, ok
	}
	return environment{lookup: lookup, set: setIn(os.Environ(), file)}, nil
}

// readEnvFile parses the .env file at path; no file is an empty one. A
// UTF-8 byte order mark at its start, which some Windows editors write, is
// dropped and named on warn: godotenv would read it as part of the first
// name and refuse line 1 without a word about why.
func readEnvFile(path string, warn io.Writer) (map[string]string, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%s could not be read: %w", path, errors.Unwrap(err))
	}
	text, bom := strings.CutPrefix(string(b), string(byteOrderMark))
	if bom {
		fmt.Fprintf(warn, "polyvbot: warning: %s starts with a UTF-8 byte order mark (BOM); it was ignored. "+
			"Save the file as UTF-8 without BOM: other tools that read it may not ignore it.\n", path)
	}
	file, err := godotenv.Unmarshal(text)
	if err != nil {
		return nil, envFileError(path, text)
	}
	return file, nil
}

// mapLookup serves variables from a map, as if set in the environment: the
// demo's configuration, and the tests'.
func mapLookup(env map[string]string) environment {
	set := make(map[string]string, len(env))
	for name := range env {
		set[name] = setInEnvironment
	}
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	return environment{lookup: lookup, set: set}
}

// envFileError says which line of a malformed .env (its text, without the
// byte order mark) breaks it.
func envFileError(path, text string) error {
	const fix = "write one NAME=value per line, quote values that contain spaces or #, close every quote"
	if line := badEnvLine(text); line > 0 {
		return fmt.Errorf("%s line %d cannot be parsed (its text is not shown: the file holds secrets); %s", path, line, fix)
	}
	return fmt.Errorf("%s cannot be parsed; %s", path, fix)
}

// badEnvLine is the first line after the longest prefix of text that
// parses, so a quote left open is blamed on its own line, not on the end of
// the file. It is 0 when the whole text parses.
func badEnvLine(text string) int {
	lines := strings.SplitAfter(text, "\n")
	for n := len(lines); n >= 0; n-- {
		if _, err := godotenv.Unmarshal(strings.Join(lines[:n], "")); err == nil {
			if n == len(lines) {
				return 0
			}
			return n + 1
		}
	}
	return 1
}

// indent puts each of a joined error's problems on its own "  - " line.
func indent(err error) string {
	return "  - " + strings.ReplaceAll(err.Error(), "\n", "\n  - ")
}
