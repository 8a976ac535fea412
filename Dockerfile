# The worker and the request API (one image, two commands; `node bin/vend.js doctor` runs in it too). TypeScript runs
# through tsx; no build step. test/operations/compose.test.ts checks that every folder the worker, the API and the CLI
# import is copied here and that their packages are production dependencies.
FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY contract ./contract
COPY workflows ./workflows
COPY activities ./activities
COPY encryption ./encryption
COPY worker ./worker
COPY client ./client
COPY bin ./bin
USER node
# Overridden per service in docker-compose.yml: worker/main.ts or client/api/main.ts.
CMD ["node_modules/.bin/tsx", "worker/main.ts"]
