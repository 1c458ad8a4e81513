#!/usr/bin/env bash
# The README's first command: installs what is needed, builds, starts throwaway Redis and
# PostgreSQL on loopback with the schema applied, starts the fleet simulator, a PM2 fleet
# with the bridge, the OpenTelemetry receiver with one demo agent exporting to it, and
# opens the console on them. Ctrl+C or closing the window stops everything it started.
#   scripts/demo.sh                       # opens the window
#   scripts/demo.sh --screenshots DIR     # headless: writes a PNG of each view to DIR
# The receiver's view of the demo agent (a session fed through OpenTelemetry, opened in Traces):
#   SB_TRACE=otel scripts/demo.sh --screenshots DIR
#   SB_THEME=dark scripts/demo.sh --screenshots DIR          # … in the dark theme
#   QT_SCALE_FACTOR=2 scripts/demo.sh --screenshots DIR      # … at twice the scale
# The processes screenshot with a silent host and a command in progress:
#   SB_SILENT_HOST=edge-07 SB_DEMO_COMMAND=demo-pm2-host/reasoner SB_SHOT_DELAY_MS=4500 \
#     scripts/demo.sh --screenshots DIR
# SB_DEMO_COMMAND=host/app is sent by this script (scripts/lib/command.sh: an audit row as
# the operator login, then the command, the same contract as the console's), never by the
# console: a screenshot run changes nothing in the servers.
set -euo pipefail
# With SB_PRESET=ci the console is built with the sanitizers: leaks at exit (Qt's own) are not
# what a demo is for (ctest and scripts/test.sh set the same).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SHOTS=""
SCENARIO=${SCENARIO:-incident}
while (($#)); do
  case "$1" in
    --screenshots) SHOTS=$(realpath -m "$2"); shift 2 ;;
    --scenario) SCENARIO="$2"; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--screenshots DIR] [--scenario calm|incident|bad-data]" >&2; exit 2 ;;
  esac
done

DEMO_START=$(date +%s)
bash scripts/install-deps.sh
# SB_PRESET picks the build (default release); developers reuse their ci/debug build.
PRESET=${SB_PRESET:-release}
# SB_SKIP_BUILD=1: use the binaries already built (switchboard, switchboard-sim).
# Only what the demo runs is built: the console and the simulator, not the tests and
# benches (on a fresh 2-core machine those were most of a 20-minute first run).
BUILD_S=0
if [[ -z "${SB_SKIP_BUILD:-}" ]]; then
  build_start=$(date +%s)
  cmake --preset "$PRESET" >/dev/null
  cmake --build --preset "$PRESET" --target switchboard switchboard-sim
  BUILD_S=$(($(date +%s) - build_start))
fi

# shellcheck source=lib/servers.sh
source scripts/lib/servers.sh
# shellcheck source=lib/fleet.sh
source scripts/lib/fleet.sh
# shellcheck source=lib/command.sh
source scripts/lib/command.sh
SB_ROOT="$ROOT"
SIM_PID=""
COMMAND_PID=""
cleanup() {
  if [[ -n "$COMMAND_PID" ]]; then kill "$COMMAND_PID" 2>/dev/null || true; wait "$COMMAND_PID" 2>/dev/null || true; fi
  if [[ -n "$SIM_PID" ]]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  sb_stop_receiver
  sb_stop_fleet
  sb_stop_servers
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sb_make_run_dir
sb_start_redis
sb_start_postgres
BIN="$ROOT/build/$PRESET"
"$BIN/app/switchboard" db migrate --pg "$SB_PG_DSN"
sb_create_logins

sb_start_fleet
# SB_SILENT_HOST=NAME: also a host whose bridge died (members stay, hashes expire).
if [[ -n "${SB_SILENT_HOST:-}" ]]; then sb_add_silent_host "$SB_SILENT_HOST"; fi

# SB_BACKFILL=N: N spans of history first (ended sessions for the Traces search).
if [[ "${SB_BACKFILL:-0}" -gt 0 ]]; then
  "$BIN/sim/switchboard-sim" --pg "$SB_PG_DSN" --scenario "$SCENARIO" --seed 41 \
    --backfill "$SB_BACKFILL" >"$SB_RUN_DIR/backfill.log" 2>&1
fi

"$BIN/sim/switchboard-sim" --redis "$SB_REDIS_URI" --pg "$SB_PG_DSN" \
  --scenario "$SCENARIO" --seed 42 >"$SB_RUN_DIR/sim.log" 2>&1 &
SIM_PID=$!
echo "simulator: scenario $SCENARIO (log $SB_RUN_DIR/sim.log)"

# One agent the real way: the OpenTelemetry receiver, and otel-concierge exporting its spans
# to it with the official SDK (the simulator writes the contract directly for the others).
sb_start_receiver
sb_start_otel_agent

# SB_DEMO_COMMAND=host/app: a reload of that app, sent SB_DEMO_COMMAND_AFTER_S seconds
# (default 3) after the console starts, so a screenshot shows a command in progress.
if [[ -n "${SB_DEMO_COMMAND:-}" ]]; then
  (
    sleep "${SB_DEMO_COMMAND_AFTER_S:-3}"
    cmd=$(sb_send_command "${SB_DEMO_COMMAND%%/*}" "${SB_DEMO_COMMAND#*/}" reload all \
      "demo: reload for the screenshot") && echo "command:  reload $SB_DEMO_COMMAND sent (cmd_id $cmd)"
  ) &
  COMMAND_PID=$!
fi

echo "demo: ready in $(($(date +%s) - DEMO_START)) s (install + build $BUILD_S s + servers and fleet)"

# The console logs in as the operator role (sb_create_logins), as in production.
ARGS=(--redis "$SB_REDIS_URI" --pg "$SB_OPERATOR_PG_DSN" --operator "${USER:-demo}")
# SB_TRACE=ID|auto|otel: open that session in the Traces view (auto: newest with recovery
# events; otel: otel-concierge's first with a recovery event, waited for, up to 60 s).
if [[ "${SB_TRACE:-}" == otel ]]; then
  SB_TRACE=$(sb_wait_otel_session 60) || { echo "otel-concierge wrote no recovery event in 60 s; see $SB_RUN_DIR/ingest/" >&2; exit 1; }
  echo "traces:   opening otel-concierge's session $SB_TRACE"
fi
if [[ -n "${SB_TRACE:-}" ]]; then ARGS+=(--trace "$SB_TRACE"); fi
# SB_THEME=light|dark|system: the theme for this run (screenshots of the dark theme);
# QT_SCALE_FACTOR=2 in the environment gives the 2x screenshots.
if [[ -n "${SB_THEME:-}" ]]; then ARGS+=(--theme "$SB_THEME"); fi
if [[ -n "$SHOTS" ]]; then
  QT_QPA_PLATFORM=offscreen "$BIN/app/switchboard" "${ARGS[@]}" --screenshot "$SHOTS" \
    --screenshot-delay "${SB_SHOT_DELAY_MS:-4000}"
elif [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "No display: writing screenshots to $ROOT/screenshots-out instead (or pass --screenshots DIR)."
  QT_QPA_PLATFORM=offscreen "$BIN/app/switchboard" "${ARGS[@]}" --screenshot "$ROOT/screenshots-out"
else
  "$BIN/app/switchboard" "${ARGS[@]}"
fi
