package main

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunRejectsBadFlags checks the usage errors that stop the tool before
// it builds or starts anything.
func TestRunRejectsBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"both soak forms", []string{"-soak", "1m", "-soak-commands", "10"}, "not both"},
		{"no rate", []string{"-soak", "1m", "-rate", "0"}, "-rate 0"},
		{"short window", []string{"-soak", "1m", "-window", "100ms"}, "-window 100ms"},
		{"negative tail", []string{"-soak", "1m", "-tail", "-1s"}, "-tail -1s"},
		{"no users", []string{"-soak-commands", "10", "-users", "0"}, "-users 0"},
		{"profile in a soak", []string{"-soak", "1m", "-cpuprofile", "x.out"}, "-cpuprofile"},
		{"stray argument", []string{"soak"}, `unexpected argument "soak"`},
		{"unknown flag", []string{"-no-such-flag"}, "-no-such-flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			require.Equal(t, exitUsage, run(context.Background(), tt.args, &stdout, &stderr))
			require.Contains(t, stderr.String(), tt.want)
			require.Empty(t, stdout.String())
		})
	}
}

// TestHelpNamesTheExitStatuses: -h is asked for, not a usage error, and
// says what each exit status means.
func TestHelpNamesTheExitStatuses(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run(context.Background(), []string{"-h"}, &stdout, &stderr))
	require.Contains(t, stderr.String(), "-soak")
	require.Contains(t, stderr.String(), "Exit status: 0 every target met (a soak: and PASS), 4 a target MISSED, 3 a soak's verdict FAIL")
}

func TestSoakLoadTime(t *testing.T) {
	t.Parallel()
	require.Equal(t, 12*time.Minute, soakOptions{duration: 12 * time.Minute, rate: 150}.loadTime())
	require.Equal(t, 20*time.Second, soakOptions{commands: 3000, rate: 150}.loadTime())
	require.False(t, soakOptions{rate: 150}.enabled())
}

// TestDefaultsAreTheShippedBot: the runs measure the bot as shipped, with
// verification on, unless -verify=false asks otherwise; the soak always.
func TestDefaultsAreTheShippedBot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"default", nil, "VERIFY_STOP=true"},
		{"comparison without verification", []string{"-verify=false"}, "VERIFY_STOP=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, _, err := parseOptions(tt.args, io.Discard)
			require.NoError(t, err)
			spec := ours(o.verify, "")
			require.Contains(t, spec.extra, tt.want)
			require.Equal(t, tt.want == "VERIFY_STOP=true", spec.verify)
		})
	}
	soak := soakBot()
	require.Contains(t, soak.extra, "VERIFY_STOP=true")
	require.True(t, soak.verify)
	for _, spec := range []botSpec{ours(true, ""), soak} {
		require.Subset(t, spec.extra, []string{"RATE_LIMIT_PER_MINUTE=9000", "RATE_LIMIT_BURST=1000",
			"USER_RATE_LIMIT_PER_MINUTE=9000", "USER_RATE_LIMIT_BURST=1000"}, "no bucket may throttle the load")
	}
}
