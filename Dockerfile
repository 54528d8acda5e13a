# homesec container image (multi-stage). Build from the repository root:
#   docker build -t homesec .
#   docker run -d --name homesec --network host -v homesec-data:/data homesec
# See docs/getting-started.md (Docker, Compose) and deploy/compose.yaml.

# --- build: compile TypeScript and the dashboard, then keep production dependencies only ---
FROM node:20-bookworm-slim AS build
# better-sqlite3 builds from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
# npm install builds the native UDP receiver (native/udp-rx) with the same toolchain.
COPY scripts/build-native.mjs ./scripts/
COPY native ./native
# `npm install`, not `npm ci`: see README.md (the lockfile lists only the Linux x64 rollup
# platform package); it installs exactly the locked versions.
RUN npm install --no-audit --no-fund \
 && mkdir -p native/udp-rx/build/Release
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: Node.js, ping for the scanner, the build output, a non-root user ---
FROM node:20-bookworm-slim
# iputils-ping: the scanner's liveness ping (needs NET_RAW, which Docker grants by default).
RUN apt-get update \
 && apt-get install -y --no-install-recommends iputils-ping \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 homesec \
 && useradd --system --uid 10001 --gid homesec --home-dir /data --shell /usr/sbin/nologin homesec \
 && mkdir -p /data && chown homesec:homesec /data
WORKDIR /app
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# the native UDP receiver when it was built (an empty folder when not: homesec then uses dgram)
COPY --from=build /build/native/udp-rx/build/Release ./native/udp-rx/build/Release
COPY --from=build /build/web/dist ./web/dist
# MALLOC_MMAP_THRESHOLD_: glibc serves blocks of 128 KiB and more (the flow receive thread's
# backlog buffers) from their own mappings, so memory freed after a flood goes back to the
# system instead of staying in a fragmented arena (docs/performance.md, flood section).
ENV NODE_ENV=production \
    HOMESEC_WEB_HOST=0.0.0.0 \
    HOMESEC_LOG_FORMAT=json \
    MALLOC_MMAP_THRESHOLD_=131072
USER homesec
VOLUME ["/data"]
# 2055/udp: NetFlow/IPFIX/sFlow; 8088: dashboard, API, /health, /metrics (login required).
EXPOSE 2055/udp 8088
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HOMESEC_WEB_PORT||8088)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/main.js"]
CMD ["run", "--data-dir", "/data"]
