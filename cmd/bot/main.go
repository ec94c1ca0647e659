// Command bot runs polyvbot: a Slack bot that lets incident responders stop a
// Polyv live stream with `/polyv stop <channelId> [reason]`.
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
//	-demo      play a short scripted session against a built-in fake Slack
//	           and fake Polyv on loopback (no tokens, no network) and print
//	           what Slack would show
//
// With HEALTH_ADDR set (for example :8080) it serves /healthz (the process
// is up), /readyz (200 while the Socket Mode connection is up, else 503 with
// the reason) and /metrics (Prometheus).
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

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lookup, err := envLookup(".env")
	if err != nil {
		fmt.Fprintf(os.Stderr, "polyvbot: %v\n", err)
		os.Exit(2)
	}
	os.Exit(run(ctx, os.Args[1:], lookup, os.Stdout, os.Stderr))
}

// run is the whole program, so that tests can run it end to end. It returns
// the exit code.
func run(ctx context.Context, args []string, lookup lookupFunc, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print the version and exit")
	dryRun := fs.Bool("dry-run", false, "sign and log the Polyv stop call instead of sending it")
	check := fs.Bool("check", false, "check the configuration and every credential for real, without side effects, and exit")
	demo := fs.Bool("demo", false, "play a scripted session against a built-in fake Slack and fake Polyv (no tokens, no network) and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case *showVersion:
		fmt.Fprintf(stdout, "polyvbot %s\n", version)
		return 0
	case *demo:
		return runDemo(ctx, stdout, stderr)
	case *check:
		return runCheck(ctx, lookup, *dryRun, stdout)
	}
	cfg, err := loadConfig(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "polyvbot: the configuration has problems:\n%s\nSee .env.example for every variable.\n", indent(err))
		return 2
	}
	if *dryRun {
		cfg.DryRun = true
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	app, err := newApp(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return 2
	}
	if err := app.run(ctx); err != nil {
		log.Error("polyvbot stopped", "err", err)
		fmt.Fprintf(stderr, "polyvbot: %v\n", err)
		return 1
	}
	return 0
}

// envLookup reads the environment, then the .env file at path when present:
// variables already set in the environment win. A malformed file is an error
// (its text is not repeated: it holds secrets).
func envLookup(path string) (lookupFunc, error) {
	file, err := godotenv.Read(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s could not be read; check its syntax (NAME=value per line)", path)
	}
	return func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		v, ok := file[name]
		return v, ok
	}, nil
}

func indent(err error) string {
	return "  - " + strings.ReplaceAll(err.Error(), "\n", "\n  - ")
}
