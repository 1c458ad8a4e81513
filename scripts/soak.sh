#!/usr/bin/env bash
# The fault soak (issue 17.8, docs/soak.md; not in CI): the demo fleet (throwaway Redis and
# Postgres, the simulator, real PM2 with the bridge) and the console (release build,
# offscreen, inside bench/soak/soak_probe) for N minutes while faults are injected at
# seeded random times: Redis killed (-9) and restarted on the same port and dir, Redis
# SIGSTOPped for 20 s, Postgres restarted, the bridge killed and restarted, and bad-data
# bursts (markup, malformed, oversized: scripts/lib/soak_burst.py). The probe asks for a
# reload through the console's own ControlChannel every ACTION_EVERY_S seconds, faults or
# not. At the end: the audit rows against PM2's restart counters, and the table of faults
# and recovery times (scripts/soak_report.py).
#   scripts/soak.sh [--minutes N] [--seed S] [--out DIR] [--events-buffer N]
# --events-buffer N (default 5000; 0 = the console's own 100 000 and an empty stream): the
# stream gets N ordinary events before the console starts and the console's live events
# table keeps N rows, so it starts full and the RSS figure measures growth, not a buffer
# filling (the default buffer would take ~12 h of this soak's event rate to fill).
# SB_SKIP_BUILD=1 uses the release binaries already built; SB_SKIP_DEPS=1 skips
# install-deps.sh. Exit status: 0 when every criterion of docs/soak.md passed, 1 if not.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MINUTES=30
SEED=1
OUT=""
EVENTS_BUFFER=5000
while (($#)); do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --out) OUT=$(realpath -m "$2"); shift 2 ;;
    --events-buffer) EVENTS_BUFFER="$2"; shift 2 ;;
    *) echo "usage: scripts/soak.sh [--minutes N] [--seed S] [--out DIR] [--events-buffer N]" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$ROOT/build/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
ACTION_EVERY_S=${ACTION_EVERY_S:-30}
SCENARIO=${SCENARIO:-calm}
SIM_RATE=${SIM_RATE:-4}
# Ended sessions stay 3 min instead of the contract's hour, so the number of sessions the
# console holds is steady after the warm-up (20 live + the last minutes' ended ones): with
# an hour, a 30-minute run measures the sessions list growing (docs/soak.md, Memory).
SIM_ENDED_TTL_S=${SIM_ENDED_TTL_S:-180}

if [[ -z "${SB_SKIP_DEPS:-}" ]]; then bash scripts/install-deps.sh; fi
if [[ -z "${SB_SKIP_BUILD:-}" ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target switchboard switchboard-sim soak_probe
fi
BIN="$ROOT/build/release"

# shellcheck source=lib/servers.sh
source scripts/lib/servers.sh
# shellcheck source=lib/fleet.sh
source scripts/lib/fleet.sh
SB_ROOT="$ROOT"
SUPERVISOR_PID=""
PROBE_PID=""
now_ms() { date +%s%3N; }
log() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$OUT/soak.log"; }

cleanup() {
  if [[ -n "$PROBE_PID" ]]; then
    # With SB_PROBE_WRAPPER the probe is the wrapper's child: stop it first.
    pkill -TERM -P "$PROBE_PID" 2>/dev/null || true
    kill "$PROBE_PID" 2>/dev/null || true; wait "$PROBE_PID" 2>/dev/null || true
  fi
  if [[ -n "$SUPERVISOR_PID" ]]; then kill "$SUPERVISOR_PID" 2>/dev/null || true; wait "$SUPERVISOR_PID" 2>/dev/null || true; fi
  if [[ -n "$SB_REDIS_PID" ]]; then kill -CONT "$SB_REDIS_PID" 2>/dev/null || true; fi
  if [[ -n "$SB_RUN_DIR" && -d "$SB_RUN_DIR" ]]; then
    cp "$SB_RUN_DIR"/*.log "$OUT/" 2>/dev/null || true
    cp "$SB_RUN_DIR/redis/redis.log" "$OUT/redis.log" 2>/dev/null || true
  fi
  sb_stop_fleet
  sb_stop_servers
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sb_make_run_dir
sb_start_redis
sb_start_postgres
"$BIN/app/switchboard" db migrate --pg "$SB_PG_DSN" >/dev/null
sb_create_logins
sb_start_fleet
PROBE_BUFFER_ARGS=()
if ((EVENTS_BUFFER > 0)); then
  log "prefill: $(python3 scripts/lib/soak_burst.py "$SB_REDIS_PORT" "$SEED" fill "$EVENTS_BUFFER" 2>&1 | tail -1)"
  PROBE_BUFFER_ARGS=(--probe-events-buffer "$EVENTS_BUFFER")
fi

start_redis_again() { # same port, same dir: what a supervisor (systemd) would do
  redis-server --port "$SB_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$SB_RUN_DIR/redis" --daemonize no --logfile "$SB_RUN_DIR/redis/redis.log" &
  SB_REDIS_PID=$!
  for _ in $(seq 1 100); do
    redis-cli -p "$SB_REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "redis did not come back"; return 1
}

start_bridge_again() { # as sb_start_fleet starts it
  SWITCHBOARD_BRIDGE_REDIS_URI="$SB_REDIS_URI" SWITCHBOARD_BRIDGE_HOST="demo-pm2-host" \
    SWITCHBOARD_BRIDGE_PG_DSN="${SB_BRIDGE_PG_DSN:-}" \
    PM2_HOME="$SB_PM2_HOME" node "$SB_ROOT/bridge/src/main.js" >>"$SB_RUN_DIR/bridge.log" 2>&1 &
  SB_BRIDGE_PID=$!
}

# The simulator exits when a write fails (it does not reconnect: docs/soak.md), so a
# supervisor restarts it, each time with the next seed (new session ids: the old ones
# are already in Postgres) once both servers answer again.
(
  k=0
  child=""
  trap 'if [[ -n "$child" ]]; then kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi; exit 0' TERM
  while true; do
    "$BIN/sim/switchboard-sim" --redis "$SB_REDIS_URI" --pg "$SB_PG_DSN" --scenario "$SCENARIO" \
      --rate "$SIM_RATE" --ended-ttl "$SIM_ENDED_TTL_S" --seed $((SEED * 1000 + k)) >>"$SB_RUN_DIR/sim.log" 2>&1 &
    child=$!
    rc=0; wait "$child" || rc=$?
    child=""
    echo -e "sim_exit\t$(now_ms)\t$rc\t$k" >>"$OUT/events.tsv"
    k=$((k + 1))
    sleep 1
    until redis-cli -p "$SB_REDIS_PORT" ping >/dev/null 2>&1 \
      && "$SB_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$SB_PG_PORT"; do sleep 1; done
  done
) &
SUPERVISOR_PID=$!

TOTAL_S=$((MINUTES * 60))
START_MS=$(now_ms)
END_MS=$((START_MS + TOTAL_S * 1000))
QUIET_S=$((TOTAL_S / 4 < 120 ? TOTAL_S / 4 : 120)) # no fault in the last QUIET_S seconds
WARM_S=$((TOTAL_S / 5 < 90 ? TOTAL_S / 5 : 90))   # nor in the first WARM_S
ACTIONS_UNTIL=$((END_MS - (QUIET_S > 75 ? QUIET_S : 75) * 1000))

# SB_PROBE_WRAPPER="heaptrack -o FILE" runs the console under a tool; SB_PROBE_ARGS adds
# probe options (--probe-trim-every S: see bench/soak/soak_probe.cpp).
# shellcheck disable=SC2086
XDG_CONFIG_HOME="$SB_RUN_DIR/config" QT_QPA_PLATFORM=offscreen ${SB_PROBE_WRAPPER:-} \
  "$BIN/bench/soak/soak_probe" ${SB_PROBE_ARGS:-} "${PROBE_BUFFER_ARGS[@]}" --redis "$SB_REDIS_URI" --pg "$SB_OPERATOR_PG_DSN" --operator soak \
  --probe-actions-every "$ACTION_EVERY_S" --probe-actions-until "$ACTIONS_UNTIL" \
  --probe-action-host demo-pm2-host --probe-action-apps reasoner,tool-runner \
  >"$OUT/probe.jsonl" 2>"$OUT/probe.err" &
PROBE_PID=$!
log "soak: $MINUTES min, seed $SEED, out $OUT; probe pid $PROBE_PID, redis $SB_REDIS_URI"

# The schedule: the seven faults in a seeded order, repeated, at seeded times spread over
# [WARM_S, TOTAL_S - QUIET_S] with a jitter of a quarter of the spacing.
RANDOM=$SEED
KINDS=(redis-kill redis-stop pg-restart bridge-kill burst-markup burst-malformed burst-oversized)
SPAN=$((TOTAL_S - WARM_S - QUIET_S))
N=$((SPAN / 110)); ((N >= 3)) || N=3
SPACING=$((SPAN / N))
ORDER=()
while ((${#ORDER[@]} < N)); do
  round=("${KINDS[@]}")
  for ((i = ${#round[@]} - 1; i > 0; i--)); do
    j=$((RANDOM % (i + 1))); tmp=${round[i]}; round[i]=${round[j]}; round[j]=$tmp
  done
  ORDER+=("${round[@]}")
done
AT=()
for ((i = 0; i < N; i++)); do
  jitter=$((SPACING / 4 > 0 ? RANDOM % (SPACING / 2 + 1) - SPACING / 4 : 0))
  AT+=($((WARM_S + i * SPACING + SPACING / 2 + jitter)))
done
echo -e "kind\tstart_ms\tend_ms\tnote" >"$OUT/faults.tsv"

inject() {
  local kind=$1 start end note=""
  start=$(now_ms)
  case "$kind" in
    redis-kill)
      kill -9 "$SB_REDIS_PID"; wait "$SB_REDIS_PID" 2>/dev/null || true
      sleep 5
      start_redis_again
      note="down 5 s, empty on return (no persistence)" ;;
    redis-stop)
      kill -STOP "$SB_REDIS_PID"; sleep 20; kill -CONT "$SB_REDIS_PID"
      note="SIGSTOP 20 s" ;;
    pg-restart)
      sb_as_postgres "$SB_PG_BIN/pg_ctl" -D "$SB_PG_DATA" -m fast -w -t 60 restart \
        -l "$SB_PG_DATA/server.log" >/dev/null
      note="pg_ctl restart -m fast" ;;
    bridge-kill)
      kill -9 "$SB_BRIDGE_PID"; wait "$SB_BRIDGE_PID" 2>/dev/null || true
      sleep 3
      start_bridge_again
      note="down 3 s; new bridge waits for the old lease" ;;
    burst-*)
      note=$(python3 scripts/lib/soak_burst.py "$SB_REDIS_PORT" "$((SEED * 100 + RANDOM))" \
        "${kind#burst-}" 2>&1 | tail -1) ;;
  esac
  end=$(now_ms)
  echo -e "$kind\t$start\t$end\t$note" >>"$OUT/faults.tsv"
  log "fault $kind: $note ($(((end - start) / 1000)) s)"
}

for ((i = 0; i < N; i++)); do
  due=$((START_MS + AT[i] * 1000))
  while (($(now_ms) < due)); do
    sleep 1
    kill -0 "$PROBE_PID" 2>/dev/null || { log "the console died"; break 2; }
  done
  inject "${ORDER[i]}"
done
while (($(now_ms) < END_MS)); do
  sleep 1
  kill -0 "$PROBE_PID" 2>/dev/null || { log "the console died"; break; }
done

# PM2's counters and the audit rows, while everything still runs.
sb_pm2 jlist >"$OUT/pm2.json" 2>/dev/null || echo '[]' >"$OUT/pm2.json"
sb_as_postgres "$SB_PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres -d agentops \
  -c "SET statement_timeout = '10s'" \
  -c "SELECT coalesce(json_agg(a ORDER BY id), '[]') FROM (SELECT id, at, action, target, outcome,
        ref_id, detail FROM agentops.operator_actions WHERE action IN ('reload', 'restart')) a" \
  >"$OUT/audit.json"
echo -e "probe_alive\t$(now_ms)\t$(kill -0 "$PROBE_PID" 2>/dev/null && echo 1 || echo 0)" >>"$OUT/events.tsv"
log "soak finished; report:"
rc=0
python3 scripts/soak_report.py "$OUT" | tee "$OUT/report.md" || rc=$?
exit "$rc"
