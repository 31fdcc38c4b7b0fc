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
# KERBEROS=0 builds an image without the optional `kerberos` module (no Negotiate proxy auth).
ARG KERBEROS=1
# What compiling `kerberos` (N-API, node-gyp) needs: the GSSAPI headers, python3, make, g++, and
# Node's headers. The official node image ships those under /usr/local/include/node; where they are
# missing, Debian's libnode-dev provides a set (N-API is ABI-stable: headers of an older Node build
# an addon the image's Node 22 loads). Failure here is not fatal: Negotiate is optional.
RUN if [ "$KERBEROS" = 1 ]; then \
      pkgs="libkrb5-dev python3 make g++"; \
      [ -f /usr/local/include/node/node_api.h ] || pkgs="$pkgs libnode-dev"; \
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null \
        && rm -rf /var/lib/apt/lists/*; } || echo "kerberos: build tools not installed; the image will lack Negotiate" >&2; \
    fi
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts stay off for every package; only kerberos's build is run, by name. The module loads the
# GSSAPI libraries with dlopen at first use, so ldd on kerberos.node lists none: the closure of
# libgssapi_krb5/libkrb5/libcom_err is collected into /gss for the run stage instead.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && mkdir -p /gss \
 && if [ "$KERBEROS" = 1 ] && [ -d node_modules/kerberos ]; then \
      nodedir=/usr/local; [ -f /usr/local/include/node/node_api.h ] || nodedir=/usr; \
      if npm rebuild kerberos --nodedir="$nodedir" --no-audit --no-fund >/tmp/kerberos-build.log 2>&1 \
         && [ -f node_modules/kerberos/build/Release/kerberos.node ]; then \
        rm -rf node_modules/kerberos/build/Release/obj.target node_modules/kerberos/build/Release/.deps; \
        libdir=$(dirname "$(readlink -f "$(ldconfig -p | awk '/libgssapi_krb5\.so\.2 / {print $NF; exit}')")"); \
        mkdir -p "/gss$libdir"; \
        for lib in libgssapi_krb5.so.2 libkrb5.so.3 libcom_err.so.2; do echo "$libdir/$lib"; ldd "$libdir/$lib" | awk '/=> \// {print $3}'; done \
          | grep -vE '/(libc|libm|libdl|libpthread|libstdc\+\+|libgcc_s)\.so' | sort -u \
          | while read -r f; do cp -L "$f" "/gss$libdir/"; done; \
        echo "kerberos: built; GSSAPI libraries for the image:" $(ls "/gss$libdir"); \
      else \
        tail -20 /tmp/kerberos-build.log >&2; echo "kerberos: build failed; the image will lack Negotiate" >&2; \
        rm -rf node_modules/kerberos; \
      fi; \
    else rm -rf node_modules/kerberos; fi

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
# libgssapi_krb5, libkrb5, libk5crypto, libcom_err, libkrb5support, libkeyutils, libresolv (empty
# when kerberos was not built). Read from KRB5_CONFIG and KRB5_CLIENT_KTNAME: mount both read-only.
COPY --from=prod-deps /gss/ /
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY presets ./presets

# In a container the tunnels must listen on all interfaces for -p to reach them; publish them
# on the host's loopback only (-p 127.0.0.1:9993:9993). The admin endpoint (probes, metrics)
# listens on 9090; `ptunnel health` reads PTUNNEL_ADMIN to find it.
# MALLOC_ARENA_MAX: glibc gives each thread that allocates its own malloc arena and keeps what it
# grew to; V8's background compiler threads are such threads. With two arenas RSS under load is
# 0.4-2 MiB lower than with glibc's default of 8 per core (README, "V8 settings"; bench row "the image's").
ENV NODE_ENV=production \
    PTUNNEL_LISTEN=0.0.0.0 \
    PTUNNEL_ADMIN=0.0.0.0:9090 \
    MALLOC_ARENA_MAX=2

USER 65532:65532
# admin, then the gmail preset's ports (IMAPS, submission, SMTPS); other presets use their own
EXPOSE 9090 9993 5587 4465

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/dist/main.js", "health"]

ENTRYPOINT ["/nodejs/bin/node", "/app/dist/main.js"]
