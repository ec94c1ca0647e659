package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFormatVersion(t *testing.T) {
	t.Parallel()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	fromCheckout := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/polyvbot/polyvbot", Version: "v0.3.1-0.20261130101010-0123456789ab+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: sha},
			{Key: "vcs.time", Value: "2026-11-30T10:10:10Z"}, {Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name  string
		build build
		info  *debug.BuildInfo
		want  string
	}{
		{
			name:  "stamped by scripts/build.sh",
			build: build{version: "v1.2.0", commit: sha, date: "2026-12-01T09:00:00Z"},
			info:  fromCheckout,
			want:  "polyvbot v1.2.0 (commit " + sha + ", built 2026-12-01T09:00:00Z)",
		},
		{
			name:  "go build in a checkout: the toolchain's version and VCS stamp",
			build: build{version: unstampedVersion},
			info:  fromCheckout,
			want:  "polyvbot v0.3.1-0.20261130101010-0123456789ab+dirty (commit " + sha + "-dirty, built 2026-11-30T10:10:10Z)",
		},
		{
			name:  "go install of a tagged module: no VCS stamp",
			build: build{version: unstampedVersion},
			info:  &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}},
			want:  "polyvbot v1.2.0 (commit unknown, built unknown)",
		},
		{
			name:  "a Docker build: version stamped, no .git",
			build: build{version: "v1.2.0", date: "2026-12-01T09:00:00Z"},
			info:  &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want:  "polyvbot v1.2.0 (commit unknown, built 2026-12-01T09:00:00Z)",
		},
		{
			name:  "nothing known",
			build: build{version: unstampedVersion},
			info:  &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want:  "polyvbot dev (commit unknown, built unknown)",
		},
		{
			name:  "no build info at all",
			build: build{},
			want:  "polyvbot dev (commit unknown, built unknown)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, formatVersion(tc.build, tc.info))
		})
	}
}

// versionOutput is -version's line for a binary stamped by scripts/build.sh.
var versionOutput = regexp.MustCompile(`^polyvbot (\S+) \(commit (\S+), built (\S+)\)$`)

// TestBuildScriptStampsVersion builds the binary as the Dockerfile and CI
// do, and as `go build` does, and runs -version on each. The builds share
// their compiled packages with each other and with CI's own build step.
func TestBuildScriptStampsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary three times")
	}
	t.Parallel()
	git := requireGit(t)
	dir := t.TempDir()

	t.Run("stamped by the script", func(t *testing.T) {
		exe := filepath.Join(dir, "stamped")
		cmd := exec.Command(filepath.Join(repoRoot, "scripts/build.sh"), exe)
		cmd.Env = append(os.Environ(), "VERSION=v9.8.7", "COMMIT=feedface", "BUILD_DATE=2026-12-01T09:00:00Z")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		require.Equal(t, "polyvbot v9.8.7 (commit feedface, built 2026-12-01T09:00:00Z)", runVersion(t, exe))
	})
	t.Run("the script's defaults come from git", func(t *testing.T) {
		exe := filepath.Join(dir, "defaults")
		cmd := exec.Command(filepath.Join(repoRoot, "scripts/build.sh"), exe)
		cmd.Env = withoutVars(os.Environ(), "VERSION", "COMMIT", "BUILD_DATE")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		m := versionOutput.FindStringSubmatch(runVersion(t, exe))
		require.NotNil(t, m)
		require.Equal(t, gitOutput(t, git, "describe", "--tags", "--always", "--dirty"), m[1])
		require.True(t, strings.HasPrefix(m[2], gitOutput(t, git, "rev-parse", "HEAD")), m[2])
		built, err := time.Parse(time.RFC3339, m[3])
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), built, 10*time.Minute)
	})
	t.Run("go build falls back to the toolchain's VCS stamp", func(t *testing.T) {
		checkToolchainStamp(t, git, filepath.Join(dir, "plain"))
	})
}

// checkToolchainStamp builds with plain go build, as the README's Binary
// section allows, and checks that -version falls back to the VCS stamp the
// toolchain recorded.
func checkToolchainStamp(t *testing.T, git, exe string) {
	t.Helper()
	if fi, err := os.Stat(filepath.Join(repoRoot, ".git")); err != nil || !fi.IsDir() {
		// The go command looks for a .git directory; a git worktree's
		// .git is a file, and a binary built there carries no VCS stamp.
		t.Skip("the checkout's .git is not a directory, so go build records no VCS stamp here")
	}
	// -buildvcs overrides a GOFLAGS=-buildvcs=false; -trimpath and no cgo,
	// as in the script, reuse the packages the script compiled.
	cmd := exec.Command("go", "build", "-buildvcs=true", "-trimpath", "-o", exe, "../../cmd/bot")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	m := versionOutput.FindStringSubmatch(runVersion(t, exe))
	require.NotNil(t, m)
	require.NotEqual(t, unstampedVersion, m[1], "the toolchain records a (pseudo-)version from the checkout")
	require.True(t, strings.HasPrefix(m[2], gitOutput(t, git, "rev-parse", "HEAD")), m[2])
	seconds, err := strconv.ParseInt(gitOutput(t, git, "show", "-s", "--format=%ct", "HEAD"), 10, 64)
	require.NoError(t, err)
	require.Equal(t, time.Unix(seconds, 0).UTC().Format(time.RFC3339), m[3], "the commit's time")
}

func runVersion(t *testing.T, exe string) string {
	t.Helper()
	out, err := exec.Command(exe, "-version").Output()
	require.NoError(t, err)
	return strings.TrimSuffix(string(out), "\n")
}

func gitOutput(t *testing.T, git string, args ...string) string {
	t.Helper()
	out, err := exec.Command(git, append([]string{"-C", repoRoot}, args...)...).Output()
	require.NoError(t, err, "git %v", args)
	return strings.TrimSpace(string(out))
}

// withoutVars is env less the named variables.
func withoutVars(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}

// changelogVersion is a released version's heading in CHANGELOG.md.
var changelogVersion = regexp.MustCompile(`^## v(\d+)\.(\d+)\.(\d+) — (\d{4}-\d{2}-\d{2}) \(ends at ([0-9a-f]{7,40})\)$`)

// TestChangelog: Unreleased first, then each version, newest first, dated
// and ending at a commit of this repository.
func TestChangelog(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, "CHANGELOG.md"))
	require.NoError(t, err)
	var headings []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "## ") {
			headings = append(headings, l)
		}
	}
	require.Greater(t, len(headings), 1)
	require.Equal(t, "## Unreleased", headings[0], "what the next version brings comes first")
	var newer []int
	newerDate := "9999-12-31"
	for _, h := range headings[1:] {
		m := changelogVersion.FindStringSubmatch(h)
		require.NotNil(t, m, "not a version heading: %q", h)
		version := []int{atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])}
		if newer != nil {
			require.Negative(t, slices.Compare(version, newer), "%s is listed below a newer version", h)
		}
		require.LessOrEqual(t, m[4], newerDate, h)
		newer, newerDate = version, m[4]
		if git, err := exec.LookPath("git"); err == nil {
			err := exec.Command(git, "-C", repoRoot, "cat-file", "-e", m[5]+"^{commit}").Run()
			require.NoError(t, err, "%s ends at a commit this repository does not have", h)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
