package polyvtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []int64
		bad  bool
	}{
		{"1", []int64{1}, false},
		{"1, 2,3", []int64{1, 2, 3}, false},
		{"", nil, true},
		{"1,,2", []int64{1, 2}, true},
		{"-1", nil, true},
		{"2147483648", nil, true},
	}
	for _, tc := range tests {
		got, bad := parseIDs(tc.in)
		require.Equal(t, tc.bad, bad != "", "input %q: %q", tc.in, bad)
		require.Equal(t, tc.want, got, "input %q", tc.in)
	}
}

func FuzzParseIDs(f *testing.F) {
	f.Add("1,2,3")
	f.Add("")
	f.Add(" 7 ,x,-1")
	f.Fuzz(func(t *testing.T, s string) {
		ids, bad := parseIDs(s)
		for _, id := range ids {
			require.Positive(t, id)
			require.LessOrEqual(t, id, int64(1<<31-1))
		}
		if bad == "" {
			require.NotEmpty(t, ids)
			require.LessOrEqual(t, len(ids), maxBatchIDs)
		}
	})
}
