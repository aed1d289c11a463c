# One image for every Socketpot service; compose picks the service with `command`.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CHECKPOINT_DISABLE=1 SOCKETPOT_DEMO=off
COPY package.json package-lock.json tsconfig.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/service-kit/package.json libs/service-kit/
COPY services/gateway/package.json services/gateway/
COPY services/chat/package.json services/chat/
COPY services/wallet-watcher/package.json services/wallet-watcher/
COPY services/bet-stream/package.json services/bet-stream/
COPY test/package.json test/
RUN npm ci --no-audit --no-fund --include=dev
COPY libs libs
COPY services services
RUN npm run generate --workspaces --if-present
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "services/gateway/src/main.ts"]
