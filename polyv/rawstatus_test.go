package polyv_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/polyv"
)

// TestLiveStatusIsMatchedAsSent: a status proves something only when Polyv
// sent a documented value, in any letter case but otherwise exactly. What
// only cleaning makes look like one (invisible characters, spaces) proves
// nothing, though people are shown the cleaned form.
func TestLiveStatusIsMatchedAsSent(t *testing.T) {
	t.Parallel()
	const (
		live    = "live"
		notLive = "not live"
		unknown = "unknown"
	)
	tests := []struct {
		name     string
		sent     string
		want     string
		describe string
	}{
		{"end", "end", notLive, "ended"},
		{"END", "END", notLive, "ended"},
		{"live", "live", live, "live (streaming now)"},
		{"Live", "Live", live, "live (streaming now)"},
		{"unStart", "unStart", notLive, "not started"},
		{"waiting", "waiting", notLive, "waiting"},
		{"playback", "playback", notLive, "playback"},
		{"banpush", "banpush", notLive, "banned from pushing"},
		{"zero-width space", "e\u200bnd", unknown, `unknown status "end" with spaces or invisible characters`},
		{"spaces", " END ", unknown, `unknown status "END" with spaces or invisible characters`},
		{"soft hyphen", "e\u00adnd", unknown, `unknown status "end" with spaces or invisible characters`},
		{"live with a zero-width joiner", "li\u200dve", unknown, `unknown status "live" with spaces or invisible characters`},
		{"live and a newline", "live\n", unknown, `unknown status "live" with spaces or invisible characters`},
		{"only invisible", "\u200b\u200b", unknown, "unknown status made only of spaces or invisible characters"},
		{"undocumented", "paused", unknown, `unknown status "paused"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			row, err := json.Marshal(map[string]any{"channelId": 1, "liveStatus": tc.sent})
			require.NoError(t, err)
			body := fmt.Sprintf(`{"code":200,"status":"success","data":[%s],"success":true}`, row)
			got, err := polyv.DecodeLiveStatus(200, []byte(body))
			require.NoError(t, err)
			st, listed := got[1]
			require.True(t, listed)
			require.Equal(t, tc.want == live, st.IsLive(), "IsLive(%q)", st)
			require.Equal(t, tc.want == notLive, st.IsNotLive(), "IsNotLive(%q)", st)
			require.Equal(t, tc.describe, st.Describe())
		})
	}
}

func TestInvisibleEndIsNotVerifiedEndToEnd(t *testing.T) {
	t.Parallel()
	srv := fake(t)
	srv.SetLiveStatus(10001, "e\u200bnd")
	c, _ := newClient(t, srv)
	got, err := c.LiveStatus(context.Background(), 10001)
	require.NoError(t, err)
	require.False(t, got[10001].IsNotLive(), "an invisible character makes it an unknown status")
	require.False(t, got[10001].IsLive())
}
