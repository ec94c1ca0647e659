package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every scene plays, in order, under its own heading, and every step of it
// is narrated: a scene that stopped half-way would lack a step's line.
func TestDemoPlaysEveryStep(t *testing.T) {
	t.Parallel()
	scenes := demoScenes(t, playDemoForTest(t))
	require.Len(t, scenes, len(demoActs))
	for i, act := range demoActs {
		require.Equal(t, fmt.Sprintf("%d. %s", i+1, act.title), scenes[i].heading)
		last := 0
		for _, s := range act.steps {
			line := demoNames[s.user] + " in " + demoNames[demoChannel] + " types: /polyv " + s.text + "\n"
			if s.click != "" {
				line = "\n" + demoNames[s.user] + " clicks ["
			}
			at := strings.Index(scenes[i].body[last:], line)
			require.GreaterOrEqual(t, at, 0, "scene %d lacks the step %q after offset %d:\n%s", i+1, line, last, scenes[i].body)
			last += at + len(line)
		}
	}
}
