# polyvbot container image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t polyvbot .
#   docker run --rm --env-file .env -p 8080:8080 polyvbot
#
# No secret is baked in: tokens and the Polyv appSecret come from the
# environment at run time (--env-file, a Kubernetes Secret, …).

# Build stage: the official Go image; the build line is scripts/build.sh,
# which CI runs too.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# Only what the build needs, by name: never `COPY . .`, which would take any
# filled-in secret.yaml or .env lying in the checkout into this stage's
# layers. The deploy test checks these cover every package cmd/bot imports.
COPY auth/ auth/
COPY bot/ bot/
COPY polyv/ polyv/
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
