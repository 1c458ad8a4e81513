#!/usr/bin/env bash
# The README's test command: installs what is needed, builds with warnings as errors,
# and runs every test against real servers the tests start themselves.
#   scripts/test.sh            # the ci preset (Debug, -Werror)
#   scripts/test.sh asan       # the address + undefined sanitizer preset
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${1:-ci}

bash scripts/install-deps.sh
cmake --preset "$PRESET"
cmake --build --preset "$PRESET"
# Tests start their own servers on random ports, so two at a time is safe on 2 cores.
ctest --preset "$PRESET" -j2 --no-tests=error
if [[ "$PRESET" != "asan" && -d bridge/test ]]; then
  bash scripts/test-bridge.sh
fi
