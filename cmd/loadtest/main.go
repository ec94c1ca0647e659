// Command loadtest measures polyvbot under load against fake Slack and fake
// Polyv servers on loopback, next to a minimal baseline bot, and checks the
// numbers against the performance targets of issue 7. With -soak it instead
// drives polyvbot alone for minutes with a varied command mix and watches
// for growth.
//
// Run it from the repository root:
//
//	go run ./cmd/loadtest                      # three runs, table
//	go run ./cmd/loadtest -json                # the same numbers as JSON
//	go run ./cmd/loadtest -verify=false        # without stop verification, for comparison
//	go run ./cmd/loadtest -soak 12m -rate 150  # soak: exits 3 when its verdict is FAIL
//
// Exit status: 0 when every target was met, 4 when one was MISSED, 3 when
// a soak's verdict is FAIL, 2 for a usage error, 1 when the tool could not
// measure.
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
// A soak sends the mix of soakmix.go (stops of one or several channels, with
// and without a reason, status, help and bad input, from thousands of users)
// at -rate for -soak (or -soak-commands), samples the bot every -window and
// keeps sampling an idle -tail after the load. During a soak the bot's Slack
// Web API calls go to a sink in this process (see webSink), because the fake
// Slack's cost per message grows with the messages it keeps.
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
	soak     soakOptions
}

// Exit statuses.
const (
	exitOK       = 0
	exitError    = 1 // the tool could not measure
	exitUsage    = 2
	exitSoakFail = 3 // the soak measured and its verdict is FAIL
	exitMissed   = 4 // the tool measured, and at least one target was MISSED
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, fs, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		if !errors.Is(err, errUsageShown) {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
		}
		return exitUsage
	}
	if o.soak.enabled() {
		return runSoak(ctx, fs, o, stdout, stderr)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, err := measure(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return exitError
	}
	return finishRuns(stdout, stderr, rep, o.json)
}

// finishRuns prints the runs' report and turns its targets into the exit
// status: a MISSED target is a failure a script or CI can see.
func finishRuns(stdout, stderr io.Writer, rep report, asJSON bool) int {
	var err error
	if asJSON {
		err = writeJSON(stdout, rep)
	} else {
		err = writeTable(stdout, rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return exitError
	}
	return missedStatus(stderr, rep.Targets)
}

// missedStatus is exitMissed, said on stderr, when a target was missed.
func missedStatus(stderr io.Writer, ts []target) int {
	missed := 0
	for _, t := range ts {
		if !t.Met {
			missed++
		}
	}
	if missed == 0 {
		return exitOK
	}
	fmt.Fprintf(stderr, "loadtest: %d target(s) MISSED; exit status %d\n", missed, exitMissed)
	return exitMissed
}

// errUsageShown is a usage error the flag package has already explained.
var errUsageShown = errors.New("usage shown")

// parseOptions reads the flags; every error is a usage error.
func parseOptions(args []string, stderr io.Writer) (options, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.BoolVar(&o.json, "json", false, "print the report as JSON instead of a table")
	fs.BoolVar(&o.verify, "verify", true, "run polyvbot with VERIFY_STOP=true, as shipped (-verify=false compares without verification)")
	fs.BoolVar(&o.baseline, "baseline", true, "also measure the baseline bot and report ours/baseline ratios")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long (a soak: its load and tail + 5m unless given)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory with the binaries and the bots' logs")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the polyvbot process over all runs to this file (read it with go tool pprof)")
	fs.DurationVar(&o.soak.duration, "soak", 0, "soak polyvbot: send the command mix for this long (e.g. 12m) instead of the three runs")
	fs.IntVar(&o.soak.commands, "soak-commands", 0, "soak polyvbot with this many commands of the mix instead of a duration")
	fs.Float64Var(&o.soak.rate, "rate", 150, "soak: commands per second")
	fs.DurationVar(&o.soak.tail, "tail", 60*time.Second, "soak: keep sampling the idle bot this long after the last command")
	fs.DurationVar(&o.soak.window, "window", 10*time.Second, "soak: sample the bot and cut the latency windows this often")
	fs.Uint64Var(&o.soak.seed, "seed", 1, "soak: seed of the command mix")
	fs.IntVar(&o.soak.users, "users", 5000, "soak: distinct requesters")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./cmd/loadtest [flags]   (see cmd/loadtest/README.md)")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "Exit status: %d every target met (a soak: and PASS), %d a target MISSED, %d a soak's verdict FAIL,\n"+
			"%d a usage error, %d the tool could not measure.\n", exitOK, exitMissed, exitSoakFail, exitUsage, exitError)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, fs, err
		}
		return o, fs, errUsageShown
	}
	if fs.NArg() > 0 {
		return o, fs, fmt.Errorf("unexpected argument %q; every option is a flag (-h lists them)", fs.Arg(0))
	}
	if o.soak.enabled() {
		if err := o.soak.validate(); err != nil {
			return o, fs, err
		}
		if o.profile != "" {
			return o, fs, errors.New("-cpuprofile is for the three runs, not a soak")
		}
	}
	return o, fs, nil
}

// runSoak runs a soak and turns its verdict into the exit status.
func runSoak(ctx context.Context, fs *flag.FlagSet, o options, stdout, stderr io.Writer) int {
	timeoutSet := false
	fs.Visit(func(f *flag.Flag) { timeoutSet = timeoutSet || f.Name == "timeout" })
	if !timeoutSet {
		o.timeout = o.soak.loadTime() + o.soak.tail + 5*time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, err := soak(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: soak: %v\n", err)
		return exitError
	}
	return finishSoak(stdout, stderr, rep, o.json)
}

// finishSoak prints the soak's report and turns it into the exit status: a
// FAIL verdict first, then any MISSED target.
func finishSoak(stdout, stderr io.Writer, rep soakReport, asJSON bool) int {
	var err error
	if asJSON {
		err = writeJSON(stdout, rep)
	} else {
		err = writeSoakTable(stdout, rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return exitError
	}
	if !rep.passed() {
		return exitSoakFail
	}
	return missedStatus(stderr, rep.Targets)
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
