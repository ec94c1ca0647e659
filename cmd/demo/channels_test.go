package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every channel that a command got to Polyv is named somewhere, as Polyv
// names it. 10008, refused for the requester's budget, costs no Polyv call,
// not even for its name.
func TestDemoNamesEveryChannel(t *testing.T) {
	t.Parallel()
	out := playDemoForTest(t)
	for _, c := range demoPolyvChannels {
		if c.id == 10008 {
			require.NotContains(t, out, named(t, c.id))
			continue
		}
		require.Contains(t, out, named(t, c.id))
	}
}

// named is a channel as the bot names it: its id and its title.
func named(t *testing.T, id int64) string {
	t.Helper()
	return fmt.Sprintf("%d «%s»", id, polyvChannel(t, id).title)
}

func host(t *testing.T, id int64) string {
	t.Helper()
	return polyvChannel(t, id).host
}

func polyvChannel(t *testing.T, id int64) demoPolyvChannel {
	t.Helper()
	for _, c := range demoPolyvChannels {
		if c.id == id {
			return c
		}
	}
	t.Fatalf("the fake Polyv does not know channel %d", id)
	return demoPolyvChannel{}
}
