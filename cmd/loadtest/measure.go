package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

const (
	fakeAppID     = "appLOAD01"
	fakeAppSecret = "loadtest-fake-polyv-secret"
	settleTime    = 1 * time.Second // after a run, before reading final RSS and goroutines
	// outcomeWait ends a run when no command has completed for this long.
	// It exceeds the bot's 15 s verification window, the longest a
	// command's last line may follow its first.
	outcomeWait = 20 * time.Second
)

// botSpec says how to build and configure one bot.
type botSpec struct {
	name   string
	pkg    string // relative to root
	root   string // the module's directory
	health bool   // serves HEALTH_ADDR
	extra  []string
	// calls is what one stop command costs in Web API calls when it is
	// finished: parent, thread reply and, for polyvbot, the parent's update.
	calls map[string]int
	// profile, when set, is where the bot writes a CPU profile of the runs.
	profile string
	// verify: the bot posts a verification line after each ✅.
	verify bool
}

func ours(verify bool, profile string) botSpec {
	// chat.update comes once per command, after its thread reply and
	// before any verification line, so counting it keeps the sequential
	// run in step even while earlier commands post their 🔎 lines.
	return botSpec{name: "polyvbot", pkg: "./cmd/bot", health: true, profile: profile, verify: verify,
		extra: append([]string{"ALLOWED_USERS=*", "LOG_LEVEL=info", "VERIFY_STOP=" + strconv.FormatBool(verify)}, maxRateLimits...),
		calls: map[string]int{"chat.postMessage": 2, "chat.update": 1}}
}

// maxRateLimits are the highest token bucket settings the bot accepts
// (Polyv's own 1500 requests per 10 s): the load tool measures the bot, not
// its throttling. Whether a bucket held anything up anyway is checked from
// the bot's metrics (see bucketTally).
var maxRateLimits = []string{
	"RATE_LIMIT_PER_MINUTE=9000", "RATE_LIMIT_BURST=1000",
	"USER_RATE_LIMIT_PER_MINUTE=9000", "USER_RATE_LIMIT_BURST=1000",
}

func baselineBot() botSpec {
	return botSpec{name: "baseline", pkg: "./cmd/loadtest/baseline", calls: map[string]int{"chat.postMessage": 2}}
}

// subject is one bot under test with its own fakes, ready for runs.
type subject struct {
	spec  botSpec
	rep   botReport
	slack *slacktest.Server
	pv    *polyvtest.Server
	proc  *botProc
	drv   *driver
}

// setUp builds spec, starts fresh fakes, calibrates them and starts the bot.
// Call close when done, whatever the error.
func setUp(ctx context.Context, dir string, spec botSpec) (*subject, error) {
	s := &subject{spec: spec, rep: botReport{Name: spec.name, StartToReady: -1, IdleGoroutines: -1}}
	bin, size, err := build(ctx, dir, spec.root, spec.name, spec.pkg)
	if err != nil {
		return s, err
	}
	s.rep.BinaryBytes = size
	if spec.profile != "" {
		// Measured above as shipped; run with the profiling hook added.
		overlay, err := profilingOverlay(ctx, dir, spec.root, spec.pkg)
		if err != nil {
			return s, err
		}
		if bin, _, err = build(ctx, dir, spec.root, spec.name+"-profiling", spec.pkg, overlay); err != nil {
			return s, err
		}
		s.spec.extra = append(s.spec.extra, profileEnv+"="+spec.profile)
	}
	s.slack = slacktest.NewServer()
	s.pv = polyvtest.NewServer(fakeAppID, fakeAppSecret)
	if s.rep.Fakes, err = calibrate(ctx, s.slack, s.pv, 200); err != nil {
		return s, err
	}
	if s.proc, err = launch(ctx, dir, s.spec, bin, s.slack, s.slack.APIURL(), s.pv, &s.rep); err != nil {
		return s, err
	}
	s.drv = &driver{slack: s.slack, nextID: 100000, fakeTime: s.rep.Fakes.perCommand(), settle: outcomeWait,
		perCommand: spec.calls, verify: spec.verify}
	return s, nil
}

// run drives scenario i against the subject.
func (s *subject) run(ctx context.Context, i int, progress io.Writer) error {
	sc := scenarios[i]
	fmt.Fprintf(progress, "loadtest: %s: %s\n", s.spec.name, sc.Name)
	r, err := runScenario(ctx, s.drv, s.proc, s.pv, sc, "C0RUN"+string(rune('A'+i)))
	if err != nil {
		return fmt.Errorf("%s, %s: %w", s.spec.name, sc.Name, err)
	}
	s.rep.Runs = append(s.rep.Runs, r)
	return nil
}

// close stops the bot (collecting its profile first) and the fakes.
func (s *subject) close(progress io.Writer) {
	if s.proc != nil {
		if s.spec.profile != "" {
			if err := s.proc.finishProfile(s.spec.profile); err != nil {
				fmt.Fprintf(progress, "loadtest: %v\n", err)
			}
		}
		if err := s.proc.stop(30 * time.Second); err != nil {
			fmt.Fprintf(progress, "loadtest: %s: %v\n", s.spec.name, err)
		}
	}
	if s.slack != nil {
		s.slack.Close()
	}
	if s.pv != nil {
		s.pv.Close()
	}
}

// launch starts the bot with apiURL as its Slack Web API (the fake Slack's,
// or a sink in front of it) and records how long it took to be usable and
// what it holds when idle.
func launch(ctx context.Context, dir string, spec botSpec, bin string, slack *slacktest.Server, apiURL string, pv *polyvtest.Server, rep *botReport) (*botProc, error) {
	env := append([]string{
		"SLACK_APP_TOKEN=" + slack.AppToken(), "SLACK_BOT_TOKEN=" + slack.BotToken(), "SLACK_API_URL=" + apiURL,
		"POLYV_APP_ID=" + fakeAppID, "POLYV_APP_SECRET=" + fakeAppSecret, "POLYV_API_URL=" + pv.URL,
	}, spec.extra...)
	addr := ""
	if spec.health {
		var err error
		if addr, err = freeAddr(); err != nil {
			return nil, err
		}
		env = append(env, "HEALTH_ADDR="+addr)
	}
	proc, err := startBot(spec.name, bin, filepath.Join(dir, spec.name+".log"), addr, env)
	if err != nil {
		return nil, err
	}
	ready := make(chan time.Duration, 1)
	if addr != "" {
		go func() {
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			d, err := proc.waitReady(rctx)
			if err != nil {
				d = -1
			}
			ready <- d
		}()
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := slack.WaitConnected(hctx); err != nil {
		_ = proc.stop(5 * time.Second)
		return nil, fmt.Errorf("%s never connected to the fake Slack (log in %s): %w", spec.name, dir, err)
	}
	rep.StartToHello = msDuration(time.Since(proc.started))
	if addr != "" {
		rep.StartToReady = msDuration(<-ready)
	}
	time.Sleep(settleTime)
	if _, rep.IdleRSS, err = proc.memory(); err != nil {
		_ = proc.stop(5 * time.Second)
		return nil, err
	}
	if m, err := proc.scrapeSeries(); err == nil {
		rep.IdleGoroutines = m.value("go_goroutines")
	}
	return proc, nil
}

// runScenario drives sc and reads the bot's memory and metrics around it.
func runScenario(ctx context.Context, d *driver, proc *botProc, pv *polyvtest.Server, sc scenario, ch string) (runReport, error) {
	r := runReport{Name: sc.Name, Commands: sc.N, Goroutines: -1, AllocsPerCommand: -1}
	if err := proc.resetPeak(); err != nil {
		return r, fmt.Errorf("reset peak RSS: %w", err)
	}
	calls0 := len(pv.Calls())
	before, scrapeErr := proc.scrapeSeries()
	cpu0, err := proc.cpu()
	if err != nil {
		return r, err
	}
	cmds, err := d.drive(ctx, sc, ch)
	if err != nil {
		return r, err
	}
	d.await(ctx, ch, cmds)
	out := d.collect(ch, cmds)
	r.Ack, r.EndToEnd, r.Own, r.Completion = summarize(out.ack), summarize(out.e2e), summarize(out.own), summarize(out.done)
	r.CompletionTotal = msDuration(out.span)
	r.Refused, r.Lost = out.refused, out.lost
	r.Polyv = tallyPolyv(pv.Calls()[calls0:], out.accepted)
	r.PolyvPerStop = r.Polyv.perStop()
	if r.PeakRSS, _, err = proc.memory(); err != nil {
		return r, err
	}
	cpu1, err := proc.cpu()
	if err != nil {
		return r, err
	}
	r.CPUPerCommand = msDuration((cpu1 - cpu0) / time.Duration(sc.N))
	time.Sleep(settleTime)
	if _, r.FinalRSS, err = proc.memory(); err != nil {
		return r, err
	}
	if after, err := proc.scrapeSeries(); err == nil && scrapeErr == nil {
		r.Goroutines = after.value("go_goroutines")
		r.AllocsPerCommand = (after.value("go_memstats_mallocs_total") - before.value("go_memstats_mallocs_total")) / float64(sc.N)
		buckets := diffBuckets(before, after)
		r.Buckets = &buckets
	}
	return r, nil
}

// freeAddr finds a loopback port nobody listens on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
