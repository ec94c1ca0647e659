package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"median of odd count", ms(1, 2, 3), 50, 2 * time.Millisecond},
		{"median of even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 is the 99th", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p0 is the min", hundred, 0, time.Millisecond},
		{"p99 of 10 is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, percentile(tt.sorted, tt.p))
		})
	}
}

func TestSummarizeSortsACopy(t *testing.T) {
	t.Parallel()
	sample := []time.Duration{5, 1, 4, 2, 3}
	got := summarize(sample)
	require.Equal(t, durations{P50: 3, P99: 5, Max: 5, N: 5}, got)
	require.Equal(t, []time.Duration{5, 1, 4, 2, 3}, sample, "the caller's slice must not be reordered")
	require.Equal(t, durations{}, summarize(nil))
}

func TestRatioAndUnits(t *testing.T) {
	t.Parallel()
	require.InDelta(t, 1.5, ratio(3, 2), 1e-9)
	require.Zero(t, ratio(3, 0), "a missing baseline is 0, not +Inf, so the JSON stays valid")
	require.InDelta(t, 1.0, mib(1<<20), 1e-9)
	require.InDelta(t, 1.5, ms(1500*time.Microsecond), 1e-9)
}
