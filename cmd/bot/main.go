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
// The wiring lives in internal/app; this command adds signal handling. The demo
// is a command of its own (go run ./cmd/demo), so this binary links no fake.
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
//	0  stopped cleanly (after the drain), or -help, -version, -check passed
//	1  fatal at run time: Slack rejected a token, HEALTH_ADDR could not be
//	   bound, or a -check credential line failed
//	2  bad usage or configuration: an unknown flag (-demo among them: the
//	   demo is its own command, go run ./cmd/demo), an unreadable .env, a
//	   missing or invalid variable (also under -check)
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/polyvbot/polyvbot/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal the default action comes back, so a second
	// Ctrl-C or SIGTERM kills a drain that may take tens of seconds.
	context.AfterFunc(ctx, stop)
	os.Exit(app.Run(ctx, os.Args[1:], app.FromEnvFile(".env", os.Stderr), os.Stdout, os.Stderr))
}
