package main

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// cannedReport is the run shown in README.md, as the tool measured it: two
// bots, three runs each, ratios and targets computed as after a real run.
func cannedReport() report {
	ms := func(f float64) time.Duration { return time.Duration(math.Round(f * float64(time.Millisecond))) }
	mb := func(f float64) int64 { return int64(f * (1 << 20)) }
	run := func(name string, n int, lat [10]float64, perStop, cpu float64, peak, final float64, gor, allocs float64) runReport {
		return runReport{Name: name, Commands: n,
			Ack:             durations{P50: ms(lat[0]), P99: ms(lat[1]), Max: ms(lat[2]), N: n},
			EndToEnd:        durations{P50: ms(lat[3]), P99: ms(lat[4]), N: n},
			Own:             durations{P50: ms(lat[5]), P99: ms(lat[6]), N: n},
			Completion:      durations{P50: ms(lat[7]), P99: ms(lat[8]), N: n},
			CompletionTotal: msDuration(ms(lat[9])), PolyvPerStop: perStop, CPUPerCommand: msDuration(ms(cpu)),
			Polyv: polyvTally{Stops: n}, Buckets: &bucketTally{}, PeakRSS: mb(peak), FinalRSS: mb(final),
			Goroutines: gor, AllocsPerCommand: allocs}
	}
	ours := botReport{Name: "polyvbot", BinaryBytes: mb(10.4), StartToHello: msDuration(ms(10.3)), StartToReady: msDuration(ms(12.2)),
		IdleRSS: mb(12.7), IdleGoroutines: 42, Fakes: fakeRTT{SlackPost: ms(0.135), PolyvStop: ms(0.14)}, Runs: []runReport{
			run(scenarios[0].Name, 200, [10]float64{0.46, 2.83, 4.61, 1.10, 7.63, 0.69, 7.21, 909.48, 1003.72, 1288}, 1.01, 1.6, 18.5, 17.9, 58, 975),
			run(scenarios[1].Name, 1000, [10]float64{0.54, 2.45, 6.06, 1.42, 6.91, 1.01, 6.50, 891.09, 1011.49, 5841}, 1.02, 2.09, 20.7, 18.7, 60, 943),
			run(scenarios[2].Name, 1000, [10]float64{32.89, 68.02, 68.07, 451.72, 905.72, 451.31, 905.31, 1362.04, 1802.52, 1826}, 1.01, 1.09, 23.2, 22.5, 65, 974),
		}}
	base := botReport{Name: "baseline", BinaryBytes: mb(6.9), StartToHello: msDuration(ms(8.0)), StartToReady: -1,
		IdleRSS: mb(8.7), IdleGoroutines: -1, Fakes: fakeRTT{SlackPost: ms(0.1), PolyvStop: ms(0.1)}, Runs: []runReport{
			run(scenarios[0].Name, 200, [10]float64{0.35, 1.30, 3.12, 1.16, 4.93, 0.86, 4.63, 1.16, 4.93, 290}, 1.00, 0.85, 13.1, 13.1, -1, -1),
			run(scenarios[1].Name, 1000, [10]float64{0.52, 3.41, 7.51, 1.54, 7.46, 1.24, 7.17, 1.54, 7.46, 5003}, 1.00, 1.31, 14.2, 14.1, -1, -1),
			run(scenarios[2].Name, 1000, [10]float64{167.65, 414.54, 414.64, 575.48, 659.00, 575.18, 658.70, 575.48, 659.00, 739}, 1.00, 0.80, 63.3, 61.0, -1, -1),
		}}
	for i := range base.Runs {
		base.Runs[i].Buckets = nil // no /metrics
	}
	r := report{Verify: true, Ours: ours, Baseline: &base}
	r.finish()
	return r
}

// metEverything is the canned report with every target met.
func metEverything() report {
	r := cannedReport()
	for i := range r.Targets {
		r.Targets[i].Met = true
	}
	return r
}

// TestRunsExitStatus: the runs exit 0 only when every target is met, and 4
// when any is MISSED, in the table and in JSON alike.
func TestRunsExitStatus(t *testing.T) {
	t.Parallel()
	missed := cannedReport()
	require.NotEmpty(t, missed.Targets)
	tests := []struct {
		name       string
		rep        report
		json       bool
		want       int
		wantStderr string
	}{
		{"all met", metEverything(), false, exitOK, ""},
		{"all met, JSON", metEverything(), true, exitOK, ""},
		{"missed", missed, false, exitMissed, "loadtest: 4 target(s) MISSED"},
		{"missed, JSON", missed, true, exitMissed, "loadtest: 4 target(s) MISSED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			require.Equal(t, tt.want, finishRuns(&stdout, &stderr, tt.rep, tt.json))
			if tt.wantStderr == "" {
				require.Empty(t, stderr.String())
			} else {
				require.Contains(t, stderr.String(), tt.wantStderr)
			}
			if tt.json {
				var back struct{ Targets []target }
				require.NoError(t, json.Unmarshal(stdout.Bytes(), &back))
				require.Equal(t, tt.rep.Targets, back.Targets)
			}
		})
	}
}

// TestSoakExitStatus: a FAIL verdict is 3 whatever the targets; a PASS with
// a MISSED target is 4.
func TestSoakExitStatus(t *testing.T) {
	t.Parallel()
	met := []target{{Goal: "busy refusals = 0", Got: "0", Met: true}}
	missed := append(met, target{Goal: "peak RSS < 40 MB", Got: "41.0 MiB"})
	tests := []struct {
		name string
		rep  soakReport
		want int
	}{
		{"pass, all met", soakReport{Targets: met}, exitOK},
		{"pass, one missed", soakReport{Targets: missed}, exitMissed},
		{"fail, all met", soakReport{Targets: met, Failures: []string{"1 command lost"}}, exitSoakFail},
		{"fail, one missed", soakReport{Targets: missed, Failures: []string{"1 command lost"}}, exitSoakFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, finishSoak(&bytes.Buffer{}, &bytes.Buffer{}, tt.rep, false))
		})
	}
}

// TestTableFitsAndAligns: every line of the report fits in 120 columns,
// and in each table a header sits over its column: text columns start
// where their header starts, number columns end where theirs ends.
func TestTableFitsAndAligns(t *testing.T) {
	t.Parallel()
	for _, verify := range []bool{true, false} {
		r := cannedReport()
		r.Verify = verify
		r.Ours.Runs[2].Ack.P99 = 12345678 * time.Microsecond // a slow run widens its column, not the table past 120
		var out bytes.Buffer
		require.NoError(t, writeTable(&out, r))
		text := out.String()
		for _, l := range strings.Split(text, "\n") {
			require.LessOrEqual(t, utf8.RuneCountInString(l), 120, "too wide: %q", l)
		}
		tables := tablesIn(text)
		require.Len(t, tables, 4, "latency, cost, bots, ratios:\n%s", text)
		for _, tb := range tables {
			requireAligned(t, tb)
		}
		for _, sc := range scenarios {
			require.Contains(t, text, sc.Short+" = "+sc.Name, "the legend explains %q", sc.Short)
		}
		require.Contains(t, text, "MISSED ")
	}
}

// tablesIn returns the blocks of lines whose first line is a header: lines
// of cells separated by two or more spaces, the first starting with two.
func tablesIn(text string) [][]string {
	var tables [][]string
	var cur []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "  ") && len(cellSpans(l)) > 3 {
			cur = append(cur, l)
			continue
		}
		if len(cur) > 1 {
			tables = append(tables, cur)
		}
		cur = nil
	}
	return tables
}

var cellRE = regexp.MustCompile(`\S+(?: \S+)*`)

// cellSpans are the [start, end) rune offsets of the cells of line: runs
// of text without two spaces in a row.
func cellSpans(line string) [][2]int {
	var spans [][2]int
	for _, m := range cellRE.FindAllStringIndex(line, -1) {
		spans = append(spans, [2]int{utf8.RuneCountInString(line[:m[0]]), utf8.RuneCountInString(line[:m[1]])})
	}
	return spans
}

func requireAligned(t *testing.T, rows []string) {
	t.Helper()
	header := cellSpans(rows[0])
	for _, row := range rows[1:] {
		cells := cellSpans(row)
		require.Len(t, cells, len(header), "%q under %q", row, rows[0])
		for i, c := range cells {
			if i < textColumns(rows[0]) {
				require.Equal(t, header[i][0], c[0], "column %d starts apart from its header:\n%s\n%s", i, rows[0], row)
			} else {
				require.Equal(t, header[i][1], c[1], "column %d ends apart from its header:\n%s\n%s", i, rows[0], row)
			}
		}
	}
}

// textColumns is how many columns of a table hold text: the bot and the
// run, or the run of the ratios.
func textColumns(header string) int {
	switch {
	case strings.HasPrefix(strings.TrimSpace(header), "bot") && strings.Contains(header, " run "):
		return 2
	default:
		return 1
	}
}
