# wolbot container image: a static Go binary on a distroless base (no shell, no package
# manager), running as an unprivileged user. Build with `docker compose build` or
# `docker build -t wolbot .`; see deploy/README-section.md for the whole stack.
#
# The versions are pinned. The Go version must match the `go` line in go.mod
# (deploy/compose_test.go checks this).

# --- build stage -------------------------------------------------------------------------
FROM golang:1.26.8-bookworm AS build

WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .

# Static binary (no cgo, so no libc needed at run time), without local paths and symbol
# tables. time/tzdata is compiled in (cmd/wolbot imports it), so no zone files are needed.
# -tags goolm: Matrix end-to-end encryption in pure Go (mautrix' goolm, SQLite via
# modernc.org/sqlite), so the image can read encrypted Matrix rooms; see README "Matrix/Element".
RUN CGO_ENABLED=0 go build -tags goolm -trimpath -ldflags="-s -w" -o /out/wolbot ./cmd/wolbot
# The mount point of the Matrix encryption keys (MATRIX_CRYPTO_DIR), owned by the run user.
RUN mkdir -p /out/crypto

# --- run stage ---------------------------------------------------------------------------
# distroless/static: CA certificates, time zone data and /etc/passwd with the user nonroot
# (65532); no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot

LABEL org.opencontainers.image.title="wolbot" \
      org.opencontainers.image.description="Lean Coffee, Working Out Loud circles and short impulses for municipal youth welfare, in Mattermost, Slack or Matrix" \
      org.opencontainers.image.source="https://github.com/wolbot/wolbot"

COPY --from=build /out/wolbot /wolbot
COPY --from=build --chown=65532:65532 /out/crypto /crypto

# 65532 is "nonroot" in distroless; numeric, so that runtimes can verify it is not root.
USER 65532:65532

# WOLBOT_LISTEN: the platform callbacks (default :8080 with a platform). Health and metrics
# are on WOLBOT_ADMIN_LISTEN, 127.0.0.1:9090 by default, and not exposed.
EXPOSE 8080

# No HEALTHCHECK here: the image has no shell and no curl. docker-compose.yml checks health
# with `/wolbot healthcheck`, a subcommand that asks the process's own /healthz on
# WOLBOT_ADMIN_LISTEN.
ENTRYPOINT ["/wolbot"]
