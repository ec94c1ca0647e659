package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/polyvbot/polyvbot/bot/slacktest"
	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// soakOptions are the soak's flags.
type soakOptions struct {
	duration time.Duration // -soak: send for this long
	commands int           // -soak-commands: send this many instead
	rate     float64       // commands per second
	tail     time.Duration // idle sampling after the last command
	window   time.Duration // sampling interval and latency window
	seed     uint64
	users    int
}

// enabled reports whether a soak was asked for.
func (o soakOptions) enabled() bool { return o.duration > 0 || o.commands > 0 }

// loadTime is how long sending takes at o.rate.
func (o soakOptions) loadTime() time.Duration {
	if o.commands > 0 {
		return time.Duration(float64(o.commands) / o.rate * float64(time.Second))
	}
	return o.duration
}

func (o soakOptions) validate() error {
	var errs []error
	if o.duration > 0 && o.commands > 0 {
		errs = append(errs, errors.New("give either -soak DURATION or -soak-commands N, not both"))
	}
	if o.rate <= 0 || o.rate > 2000 {
		errs = append(errs, fmt.Errorf("-rate %g: give commands per second, above 0 and at most 2000", o.rate))
	}
	if o.window < time.Second {
		errs = append(errs, fmt.Errorf("-window %s: at least 1s", o.window))
	}
	if o.tail < 0 {
		errs = append(errs, fmt.Errorf("-tail %s: must not be negative", o.tail))
	}
	if o.users < 1 {
		errs = append(errs, fmt.Errorf("-users %d: at least 1", o.users))
	}
	return errors.Join(errs...)
}

// globalBucketPerSecond is the fastest the bot's global bucket refills at
// its highest setting (RATE_LIMIT_PER_MINUTE=9000).
const globalBucketPerSecond = 150

// soakSent is one command the soak sent.
type soakSent struct {
	offset                time.Duration // since the first command
	kind                  cmdKind
	ids                   []int64
	envelope, responseURL string
}

// soakRun is one soak in progress.
type soakRun struct {
	o     soakOptions
	slack *slacktest.Server
	pv    *polyvtest.Server
	sink  *webSink
	proc  *botProc
	start time.Time
}

// soak builds polyvbot, starts it against the fakes with the shipped
// defaults (verification on, default workers and queue) and the highest
// rate limits, drives the mix at o.rate, samples the bot every window and
// after the load keeps sampling an idle tail.
func soak(ctx context.Context, o options, progress io.Writer) (soakReport, error) {
	rep := soakReport{Rate: o.soak.rate, Window: msDuration(o.soak.window), Tail: msDuration(o.soak.tail),
		Seed: o.soak.seed, Users: o.soak.users, Limits: defaultSoakLimits(), Kinds: map[string]int{}}
	if est := o.soak.rate * polyvCallsPerCommand(); est > 0.9*globalBucketPerSecond {
		fmt.Fprintf(progress, "loadtest: warning: at %g commands/s the mix makes about %.0f Polyv calls/s; the global bucket refills %d/s at most, so it may throttle\n",
			o.soak.rate, est, globalBucketPerSecond)
	}
	if o.soak.tail < outcomeWait {
		fmt.Fprintf(progress, "loadtest: warning: a tail under %s may end before the verification lines of the last commands, which then count as lost\n", outcomeWait)
	}
	dir, err := os.MkdirTemp("", "polyvbot-soak-")
	if err != nil {
		return rep, fmt.Errorf("temporary directory: %w", err)
	}
	if o.keep {
		fmt.Fprintf(progress, "loadtest: keeping %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return rep, err
	}
	spec := withRoot(soakBot(), root)
	bin, size, err := build(ctx, dir, root, spec.name, spec.pkg)
	if err != nil {
		return rep, err
	}
	r := &soakRun{o: o.soak, slack: slacktest.NewServer(), pv: polyvtest.NewServer(fakeAppID, fakeAppSecret)}
	defer r.slack.Close()
	defer r.pv.Close()
	if r.sink, err = newWebSink(r.slack.APIURL(), r.slack.BotToken()); err != nil {
		return rep, err
	}
	defer r.sink.Close()
	rep.Bot = botReport{Name: spec.name, BinaryBytes: size, StartToReady: -1, IdleGoroutines: -1}
	if r.proc, err = launch(ctx, dir, spec, bin, r.slack, r.sink.APIURL(), r.pv, &rep.Bot); err != nil {
		return rep, err
	}
	defer func() {
		if err := r.proc.stop(30 * time.Second); err != nil {
			fmt.Fprintf(progress, "loadtest: %v\n", err)
		}
	}()
	err = r.drive(ctx, &rep, progress)
	return rep, err
}

// soakBot is polyvbot as shipped: VERIFY_STOP=true (its default, set so the
// soak's expectations cannot drift from it), default workers and queue, and
// the highest rate limits so that no bucket throttles.
func soakBot() botSpec {
	return botSpec{name: "polyvbot", pkg: "./cmd/bot", health: true, verify: true,
		extra: append([]string{"ALLOWED_USERS=*", "LOG_LEVEL=info", "VERIFY_STOP=true"}, maxRateLimits...)}
}

// drive sends the load while sampling, samples the tail, then reads every
// outcome and judges.
func (r *soakRun) drive(ctx context.Context, rep *soakReport, progress io.Writer) error {
	idle, err := r.sample(0)
	if err != nil {
		return err
	}
	before, err := r.proc.scrapeSeries()
	if err != nil {
		return err
	}
	calls0 := len(r.pv.Calls())
	r.start = time.Now()
	rep.Idle = idle
	fmt.Fprintf(progress, "loadtest: soak: %d commands/s for %s, then %s idle; one row every %s\n",
		int(r.o.rate), r.o.loadTime().Round(time.Second), r.o.tail, r.o.window)
	sentCh := make(chan sendResult, 1)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	counter := &atomic.Int64{}
	go func() { sentCh <- r.send(sctx, counter) }()
	samples, sent, err := r.sampleUntilDone(ctx, sentCh, counter, idle.GCs, progress)
	if err != nil {
		return err
	}
	after, err := r.proc.scrapeSeries()
	if err != nil {
		return err
	}
	peak, _, err := r.proc.memory()
	if err != nil {
		return err
	}
	r.report(rep, sent, samples, peak, diffBuckets(before, after), r.pv.Calls()[calls0:])
	return nil
}

// sendResult is what the sender did.
type sendResult struct {
	sent []soakSent
	end  time.Time
	err  error
}

// send paces the mix at r.o.rate from r.start.
func (r *soakRun) send(ctx context.Context, counter *atomic.Int64) sendResult {
	mix := newCommandMix(r.o.seed, r.o.users)
	var out []soakSent
	for i := 0; ; i++ {
		at := time.Duration(float64(i) * float64(time.Second) / r.o.rate)
		if (r.o.commands > 0 && i >= r.o.commands) || (r.o.commands == 0 && at >= r.o.duration) {
			return sendResult{sent: out, end: time.Now()}
		}
		if !sleepUntil(ctx, r.start.Add(at)) {
			return sendResult{sent: out, end: time.Now(), err: ctx.Err()}
		}
		c := mix.next()
		offset := time.Since(r.start)
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		env, responseURL, err := r.slack.SendSlashCommand(sctx, slacktest.SlashCommand{Text: c.Text, UserID: c.User, ChannelID: c.Channel})
		cancel()
		if err != nil {
			return sendResult{sent: out, end: time.Now(), err: fmt.Errorf("send command %d (did the bot drop its socket?): %w", i+1, err)}
		}
		out = append(out, soakSent{offset: offset, kind: c.Kind, ids: c.IDs, envelope: env, responseURL: responseURL})
		counter.Add(1)
	}
}

// sampleUntilDone samples every window from r.start until the tail after
// the last command is over, and returns the samples and what was sent.
func (r *soakRun) sampleUntilDone(ctx context.Context, sentCh <-chan sendResult, counter *atomic.Int64, idleGCs int, progress io.Writer) ([]procSample, []soakSent, error) {
	var samples []procSample
	var res *sendResult
	prevGCs := idleGCs
	for k := 1; ; k++ {
		final, err := r.waitTick(ctx, r.start.Add(time.Duration(k)*r.o.window), &sentCh, &res)
		if err != nil {
			return samples, nil, err
		}
		s, err := r.sample(int(counter.Load()))
		if err != nil {
			return samples, nil, err
		}
		samples = append(samples, s)
		phase := "load" // the sample closes a window commands were sent in
		if res != nil && !r.start.Add(time.Duration(k-1)*r.o.window).Before(res.end) {
			phase = "tail"
		}
		fmt.Fprintf(progress, "loadtest: soak %s %s: sent %d, RSS %.1f MiB, heap %.1f MiB, goroutines %d, fds %d, GC +%d\n",
			clock(time.Duration(s.At)), phase, s.Sent, mib(s.RSS), mib(s.HeapInuse), s.Goroutines, s.FDs, s.GCs-prevGCs)
		prevGCs = s.GCs
		if final {
			return samples, res.sent, nil
		}
	}
}

// waitTick waits for the tick at next, or for the end of the tail if that
// comes first (then final is true). It takes the sender's result from
// *sentCh when it arrives, into *res. A tick just before the end of the
// tail becomes the final sample, rather than a near twin of it.
func (r *soakRun) waitTick(ctx context.Context, next time.Time, sentCh *<-chan sendResult, res **sendResult) (final bool, err error) {
	for {
		if *res != nil {
			if end := (*res).end.Add(r.o.tail); !next.Before(end.Add(-r.o.window / 10)) {
				next, final = end, true
			}
		}
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return false, ctx.Err()
		case got := <-*sentCh:
			timer.Stop()
			if got.err != nil {
				return false, got.err
			}
			*res, *sentCh = &got, nil
		case err := <-r.proc.exited:
			timer.Stop()
			r.proc.exited <- err
			return false, fmt.Errorf("polyvbot exited during the soak: %v", err)
		case <-timer.C:
			return final, nil
		}
	}
}

// sample reads what the bot holds now.
func (r *soakRun) sample(sent int) (procSample, error) {
	s := procSample{Sent: sent}
	if !r.start.IsZero() {
		s.At = msDuration(time.Since(r.start))
	}
	var err error
	if _, s.RSS, err = r.proc.memory(); err != nil {
		return s, err
	}
	if s.FDs, err = r.proc.openFDs(); err != nil {
		return s, err
	}
	m, err := r.proc.scrapeSeries()
	if err != nil {
		return s, err
	}
	s.HeapInuse = int64(m.value("go_memstats_heap_inuse_bytes"))
	s.Goroutines = int(m.value("go_goroutines"))
	s.GCs = int(m.value("go_gc_duration_seconds_count"))
	return s, nil
}

// report reads every outcome from the fakes and the sink, and fills rep.
func (r *soakRun) report(rep *soakReport, sent []soakSent, samples []procSample, peak int64, buckets bucketTally, calls []polyvtest.Call) {
	results := r.outcomes(sent)
	accepted, statusAnswered := rep.count(sent, results)
	loadWindows := 0
	if len(sent) > 0 {
		rep.Load = msDuration(sent[len(sent)-1].offset)
		loadWindows = int(sent[len(sent)-1].offset/r.o.window) + 1
	}
	windows := windowStats(results, r.o.window, loadWindows)
	rep.Polyv = tallyPolyv(calls, accepted)
	if rep.Polyv.Stops > 0 {
		// Status commands' own calls are not the cost of a stop.
		rep.PolyvPerStop = float64(rep.Polyv.Stops+rep.Polyv.Statuses-statusAnswered) / float64(rep.Polyv.Stops)
	}
	rep.Buckets, rep.PeakRSS, rep.Sink = buckets, peak, r.sink.counts()
	rep.Rows = rows(samples, windows)
	f := soakFindings{Windows: windows, Idle: rep.Idle, PeakRSS: peak, Duplicates: rep.Polyv.Duplicates,
		Missing: rep.Polyv.Missing, Buckets: buckets}
	if len(samples) > 0 {
		f.Final = samples[len(samples)-1]
	}
	rep.Busy, rep.Lost = f.totals()
	rep.Failures = judgeSoak(f, rep.Limits)
	rep.Targets = soakTargets(f, rep.Limits)
}

// outcomes classifies each command sent from what the fake Slack and the
// sink recorded.
func (r *soakRun) outcomes(sent []soakSent) []timedResult {
	acks, private := ackIndex(r.slack.Acks()), firstPosts(r.slack.ResponsePosts())
	traces := r.sink.snapshot(func(yield func(int64) bool) {
		for _, c := range sent {
			for _, id := range c.ids {
				if c.kind == kindStop && !yield(id) {
					return
				}
			}
		}
	})
	out := make([]timedResult, len(sent))
	for i, c := range sent {
		a, acked := acks[c.envelope]
		res := classify(evidence{kind: c.kind, ids: c.ids, ack: a, acked: acked, private: private[c.responseURL], traces: traces}, true)
		out[i] = timedResult{Offset: c.offset, Kind: c.kind, cmdResult: res}
	}
	return out
}

// count adds up the commands by kind and their acks, and returns the Polyv
// channels of the stops not refused and how many status commands were
// answered.
func (rep *soakReport) count(sent []soakSent, results []timedResult) (accepted []int64, statusAnswered int) {
	acks := map[string][]time.Duration{}
	for i, c := range sent {
		res, kind := results[i], c.kind.String()
		rep.Kinds[kind]++
		if res.Acked {
			acks[kind] = append(acks[kind], res.Ack)
		}
		switch {
		case c.kind == kindStop && !res.Refused:
			accepted = append(accepted, c.ids...)
			rep.StopChannels += len(c.ids)
		case c.kind == kindStatus && res.HasE2E:
			statusAnswered++
		}
	}
	rep.Sent = len(sent)
	rep.AckByKind = map[string]durations{}
	for kind, sample := range acks {
		rep.AckByKind[kind] = summarize(sample)
	}
	return accepted, statusAnswered
}

// rows pairs the samples with the windows: the sampler reads the bot at
// the end of each window, so sample i closes window i; the samples after the
// last window are the tail's.
func rows(samples []procSample, windows []windowStat) []soakRow {
	out := make([]soakRow, len(samples))
	for i, s := range samples {
		out[i] = soakRow{Sample: s, Phase: "tail"}
		if i < len(windows) {
			w := windows[i]
			out[i].Window, out[i].Phase = &w, "load"
		}
	}
	return out
}

// clock formats d as m:ss.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
