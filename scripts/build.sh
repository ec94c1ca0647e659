#!/usr/bin/env bash
# Builds the bot exactly as the Docker image does: a static binary (no cgo),
# build paths trimmed, symbols stripped, and what `polyvbot -version` prints
# stamped in: the version, the commit and the build date (UTC, RFC 3339),
# into internal/app's version, commit and date.
#
#   scripts/build.sh [output]        default output: ./polyvbot
#   VERSION=v1.2.3 scripts/build.sh  default version: git describe, else "dev"
#   COMMIT=<sha> BUILD_DATE=<date>   default: git rev-parse HEAD (with -dirty for
#                                    a changed tree) and the time now; where there
#                                    is no git (a Docker build) the commit stays
#                                    empty and -version says "unknown"
#
# The Dockerfile runs this script and CI runs it too, so the image's build
# step is exercised even where no Docker engine runs.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-polyvbot}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
if [ -z "${COMMIT+set}" ]; then
  COMMIT=$(git rev-parse HEAD 2>/dev/null || true)
  if [ -n "$COMMIT" ] && ! git diff --quiet HEAD 2>/dev/null; then
    COMMIT="$COMMIT-dirty"
  fi
fi
commit=$COMMIT
date=${BUILD_DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
# The package that holds what -version prints.
stamp=github.com/polyvbot/polyvbot/internal/app

CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X ${stamp}.version=${version} -X ${stamp}.commit=${commit} -X ${stamp}.date=${date}" \
  -o "$out" ./cmd/bot
echo "built $out (version $version, commit ${commit:-unknown}, date $date)"
