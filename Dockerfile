# polyvbot container image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t polyvbot .
#   docker run --rm --env-file .env -p 8080:8080 polyvbot
#
# No secret is baked in: tokens and the Polyv appSecret come from the
# environment at run time (--env-file, a Kubernetes Secret, …).

# Base images, pinned as precisely as their tags go: Go's patch release and
# Debian's, and distroless's Debian release and variant (distroless
# publishes no finer tag). Tags move when an image is rebuilt; a digest does
# not. Pin both by digest, and refresh them on each Go patch release:
#
#   docker buildx imagetools inspect golang:1.26.8-bookworm | awk '/^Digest:/ {print $2}'
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot | awk '/^Digest:/ {print $2}'
#
# then write FROM golang:1.26.8-bookworm@sha256:<digest> AS build and
# FROM gcr.io/distroless/static-debian12:nonroot@sha256:<digest>
# (`crane digest <image>` prints the same). Keep the Go minor version that
# go.mod names; the deploy test checks it.

# Build stage: the official Go image; the build line is scripts/build.sh,
# which CI runs too.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# Only what the build needs, by name: never `COPY . .`, which would take any
# filled-in secret.yaml or .env lying in the checkout into this stage's
# layers. The deploy test checks these cover every package cmd/bot imports.
COPY auth/ auth/
COPY bot/ bot/
COPY polyv/ polyv/
COPY internal/app/ internal/app/
COPY cmd/bot/ cmd/bot/
COPY scripts/build.sh scripts/build.sh
# The build context has no .git: pass what -version should print.
#   --build-arg VERSION=$(git describe --tags --always --dirty) --build-arg COMMIT=$(git rev-parse HEAD)
ARG VERSION=dev
ARG COMMIT=
ARG BUILD_DATE=
RUN VERSION="${VERSION}" COMMIT="${COMMIT}" BUILD_DATE="${BUILD_DATE}" scripts/build.sh /out/bot

# Run stage: distroless static (CA certificates and tzdata, no shell), as the
# image's non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /usr/local/bin/polyvbot
USER nonroot:nonroot
# /healthz, /readyz and /metrics.
ENV HEALTH_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/polyvbot"]
