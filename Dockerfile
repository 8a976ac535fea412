# The worker and the request API (one image, two commands). TypeScript runs through tsx; no build step.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY contract ./contract
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY client ./client
COPY bin ./bin
COPY tsconfig.json ./
USER node
# Overridden per service in docker-compose.yml: worker/main.ts or client/api/main.ts.
CMD ["node_modules/.bin/tsx", "worker/main.ts"]
