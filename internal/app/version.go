package app

import (
	"fmt"
	"runtime/debug"
)

// Stamped at build time by scripts/build.sh:
//
//	-ldflags "-X github.com/polyvbot/polyvbot/internal/app.version=v1.2.0 …"
//
// A plain `go build` or `go install` leaves them as they are here, and
// versionLine falls back to what the Go toolchain recorded in the binary.
var (
	version = unstampedVersion
	commit  = ""
	date    = ""
)

// unstampedVersion is the version of a binary nobody stamped.
const unstampedVersion = "dev"

// versionLine is what -version prints: one line with the module version,
// the commit and the build date, each "unknown" when neither the build script
// nor the toolchain recorded it.
func versionLine() string {
	info, _ := debug.ReadBuildInfo()
	return formatVersion(stampedBuild(), info)
}

// build is what a binary knows about where it came from.
type build struct{ version, commit, date string }

func stampedBuild() build { return build{version: version, commit: commit, date: date} }

// formatVersion fills what the build script did not stamp from the build
// info the toolchain embeds: the main module's version (a tag or a
// pseudo-version when built from a checkout; "(devel)" says nothing) and the
// VCS revision and commit time, marked -dirty when the tree had changes.
func formatVersion(b build, info *debug.BuildInfo) string {
	if info != nil {
		if (b.version == "" || b.version == unstampedVersion) && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.version = info.Main.Version
		}
		vcs := map[string]string{}
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
		if b.commit == "" && vcs["vcs.revision"] != "" {
			b.commit = vcs["vcs.revision"]
			if vcs["vcs.modified"] == "true" {
				b.commit += "-dirty"
			}
		}
		if b.date == "" {
			b.date = vcs["vcs.time"]
		}
	}
	return fmt.Sprintf("polyvbot %s (commit %s, built %s)", orUnknown(b.version, unstampedVersion), orUnknown(b.commit, "unknown"), orUnknown(b.date, "unknown"))
}

func orUnknown(s, unknown string) string {
	if s == "" {
		return unknown
	}
	return s
}
