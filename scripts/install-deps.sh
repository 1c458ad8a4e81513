#!/usr/bin/env bash
# Installs every Debian 12 package Switchboard needs to build, test and run its demo.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev libqt6charts6 qtkeychain-qt6-dev libgl-dev
  libpqxx-dev libpq-dev libhiredis-dev nlohmann-json3-dev
  redis-server redis-tools redis-sentinel
  postgresql-15 postgresql-client-15
  openssl ca-certificates fonts-dejavu-core python3
  python3-redis # ingest/helpers/python: follow_prompt (scripts/test-agent-helpers.sh)
  clang-format clang-tidy
  clang libclang-rt-dev # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes for clang
  # scripts/package.sh: icon sizes, the man page, and the package's checks
  librsvg2-bin help2man lintian desktop-file-utils appstream bash-completion man-db
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js: the machine image may ship its own build (which conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Debian's postgresql package creates and starts a cluster on 5432; we never use it,
# so policy-rc.d keeps apt from starting services on a CI machine.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
