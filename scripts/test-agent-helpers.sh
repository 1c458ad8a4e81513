#!/usr/bin/env bash
# The agent helpers' tests (ingest/helpers): Node (node --test) and Python (unittest, Debian's
# python3 with python3-redis), against real redis-server and PostgreSQL 15 on random loopback
# ports and the real `switchboard rollback` CLI, all started and stopped by the tests.
# Idempotent; leaves nothing running, even when a test is killed half-way: every server lives
# under one run directory, and the EXIT trap stops what is recorded there.
#   scripts/test-agent-helpers.sh             # both
#   scripts/test-agent-helpers.sh node|python # one
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHICH=${1:-all}
# Debian's interpreter: python3-redis is installed for it (a pyenv or venv python3 earlier on
# PATH would not see it).
PYTHON=${SB_PYTHON:-/usr/bin/python3}

for tool in node npm redis-server redis-cli "$PYTHON" tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-agent-helpers: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done
"$PYTHON" -c 'import redis' 2>/dev/null || { echo "test-agent-helpers: $PYTHON has no redis module (run scripts/install-deps.sh: python3-redis)" >&2; exit 1; }

# The CLI the tests roll back with (and migrate with): the ci build, built if missing.
export SWITCHBOARD_BIN=${SWITCHBOARD_BIN:-$ROOT/build/ci/app/switchboard}
if [[ ! -x "$SWITCHBOARD_BIN" ]]; then
  (cd "$ROOT" && cmake --preset ci >/dev/null && cmake --build --preset ci --target switchboard)
fi

RUN_DIR=$(mktemp -d /tmp/sbh-run.XXXXXX)
chmod 755 "$RUN_DIR" # the postgres user (Postgres refuses root) must reach its data dir
cleanup() {
  for pidfile in "$RUN_DIR"/sbh-redis-*/redis.pid "$RUN_DIR"/sbh-pg-*/data/postmaster.pid; do
    [[ -f "$pidfile" ]] || continue
    pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

start=$SECONDS
if [[ "$WHICH" == all || "$WHICH" == node ]]; then
  (cd "$ROOT/ingest/helpers/node" && npm ci --no-audit --no-fund --loglevel=error)
  # One file at a time: the rollback test measures latencies. --test-concurrency needs
  # Node >= 20.10; older ones (Debian 12's 18) run the files one by one anyway.
  CONCURRENCY=()
  if node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=10)?0:1)'; then
    CONCURRENCY=(--test-concurrency=1)
  fi
  (cd "$ROOT/ingest/helpers/node" && TMPDIR="$RUN_DIR" node --test "${CONCURRENCY[@]}" test/*.test.js)
fi
if [[ "$WHICH" == all || "$WHICH" == python ]]; then
  (cd "$ROOT/ingest/helpers/python" && TMPDIR="$RUN_DIR" PYTHONDONTWRITEBYTECODE=1 "$PYTHON" -m unittest discover -v -s tests -t .)
fi
echo "test-agent-helpers: done in $((SECONDS - start)) s"
