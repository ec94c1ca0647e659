package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDefaultsAreTheShippedBot: the runs measure the bot as shipped, with
// verification on, unless -verify=false asks otherwise.
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
			o, err := parseOptions(tt.args, io.Discard)
			require.NoError(t, err)
			spec := ours(o.verify, "")
			require.Contains(t, spec.extra, tt.want)
			require.Equal(t, tt.want == "VERIFY_STOP=true", spec.verify)
		})
	}
	require.Subset(t, ours(true, "").extra, []string{"RATE_LIMIT_PER_MINUTE=9000", "RATE_LIMIT_BURST=1000",
		"USER_RATE_LIMIT_PER_MINUTE=9000", "USER_RATE_LIMIT_BURST=1000"}, "no bucket may throttle the load")
}
