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

# The OpenTelemetry receiver (ingest/) and a demo agent that reaches Switchboard only
# through it (ingest/demo/agent.js: the official SDK exporting OTLP/protobuf). As in
# production (ingest/README.md): the receiver writes Redis as its own ACL user (docs/
# contract.md, Roles) and Postgres as a login in agentops_writer, and wants a bearer token.
# Secrets are made here and kept in 0600 files of the run dir, which the receiver and the
# agent read (redis_password_file, token_file, --token-file), never in argv or the
# environment: the Redis ACL goes to redis-cli on stdin. Needs SB_RUN_DIR,
# SB_REDIS_PORT, SB_REDIS_URI, SB_PG_PORT, and the migrations applied.
SB_INGEST_PID=""
SB_OTEL_AGENT_PID=""
SB_INGEST_URL=""

sb_start_receiver() {
  SB_ROOT=${SB_ROOT:-$(pwd)}
  # npm ci only when the packages are missing or older than the lock file (a pull that
  # added a dependency); the SDK the demo agent uses is a dev package.
  local lock="$SB_ROOT/ingest/node_modules/.package-lock.json"
  if [[ ! -d "$SB_ROOT/ingest/node_modules/@opentelemetry/sdk-trace-node" || ! -f "$lock" \
        || "$SB_ROOT/ingest/package-lock.json" -nt "$lock" ]]; then
    (cd "$SB_ROOT/ingest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  local dir="$SB_RUN_DIR/ingest" port
  mkdir -p "$dir"
  chmod 700 "$dir"
  (
    umask 077
    head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/redis.secret"
    head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/token"
  )
  printf 'ACL SETUSER ingest on >%s resetkeys ~agentops:session:* ~agentops:sessions ~agentops:events resetchannels -@all +evalsha +eval +script|load +zremrangebyscore +ping +hello +auth +client|setname +info +select +hset +hget +hincrby +hexists +hdel +zadd +pexpire +exists +set +xadd\n' \
    "$(cat "$dir/redis.secret")" | redis-cli -p "$SB_REDIS_PORT" >"$dir/acl.out"
  if [[ "$(cat "$dir/acl.out")" != "OK" ]]; then
    echo "redis: ACL SETUSER ingest failed: $(cat "$dir/acl.out")" >&2
    return 1
  fi
  # The throwaway server trusts loopback logins (servers.sh): the login has no password.
  sb_as_postgres "$SB_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres -d agentops \
    -v ON_ERROR_STOP=1 -c 'CREATE ROLE sb_ingest LOGIN IN ROLE agentops_writer' >/dev/null
  port=$(sb_free_port)
  cat >"$dir/ingest.json" <<JSON
{"listen_host": "127.0.0.1", "port": $port, "redis_uri": "$SB_REDIS_URI", "redis_user": "ingest",
 "pg_dsn": "host=127.0.0.1 port=$SB_PG_PORT user=sb_ingest dbname=agentops",
 "redis_password_file": "$dir/redis.secret", "token_file": "$dir/token", "model_windows": {}}
JSON
  node "$SB_ROOT/ingest/src/main.js" --config "$dir/ingest.json" >"$dir/receiver.log" 2>&1 &
  SB_INGEST_PID=$!
  for _ in $(seq 1 150); do
    if grep -q ' listening on ' "$dir/receiver.log" 2>/dev/null; then
      SB_INGEST_URL="http://127.0.0.1:$port/v1/traces"
      echo "receiver: $SB_INGEST_URL (OTLP/HTTP, bearer token in $dir/token; Redis user ingest, Postgres login sb_ingest; log $dir/receiver.log)"
      return 0
    fi
    if ! kill -0 "$SB_INGEST_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "the receiver did not start; see $dir/receiver.log:" >&2
  tail -n 5 "$dir/receiver.log" >&2
  return 1
}

# The demo agent otel-concierge, exporting to the receiver (its log: $SB_RUN_DIR/ingest/agent.log).
sb_start_otel_agent() {
  node "$SB_ROOT/ingest/demo/agent.js" --endpoint "$SB_INGEST_URL" \
    --token-file "$SB_RUN_DIR/ingest/token" >"$SB_RUN_DIR/ingest/agent.log" 2>&1 &
  SB_OTEL_AGENT_PID=$!
  echo "otel:     agent otel-concierge on host otel-demo-host sends its spans to the receiver, pid $SB_OTEL_AGENT_PID (log $SB_RUN_DIR/ingest/agent.log)"
}

# The agent first (SIGTERM: its last spans are exported), then the receiver (SIGTERM: it
# writes what it has accepted and closes).
sb_stop_receiver() {
  local pid
  for pid in "$SB_OTEL_AGENT_PID" "$SB_INGEST_PID"; do
    [[ -n "$pid" ]] || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SB_OTEL_AGENT_PID=""; SB_INGEST_PID=""
}

# Prints the id of otel-concierge's earliest session with a recovery event whose span is
# written, waiting up to $1 seconds for one (the first conversation has one in its second
# turn; its spans are written when the turn ends: an OpenTelemetry parent ends last).
sb_wait_otel_session() {
  local sid=""
  for _ in $(seq 1 $(($1 * 2))); do
    sid=$(sb_as_postgres "$SB_PG_BIN/psql" -X -At -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres -d agentops \
      -c "SELECT e.session_id FROM agentops.recovery_events e JOIN agentops.spans s USING (span_id)
          WHERE e.agent = 'otel-concierge' ORDER BY e.at LIMIT 1" 2>/dev/null || true)
    if [[ -n "$sid" ]]; then echo "$sid"; return 0; fi
    sleep 0.5
  done
  return 1
}
