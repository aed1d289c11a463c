# One image for every Socketpot service; compose picks the service with `command`.
# Build stage: install everything, generate the Prisma client, compile each entry point to
# plain JavaScript (scripts/build/bundle.mjs), then drop the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
COPY package.json package-lock.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/service-kit/package.json libs/service-kit/
COPY libs/simulator/package.json libs/simulator/
COPY services/gateway/package.json services/gateway/
COPY services/chat/package.json services/chat/
COPY services/wallet-watcher/package.json services/wallet-watcher/
COPY services/bet-stream/package.json services/bet-stream/
COPY services/api/package.json services/api/
COPY test/package.json test/
# npm can exit 0 after a failed install ("Exit handler never called!"): check what it left.
RUN npm ci --no-audit --no-fund \
 && test -x node_modules/.bin/esbuild && test -x node_modules/.bin/prisma \
 && npm ls --depth=0 >/dev/null
COPY tsconfig.json ./
COPY libs libs
COPY services services
COPY scripts scripts
RUN npm run generate -w @socketpot/chat \
 && node scripts/build/bundle.mjs \
 && npm prune --omit=dev --no-audit --no-fund \
 && test -d node_modules/prisma && test ! -d node_modules/vitest

# Runtime: compiled JavaScript, production dependencies only, a non-root user.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 SOCKETPOT_DEMO=off
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/services/gateway/package.json services/gateway/
COPY --from=build /app/services/gateway/dist services/gateway/dist
COPY --from=build /app/services/gateway/public services/gateway/public
COPY --from=build /app/services/chat/package.json /app/services/chat/prisma.config.ts services/chat/
COPY --from=build /app/services/chat/prisma services/chat/prisma
COPY --from=build /app/services/chat/dist services/chat/dist
COPY --from=build /app/services/chat/src/generated services/chat/src/generated
COPY --from=build /app/services/wallet-watcher/package.json services/wallet-watcher/
COPY --from=build /app/services/wallet-watcher/dist services/wallet-watcher/dist
COPY --from=build /app/services/bet-stream/package.json services/bet-stream/
COPY --from=build /app/services/bet-stream/dist services/bet-stream/dist
COPY --from=build /app/services/api/package.json services/api/
COPY --from=build /app/services/api/dist services/api/dist
COPY --from=build /app/scripts/dist scripts/dist
COPY --from=build /app/scripts/healthcheck.mjs scripts/
RUN printf '#!/bin/sh\nexec node /app/scripts/dist/cli.js "$@"\n' >/usr/local/bin/socketpot-cli && chmod 755 /usr/local/bin/socketpot-cli
USER node
EXPOSE 3000 3100 9100
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=30 CMD ["node", "/app/scripts/healthcheck.mjs"]
CMD ["node", "services/gateway/dist/main.js"]
