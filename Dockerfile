# ptunnel container image.
#   docker build -t ptunnel .
#   docker run --rm -p 127.0.0.1:9993:9993 -p 127.0.0.1:5587:5587 -p 127.0.0.1:4465:4465 \
#     -e HTTPS_PROXY ptunnel --preset gmail
# Build stages run on Debian (node:22-bookworm-slim); the image that ships is distroless:
# no shell, no package manager, user 65532.

# --- dependencies for the build (dev dependencies included: TypeScript)
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- production dependencies only, installed clean from the lock file
FROM node:22-bookworm-slim AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# --- runtime
FROM gcr.io/distroless/nodejs22-debian12:nonroot
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="ptunnel" \
      org.opencontainers.image.description="Carries TCP (IMAP, SMTP, SSH) through an HTTP CONNECT proxy, or directly when the proxy is away; TLS stays end to end." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs22-debian12:nonroot" \
      org.opencontainers.image.documentation="https://github.com/ptunnel/ptunnel#docker"

WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY presets ./presets

# In a container the tunnels must listen on all interfaces for -p to reach them; publish them
# on the host's loopback only (-p 127.0.0.1:9993:9993). The admin endpoint (probes, metrics)
# listens on 9090; `ptunnel health` reads PTUNNEL_ADMIN to find it.
ENV NODE_ENV=production \
    PTUNNEL_LISTEN=0.0.0.0 \
    PTUNNEL_ADMIN=0.0.0.0:9090

USER 65532:65532
# admin, then the gmail preset's ports (IMAPS, submission, SMTPS); other presets use their own
EXPOSE 9090 9993 5587 4465

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/dist/main.js", "health"]

ENTRYPOINT ["/nodejs/bin/node", "/app/dist/main.js"]
