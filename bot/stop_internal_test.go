package bot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestElapsedText(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                         "under 1ms",
		400 * time.Microsecond:    "under 1ms",
		time.Millisecond:          "1ms",
		212400 * time.Microsecond: "212ms",
		2500 * time.Millisecond:   "2.5s",
	} {
		require.Equal(t, want, elapsedText(d), "%s", d)
	}
}
