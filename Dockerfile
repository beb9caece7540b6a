# One image for every ztsdb service; docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json .swcrc ./
COPY apps apps
COPY libs libs
COPY bench bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# libbpf for the eBPF collector (loaded through ffi-rs at run time).
RUN apt-get update && apt-get install -y --no-install-recommends libbpf1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY bpf/cgroupmon.bpf.o bpf/cgroupmon.bpf.o
COPY package.json ./
ENV NODE_ENV=production ZTSDB_DATA_DIR=/data
VOLUME ["/data"]
ENTRYPOINT ["node", "bin/ztsdb.js"]
CMD ["all"]
