package main

import (
	"slices"
	"time"
)

// durations summarises a sample of latencies.
type durations struct {
	P50, P99, Max time.Duration
	N             int
}

// summarize returns the p50, p99 and maximum of sample (nearest-rank
// percentiles, so every reported value is one that was measured). An empty
// sample gives zeros.
func summarize(sample []time.Duration) durations {
	if len(sample) == 0 {
		return durations{}
	}
	s := slices.Clone(sample)
	slices.Sort(s)
	return durations{P50: percentile(s, 50), P99: percentile(s, 99), Max: s[len(s)-1], N: len(s)}
}

// percentile is the nearest-rank p-th percentile of sorted: the smallest value
// with at least p% of the sample at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// ratio is a/b, or 0 when b is zero so that a missing baseline shows as 0
// rather than as infinity in JSON.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// mib converts bytes to MiB for the table.
func mib(b int64) float64 { return float64(b) / (1 << 20) }

// ms converts a duration to fractional milliseconds for the table and JSON.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
