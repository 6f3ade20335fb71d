# syntax=docker/dockerfile:1
# The edgeflake Node target (container, docker compose, Kubernetes).
#   docker build -t edgeflake:local .
#   docker run --rm -p 8080:8080 edgeflake:local
# TypeScript runs directly on Node 24 (type stripping), so there is no compile step: the image is
# the production dependencies plus the sources.

# ---- stage 1: production dependencies only ----------------------------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one, and none may download anything.
# Behind a registry proxy or a TLS-inspecting firewall, pass npm's configuration and CA file as
# build secrets; they are mounted for this one step and never stored in a layer:
#   docker build --secret id=npmrc,src=$HOME/.npmrc --secret id=npm_ca,src=/path/ca.pem .
# (in that npmrc, `cafile=/run/secrets/npm_ca`). Without them npm uses its defaults; a missing
# user config file is not an error to npm. `npm run test:image` builds this way.
RUN --mount=type=secret,id=npmrc \
    --mount=type=secret,id=npm_ca \
    NPM_CONFIG_USERCONFIG=/run/secrets/npmrc \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- stage 2: runtime ---------------------------------------------------------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
# Files stay owned by root and read-only to the app user (Kubernetes also mounts the root file
# system read-only).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
COPY scripts ./scripts
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
# Healthy when ready to issue IDs (/readyz: a lease held, or a static WORKER_ID). slim has no
# curl: probe with Node's own fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: Node runs as PID 1 and receives SIGTERM itself, which it handles by shutting down
# gracefully (within 5 s). Not `npm start` nor a shell form: they would stand between the signal
# and Node.
CMD ["node", "src/targets/node.ts"]
