// Command loadtest measures polyvbot under load against fake Slack and fake
// Polyv servers on loopback, next to a minimal baseline bot, and checks the
// numbers against the performance targets of issue 7.
//
// Run it from the repository root:
//
//	go run ./cmd/loadtest                      # three runs, table
//	go run ./cmd/loadtest -json                # the same numbers as JSON
//	go run ./cmd/loadtest -verify=false        # without stop verification, for comparison
//
// It builds ./cmd/bot and ./cmd/loadtest/baseline as stripped binaries in a
// temporary directory, starts bot/slacktest and polyv/polyvtest in its own
// process on 127.0.0.1, and runs each binary as a child process whose
// environment holds only the fakes' URLs and tokens (never the caller's), with
// ALLOWED_USERS=* and every rate limit at its maximum so no bucket throttles.
// polyvbot runs with VERIFY_STOP=true, as shipped, unless -verify=false: a
// command is then complete once its verification line (🔎 or ⚠️) is in.
// Against each bot it drives three runs: 200 commands one after another, 1000
// at 200 per second from 50 users, and 1000 back to back. Every run and the
// whole tool are bounded by time-outs; the children are stopped with SIGTERM
// (then killed) whatever happens.
//
// With -cpuprofile the polyvbot binary is built a second time with a
// profiling hook (added through go build -overlay, so the shipped code has
// none) and writes a CPU profile of all three runs; the binary size reported
// is still the plain build's.
//
// See README.md in this directory for what each column means.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the tool's flags.
type options struct {
	json     bool
	verify   bool
	baseline bool
	timeout  time.Duration
	keep     bool
	profile  string
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the tool could not measure
	exitUsage = 2
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if !errors.Is(err, errUsageShown) {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
		}
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, err := measure(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return exitError
	}
	if o.json {
		err = writeJSON(stdout, rep)
	} else {
		err = writeTable(stdout, rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return exitError
	}
	return exitOK
}

// errUsageShown is a usage error the flag package has already explained.
var errUsageShown = errors.New("usage shown")

// parseOptions reads the flags; every error is a usage error.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.BoolVar(&o.json, "json", false, "print the report as JSON instead of a table")
	fs.BoolVar(&o.verify, "verify", true, "run polyvbot with VERIFY_STOP=true, as shipped (-verify=false compares without verification)")
	fs.BoolVar(&o.baseline, "baseline", true, "also measure the baseline bot and report ours/baseline ratios")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory with the binaries and the bots' logs")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the polyvbot process over all runs to this file (read it with go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return o, errUsageShown
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q; every option is a flag (-h lists them)", fs.Arg(0))
	}
	return o, nil
}

// measure builds both bots, starts them and runs every scenario against
// each in turn.
func measure(ctx context.Context, o options, progress io.Writer) (report, error) {
	dir, err := os.MkdirTemp("", "polyvbot-loadtest-")
	if err != nil {
		return report{}, fmt.Errorf("temporary directory: %w", err)
	}
	if o.keep {
		fmt.Fprintf(progress, "loadtest: keeping %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	rep := report{Verify: o.verify}
	root, err := moduleRoot(ctx)
	if err != nil {
		return rep, err
	}
	profile := o.profile
	if profile != "" {
		if profile, err = filepath.Abs(profile); err != nil {
			return report{}, fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	specs := []botSpec{withRoot(ours(o.verify, profile), root)}
	if o.baseline {
		specs = append(specs, withRoot(baselineBot(), root))
	}
	// Both bots are up (and idle) at once, and the runs alternate between
	// them, so that a change in the machine's load hits both alike.
	var subjects []*subject
	defer func() {
		for _, s := range subjects {
			s.close(progress)
		}
	}()
	for _, spec := range specs {
		s, err := setUp(ctx, dir, spec)
		subjects = append(subjects, s)
		if err != nil {
			return rep, err
		}
	}
	for i := range scenarios {
		for _, s := range subjects {
			if err := s.run(ctx, i, progress); err != nil {
				return rep, err
			}
		}
	}
	rep.Ours = subjects[0].rep
	if len(subjects) > 1 {
		rep.Baseline = &subjects[1].rep
	}
	rep.finish()
	return rep, nil
}

func withRoot(s botSpec, root string) botSpec {
	s.root = root
	return s
}
