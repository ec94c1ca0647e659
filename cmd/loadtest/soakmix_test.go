package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/polyvbot/polyvbot/bot"
)

// TestCommandMixParsesAsIntended runs every drawn command through the bot's
// own parser: a stop must stop exactly its fresh channels without the
// ambiguity note (which the soak would not expect), a status must read its
// channels, help must be help and bad input must be refused.
func TestCommandMixParsesAsIntended(t *testing.T) {
	t.Parallel()
	m := newCommandMix(7, 5000)
	for i := range 20000 {
		c := m.next()
		parsed, err := bot.ParseCommand(c.Text)
		switch c.Kind {
		case kindStop:
			require.NoError(t, err, "draw %d: %q", i, c.Text)
			require.Equal(t, bot.VerbStop, parsed.Verb, c.Text)
			require.Equal(t, c.IDs, parsed.ChannelIDs, c.Text)
			require.False(t, parsed.Ambiguous(), "%q would get the ambiguity note in its ack", c.Text)
		case kindStatus:
			require.NoError(t, err, "draw %d: %q", i, c.Text)
			require.Equal(t, bot.VerbStatus, parsed.Verb, c.Text)
			require.Equal(t, c.IDs, parsed.ChannelIDs, c.Text)
		case kindHelp:
			require.NoError(t, err, c.Text)
			require.Equal(t, bot.VerbHelp, parsed.Verb, c.Text)
		case kindBad:
			require.Error(t, err, "%q must be refused", c.Text)
		}
		require.NotEmpty(t, c.User)
		require.NotEmpty(t, c.Channel)
	}
}

func TestBadInputsAreAllRefused(t *testing.T) {
	t.Parallel()
	for _, text := range badInputs {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			_, err := bot.ParseCommand(text)
			require.Error(t, err)
		})
	}
}

func TestCommandMixShares(t *testing.T) {
	t.Parallel()
	const draws = 100000
	m := newCommandMix(1, 5000)
	kinds := map[cmdKind]int{}
	users, stopped := map[string]bool{}, map[int64]bool{}
	multi, stopChannels := 0, 0
	for range draws {
		c := m.next()
		kinds[c.Kind]++
		users[c.User] = true
		if c.Kind == kindStop {
			for _, id := range c.IDs {
				require.False(t, stopped[id], "channel %d stopped twice", id)
				stopped[id] = true
			}
			stopChannels += len(c.IDs)
			if len(c.IDs) > 1 {
				multi++
			}
		}
	}
	tests := []struct {
		name  string
		got   int
		share int
	}{
		{"stop", kinds[kindStop], shareStopOne + shareStopReason + shareStopMany},
		{"multi-channel stop", multi, shareStopMany},
		{"status", kinds[kindStatus], shareStatus},
		{"help", kinds[kindHelp], shareHelp},
		{"bad input", kinds[kindBad], shareBad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.InDelta(t, float64(tt.share)/100, float64(tt.got)/draws, 0.01)
		})
	}
	require.Greater(t, len(users), 4000, "thousands of distinct requesters")
	require.Greater(t, len(stopped), 10000, "thousands of distinct Polyv channels")
	perCommand := float64(stopChannels+kinds[kindStop]+kinds[kindStatus]) / draws
	require.InDelta(t, polyvCallsPerCommand(), perCommand, 0.02, "the documented Polyv cost of the mix")
}

func TestCommandMixIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := newCommandMix(3, 100), newCommandMix(3, 100), newCommandMix(4, 100)
	same, differ := true, false
	for range 100 {
		x, y, z := a.next(), b.next(), c.next()
		same = same && x.Text == y.Text && x.User == y.User && x.Channel == y.Channel
		differ = differ || x.Text != z.Text || x.User != z.User
	}
	require.True(t, same, "one seed draws one sequence")
	require.True(t, differ, "another seed draws another")
}
