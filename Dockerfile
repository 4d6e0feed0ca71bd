# syntax=docker/dockerfile:1.7
# The image of every Questline service: one file, the service chosen by SERVICE (gateway, auth,
# catalog or progress). Build from the repository root:
#   docker build --build-arg SERVICE=auth -t questline/auth:0.1.0 .
# Nothing before the last stages depends on SERVICE, so building all four images type-checks, lints
# and bundles once (the layer cache) and only the service's own stage differs.
# Runs read-only: docker run --read-only ... (the service is one pre-built bundle; nothing is compiled at run time).
ARG SERVICE

# 1. Build stage: every dependency, then the strict type-check and lint are the build; then the web
#    app (the gateway serves it) and every service's bundle.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/web/package.json apps/web/
COPY packages/platform/package.json packages/platform/
COPY packages/contracts/package.json packages/contracts/
COPY packages/devstack/package.json packages/devstack/
COPY packages/testkit/package.json packages/testkit/
COPY packages/sdk/package.json packages/sdk/
COPY services/gateway/package.json services/gateway/
COPY services/auth/package.json services/auth/
COPY services/catalog/package.json services/catalog/
COPY services/progress/package.json services/progress/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json eslint.config.js ./
COPY packages packages
COPY services services
COPY apps apps
COPY scripts/build-services.ts scripts/
RUN npx tsc --noEmit -p tsconfig.json && npx eslint --max-warnings=0 packages services \
  && npm run build -w @questline/web \
  && npx tsx scripts/build-services.ts

# 2. Production dependencies only (no compilers, no embedded PostgreSQL, no test tools).
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/apps/web/package.json apps/web/
COPY --from=build /app/packages/platform/package.json packages/platform/
COPY --from=build /app/packages/contracts/package.json packages/contracts/
COPY --from=build /app/packages/devstack/package.json packages/devstack/
COPY --from=build /app/packages/testkit/package.json packages/testkit/
COPY --from=build /app/packages/sdk/package.json packages/sdk/
COPY --from=build /app/services/gateway/package.json services/gateway/
COPY --from=build /app/services/auth/package.json services/auth/
COPY --from=build /app/services/catalog/package.json services/catalog/
COPY --from=build /app/services/progress/package.json services/progress/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. What every service's image has: production dependencies, root-owned read-only files, the
#    unprivileged "node" user, a health check on the service's PORT.
FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/package.json ./
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# 4. One stage per service: its bundle (its code and our shared packages in one module, dist/) with
#    its migrations and data, its default port, and its command. The exec form keeps Node as PID 1,
#    so SIGTERM reaches the service's graceful close. --max-semi-space-size: see BUNDLE_NODE_FLAGS in
#    packages/devstack/src/processes.ts.
FROM runtime AS gateway
COPY --from=build /app/services/gateway services/gateway
# The web app, served at / (WEB_DIST_DIR defaults to this path).
COPY --from=build /app/apps/web/dist apps/web/dist
ENV PORT=8080
EXPOSE 8080
CMD ["node", "--max-semi-space-size=4", "services/gateway/dist/server.mjs"]

FROM runtime AS auth
COPY --from=build /app/services/auth services/auth
ENV PORT=8081
EXPOSE 8081
CMD ["node", "--max-semi-space-size=4", "services/auth/dist/server.mjs"]

FROM runtime AS catalog
COPY --from=build /app/services/catalog services/catalog
ENV PORT=8082
EXPOSE 8082
CMD ["node", "--max-semi-space-size=4", "services/catalog/dist/server.mjs"]

FROM runtime AS progress
COPY --from=build /app/services/progress services/progress
ENV PORT=8083
EXPOSE 8083
CMD ["node", "--max-semi-space-size=4", "services/progress/dist/server.mjs"]

# 5. The image: the stage of the service that --build-arg SERVICE names (a build without it fails here).
FROM ${SERVICE}
