# Throwaway Redis and PostgreSQL on loopback for the demo. Source this file.
# Every server started here is recorded and stopped by sb_stop_servers (trap it on EXIT).
# Postgres refuses to run as root, so as root it runs as the `postgres` user.

SB_PG_BIN=${SB_PG_BIN:-/usr/lib/postgresql/15/bin}
SB_RUN_DIR=""
SB_REDIS_PID=""
SB_PG_DATA=""

sb_free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

sb_as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

sb_make_run_dir() {
  SB_RUN_DIR=$(mktemp -d /tmp/switchboard-demo.XXXXXX)
  chmod 755 "$SB_RUN_DIR"
}

sb_start_redis() {
  SB_REDIS_PORT=$(sb_free_port)
  mkdir -p "$SB_RUN_DIR/redis"
  redis-server --port "$SB_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$SB_RUN_DIR/redis" --daemonize no --logfile "$SB_RUN_DIR/redis/redis.log" &
  SB_REDIS_PID=$!
  for _ in $(seq 1 100); do
    if redis-cli -p "$SB_REDIS_PORT" ping >/dev/null 2>&1; then
      SB_REDIS_URI="redis://127.0.0.1:$SB_REDIS_PORT"
      echo "redis:    $SB_REDIS_URI (pid $SB_REDIS_PID)"
      return 0
    fi
    sleep 0.1
  done
  echo "redis-server did not start; see $SB_RUN_DIR/redis/redis.log" >&2
  return 1
}

sb_start_postgres() {
  SB_PG_PORT=$(sb_free_port)
  SB_PG_DATA="$SB_RUN_DIR/pgdata"
  mkdir -p "$SB_PG_DATA"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$SB_PG_DATA"; fi
  sb_as_postgres "$SB_PG_BIN/initdb" -D "$SB_PG_DATA" -U postgres -A trust -E UTF8 \
    --locale=C --no-sync >"$SB_RUN_DIR/initdb.log" 2>&1 || {
    echo "initdb failed; see $SB_RUN_DIR/initdb.log" >&2; return 1; }
  sb_as_postgres "$SB_PG_BIN/pg_ctl" -D "$SB_PG_DATA" -l "$SB_PG_DATA/server.log" -w -t 30 \
    -o "-p $SB_PG_PORT -k $SB_PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off" start \
    >/dev/null || { echo "postgres did not start; see $SB_PG_DATA/server.log" >&2; return 1; }
  sb_as_postgres "$SB_PG_BIN/createdb" -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres agentops
  SB_PG_DSN="host=127.0.0.1 port=$SB_PG_PORT user=postgres dbname=agentops"
  echo "postgres: $SB_PG_DSN"
}

# After the migrations (they create the group roles): the login roles of the demo, as a
# production database would have them. The console logs in as an operator (its audit rows
# carry that db_role, which the bridge checks), the bridge as agentops_bridge. The
# throwaway server trusts loopback logins, so no password exists to leak.
sb_create_logins() {
  sb_as_postgres "$SB_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres -d agentops \
    -v ON_ERROR_STOP=1 <<'SQL'
SET statement_timeout = '10s';
CREATE ROLE sb_operator LOGIN IN ROLE agentops_operator;
CREATE ROLE sb_bridge LOGIN IN ROLE agentops_bridge;
SQL
  SB_OPERATOR_PG_DSN="host=127.0.0.1 port=$SB_PG_PORT user=sb_operator dbname=agentops"
  SB_BRIDGE_PG_DSN="host=127.0.0.1 port=$SB_PG_PORT user=sb_bridge dbname=agentops"
  echo "postgres: logins sb_operator (agentops_operator, the console) and sb_bridge (agentops_bridge)"
}

sb_stop_servers() {
  if [[ -n "$SB_PG_DATA" && -f "$SB_PG_DATA/postmaster.pid" ]]; then
    sb_as_postgres "$SB_PG_BIN/pg_ctl" -D "$SB_PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [[ -n "$SB_REDIS_PID" ]]; then
    kill "$SB_REDIS_PID" 2>/dev/null || true
    wait "$SB_REDIS_PID" 2>/dev/null || true
  fi
  if [[ -n "$SB_RUN_DIR" && -d "$SB_RUN_DIR" ]]; then rm -rf "$SB_RUN_DIR"; fi
  SB_PG_DATA=""; SB_REDIS_PID=""; SB_RUN_DIR=""
}
