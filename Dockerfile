# syntax=docker/dockerfile:1

# ---- base: the Node runtime every stage shares ----------------------------------------------
FROM node:20-bookworm-slim AS base
WORKDIR /app

# ---- build: all dependencies (better-sqlite3 compiles if no prebuilt binary fits), then tsc ----
FROM base AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The SDK is an npm workspace: npm ci needs its manifest.
COPY client/package.json client/
RUN npm ci
COPY . .
RUN npm run build

# ---- prod-deps: the same node_modules without devDependencies (no recompiling) --------------
FROM build AS prod-deps
RUN npm prune --omit=dev

# ---- runtime ----------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
# package.json is needed at runtime: "type": "module" makes dist/*.js ES modules.
COPY --from=prod-deps /app/package.json /app/package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data

USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
