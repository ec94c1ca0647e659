package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseProcStatus(t *testing.T) {
	t.Parallel()
	got := parseProcStatus([]byte("Name:\tpolyvbot\nVmHWM:\t   19876 kB\nVmRSS:\t   18000 kB\nThreads:\t7\nVmBad:\t-5 kB\n"))
	require.Equal(t, map[string]int64{"VmHWM": 19876, "VmRSS": 18000}, got)
}

func TestParseMetrics(t *testing.T) {
	t.Parallel()
	got := parseMetrics([]byte("# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 37\n" +
		"go_memstats_mallocs_total 1.2345e+06\npolyvbot_commands_total{verb=\"stop\",outcome=\"ok\"} 9\nbroken\n"))
	require.Equal(t, map[string]float64{"go_goroutines": 37, "go_memstats_mallocs_total": 1234500}, got)
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		line  string
		ticks int64
		ok    bool
	}{
		{"plain", "4242 (polyvbot) S 1 4242 4242 0 -1 4194560 900 0 0 0 37 5 0 0 20 0 9 0", 42, true},
		{"name with ) and spaces", "7 (a) b) R 1 7 7 0 -1 0 0 0 0 0 10 1 0 0", 11, true},
		{"truncated", "7 (bot) S 1 2", 0, false},
		{"no name", "garbage", 0, false},
		{"negative", "7 (bot) S 1 7 7 0 -1 0 0 0 0 0 -1 1 0 0", 0, false},
	}
	for _, tt := range tests {
		ticks, ok := parseProcStat([]byte(tt.line))
		require.Equal(t, tt.ok, ok, tt.name)
		require.Equal(t, tt.ticks, ticks, tt.name)
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("4242 (polyvbot) S 1 4242 4242 0 -1 4194560 900 0 0 0 37 5 0 0 20 0 9 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ticks, ok := parseProcStat(b); ok && ticks < 0 {
			t.Fatalf("negative CPU time %d", ticks)
		}
	})
}

func TestReplyID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		id   int64
		ok   bool
	}{
		{"✅ Polyv channel 100001: stopped (Polyv answered in 1ms)", 100001, true},
		{"🔎 Polyv channel 7: verified, no longer live", 7, true},
		{"🛑 <@U1> is stopping Polyv channel 100001", 0, false},
		{"Polyv channel 99999999999999999999: x", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		id, ok := replyID(tt.text)
		require.Equal(t, tt.ok, ok, tt.text)
		require.Equal(t, tt.id, id, tt.text)
	}
}

func FuzzParseProcStatus(f *testing.F) {
	f.Add([]byte("VmHWM:\t 1 kB\nVmRSS:\t2 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for name, kb := range parseProcStatus(b) {
			if kb < 0 {
				t.Fatalf("%s: negative size %d", name, kb)
			}
		}
	})
}

func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte("go_goroutines 37\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for name := range parseMetrics(b) {
			if name == "" || name[0] == '#' {
				t.Fatalf("bad series name %q", name)
			}
		}
	})
}

func FuzzReplyID(f *testing.F) {
	f.Add("✅ Polyv channel 10001: stopped")
	f.Fuzz(func(t *testing.T, text string) {
		id, ok := replyID(text)
		if ok && (id < 0 || !strings.Contains(text, strconv.FormatInt(id, 10))) {
			t.Fatalf("id %d is not in %q", id, text)
		}
	})
}
