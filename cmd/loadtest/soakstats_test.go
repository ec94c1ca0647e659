package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWindowStats(t *testing.T) {
	t.Parallel()
	const w = 10 * time.Second
	ms := time.Millisecond
	stop := func(at time.Duration, ack, e2e, done time.Duration) timedResult {
		return timedResult{Offset: at, Kind: kindStop, cmdResult: cmdResult{Acked: true, Ack: ack, HasE2E: true, E2E: e2e, Complete: true, Done: done}}
	}
	help := func(at, ack time.Duration) timedResult {
		return timedResult{Offset: at, Kind: kindHelp, cmdResult: cmdResult{Acked: true, Ack: ack, Complete: true}}
	}
	results := []timedResult{
		stop(0, 1*ms, 3*ms, 1003*ms),
		help(9*time.Second, 2*ms),
		stop(10*time.Second, 5*ms, 7*ms, 1007*ms), // the first instant of window 2
		{Offset: 12 * time.Second, Kind: kindStop, cmdResult: cmdResult{Acked: true, Ack: 4 * ms, Refused: true, Complete: true}},
		{Offset: 15 * time.Second, Kind: kindStatus, cmdResult: cmdResult{Lost: true}},
		help(35*time.Second, 9*ms), // past the last window: counted in it
	}
	got := windowStats(results, w, 3)
	require.Len(t, got, 3)
	require.Equal(t, windowStat{Sent: 2, Ack: durations{P50: 1 * ms, P99: 2 * ms, Max: 2 * ms, N: 2},
		E2E: durations{P50: 3 * ms, P99: 3 * ms, Max: 3 * ms, N: 1}, Done: durations{P50: 1003 * ms, P99: 1003 * ms, Max: 1003 * ms, N: 1}}, got[0])
	require.Equal(t, windowStat{Sent: 3, Ack: durations{P50: 4 * ms, P99: 5 * ms, Max: 5 * ms, N: 2},
		E2E: durations{P50: 7 * ms, P99: 7 * ms, Max: 7 * ms, N: 1}, Done: durations{P50: 1007 * ms, P99: 1007 * ms, Max: 1007 * ms, N: 1},
		Busy: 1, Lost: 1}, got[1])
	require.Equal(t, windowStat{Sent: 1, Ack: durations{P50: 9 * ms, P99: 9 * ms, Max: 9 * ms, N: 1}}, got[2])
	require.Nil(t, windowStats(results, w, 0))
}

// window is a window with n acks and n end-to-end latencies of p99 ackP99
// and e2eP99.
func window(n int, ackP99, e2eP99 time.Duration) windowStat {
	return windowStat{Sent: n, Ack: durations{P50: ackP99 / 2, P99: ackP99, N: n}, E2E: durations{P50: e2eP99 / 2, P99: e2eP99, N: n}}
}

func TestJudgeSoak(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	lim := soakLimits{Growth: 3, MinSample: 50, Goroutines: 16, FDs: 8}
	idle := procSample{Goroutines: 33, FDs: 13}
	healthy := soakFindings{Windows: []windowStat{window(1500, 1*ms, 3*ms), window(1500, 2*ms, 6*ms), window(1500, 3*ms, 9*ms)},
		Idle: idle, Final: procSample{Goroutines: 49, FDs: 21}, PeakRSS: 25 << 20}
	with := func(change func(*soakFindings)) soakFindings {
		f := healthy
		f.Windows = append([]windowStat(nil), healthy.Windows...)
		change(&f)
		return f
	}
	tests := []struct {
		name string
		f    soakFindings
		want []string
	}{
		{"healthy: 3× exactly and the whole pool still open", healthy, nil},
		{"ack p99 grew past 3×", with(func(f *soakFindings) { f.Windows[2] = window(1500, 3100*time.Microsecond, 9*ms) }),
			[]string{"ack p99 over 3× window 1's 1.00 ms in 1 of 3 windows (3); worst 3.10 ms, window 3"}},
		{"end-to-end p99 grew past 3×", with(func(f *soakFindings) { f.Windows[1] = window(1500, 1*ms, 10*ms) }),
			[]string{"end-to-end p99 over 3× window 1's 3.00 ms in 1 of 3 windows (2); worst 10.00 ms, window 2"}},
		{"many windows over 3×, in one line", with(func(f *soakFindings) {
			f.Windows = append(f.Windows, window(1500, 4*ms, 9*ms), window(1500, 5*ms, 9*ms), window(1500, 2*ms, 9*ms), window(1500, 7*ms, 9*ms))
			f.Windows[1] = window(1500, 4*ms, 6*ms)
		}), []string{"ack p99 over 3× window 1's 1.00 ms in 4 of 7 windows (2, 4–5, 7); worst 7.00 ms, window 7"}},
		{"a small window is not judged, nor taken as the reference", with(func(f *soakFindings) {
			f.Windows = append([]windowStat{window(10, 100*ms, 100*ms)}, f.Windows...)
		}), nil},
		{"no window big enough", with(func(f *soakFindings) { f.Windows = []windowStat{window(10, ms, ms)} }),
			[]string{"no window had 50 ack latencies to judge", "no window had 50 end-to-end latencies to judge"}},
		{"goroutines stayed up", with(func(f *soakFindings) { f.Final.Goroutines = 50 }),
			[]string{"goroutines did not return to idle: 50 after the tail, idle 33 (+16 allowed)"}},
		{"fds stayed open", with(func(f *soakFindings) { f.Final.FDs = 22 }),
			[]string{"open fds did not return to idle: 22 after the tail, idle 13 (+8 allowed)"}},
		{"busy and lost", with(func(f *soakFindings) { f.Windows[0].Busy, f.Windows[1].Lost, f.Windows[2].Lost = 2, 1, 1 }),
			[]string{"2 commands refused as busy", "2 commands lost"}},
		{"a stop sent twice", with(func(f *soakFindings) { f.Duplicates = 1 }), []string{"stop calls: 1 duplicate, 0 missing"}},
		{"an accepted stop never sent", with(func(f *soakFindings) { f.Missing = 1 }), []string{"stop calls: 0 duplicate, 1 missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, judgeSoak(tt.f, lim))
		})
	}
}

func TestSoakTargets(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	lim := soakLimits{Growth: 3, MinSample: 50, Goroutines: 16, FDs: 8}
	met := func(ts []target) map[string]bool {
		out := map[string]bool{}
		for _, t := range ts {
			out[t.Goal] = t.Met
		}
		return out
	}
	good := soakFindings{Windows: []windowStat{window(1500, 1*ms, 5*ms), window(20, 50*ms, 50*ms)},
		Idle: procSample{Goroutines: 33, FDs: 13}, Final: procSample{Goroutines: 40, FDs: 15}, PeakRSS: 30 << 20}
	for goal, ok := range met(soakTargets(good, lim)) {
		require.True(t, ok, "%s (a window of 20 is not judged)", goal)
	}
	bad := good
	bad.Windows = []windowStat{window(1500, 2*ms, 10*ms)}
	bad.Windows[0].Busy, bad.Windows[0].Lost = 1, 1
	bad.Final, bad.PeakRSS, bad.Duplicates = procSample{Goroutines: 60, FDs: 30}, 40<<20, 1
	bad.Buckets = bucketTally{GlobalWaits: 1}
	for goal, ok := range met(soakTargets(bad, lim)) {
		require.False(t, ok, "%s: 2 ms, 10 ms and 40 MB are over their limits, every count is 1", goal)
	}
}

func TestRowsPairSamplesWithWindows(t *testing.T) {
	t.Parallel()
	samples := []procSample{{Sent: 1}, {Sent: 2}, {Sent: 2}}
	windows := []windowStat{{Sent: 1}, {Sent: 1}}
	got := rows(samples, windows)
	require.Len(t, got, 3)
	require.Equal(t, "load", got[0].Phase)
	require.Equal(t, windows[1], *got[1].Window)
	require.Equal(t, "tail", got[2].Phase)
	require.Nil(t, got[2].Window)
}

func TestSoakReportCount(t *testing.T) {
	t.Parallel()
	sent := []soakSent{
		{kind: kindStop, ids: []int64{1, 2}},
		{kind: kindStop, ids: []int64{3}},
		{kind: kindStatus, ids: []int64{1}},
		{kind: kindStatus, ids: []int64{9}},
		{kind: kindHelp},
	}
	acked := func(ack time.Duration, r cmdResult) timedResult {
		r.Acked, r.Ack = true, ack
		return timedResult{cmdResult: r}
	}
	results := []timedResult{
		acked(time.Millisecond, cmdResult{HasE2E: true}),
		acked(2*time.Millisecond, cmdResult{Refused: true}),
		acked(3*time.Millisecond, cmdResult{HasE2E: true}),
		{cmdResult: cmdResult{Lost: true}},
		acked(4*time.Millisecond, cmdResult{Complete: true}),
	}
	rep := soakReport{Kinds: map[string]int{}}
	accepted, answered := rep.count(sent, results)
	require.Equal(t, []int64{1, 2}, accepted, "the refused stop's channel is not expected at Polyv")
	require.Equal(t, 1, answered)
	require.Equal(t, 5, rep.Sent)
	require.Equal(t, 2, rep.StopChannels)
	require.Equal(t, map[string]int{"stop": 2, "status": 2, "help": 1}, rep.Kinds)
	require.Equal(t, durations{P50: time.Millisecond, P99: 2 * time.Millisecond, Max: 2 * time.Millisecond, N: 2}, rep.AckByKind["stop"])
	require.Equal(t, 1, rep.AckByKind["status"].N, "an unacked command has no ack latency")
}

func TestSpans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ns   []int
		want string
	}{
		{nil, ""},
		{[]int{4}, "4"},
		{[]int{1, 2}, "1–2"},
		{[]int{2, 5, 6, 7, 9}, "2, 5–7, 9"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, spans(tt.ns))
		})
	}
}
