#!/usr/bin/env bash
# Builds local stand-ins for the official images that Dockerfile and docker-compose.yml name,
# for machines that cannot pull from Docker Hub: a Debian base made with debootstrap, then
#   node:20-bookworm-slim  (this machine's Node 20 and npm, user `node`, uid 1000)
#   nats:2.9-alpine        (Debian's nats-server; flags pass through like the official image)
#   postgres:15-alpine     (Debian's PostgreSQL 15; POSTGRES_* variables like the official image)
# An image that exists already is kept. Needs DOCKER_HOST pointing at a running engine,
# debootstrap and root. Usage: build.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
force="${1:-}"
base=debian:bookworm-slim

have() { [ "$force" != --force ] && docker image inspect "$1" >/dev/null 2>&1; }

mirror() {
  local url
  # The first Debian archive in apt's sources (one-line or deb822 format), comments skipped.
  url="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -vE '^[[:space:]]*#' | grep -oE 'https?://[^ ]+' | grep -v security | head -n1 || true)"
  echo "${url:-http://deb.debian.org/debian}"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! have "$base"; then
  echo "stand-ins: debootstrap $base"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$(mirror)" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; exit 1; }
  # Keep the image small and apt usable with the same mirror.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

ca=/etc/ssl/certs/ca-certificates.crt
build() { # tag dockerfile context
  have "$1" && return 0
  echo "stand-ins: building $1"
  docker build --network host -q -t "$1" -f "$2" "$3" >/dev/null
}

mkdir -p "$work/node"
cp "$(readlink -f "$(command -v node)")" "$work/node/node"
cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$work/node/npm"
cp "$ca" "$work/node/ca-certificates.crt"
build node:20-bookworm-slim "$here/node.Dockerfile" "$work/node"

mkdir -p "$work/nats" && cp "$here/nats-entrypoint.sh" "$work/nats/"
build nats:2.9-alpine "$here/nats.Dockerfile" "$work/nats"

mkdir -p "$work/postgres" && cp "$here/postgres-entrypoint.sh" "$work/postgres/"
build postgres:15-alpine "$here/postgres.Dockerfile" "$work/postgres"
