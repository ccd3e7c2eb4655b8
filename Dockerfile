# syntax=docker/dockerfile:1
# One image per service, and one for the `llo` command (migrations and dead-letter
# re-drives as Kubernetes Jobs):
#   docker build --build-arg SERVICE=intake -t ghcr.io/llo-suite/llo-intake:dev .
#   docker build --build-arg SERVICE=cli -t ghcr.io/llo-suite/llo:dev .
# SERVICE is one of: intake, trajectories, community, reporting, cli.
# Linted in CI with hadolint (scripts/check-k8s).

# The toolchain this suite is built and tested with.
FROM rust:1.95-bookworm AS builder
ARG SERVICE
RUN case "${SERVICE}" in \
      intake|trajectories|community|reporting|cli) ;; \
      *) echo "build with --build-arg SERVICE=intake|trajectories|community|reporting|cli (got '${SERVICE}')" >&2; exit 1 ;; \
    esac
WORKDIR /src
# Only what the build needs, so target/ and .git never enter the build context transfer.
COPY Cargo.toml Cargo.lock ./
COPY proto ./proto
COPY services ./services
COPY tests ./tests
COPY infra/packs ./infra/packs
# protox compiles the .proto files in Rust, so no protoc is installed.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target,sharing=locked \
    if [ "${SERVICE}" = cli ]; then crate=llo; else crate="llo-${SERVICE}"; fi \
 && cargo build --release --locked -p "${crate}" \
 && cp "target/release/${crate}" /llo-service

FROM gcr.io/distroless/cc-debian12:nonroot
ARG SERVICE
LABEL org.opencontainers.image.description="LLO suite: llo-${SERVICE}" \
      org.opencontainers.image.licenses="EUPL-1.2"
COPY --from=builder /llo-service /usr/local/bin/llo-service
COPY infra/packs /etc/llo/packs
ENV LLO_PACKS__DIR=/etc/llo/packs
# distroless' nonroot user, by number so that runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/llo-service"]
