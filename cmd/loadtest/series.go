package main

import (
	"bufio"
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/polyvbot/polyvbot/polyv/polyvtest"
)

// series holds the samples of a Prometheus text exposition by series key:
// the name alone, or the name and its labels sorted by label name, as in
// `polyvbot_limiter_refusals_total{scope="user"}`.
type series map[string]float64

// value is the sample of the series name with labels given as name, value
// pairs in any order; 0 when the bot has not exposed it (a labelled series
// appears only once something was counted in it).
func (s series) value(name string, labels ...string) float64 {
	pairs := make([][2]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, [2]string{labels[i], labels[i+1]})
	}
	return s[seriesKey(name, pairs)]
}

// parseSeries reads the samples of the Prometheus text format. Comments,
// lines it cannot read and values that are not numbers are skipped; a
// timestamp after the value is ignored.
func parseSeries(b []byte) series {
	out := series{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		key, rest, ok := parseSeriesKey(line)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(f[0], 64); err == nil {
			out[key] = v
		}
	}
	return out
}

// parseSeriesKey reads `name` or `name{label="value",…}` at the start of
// line and returns its key and the rest of the line.
func parseSeriesKey(line string) (key, rest string, ok bool) {
	end := strings.IndexAny(line, "{ \t")
	if end <= 0 {
		return "", "", false
	}
	name := line[:end]
	if line[end] != '{' {
		return name, line[end:], true
	}
	pairs, n, ok := parseLabels(line[end+1:])
	if !ok {
		return "", "", false
	}
	return seriesKey(name, pairs), line[end+1+n:], true
}

// parseLabels reads `a="x",b="y"}` and returns the pairs and how many bytes
// it read, the closing brace included. Values may hold \\, \" and \n.
func parseLabels(s string) (pairs [][2]string, n int, ok bool) {
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ',') {
			i++
		}
		if i < len(s) && s[i] == '}' {
			return pairs, i + 1, true
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return nil, 0, false
		}
		name := strings.TrimSpace(s[i : i+eq])
		value, used, ok := unquoteLabel(s[i+eq+2:])
		if !ok || name == "" {
			return nil, 0, false
		}
		pairs = append(pairs, [2]string{name, value})
		i += eq + 2 + used
	}
}

// unquoteLabel reads a label value up to its closing quote and returns it
// and the bytes read, the quote included.
func unquoteLabel(s string) (string, int, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, true
		case '\\':
			if i+1 >= len(s) {
				return "", 0, false
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// labelEscaper escapes a label value as the text format does.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// seriesKey renders name and pairs in one canonical form, whatever order
// the exposition wrote the labels in.
func seriesKey(name string, pairs [][2]string) string {
	if len(pairs) == 0 {
		return name
	}
	pairs = slices.Clone(pairs)
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p[0])
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(p[1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
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

// polyvTally counts the Polyv calls made while commands ran.
type polyvTally struct {
	Stops    int `json:"stop_calls"`
	Statuses int `json:"live_status_calls"`
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

// perStop is Polyv calls of any kind per stop call, the cost of
// verification: 1 without it; 0 when nothing was stopped.
func (t polyvTally) perStop() float64 {
	return ratio(float64(t.Stops+t.Statuses), float64(t.Stops))
}
