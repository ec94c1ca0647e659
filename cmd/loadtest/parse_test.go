package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

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
		{"✅ Polyv channel 100001 «Spring Launch»: stopped (Polyv answered in 1ms)", 100001, true},
		{"⚠️ Polyv channel 8 «a: b ‹c›»: Polyv accepted the stop, but …", 8, true},
		{"🛑 <@U1> is stopping Polyv channel 100001 «a: b»\nReason: x", 0, false},
		{"Polyv channel 99999999999999999999: x", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		id, ok := replyID(tt.text)
		require.Equal(t, tt.ok, ok, tt.text)
		require.Equal(t, tt.id, id, tt.text)
	}
}

func FuzzReplyID(f *testing.F) {
	f.Add("✅ Polyv channel 10001: stopped")
	f.Add("✅ Polyv channel 10001 «Spring Launch»: stopped")
	f.Fuzz(func(t *testing.T, text string) {
		id, ok := replyID(text)
		if ok && (id < 0 || !strings.Contains(text, strconv.FormatInt(id, 10))) {
			t.Fatalf("id %d is not in %q", id, text)
		}
	})
}
