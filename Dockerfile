# syntax=docker/dockerfile:1
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim
# NODE_ENV=production: JSON logs, and start-up refuses to run without APP_ID, a private key and WEBHOOK_SECRET.
# HOST=0.0.0.0: listen on every interface. Probot's default, localhost, is unreachable through `docker run -p`.
# DATA_DIR: the SQLite store (durable queue, delivery ids, cost ledger) — mount a volume there, or set DATABASE_URL.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# GET /ping answers PONG while the server is up (it does not check GitHub or DeepSeek).
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/ping`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 and needs no init process: it handles SIGTERM and SIGINT itself (stops taking work, lets
# reviews finish within REVIEW_SHUTDOWN_TIMEOUT_MS, default 60 s, exits 0) and starts no child processes.
# `docker stop` sends SIGKILL after 10 s unless told otherwise: run with --stop-timeout 75 (README, "Deploy").
CMD ["node", "dist/main.js"]
