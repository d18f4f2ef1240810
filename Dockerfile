# syntax=docker/dockerfile:1
# Bangfu: multi-stage build. The builder compiles the `bangfu` binary; the
# runtime image is Debian slim with the binary, CA certificates and curl (for
# the health check), running as an unprivileged user.

FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release -p api --bin bangfu \
    && cp target/release/bangfu /usr/local/bin/bangfu

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/bangfu --create-home --uid 10001 bangfu
COPY --from=builder /usr/local/bin/bangfu /usr/local/bin/bangfu
USER bangfu
WORKDIR /var/lib/bangfu
ENV BANGFU_BIND=0.0.0.0:8080 \
    RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["bangfu"]
CMD ["serve"]
