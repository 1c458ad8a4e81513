#!/usr/bin/env bash
# Builds the release preset and runs the benchmarks that check the issues' figures, one
# after the other (they measure event-loop stalls: run them on an otherwise idle machine).
# Each prints its figures next to a baseline measured in the same run.
#
#   scripts/bench.sh                 # procs, sessions, events, traces (100 000 spans)
#   scripts/bench.sh traces-10m      # the traces bench with 10 million spans (~6 min)
#   scripts/bench.sh procs events    # a selection
#   scripts/bench.sh idle            # the console left open on the demo fleet (~2 min)
#
# Output is also kept in build/release/bench-<name>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SB_SKIP_BUILD:-0}" != 1 ]]; then
  cmake --preset release >/dev/null
  cmake --build build/release -j"$(nproc)" --target bench_procs bench_sessions bench_events \
    bench_traces bench_prompts bench_idle
fi
export QT_QPA_PLATFORM=offscreen
b=build/release/bench
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(procs sessions events traces idle)
for name in "${names[@]}"; do
  case "$name" in
    procs) cmd=("$b/procs/bench_procs" --seconds 40) ;;
    sessions) cmd=("$b/sessions/bench_sessions") ;;
    events) cmd=("$b/events/bench_events") ;;
    traces) cmd=("$b/traces/bench_traces" --bulk 0 --spans 100000) ;;
    traces-10m) cmd=("$b/traces/bench_traces" --bulk 10000000 --spans 100000) ;;
    prompts) cmd=("$b/prompts/bench_prompts") ;;
    idle) cmd=("$b/idle/bench_idle") ;;
    *) echo "unknown bench: $name" >&2; exit 2 ;;
  esac
  echo "== $name: ${cmd[*]} (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  "${cmd[@]}" 2>&1 | tee "build/release/bench-$name.log"
done
