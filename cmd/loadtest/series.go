package main

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// series holds the samples of a Prometheus exposition by series: the name
// and its labels, histograms and summaries as their _bucket, _sum and
// _count series, as in `polyvbot_limiter_refusals_total{scope="user"}`.
type series map[string]float64

// value is the sample of the series name with labels given as name, value
// pairs in any order; 0 when the bot has not exposed it (a labelled series
// appears only once something was counted in it).
func (s series) value(name string, labels ...string) float64 {
	m := model.Metric{model.MetricNameLabel: model.LabelValue(name)}
	for i := 0; i+1 < len(labels); i += 2 {
		m[model.LabelName(labels[i])] = model.LabelValue(labels[i+1])
	}
	return s[m.String()]
}

// parseSeries reads the Prometheus text format with expfmt, the parser
// Prometheus itself uses: an exposition it cannot read is an error.
func parseSeries(r io.Reader) (series, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	samples, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{}, slices.Collect(maps.Values(families))...)
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	out := make(series, len(samples))
	for _, smp := range samples {
		out[smp.Metric.String()] = float64(smp.Value)
	}
	return out, nil
}

// bucketTally is what the bot's token buckets did over a stretch of time.
// Both must stay 0 for a measurement of the bot rather than of its limits.
type bucketTally struct {
	// GlobalWaits counts Polyv calls that waited more than 10 ms for a
	// token of the global bucket (RATE_LIMIT_*).
	GlobalWaits int `json:"global_waits_over_10ms"`
	// Refusals counts calls and commands a bucket refused, per-user
	// (USER_RATE_LIMIT_*) or global.
	Refusals int `json:"refusals"`
}

// diffBuckets reads bucketTally from the bot's metrics before and after.
func diffBuckets(before, after series) bucketTally {
	waits := func(s series) float64 {
		return s.value("polyvbot_limiter_wait_seconds_count", "scope", "global") -
			s.value("polyvbot_limiter_wait_seconds_bucket", "scope", "global", "le", "0.01")
	}
	refusals := func(s series) float64 {
		return s.value("polyvbot_limiter_refusals_total", "scope", "user") +
			s.value("polyvbot_limiter_refusals_total", "scope", "global")
	}
	return bucketTally{GlobalWaits: int(waits(after) - waits(before)), Refusals: int(refusals(after) - refusals(before))}
}

// The Polyv endpoints the bot calls, as the fake records them.
const (
	stopPath   = "/live/v3/channel/stream/stop-pull-stream"
	statusPath = "/live/v4/channel/live-status/list"
)

// polyvTally counts the Polyv calls made while commands ran: every call the
// fake served, so that calls per stop stay honest whatever the bot reads.
type polyvTally struct {
	Stops    int `json:"stop_calls"`
	Statuses int `json:"live_status_calls"`
	// Names counts channel-info calls: the names the bot's messages show.
	Names int `json:"channel_info_calls"`
	// Others counts the other calls the fake serves (viewers, stream types,
	// cut-offs, …).
	Others int `json:"other_calls"`
	// Duplicates counts stop calls beyond the first for a channel of an
	// accepted command: a command run twice, or a retried stop.
	Duplicates int `json:"duplicate_stops"`
	// Missing counts channels of accepted commands that got no stop call.
	Missing int `json:"missing_stops"`
}

// tallyPolyv counts calls, and the stop calls of each channel in accepted.
func tallyPolyv(calls []polyvtest.Call, accepted []int64) polyvTally {
	var t polyvTally
	stops := map[int64]int{}
	for _, c := range calls {
		switch c.Path {
		case stopPath:
			t.Stops++
			for _, id := range c.ChannelIDs {
				stops[id]++
			}
		case statusPath:
			t.Statuses++
		default:
			t.countRead(c.Op)
		}
	}
	for _, id := range accepted {
		switch n := stops[id]; {
		case n == 0:
			t.Missing++
		case n > 1:
			t.Duplicates += n - 1
		}
	}
	return t
}

// countRead counts a call that is neither a stop nor a live-status read; a
// path the fake does not serve (Op "") reached no Polyv endpoint.
func (t *polyvTally) countRead(op polyvtest.Op) {
	switch op {
	case "":
	case polyvtest.OpInfo:
		t.Names++
	default:
		t.Others++
	}
}

// perStop is Polyv calls of any kind per stop call, the cost of
// verification and names: 1 without them; 0 when nothing was stopped.
func (t polyvTally) perStop() float64 {
	return ratio(float64(t.Stops+t.Statuses+t.Names+t.Others), float64(t.Stops))
}
