# syntax=docker/dockerfile:1
#
# One image for every bakeoff role: the command picks it.
#   docker run bakeoff                                  → serve --role activities (the default CMD)
#   docker run bakeoff serve --role users
#   docker run bakeoff sandbox --host 0.0.0.0
#   docker run bakeoff load --target http://activities:4567 --requests 500
#
# Base: Node 24 on Debian bookworm-slim, the line the test suite runs on (npm ci installs the same Node 24 into
# node_modules from the npm registry's `node` package, so CI and this image agree). Every SDK's `engines` range
# includes it (dd-trace 6: >=22, OpenTelemetry 0.30x: >=22.15, @sentry/node 11: >=22.12, vitest 5: ^24).
# Node 26 became the active LTS in October 2026; try it with --build-arg NODE_IMAGE=node:26-bookworm-slim.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: dev dependencies + TypeScript → dist/ (the same npm scripts CI runs) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# ---- run: production dependencies + dist/ only ----
FROM ${NODE_IMAGE} AS run
ENV NODE_ENV=production \
    # Inside a container the services must listen beyond loopback; the published ports decide who reaches them.
    HOST=0.0.0.0 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY deploy/docker/healthcheck.js ./deploy/docker/healthcheck.js
# The image's `node` user (uid 1000) owns only the data directory: the code stays read-only to the process.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4567 4568 4569 4400 4318 8126 2000/tcp 2000/udp
# No curl in slim images: node itself probes the health endpoint of whichever role PID 1 runs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/docker/healthcheck.js"]
ENTRYPOINT ["node", "dist/cli/bakeoff.js"]
CMD ["serve", "--role", "activities"]
