package main

import (
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// exposition is what a client_golang registry serves: a histogram and a
// counter like the bot's limiter metrics, and the Go collector's series.
func exposition(t *testing.T, waits []float64, userRefusals float64) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	wait := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "polyvbot_limiter_wait_seconds",
		Buckets: []float64{0.001, 0.01, 0.1, 1}}, []string{"scope"})
	refusals := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "polyvbot_limiter_refusals_total"}, []string{"scope"})
	reg.MustRegister(wait, refusals, collectors.NewGoCollector())
	for _, w := range waits {
		wait.WithLabelValues("global").Observe(w)
	}
	if userRefusals > 0 {
		refusals.WithLabelValues("user").Add(userRefusals)
	}
	families, err := reg.Gather()
	require.NoError(t, err)
	var b strings.Builder
	for _, f := range families {
		_, err := expfmt.MetricFamilyToText(&b, f)
		require.NoError(t, err)
	}
	return b.String()
}

// TestParseSeriesReadsWhatTheToolReads: the series the tool reads from
// the bot are there, by name and labels in any order, histograms by
// bucket, sum and count, summaries by count.
func TestParseSeriesReadsWhatTheToolReads(t *testing.T) {
	t.Parallel()
	s, err := parseSeries(strings.NewReader(exposition(t, []float64{0.0005, 0.005, 0.05}, 3)))
	require.NoError(t, err)
	require.InDelta(t, 3.0, s.value("polyvbot_limiter_refusals_total", "scope", "user"), 0)
	require.InDelta(t, 3.0, s.value("polyvbot_limiter_wait_seconds_count", "scope", "global"), 0)
	require.InDelta(t, 2.0, s.value("polyvbot_limiter_wait_seconds_bucket", "scope", "global", "le", "0.01"), 0)
	require.InDelta(t, 2.0, s.value("polyvbot_limiter_wait_seconds_bucket", "le", "0.01", "scope", "global"), 0, "label order does not matter")
	require.InDelta(t, 0.0555, s.value("polyvbot_limiter_wait_seconds_sum", "scope", "global"), 1e-9)
	require.Zero(t, s.value("polyvbot_limiter_refusals_total", "scope", "global"), "a series not yet exposed is 0")
	require.Positive(t, s.value("go_goroutines"))
	require.Positive(t, s.value("go_memstats_mallocs_total"))
	require.Positive(t, s.value("go_memstats_heap_inuse_bytes"))
	require.Contains(t, s, "go_gc_duration_seconds_count", "the GC count of a soak's samples")
}

func TestParseSeriesRefusesWhatIsNotAnExposition(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"<html>502 Bad Gateway</html>\n", `m{a="1" 2` + "\n", "m abc\n"} {
		_, err := parseSeries(strings.NewReader(text))
		require.Error(t, err, "%q", text)
	}
	s, err := parseSeries(strings.NewReader(""))
	require.NoError(t, err, "a bot that exposes nothing yet")
	require.Empty(t, s)
}

func TestDiffBuckets(t *testing.T) {
	t.Parallel()
	before, err := parseSeries(strings.NewReader(exposition(t, []float64{0.005, 0.02}, 1)))
	require.NoError(t, err)
	after, err := parseSeries(strings.NewReader(exposition(t, []float64{0.005, 0.02, 0.005, 0.5, 2}, 4)))
	require.NoError(t, err)
	require.Equal(t, bucketTally{GlobalWaits: 2, Refusals: 3}, diffBuckets(before, after))
	require.Equal(t, bucketTally{}, diffBuckets(series{}, series{}), "a bot that has called nothing yet")
}

func TestTallyPolyv(t *testing.T) {
	t.Parallel()
	stop := func(id int64) polyvtest.Call { return polyvtest.Call{Path: stopPath, ChannelIDs: []int64{id}} }
	status := func(ids ...int64) polyvtest.Call { return polyvtest.Call{Path: statusPath, ChannelIDs: ids} }
	read := func(op polyvtest.Op) polyvtest.Call {
		return polyvtest.Call{Op: op, Path: "/" + string(op), ChannelIDs: []int64{1}}
	}
	tests := []struct {
		name     string
		calls    []polyvtest.Call
		accepted []int64
		want     polyvTally
		perStop  float64
	}{
		{"one stop and one verification each", []polyvtest.Call{stop(1), stop(2), status(1), status(2)}, []int64{1, 2},
			polyvTally{Stops: 2, Statuses: 2}, 2},
		{"batched verification", []polyvtest.Call{stop(1), stop(2), stop(3), status(1, 2, 3)}, []int64{1, 2, 3},
			polyvTally{Stops: 3, Statuses: 1}, 4.0 / 3},
		{"a stop sent twice", []polyvtest.Call{stop(1), stop(1), stop(1)}, []int64{1}, polyvTally{Stops: 3, Duplicates: 2}, 1},
		{"a channel never called", []polyvtest.Call{stop(1)}, []int64{1, 2}, polyvTally{Stops: 1, Missing: 1}, 1},
		{"other paths and refused channels do not count", []polyvtest.Call{{Path: "/nope"}, stop(9)}, nil, polyvTally{Stops: 1}, 1},
		{"names and other reads count", []polyvtest.Call{stop(1), stop(2), status(1, 2), read(polyvtest.OpInfo), read(polyvtest.OpInfo),
			read(polyvtest.OpViewers), read(polyvtest.OpStreamType)}, []int64{1, 2}, polyvTally{Stops: 2, Statuses: 1, Names: 2, Others: 2}, 7.0 / 2},
		{"a repeated channel named once", []polyvtest.Call{stop(1), read(polyvtest.OpInfo), stop(1), stop(1), stop(1)}, nil,
			polyvTally{Stops: 4, Names: 1}, 5.0 / 4},
		{"nothing stopped", nil, nil, polyvTally{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tallyPolyv(tt.calls, tt.accepted)
			require.Equal(t, tt.want, got)
			require.InDelta(t, tt.perStop, got.perStop(), 1e-9)
			require.False(t, math.IsInf(got.perStop(), 0))
		})
	}
}
