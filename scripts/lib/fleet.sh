# A real PM2 daemon with sample agents and the Switchboard bridge, for the demo.
# Source after servers.sh; needs SB_RUN_DIR and SB_REDIS_URI, and SB_BRIDGE_PG_DSN (a login
# in agentops_bridge, sb_create_logins: the bridge checks each command's audit row with it;
# passed in its environment). sb_stop_fleet stops it all.

SB_PM2_HOME=""
SB_BRIDGE_PID=""

sb_pm2() { PM2_HOME="$SB_PM2_HOME" node "$SB_ROOT/bridge/node_modules/pm2/bin/pm2" "$@"; }

sb_start_fleet() {
  SB_ROOT=${SB_ROOT:-$(pwd)}
  (cd "$SB_ROOT/bridge" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  SB_PM2_HOME="$SB_RUN_DIR/pm2"
  mkdir -p "$SB_PM2_HOME"
  local fixtures="$SB_ROOT/bridge/test/fixtures"
  cat >"$SB_RUN_DIR/ecosystem.config.js" <<JS
module.exports = { apps: [
  { name: 'sip-gateway', script: '$fixtures/agent.js', exec_mode: 'cluster', instances: 2,
    env: { SWITCHBOARD_LAYER: 'voice' } },
  { name: 'reasoner', script: '$fixtures/agent.js', exec_mode: 'fork',
    env: { SWITCHBOARD_LAYER: 'llm' } },
  { name: 'tool-runner', script: '$fixtures/agent.py', interpreter: 'python3',
    env: { SWITCHBOARD_LAYER: 'tool' } },
]};
JS
  sb_pm2 start "$SB_RUN_DIR/ecosystem.config.js" >/dev/null
  SWITCHBOARD_BRIDGE_REDIS_URI="$SB_REDIS_URI" SWITCHBOARD_BRIDGE_HOST="demo-pm2-host" \
    SWITCHBOARD_BRIDGE_PG_DSN="${SB_BRIDGE_PG_DSN:-}" \
    PM2_HOME="$SB_PM2_HOME" node "$SB_ROOT/bridge/src/main.js" >"$SB_RUN_DIR/bridge.log" 2>&1 &
  SB_BRIDGE_PID=$!
  echo "pm2:      4 sample agents on host demo-pm2-host, bridge pid $SB_BRIDGE_PID (log $SB_RUN_DIR/bridge.log)"
}

# A second host whose bridge died: a bridge for host $1 on the same PM2 daemon publishes
# a few heartbeats and is killed (SIGKILL: no clean shutdown). Its members stay in `N procs`
# and its hashes expire: the console shows a silent host. Real writes, nothing faked.
sb_add_silent_host() {
  local host=$1
  SWITCHBOARD_BRIDGE_REDIS_URI="$SB_REDIS_URI" SWITCHBOARD_BRIDGE_HOST="$host" \
    SWITCHBOARD_BRIDGE_PG_DSN="${SB_BRIDGE_PG_DSN:-}" PM2_HOME="$SB_PM2_HOME" node "$SB_ROOT/bridge/src/main.js" >"$SB_RUN_DIR/bridge-$host.log" 2>&1 &
  local pid=$!
  sleep "${SB_SILENT_BEATS_S:-5}"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "pm2:      host $host went silent (its bridge was killed; log $SB_RUN_DIR/bridge-$host.log)"
}

sb_stop_fleet() {
  if [[ -n "$SB_BRIDGE_PID" ]]; then
    kill "$SB_BRIDGE_PID" 2>/dev/null || true
    wait "$SB_BRIDGE_PID" 2>/dev/null || true
  fi
  if [[ -n "$SB_PM2_HOME" && -S "$SB_PM2_HOME/rpc.sock" ]]; then
    sb_pm2 kill >/dev/null 2>&1 || true
  fi
  SB_BRIDGE_PID=""; SB_PM2_HOME=""
}
