#!/usr/bin/env bash
# Builds the bot exactly as the Docker image does: a static binary (no cgo),
# build paths trimmed, symbols stripped, the version stamped into main.version.
#
#   scripts/build.sh [output]        default output: ./polyvbot
#   VERSION=v1.2.3 scripts/build.sh  default version: git describe, else "dev"
#
# The Dockerfile runs this script and CI runs it too, so the image's build
# step is exercised even where no Docker engine runs.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-polyvbot}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${version}" -o "$out" ./cmd/bot
echo "built $out (version $version)"
