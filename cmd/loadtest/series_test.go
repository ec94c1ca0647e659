package main

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

func TestParseSeries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want series
	}{
		{"unlabelled", "# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 37\n", series{"go_goroutines": 37}},
		{"labels are sorted", `polyvbot_limiter_wait_seconds_bucket{scope="global",le="0.01"} 12` + "\n",
			series{`polyvbot_limiter_wait_seconds_bucket{le="0.01",scope="global"}`: 12}},
		{"escapes in a value", `m{a="x\"y\\z\n",b=""} 1`, series{`m{a="x\"y\\z\n",b=""}`: 1}},
		{"trailing comma and a timestamp", `m{a="1",} 2 1700000000000`, series{`m{a="1"}`: 2}},
		{"exponent", "go_memstats_heap_inuse_bytes 5.6e+06", series{"go_memstats_heap_inuse_bytes": 5.6e6}},
		{"unterminated labels are skipped", `m{a="1" 2` + "\nok 1", series{"ok": 1}},
		{"unquoted value is skipped", `m{a=1} 2`, series{}},
		{"no value is skipped", "lonely\n{a=\"b\"} 1\n", series{}},
		{"not a number is skipped", "m abc\n", series{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, parseSeries([]byte(tt.text)))
		})
	}
}

func TestSeriesValue(t *testing.T) {
	t.Parallel()
	s := parseSeries([]byte(`polyvbot_limiter_refusals_total{scope="user"} 3` + "\n" + `x{le="0.01",scope="global"} 4` + "\ngo_goroutines 9\n"))
	require.InDelta(t, 3.0, s.value("polyvbot_limiter_refusals_total", "scope", "user"), 0)
	require.InDelta(t, 4.0, s.value("x", "scope", "global", "le", "0.01"), 0, "label order does not matter")
	require.InDelta(t, 9.0, s.value("go_goroutines"), 0)
	require.Zero(t, s.value("polyvbot_limiter_refusals_total", "scope", "global"), "a series not yet exposed is 0")
}

func FuzzParseSeries(f *testing.F) {
	f.Add([]byte(`polyvbot_limiter_wait_seconds_bucket{scope="global",le="0.01"} 12` + "\ngo_goroutines 37\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for key := range parseSeries(b) {
			if key == "" || key[0] == '#' || key[0] == '{' {
				t.Fatalf("bad series key %q", key)
			}
			name, labels, hasLabels := strings.Cut(key, "{")
			if hasLabels {
				// The key is canonical: parsing it again gives it back.
				again := parseSeries([]byte(key + " 1"))
				if _, ok := again[key]; !ok || !strings.HasSuffix(labels, "}") {
					t.Fatalf("key %q does not read back (%v)", key, again)
				}
			}
			if strings.ContainsAny(name, " \t\n") {
				t.Fatalf("name %q holds white space", name)
			}
		}
	})
}

func TestDiffBuckets(t *testing.T) {
	t.Parallel()
	before := parseSeries([]byte(`polyvbot_limiter_wait_seconds_bucket{scope="global",le="0.01"} 100
polyvbot_limiter_wait_seconds_count{scope="global"} 101
polyvbot_limiter_refusals_total{scope="user"} 1
`))
	after := parseSeries([]byte(`polyvbot_limiter_wait_seconds_bucket{scope="global",le="0.01"} 300
polyvbot_limiter_wait_seconds_count{scope="global"} 305
polyvbot_limiter_refusals_total{scope="user"} 2
polyvbot_limiter_refusals_total{scope="global"} 5
`))
	require.Equal(t, bucketTally{GlobalWaits: 4, Refusals: 6}, diffBuckets(before, after))
	require.Equal(t, bucketTally{}, diffBuckets(series{}, series{}), "a bot that has called nothing yet")
}

func TestTallyPolyv(t *testing.T) {
	t.Parallel()
	stop := func(id int64) polyvtest.Call { return polyvtest.Call{Path: stopPath, ChannelIDs: []int64{id}} }
	status := func(ids ...int64) polyvtest.Call { return polyvtest.Call{Path: statusPath, ChannelIDs: ids} }
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
