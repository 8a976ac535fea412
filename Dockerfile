# The worker and the request API (one image, two commands; `node dist/client/cli/main.js doctor` runs the CLI in it),
# as compiled JavaScript on Node.js 24 LTS: the version `npm run cluster` runs and tests (cluster/versions.ts).
# The first stage compiles (tsc -p tsconfig.build.json) and prebuilds the workflow bundle; the image holds production
# dependencies and dist/ only. test/fast/compose.test.ts checks that the build covers every folder the worker,
# the API and the CLI import, and that their packages are production dependencies.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY contract ./contract
COPY config ./config
COPY workflows ./workflows
COPY activities ./activities
COPY encryption ./encryption
COPY worker ./worker
COPY client ./client
COPY tooling/bundle-workflows.ts tooling/bootstrap-tools.ts ./tooling/
RUN node_modules/.bin/tsc -p tsconfig.build.json \
  && node_modules/.bin/tsx tooling/bundle-workflows.ts dist/workflow-bundle.js

FROM node:24.21.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The day-1 blueprints the worker and the API load at start (VEND_BLUEPRINTS_DIR overrides).
COPY blueprints ./blueprints
USER node
# The worker loads the prebuilt bundle instead of running webpack at every start.
ENV VEND_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
# Overridden per service in docker-compose.yml: dist/worker/main.js or dist/client/api/main.js.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=20", "dist/worker/main.js"]
