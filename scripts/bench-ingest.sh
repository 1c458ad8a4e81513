#!/usr/bin/env bash
# The OpenTelemetry receiver's speed bench (bench/ingest/bench.js): throwaway redis-server
# and PostgreSQL 15 on random loopback ports, the project's schema, the receiver as a child
# process; prints throughput vs `psql \copy` of the same rows, span end -> session hash
# latency at a paced rate, and the receiver's RSS over the paced run, each next to its
# target with PASS/FAIL. Run it on an otherwise quiet machine (it is CPU-bound).
#
#   scripts/bench-ingest.sh                        # throughput (3 rounds) + 10 min paced
#   scripts/bench-ingest.sh --seconds 60           # a short paced run
#   scripts/bench-ingest.sh --phases throughput    # throughput only
#
# Options (passed to bench.js): --rounds N --requests N --concurrency N --sessions N
# --seconds N --rate SPANS_PER_S --flush-ms MS --pool-seconds N --phases a,b.
# Leaves nothing running: every server lives under one run directory, the EXIT trap kills
# what is recorded there.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in node npm redis-server psql; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-ingest: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

RUN_DIR=$(mktemp -d /tmp/sbi-bench.XXXXXX)
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

(cd ingest && npm ci --no-audit --no-fund --loglevel=error)
TMPDIR="$RUN_DIR" node bench/ingest/bench.js "$@"
