#!/usr/bin/env bash
# The PM2 bridge's tests: node --test against a real PM2 daemon (temp PM2_HOME) and a real
# redis-server (random loopback port), both started and stopped by the tests themselves.
# Idempotent; leaves nothing running, even when a test is killed half-way: every server
# lives under one run directory, and the EXIT trap stops what is recorded there.
set -euo pipefail
cd "$(dirname "$0")/../bridge"

for tool in node npm redis-server python3 tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-bridge: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

RUN_DIR=$(mktemp -d /tmp/sbb-run.XXXXXX)
chmod 755 "$RUN_DIR" # the postgres user (Postgres refuses root) must reach its data dir
cleanup() {
  # PM2 daemons (a temp PM2_HOME each) with their apps, then redis-servers, postgres and
  # bridges, of this run only.
  for home in "$RUN_DIR"/sbb-pm2-*; do
    [[ -S "$home/rpc.sock" ]] && PM2_HOME="$home" node node_modules/pm2/bin/pm2 kill >/dev/null 2>&1 || true
  done
  for pidfile in "$RUN_DIR"/*/pm2.pid "$RUN_DIR"/*/redis.pid "$RUN_DIR"/*/bridge.pid \
    "$RUN_DIR"/*/data/postmaster.pid; do
    [[ -f "$pidfile" ]] || continue
    pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

npm ci --no-audit --no-fund --loglevel=error
# Temp dirs of the tests (PM2_HOME, redis data) go under RUN_DIR via TMPDIR.
# Only *.test.js: a bare `node --test test/` would also run the fixture agents (servers
# that never exit). Two files at a time: each has its own PM2 daemon, Redis and ports,
# and they mostly wait (grace periods), so this halves the wall time on 2 cores.
# --test-concurrency needs Node >= 20.10; Debian 12's own Node 18 runs the files one by one.
CONCURRENCY=()
if node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=10)?0:1)'; then
  CONCURRENCY=(--test-concurrency=2)
fi
TMPDIR="$RUN_DIR" node --test "${CONCURRENCY[@]}" test/*.test.js
