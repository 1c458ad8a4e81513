#!/usr/bin/env bash
# The OpenTelemetry receiver's tests: node --test with real OpenTelemetry clients against the
# receiver (a child process), a real redis-server and PostgreSQL 15 on random loopback ports,
# all started and stopped by the tests. Idempotent; leaves nothing running even when a test
# is killed half-way: every server lives under one run directory, and the EXIT trap stops
# what is recorded there.
set -euo pipefail
cd "$(dirname "$0")/../ingest"

for tool in node npm redis-server; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-ingest: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

RUN_DIR=$(mktemp -d /tmp/sbi-run.XXXXXX)
chmod 755 "$RUN_DIR" # the postgres user (Postgres refuses root) must reach its data dir
cleanup() {
  for pidfile in "$RUN_DIR"/*/redis.pid "$RUN_DIR"/*/receiver.pid "$RUN_DIR"/*/data/postmaster.pid; do
    [[ -f "$pidfile" ]] || continue
    pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

npm ci --no-audit --no-fund --loglevel=error
CONCURRENCY=()
if node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=10)?0:1)'; then
  CONCURRENCY=(--test-concurrency=2)
fi
TMPDIR="$RUN_DIR" node --test "${CONCURRENCY[@]}" test/*.test.js
