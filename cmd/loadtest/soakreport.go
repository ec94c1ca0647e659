package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// soakReport is everything a soak measured.
type soakReport struct {
	Rate         float64              `json:"rate_per_second"`
	Load         msDuration           `json:"load_ms"` // first command → last command
	Window       msDuration           `json:"window_ms"`
	Tail         msDuration           `json:"tail_ms"`
	Seed         uint64               `json:"seed"`
	Users        int                  `json:"users"`
	Sent         int                  `json:"sent"`
	Kinds        map[string]int       `json:"commands_by_kind"`
	AckByKind    map[string]durations `json:"ack_by_kind"`   // over the whole load
	StopChannels int                  `json:"stop_channels"` // Polyv channels named by accepted stops
	Bot          botReport            `json:"bot"`
	Idle         procSample           `json:"idle"`
	Rows         []soakRow            `json:"rows"`
	PeakRSS      int64                `json:"peak_rss_bytes"` // VmHWM after the tail: the whole life of the bot
	Polyv        polyvTally           `json:"polyv"`
	// PolyvPerStop is (stop + live-status calls, less one per answered
	// status command) / stop calls: what a stop costs with verification.
	PolyvPerStop float64     `json:"polyv_calls_per_stop"`
	Buckets      bucketTally `json:"buckets"`
	Sink         sinkCounts  `json:"slack_web_api"`
	Busy         int         `json:"busy"`
	Lost         int         `json:"lost"`
	Limits       soakLimits  `json:"limits"`
	Targets      []target    `json:"targets"`
	Failures     []string    `json:"failures"` // empty: PASS
}

// soakRow is one sample, with the window that ended at it (nil in the tail).
type soakRow struct {
	Phase  string      `json:"phase"` // load or tail
	Sample procSample  `json:"sample"`
	Window *windowStat `json:"window,omitempty"`
}

// passed reports the verdict.
func (r soakReport) passed() bool { return len(r.Failures) == 0 }

// writeSoakTable prints one row per sample, then the totals, the targets
// and the verdict.
func writeSoakTable(w io.Writer, r soakReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "window\tat\tsent\tack p50\tack p99\te2e p50\te2e p99\tdone p99\tbusy\tlost\tRSS\theap\tgoroutines\tfds\tGCs\t")
	prevGC := r.Idle.GCs
	fmt.Fprintf(tw, "idle\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t%.1f\t%.1f\t%d\t%d\t-\t\n",
		clock(0), mib(r.Idle.RSS), mib(r.Idle.HeapInuse), r.Idle.Goroutines, r.Idle.FDs)
	for i, row := range r.Rows {
		s := row.Sample
		name, cells := "tail", "-\t-\t-\t-\t-\t-\t-\t-"
		if row.Window != nil {
			win := row.Window
			name = strconv.Itoa(i + 1)
			p := func(d durations, v time.Duration) string { return percentileCell(v, d.N, r.Limits.MinSample) }
			cells = fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d", win.Sent, p(win.Ack, win.Ack.P50), p(win.Ack, win.Ack.P99),
				p(win.E2E, win.E2E.P50), p(win.E2E, win.E2E.P99), p(win.Done, win.Done.P99), win.Busy, win.Lost)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.1f\t%d\t%d\t%d\t\n", name, clock(time.Duration(s.At)), cells,
			mib(s.RSS), mib(s.HeapInuse), s.Goroutines, s.FDs, s.GCs-prevGC)
		prevGC = s.GCs
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(times in ms, memory in MiB; a p99 over fewer than %d values is marked *, and not judged)\n\n", r.Limits.MinSample)
	kinds, acks := []string{}, []string{}
	for _, k := range []cmdKind{kindStop, kindStatus, kindHelp, kindBad} {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, r.Kinds[k.String()]))
		a := r.AckByKind[k.String()]
		acks = append(acks, fmt.Sprintf("%s %.2f/%.2f", k, ms(a.P50), ms(a.P99)))
	}
	fmt.Fprintf(w, "soak: %d commands in %s at %g/s (%s), %d users, seed %d; VERIFY_STOP=true, default workers and queue, rate limits at their maximum\n",
		r.Sent, clock(time.Duration(r.Load)), r.Rate, strings.Join(kinds, ", "), r.Users, r.Seed)
	fmt.Fprintf(w, "ack p50/p99 by kind over the load: %s\n", strings.Join(acks, ", "))
	fmt.Fprintf(w, "polyvbot: binary %s stripped, start→/readyz %s, peak RSS %s over its life\n", mibs(r.Bot.BinaryBytes), r.Bot.StartToReady, mibs(r.PeakRSS))
	fmt.Fprintf(w, "Polyv: %d stop calls for %d channels, %d live-status calls; %.2f calls per stop (status commands' own calls left out); %d duplicate, %d missing stops\n",
		r.Polyv.Stops, r.StopChannels, r.Polyv.Statuses, r.PolyvPerStop, r.Polyv.Duplicates, r.Polyv.Missing)
	fmt.Fprintf(w, "Slack Web API: %d posts, %d updates, %d ephemeral; token buckets: %d global waits over 10 ms, %d refusals\n",
		r.Sink.Posts, r.Sink.Updates, r.Sink.Ephemerals, r.Buckets.GlobalWaits, r.Buckets.Refusals)
	fmt.Fprintln(w)
	writeTargets(w, r.Targets)
	fmt.Fprintln(w)
	if r.passed() {
		fmt.Fprintln(w, "VERDICT PASS")
		return nil
	}
	fmt.Fprintln(w, "VERDICT FAIL")
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  - %s\n", f)
	}
	return nil
}

// percentileCell formats a percentile of n values in ms, marked when n is
// below minSample (too few to judge); "-" when there is none.
func percentileCell(d time.Duration, n, minSample int) string {
	switch {
	case n == 0:
		return "-"
	case n < minSample:
		return fmt.Sprintf("%.2f*", ms(d))
	}
	return fmt.Sprintf("%.2f", ms(d))
}
