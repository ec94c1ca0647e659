package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBinaryLinksNoFake: the product binary carries no fake and no test
// helper. The fake Slack and fake Polyv belong to tests and to cmd/demo; a
// package of ours named *test, or under internal/ one only tests use, has
// no place in what operators run.
func TestBinaryLinksNoFake(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/polyvbot/polyvbot/internal/app", "the list is cmd/bot's")
	for _, pkg := range deps {
		if !strings.HasPrefix(pkg, "github.com/polyvbot/polyvbot/") {
			continue
		}
		require.False(t, isTestPackage(pkg), "cmd/bot links %s", pkg)
	}
}

// isTestPackage reports whether pkg, one of ours, exists for tests only:
// their names end in "test" (slacktest, polyvtest, logtest).
func isTestPackage(pkg string) bool {
	name := pkg[strings.LastIndex(pkg, "/")+1:]
	return strings.HasSuffix(name, "test")
}

func TestIsTestPackage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pkg  string
		want bool
	}{
		{"github.com/polyvbot/polyvbot/bot/slacktest", true},
		{"github.com/polyvbot/polyvbot/polyv/polyvtest", true},
		{"github.com/polyvbot/polyvbot/internal/logtest", true},
		{"github.com/polyvbot/polyvbot/bot", false},
		{"github.com/polyvbot/polyvbot/bot/slackclient", false},
		{"github.com/polyvbot/polyvbot/internal/app", false},
	}
	for _, tc := range tests {
		t.Run(tc.pkg, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, isTestPackage(tc.pkg), "isTestPackage(%q)", tc.pkg)
		})
	}
}
