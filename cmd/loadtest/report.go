package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/polyvbot/polyvbot/bot/slackclient"
)

// report is everything one invocation measured.
type report struct {
	Verify   bool       `json:"verify_stop"` // polyvbot ran with VERIFY_STOP=true
	Ours     botReport  `json:"ours"`
	Baseline *botReport `json:"baseline,omitempty"`
	Ratios   []ratios   `json:"ratios,omitempty"`
	Targets  []target   `json:"targets"`
}

// botReport is one bot's numbers.
type botReport struct {
	Name           string      `json:"name"`
	BinaryBytes    int64       `json:"binary_bytes"`
	StartToHello   msDuration  `json:"start_to_hello_ms"`
	StartToReady   msDuration  `json:"start_to_readyz_ms"` // -1: no /readyz
	IdleRSS        int64       `json:"idle_rss_bytes"`
	IdleGoroutines float64     `json:"idle_goroutines"` // -1: no /metrics
	Fakes          fakeRTT     `json:"fake_rtt"`
	Runs           []runReport `json:"runs"`
}

// runReport is one scenario against one bot.
type runReport struct {
	Name            string     `json:"name"`
	Commands        int        `json:"commands"`
	Ack             durations  `json:"ack"`
	EndToEnd        durations  `json:"end_to_end"`
	Own             durations  `json:"own_time"`
	Completion      durations  `json:"completion"`          // envelope → the command's last line (its 🔎 or ⚠️ with verification)
	CompletionTotal msDuration `json:"completion_total_ms"` // first envelope of the run → last line of the run
	Polyv           polyvTally `json:"polyv"`
	PolyvPerStop    float64    `json:"polyv_calls_per_stop"`
	// Buckets is what the token buckets held up; nil without /metrics.
	Buckets          *bucketTally `json:"buckets,omitempty"`
	CPUPerCommand    msDuration   `json:"cpu_per_command_ms"` // user + system, 10 ms ticks over the run
	Refused          int          `json:"refused_busy"`
	Lost             int          `json:"lost"`
	PeakRSS          int64        `json:"peak_rss_bytes"`
	FinalRSS         int64        `json:"final_rss_bytes"`
	Goroutines       float64      `json:"goroutines_after"`   // -1: no /metrics
	AllocsPerCommand float64      `json:"allocs_per_command"` // -1: no /metrics
}

// ratios compares one run of ours with the same run of the baseline.
type ratios struct {
	Run             string  `json:"run"`
	EndToEndP50     float64 `json:"end_to_end_p50"`
	CompletionP50   float64 `json:"completion_p50"`
	CompletionTotal float64 `json:"completion_total"`
	CPU             float64 `json:"cpu_per_command"`
	PeakRSS         float64 `json:"peak_rss"`
	FinalRSS        float64 `json:"final_rss"`
	BaselineLost    int     `json:"baseline_lost"`
}

// target is one goal of issue 7 and whether this run met it.
type target struct {
	Goal string `json:"goal"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
}

// msDuration is a duration that marshals as fractional milliseconds; a
// negative one means "not measured".
type msDuration time.Duration

// MarshalJSON writes d in milliseconds.
func (d msDuration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(ms(time.Duration(d)), 'f', 3, 64)), nil
}

// String is d in milliseconds, or n/a.
func (d msDuration) String() string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f ms", ms(time.Duration(d)))
}

// MarshalJSON writes the summary in milliseconds.
func (d durations) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"p50_ms": ms(d.P50), "p99_ms": ms(d.P99), "max_ms": ms(d.Max), "n": d.N})
}

// MarshalJSON writes the round trips in milliseconds.
func (f fakeRTT) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"slack_post_ms": ms(f.SlackPost), "polyv_stop_ms": ms(f.PolyvStop),
		"per_command_ms": ms(f.perCommand())})
}

// finish computes the ratios and checks the targets.
func (r *report) finish() {
	if r.Baseline != nil {
		for i, o := range r.Ours.Runs {
			if i >= len(r.Baseline.Runs) {
				break
			}
			b := r.Baseline.Runs[i]
			r.Ratios = append(r.Ratios, ratios{Run: o.Name,
				EndToEndP50:     ratio(float64(o.EndToEnd.P50), float64(b.EndToEnd.P50)),
				CompletionP50:   ratio(float64(o.Completion.P50), float64(b.Completion.P50)),
				CompletionTotal: ratio(float64(o.CompletionTotal), float64(b.CompletionTotal)),
				CPU:             ratio(float64(o.CPUPerCommand), float64(b.CPUPerCommand)),
				PeakRSS:         ratio(float64(o.PeakRSS), float64(b.PeakRSS)),
				FinalRSS:        ratio(float64(o.FinalRSS), float64(b.FinalRSS)), BaselineLost: b.Lost})
		}
	}
	r.Targets = r.targets()
}

// poolGoroutines is what the bot's idle HTTP connections may hold once a
// burst has opened them: slackclient.IdleConnsPerHost to Slack (closed after
// 30 s idle) and 4 to Polyv (the polyv client's pool, closed after 90 s),
// two goroutines each.
const poolGoroutines = (slackclient.IdleConnsPerHost + 4) * 2

func (r *report) targets() []target {
	o := r.Ours
	if len(o.Runs) < len(scenarios) {
		return nil
	}
	seq, paced, burst := o.Runs[0], o.Runs[1], o.Runs[2]
	ts := []target{
		{"ack p99 < 2 ms at 200 commands/s", seq2(paced.Ack.P99), paced.Ack.P99 < 2*time.Millisecond},
		{"own time per command p50 < 1 ms (sequential run)", seq2(seq.Own.P50), seq.Own.P50 < time.Millisecond},
		{"own time per command p50 < 1 ms (at 200 commands/s)", seq2(paced.Own.P50), paced.Own.P50 < time.Millisecond},
		{"peak RSS < 30 MB in the 1000-command burst", mibs(burst.PeakRSS), burst.PeakRSS < 30<<20},
		{"idle RSS < 15 MB", mibs(o.IdleRSS), o.IdleRSS < 15<<20},
		{"stripped binary < 20 MB", mibs(o.BinaryBytes), o.BinaryBytes < 20<<20},
		{"start to /readyz 200 < 300 ms", o.StartToReady.String(), o.StartToReady >= 0 && o.StartToReady < msDuration(300*time.Millisecond)},
		{fmt.Sprintf("no goroutine growth (idle + at most %d for pooled keep-alive connections)", poolGoroutines),
			fmt.Sprintf("idle %.0f → after burst %.0f", o.IdleGoroutines, burst.Goroutines),
			o.IdleGoroutines >= 0 && burst.Goroutines >= 0 && burst.Goroutines <= o.IdleGoroutines+poolGoroutines},
	}
	lost, twice, unsent, waits := 0, 0, 0, 0
	for _, run := range o.Runs {
		lost += run.Lost
		twice += run.Polyv.Duplicates
		unsent += run.Polyv.Missing
		if run.Buckets != nil {
			waits += run.Buckets.GlobalWaits + run.Buckets.Refusals
		}
	}
	ts = append(ts,
		target{"commands lost = 0", strconv.Itoa(lost), lost == 0},
		target{"nothing run twice: each command exactly one stop call", fmt.Sprintf("%d duplicate, %d missing", twice, unsent), twice == 0 && unsent == 0},
		target{"no token bucket held a command up (global waits > 10 ms + refusals)", strconv.Itoa(waits), waits == 0})
	if r.Verify {
		ts = append(ts,
			target{"end-to-end p99 ≤ 3 ms (sequential 200, verification on)", seq2(seq.EndToEnd.P99), seq.EndToEnd.P99 <= 3*time.Millisecond},
			target{"Polyv calls per stop ≤ 1.1 (1000 at once, verification on)", fmt.Sprintf("%.2f", burst.PolyvPerStop),
				burst.PolyvPerStop > 0 && burst.PolyvPerStop <= 1.1})
	}
	for _, rt := range r.Ratios {
		ts = append(ts, target{"end-to-end p50 ≤ 1.2× baseline (" + rt.Run + ")", fmt.Sprintf("%.2f×", rt.EndToEndP50),
			rt.EndToEndP50 > 0 && rt.EndToEndP50 <= 1.2})
	}
	if r.Verify && len(r.Ratios) == len(scenarios) {
		rt := r.Ratios[2]
		ts = append(ts, target{"completion of the run ≤ 1.2× baseline (" + rt.Run + ", verification on)",
			fmt.Sprintf("%.2f× (p50 %.2f×)", rt.CompletionTotal, rt.CompletionP50), rt.CompletionTotal > 0 && rt.CompletionTotal <= 1.2})
	}
	return ts
}

func seq2(d time.Duration) string { return fmt.Sprintf("%.2f ms", ms(d)) }
func mibs(b int64) string         { return fmt.Sprintf("%.1f MiB", mib(b)) }

func writeJSON(w io.Writer, r any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// writeTable prints the runs in two tables, latency and cost, each within
// 120 columns; then the bots, the ratios and the targets.
func writeTable(w io.Writer, r report) error {
	bots := []botReport{r.Ours}
	if r.Baseline != nil {
		bots = append(bots, *r.Baseline)
	}
	fmt.Fprintln(w, runLegend())
	fmt.Fprintf(w, "\nlatency in ms (polyvbot ran with VERIFY_STOP=%t)\n", r.Verify)
	if err := latencyTable(bots).write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ncost: CPU in ms per command, memory in MiB")
	if err := costTable(bots).write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nbots: binary stripped and RSS in MiB, times in ms; fakes/cmd is the fakes' share of a command (2 posts + 1 stop)")
	if err := botsTable(bots).write(w); err != nil {
		return err
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w, "\nours/baseline (done all: first send → last line of the run)")
		if err := ratiosTable(r.Ratios).write(w); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	writeTargets(w, r.Targets)
	if !r.Verify {
		fmt.Fprintln(w, "(verification off: the completion, Polyv-calls and sequential end-to-end targets are checked with it on only)")
	}
	return nil
}

func latencyTable(bots []botReport) table {
	t := table{textCols: 2, rows: [][]string{{"bot", "run", "ack p50", "ack p99", "ack max", "e2e p50", "e2e p99",
		"own p50", "own p99", "done p50", "done p99", "done all"}}}
	for _, b := range bots {
		for _, run := range b.Runs {
			t.add(b.Name, shortName(run.Name), msCell(run.Ack.P50), msCell(run.Ack.P99), msCell(run.Ack.Max),
				msCell(run.EndToEnd.P50), msCell(run.EndToEnd.P99), msCell(run.Own.P50), msCell(run.Own.P99),
				msCell(run.Completion.P50), msCell(run.Completion.P99), fmt.Sprintf("%.0f", ms(time.Duration(run.CompletionTotal))))
		}
	}
	return t
}

func costTable(bots []botReport) table {
	t := table{textCols: 2, rows: [][]string{{"bot", "run", "calls/stop", "dup", "lost", "busy", "CPU/cmd",
		"peak RSS", "final RSS", "goroutines", "allocs/cmd"}}}
	for _, b := range bots {
		for _, run := range b.Runs {
			t.add(b.Name, shortName(run.Name), fmt.Sprintf("%.2f", run.PolyvPerStop), strconv.Itoa(run.Polyv.Duplicates),
				strconv.Itoa(run.Lost), strconv.Itoa(run.Refused), fmt.Sprintf("%.3f", ms(time.Duration(run.CPUPerCommand))),
				fmt.Sprintf("%.1f", mib(run.PeakRSS)), fmt.Sprintf("%.1f", mib(run.FinalRSS)),
				orNA(run.Goroutines, "%.0f"), orNA(run.AllocsPerCommand, "%.0f"))
		}
	}
	return t
}

func botsTable(bots []botReport) table {
	t := table{textCols: 1, rows: [][]string{{"bot", "binary", "start→hello", "start→/readyz", "idle RSS",
		"idle goroutines", "fakes/cmd", "post", "stop"}}}
	for _, b := range bots {
		t.add(b.Name, fmt.Sprintf("%.1f", mib(b.BinaryBytes)), msOrNA(b.StartToHello), msOrNA(b.StartToReady),
			fmt.Sprintf("%.1f", mib(b.IdleRSS)),
			orNA(b.IdleGoroutines, "%.0f"), msCell(b.Fakes.perCommand()), msCell(b.Fakes.SlackPost), msCell(b.Fakes.PolyvStop))
	}
	return t
}

func ratiosTable(rs []ratios) table {
	t := table{textCols: 1, rows: [][]string{{"run", "e2e p50", "done p50", "done all", "CPU/cmd", "peak RSS", "final RSS"}}}
	x := func(f float64) string { return fmt.Sprintf("%.2f×", f) }
	for _, rt := range rs {
		t.add(shortName(rt.Run), x(rt.EndToEndP50), x(rt.CompletionP50), x(rt.CompletionTotal), x(rt.CPU), x(rt.PeakRSS), x(rt.FinalRSS))
	}
	return t
}

// shortName is a run's name in the tables; runLegend spells each out.
func shortName(name string) string {
	for _, sc := range scenarios {
		if sc.Name == name {
			return sc.Short
		}
	}
	return name
}

func runLegend() string {
	parts := make([]string, len(scenarios))
	for i, sc := range scenarios {
		parts[i] = sc.Short + " = " + sc.Name
	}
	return "runs: " + strings.Join(parts, "; ")
}

func msCell(d time.Duration) string { return fmt.Sprintf("%.2f", ms(d)) }

// msOrNA is d in ms to a tenth, or n/a when it was not measured.
func msOrNA(d msDuration) string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", ms(time.Duration(d)))
}

// table is rows of cells, the header first, printed with text/tabwriter:
// the first textCols columns aligned left, the numbers right, each header
// over its column.
type table struct {
	textCols int
	rows     [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// write pads the text columns to one width each, which turns tabwriter's
// right alignment into left alignment for them.
func (t table) write(w io.Writer) error {
	widths := make([]int, t.textCols)
	for _, row := range t.rows {
		for i := range widths {
			widths[i] = max(widths[i], utf8.RuneCountInString(row[i]))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range t.rows {
		cells := slices.Clone(row)
		for i, width := range widths {
			cells[i] += strings.Repeat(" ", width-utf8.RuneCountInString(cells[i]))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}

// writeTargets prints one MET or MISSED line per target.
func writeTargets(w io.Writer, ts []target) {
	for _, t := range ts {
		mark := "MET   "
		if !t.Met {
			mark = "MISSED"
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, t.Goal, t.Got)
	}
}

func orNA(v float64, format string) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf(format, v)
}
