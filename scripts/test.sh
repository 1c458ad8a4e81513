#!/usr/bin/env bash
# The README's test command: installs what is needed, builds with warnings as errors and
# the address + undefined-behaviour sanitizers (the ci preset), and runs every test
# against real servers the tests start themselves: the Qt Test suites, then the bridge's,
# the OpenTelemetry receiver's and the agent helpers' (Node, Python).
#   scripts/test.sh            # the ci preset
#   scripts/test.sh debug      # a developer's plain Debug build (no sanitizers, faster)
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${1:-ci}
# The sanitized console is also run by the Node and Python tests (`switchboard rollback`):
# leaks at exit are not findings there (ctest sets the same for the Qt Test suites).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

bash scripts/install-deps.sh
cmake --preset "$PRESET"
cmake --build --preset "$PRESET"
# The bridge's node_modules (PM2 itself) before ctest: the end-to-end test of the processes
# view (tst_processes_e2e) runs the real pm2 and bridge from there. Same step as
# scripts/test-bridge.sh's.
if [[ -d bridge ]]; then
  (cd bridge && npm ci --no-audit --no-fund --loglevel=error)
fi
# The receiver's node_modules (and its OpenTelemetry clients) before ctest: tst_ingest_e2e
# runs the receiver and an SDK client from there.
if [[ -d ingest ]]; then
  (cd ingest && npm ci --no-audit --no-fund --loglevel=error)
fi
# Tests start their own servers on random ports, so two at a time is safe on 2 cores.
ctest --preset "$PRESET" -j2 --no-tests=error
if [[ -d bridge/test ]]; then
  bash scripts/test-bridge.sh
fi
if [[ -d ingest/test ]]; then
  bash scripts/test-ingest.sh
fi
if [[ -d ingest/helpers ]]; then
  export SWITCHBOARD_BIN=${SWITCHBOARD_BIN:-$PWD/build/$PRESET/app/switchboard}
  bash scripts/test-agent-helpers.sh
fi
