#!/usr/bin/env bash
# The fuzzing campaign (docs/decisions.md "Fuzzing"): configures and builds the fuzz preset
# (clang, libFuzzer, address + undefined sanitizers), then runs every target in tests/fuzz
# for a bounded time from its checked-in seed corpus, two at a time, and prints per target
# the executions, executions per second and libFuzzer's final coverage (cov: edges,
# ft: features). Fails when any target crashes, leaks, times out or breaks an invariant;
# the reproducer is kept under build/fuzz/runs/<target>/ and named in the output.
#   scripts/fuzz.sh            # 30 s per target
#   scripts/fuzz.sh 600        # 10 minutes per target
#   FUZZ_TARGETS="fuzz_resp fuzz_records" FUZZ_JOBS=1 scripts/fuzz.sh 60
# New inputs found go to build/fuzz/runs/<target>/corpus, never into the repository; to
# keep a crash as a regression seed, copy it to tests/fuzz/corpus/<target>/ (and add a
# case to the parser's Qt Test).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-30}
JOBS=${FUZZ_JOBS:-2}
ALL_TARGETS=(fuzz_resp fuzz_records fuzz_context fuzz_json fuzz_redis_uri fuzz_pg_dsn fuzz_export)
read -r -a TARGETS <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"

# Longest input per target: past the 4 KiB scalar cap for records and replies, a context
# window with many segments; connection strings stay short.
max_len() {
  case "$1" in
  fuzz_redis_uri | fuzz_pg_dsn) echo 1024 ;;
  fuzz_json) echo 8192 ;;
  fuzz_context) echo 65536 ;;
  *) echo 16384 ;;
  esac
}

bash scripts/install-deps.sh
start=$(date +%s)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
built=$(date +%s)

RUNS=build/fuzz/runs
mkdir -p "$RUNS"
# A finding must stop the run and leave a reproducer: UBSan aborts, ASan reports leaks.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1

run_target() {
  local t=$1 dir=$RUNS/$1
  rm -rf "$dir" && mkdir -p "$dir/corpus"
  local dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  set +e
  "build/fuzz/tests/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$t")" \
    -timeout=10 -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$dir/" "${dict[@]}" \
    "$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1
  echo $? >"$dir/status"
  set -e
}

for t in "${TARGETS[@]}"; do
  [[ -x build/fuzz/tests/fuzz/$t ]] || { echo "fuzz: no target $t" >&2; exit 2; }
  while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
  run_target "$t" &
done
wait
done_at=$(date +%s)

failed=0
printf '%-16s %10s %9s %7s %7s %7s  %s\n' target executions 'execs/s' cov ft corpus result
for t in "${TARGETS[@]}"; do
  dir=$RUNS/$t
  status=$(cat "$dir/status")
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  last=$(grep -E '^#[0-9]+\s.*cov: ' "$dir/log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  result=ok
  if [[ "$status" != 0 ]]; then
    result="FAILED (exit $status)"
    failed=1
  fi
  printf '%-16s %10s %9s %7s %7s %7s  %s\n' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$result"
done
for t in "${TARGETS[@]}"; do
  dir=$RUNS/$t
  [[ "$(cat "$dir/status")" == 0 ]] && continue
  echo
  echo "== $t: last lines of $dir/log"
  grep -v -E '^#[0-9]+\s' "$dir/log" | tail -40
  for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
    [[ -e "$a" ]] && echo "reproducer: $a (run: build/fuzz/tests/fuzz/$t $a)"
  done
done
echo "fuzz: build $((built - start)) s, run $((done_at - built)) s (${#TARGETS[@]} targets x ${SECONDS_PER_TARGET} s, $JOBS at a time)"
exit $failed
