# The GraphQL API and the sidecar, one image. Build: docker build -t outbound-provisioning .
#   API:     docker run … outbound-provisioning                      (node dist/src/main.js, port 4000)
#   sidecar: docker run … outbound-provisioning node dist/sidecar/main.js   (health/metrics on 9464)
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
COPY examples ./examples
COPY bench ./bench
COPY sidecar ./sidecar
# tsconfig.json compiles test/fakes too: the benchmarks import their local fake servers from there.
COPY test/fakes ./test/fakes
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 4000 9464
CMD ["node", "dist/src/main.js"]
