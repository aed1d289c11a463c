#!/usr/bin/env bash
# Before `npm test`: the tests need Debian tools besides what npm installs — chromium
# (browser tests, driven by playwright-core; no browser is ever downloaded), docker-compose
# (checks docker-compose.yml), and docker.io + debootstrap (the compose test starts its own
# Docker engine and builds stand-in base images). Installs them with apt-get when missing
# and possible (root); otherwise says what to install.
set -u
missing=()
[ -x "${SOCKETPOT_CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "socketpot: installing Debian packages for the tests: ${missing[*]}"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    echo "socketpot: could not install ${missing[*]}; the tests that need them will fail"
else
  echo "socketpot: the browser and compose tests need: ${missing[*]} (Debian: apt-get install ${missing[*]})"
fi
exit 0
