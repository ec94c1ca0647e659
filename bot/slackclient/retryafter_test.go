package slackclient

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header string
		want   time.Duration
		ok     bool
	}{
		{"seconds", "30", 30 * time.Second, true},
		{"an hour", "3600", time.Hour, true},
		{"zero", "0", 0, true},
		{"spaces around", " 7 ", 7 * time.Second, true},
		{"HTTP date ahead", "Sun, 01 Mar 2026 12:00:42 GMT", 42 * time.Second, true},
		{"HTTP date past", "Sun, 01 Mar 2026 11:00:00 GMT", 0, true},
		{"saturates", "99999999999999999", time.Duration(1<<63 - 1), true},
		{"missing", "", 0, false},
		{"negative", "-5", 0, false},
		{"fraction", "1.5", 0, false},
		{"words", "soon", 0, false},
		{"past int64", "999999999999999999999", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseRetryAfter(tc.header, now)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

// FuzzParseRetryAfter: whatever a server puts in Retry-After, the wait is
// never negative and whole seconds read as themselves.
func FuzzParseRetryAfter(f *testing.F) {
	f.Add("3600")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, header string) {
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		d, ok := parseRetryAfter(header, now)
		require.GreaterOrEqual(t, d, time.Duration(0))
		if !ok {
			require.Zero(t, d)
			return
		}
		if secs, err := strconv.ParseInt(strings.TrimSpace(header), 10, 64); err == nil && secs < 1<<30 {
			require.Equal(t, time.Duration(secs)*time.Second, d)
		}
	})
}
