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

// The scenes about what a command stops show, in order, what the issue
// asks of them: names, the status story, the cut-off button clicked, the
// resume, and an approval refused to its requester and given by another.
func TestDemoStoryScenes(t *testing.T) {
	t.Parallel()
	scenes := demoScenes(t, playDemoForTest(t))
	require.Len(t, scenes, len(demoActs))
	for _, tc := range storyWants(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := scenes[len(demoScript)+tc.scene]
			require.Equal(t, demoStory[tc.scene].title, strings.SplitN(sc.heading, ". ", 2)[1])
			last := 0
			for _, w := range tc.wants {
				i := strings.Index(sc.body[last:], w)
				require.GreaterOrEqual(t, i, 0, "scene lacks %q after offset %d:\n%s", w, last, sc.body)
				last += i + len(w)
			}
		})
	}
}

// storyWant is what one scene of demoStory shows, in order.
type storyWant struct {
	name  string
	scene int // index in demoStory
	wants []string
}

func storyWants(t *testing.T) []storyWant {
	t.Helper()
	keynote, webinar := named(t, demoKeynote), named(t, demoWebinar)
	return []storyWant{
		{"status tells the whole story", 0, []string{
			"(only you see) • Polyv channel " + keynote + ": live", "1,204 watching now", "host " + host(t, demoKeynote), "pulled by Polyv",
			"• Polyv channel " + webinar + ": live", "87 watching now", "host " + host(t, demoWebinar), "pushed by an encoder",
		}},
		{"a pushed stream is offered the cut-off, which its requester clicks", 1, []string{
			"@dave asked to stop Polyv channel " + webinar,
			"↳ in thread: ✅ Polyv channel " + webinar + ": stopped",
			"↳ in thread: ✂️ Polyv channel " + webinar + " is still live after the stop: a pull stop cannot end a stream that the host's encoder pushes",
			"[Cut off the push]\n",
			"@dave clicks [Cut off the push] in the thread",
			"#incident › polyvbot: ✅ 1 cut off — @dave asked to cut off Polyv channel " + webinar,
			"↳ in thread: ✅ Polyv channel " + webinar + ": cut off (Polyv answered in",
			"↳ in thread: 🔎 Polyv channel " + webinar + ": verified, no longer live (banned from pushing)",
		}},
		{"resume lifts the cut-off", 2, []string{
			"#incident › polyvbot: ✅ 1 resumed — @dave asked to resume Polyv channel " + webinar,
			"↳ in thread: ✅ Polyv channel " + webinar + ": resumed",
		}},
		{"a request, a refused self-approval, an approval by another", 3, []string{
			"#incident › polyvbot: ✋ @alice asks for a second person's approval to stop Polyv channel " + keynote,
			"1,204 watching now",
			"[Approve] [Cancel]\n",
			"@alice clicks [Approve]",
			"(only you see) 🚫 You asked for this, so you cannot approve it",
			"@carol clicks [Approve]",
			"#incident › polyvbot: (edited) ✅ 1 stopped — @alice asked to stop Polyv channel " + keynote + ", approved by @carol",
			"↳ in thread: ✅ Polyv channel " + keynote + ": stopped", "(asked by @alice, approved by @carol)",
			"↳ in thread: 🔎 Polyv channel " + keynote + ": verified, no longer live",
		}},
	}
}

// The requester's own Approve changes nothing in the channel: between it
// and the second person's click, the transcript shows only the private
// refusal.
func TestDemoSelfApprovalChangesNothing(t *testing.T) {
	t.Parallel()
	body := demoScenes(t, playDemoForTest(t))[len(demoScript)+3].body
	_, after, ok := strings.Cut(body, "@alice clicks [Approve]")
	require.True(t, ok, body)
	between, _, ok := strings.Cut(after, "@carol clicks [Approve]")
	require.True(t, ok, body)
	lines := strings.Split(strings.TrimSpace(between), "\n")
	require.Len(t, lines, 2, "the click's line and the refusal:\n%s", between)
	require.True(t, strings.HasPrefix(strings.TrimSpace(lines[1]), "(only you see) 🚫"), lines[1])
}
