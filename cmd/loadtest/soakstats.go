package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// procSample is what the bot held at one moment of a soak.
type procSample struct {
	At         msDuration `json:"at_ms"` // since the first command (negative: before the load)
	RSS        int64      `json:"rss_bytes"`
	HeapInuse  int64      `json:"heap_inuse_bytes"` // go_memstats_heap_inuse_bytes
	Goroutines int        `json:"goroutines"`       // go_goroutines
	FDs        int        `json:"open_fds"`         // entries of /proc/<pid>/fd
	GCs        int        `json:"gc_cycles"`        // go_gc_duration_seconds_count, since start
	Sent       int        `json:"sent"`             // commands sent so far
}

// timedResult is a command's result and when it was sent, since the first
// command.
type timedResult struct {
	Offset time.Duration
	Kind   cmdKind
	cmdResult
}

// windowStat is the latency and the losses of the commands sent in one
// window of the soak. Ack covers every command; E2E those that post an
// outcome (a stop's first thread reply, a status' private answer); Done the
// stops' last line (the verification line).
type windowStat struct {
	Sent int       `json:"sent"`
	Ack  durations `json:"ack"`
	E2E  durations `json:"end_to_end"`
	Done durations `json:"completion"`
	Busy int       `json:"busy"`
	Lost int       `json:"lost"`
}

// windowStats groups results by the window of width their command was sent
// in; results past the last of n windows count in the last.
func windowStats(results []timedResult, width time.Duration, n int) []windowStat {
	if n <= 0 || width <= 0 {
		return nil
	}
	acks, e2e, done := make([][]time.Duration, n), make([][]time.Duration, n), make([][]time.Duration, n)
	out := make([]windowStat, n)
	for _, r := range results {
		i := min(max(int(r.Offset/width), 0), n-1)
		w := &out[i]
		w.Sent++
		if r.Acked {
			acks[i] = append(acks[i], r.Ack)
		}
		if r.HasE2E {
			e2e[i] = append(e2e[i], r.E2E)
		}
		if r.Kind == kindStop && r.Complete && !r.Refused {
			done[i] = append(done[i], r.Done)
		}
		if r.Refused {
			w.Busy++
		}
		if r.Lost {
			w.Lost++
		}
	}
	for i := range out {
		out[i].Ack, out[i].E2E, out[i].Done = summarize(acks[i]), summarize(e2e[i]), summarize(done[i])
	}
	return out
}

// soakLimits are the soak's pass/fail rules.
type soakLimits struct {
	Growth     float64 `json:"p99_growth"`       // a window's p99 may be at most this many times the reference window's
	MinSample  int     `json:"min_sample"`       // a window's p99 is judged only over at least this many latencies
	Goroutines int     `json:"goroutines_slack"` // allowed above the idle count after the tail (pooled keep-alive connections)
	FDs        int     `json:"fds_slack"`        // the same for open file descriptors
}

// defaultSoakLimits: growth 3×; p99 judged over 50 or more values; after
// the tail, the keep-alive connections the bot may still hold (net/http
// closes them after 90 s idle): 2 to the Slack Web API, 2 to response_url
// (another host during a soak) and 4 to Polyv, one fd and two goroutines
// each.
func defaultSoakLimits() soakLimits {
	return soakLimits{Growth: 3, MinSample: 50, Goroutines: (2 + 2 + 4) * 2, FDs: 2 + 2 + 4}
}

// soakFindings are the totals the verdict and the targets read.
type soakFindings struct {
	Windows     []windowStat
	Idle, Final procSample
	PeakRSS     int64
	Duplicates  int // stop calls beyond one per channel
	Missing     int // channels of accepted stops that got no stop call
	Buckets     bucketTally
}

func (f soakFindings) totals() (busy, lost int) {
	for _, w := range f.Windows {
		busy += w.Busy
		lost += w.Lost
	}
	return busy, lost
}

// judgeSoak returns why the soak failed; none means it passed. It fails
// when any window's ack or end-to-end p99 is more than lim.Growth times the
// first judged window's, when goroutines or fds are not back to the idle
// count (plus the pool's slack) after the tail, or when any command was
// refused as busy, lost, or stopped twice.
func judgeSoak(f soakFindings, lim soakLimits) []string {
	var fails []string
	fails = append(fails, growth("ack", f.Windows, func(w windowStat) durations { return w.Ack }, lim)...)
	fails = append(fails, growth("end-to-end", f.Windows, func(w windowStat) durations { return w.E2E }, lim)...)
	if f.Final.Goroutines > f.Idle.Goroutines+lim.Goroutines {
		fails = append(fails, fmt.Sprintf("goroutines did not return to idle: %d after the tail, idle %d (+%d allowed)",
			f.Final.Goroutines, f.Idle.Goroutines, lim.Goroutines))
	}
	if f.Final.FDs > f.Idle.FDs+lim.FDs {
		fails = append(fails, fmt.Sprintf("open fds did not return to idle: %d after the tail, idle %d (+%d allowed)",
			f.Final.FDs, f.Idle.FDs, lim.FDs))
	}
	busy, lost := f.totals()
	if busy > 0 {
		fails = append(fails, fmt.Sprintf("%d commands refused as busy", busy))
	}
	if lost > 0 {
		fails = append(fails, fmt.Sprintf("%d commands lost", lost))
	}
	if f.Duplicates > 0 || f.Missing > 0 {
		fails = append(fails, fmt.Sprintf("stop calls: %d duplicate, %d missing", f.Duplicates, f.Missing))
	}
	return fails
}

// growth compares each judged window's p99 with the first judged one's,
// and sums up the windows over the limit in one line.
func growth(what string, ws []windowStat, pick func(windowStat) durations, lim soakLimits) []string {
	ref, refAt, judged := time.Duration(-1), 0, 0
	var over []int
	worst, worstAt := time.Duration(0), 0
	for i, w := range ws {
		d := pick(w)
		if d.N < lim.MinSample {
			continue
		}
		judged++
		if ref < 0 {
			ref, refAt = d.P99, i+1
			continue
		}
		if float64(d.P99) > lim.Growth*float64(ref) {
			over = append(over, i+1)
			if d.P99 > worst {
				worst, worstAt = d.P99, i+1
			}
		}
	}
	switch {
	case ref < 0 && len(ws) > 0:
		return []string{fmt.Sprintf("no window had %d %s latencies to judge", lim.MinSample, what)}
	case len(over) == 0:
		return nil
	}
	return []string{fmt.Sprintf("%s p99 over %.3g× window %d's %s in %d of %d windows (%s); worst %s, window %d",
		what, lim.Growth, refAt, seq2(ref), len(over), judged, spans(over), seq2(worst), worstAt)}
}

// spans writes ascending numbers with runs shortened: "2, 5–7, 9".
func spans(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", ns[i], ns[j]))
		} else {
			parts = append(parts, strconv.Itoa(ns[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// worstP99 is the highest p99 among the windows with at least minSample
// values, and whether there was any.
func worstP99(ws []windowStat, pick func(windowStat) durations, minSample int) (time.Duration, bool) {
	worst, found := time.Duration(0), false
	for _, w := range ws {
		if d := pick(w); d.N >= minSample {
			worst, found = max(worst, d.P99), true
		}
	}
	return worst, found
}

// soakTargets checks the soak's targets.
func soakTargets(f soakFindings, lim soakLimits) []target {
	busy, lost := f.totals()
	ack, ackOK := worstP99(f.Windows, func(w windowStat) durations { return w.Ack }, lim.MinSample)
	e2e, e2eOK := worstP99(f.Windows, func(w windowStat) durations { return w.E2E }, lim.MinSample)
	return []target{
		{"busy refusals = 0", strconv.Itoa(busy), busy == 0},
		{"commands lost = 0", strconv.Itoa(lost), lost == 0},
		{"nothing run twice: each stopped channel exactly one stop call", fmt.Sprintf("%d duplicate, %d missing", f.Duplicates, f.Missing),
			f.Duplicates == 0 && f.Missing == 0},
		{"every window's ack p99 < 2 ms", "worst " + seq2(ack), ackOK && ack < 2*time.Millisecond},
		{"every window's end-to-end p99 < 10 ms", "worst " + seq2(e2e), e2eOK && e2e < 10*time.Millisecond},
		{"peak RSS < 40 MB", mibs(f.PeakRSS), f.PeakRSS > 0 && f.PeakRSS < 40<<20},
		{fmt.Sprintf("goroutines back to idle after the tail (idle + at most %d for pooled keep-alive connections)", lim.Goroutines),
			fmt.Sprintf("idle %d → %d", f.Idle.Goroutines, f.Final.Goroutines), f.Final.Goroutines <= f.Idle.Goroutines+lim.Goroutines},
		{fmt.Sprintf("open fds back to idle after the tail (idle + at most %d)", lim.FDs),
			fmt.Sprintf("idle %d → %d", f.Idle.FDs, f.Final.FDs), f.Final.FDs <= f.Idle.FDs+lim.FDs},
		{"no token bucket held a command up (global waits > 10 ms + refusals)",
			strconv.Itoa(f.Buckets.GlobalWaits + f.Buckets.Refusals), f.Buckets.GlobalWaits+f.Buckets.Refusals == 0},
	}
}
