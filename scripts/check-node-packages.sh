#!/usr/bin/env bash
# Checks the switchboard-ingest and switchboard-bridge .debs (scripts/package-node.sh) the
# way an administrator meets them: lintian (errors fail), apt installs them, the files,
# user and modes are where they should be, systemd-analyze verifies the units, then the
# INSTALLED programs run against throwaway servers (scripts/lib/servers.sh):
# - the receiver as its system user with a settings file of mode 0640 whose secrets are
#   files (Redis with requirepass, a Postgres login with a scram password), one OTLP/JSON
#   span POSTed to it, found in agentops.spans and its session in Redis;
# - the bridge (as an unprivileged user, with its vendored PM2's daemon in a temp
#   PM2_HOME running one app), until that app is in Redis's `procs`.
# The schema comes from resources/sql/*.sql, applied with psql as the Node tests do.
#   scripts/check-node-packages.sh INGEST.deb BRIDGE.deb
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
if (($# != 2)); then
  echo "usage: $0 switchboard-ingest_*.deb switchboard-bridge_*.deb" >&2
  exit 2
fi
ING_DEB=$(realpath "$1")
BRI_DEB=$(realpath "$2")
VERSION=$(sed -n 's/^project(Switchboard VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
start=$(date +%s)
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
fail() {
  echo "check-node-packages: $*" >&2
  exit 1
}

echo "== lintian (node packages; errors fail, warnings are printed)"
lintian --fail-on error --tag-display-limit 0 "$ING_DEB" "$BRI_DEB"

echo "== install"
export DEBIAN_FRONTEND=noninteractive
# --reinstall: a re-run with the same version must check the new build, not the old one.
$SUDO apt-get install -y -q --reinstall --no-install-recommends "$ING_DEB" "$BRI_DEB" >/dev/null
for p in switchboard-ingest switchboard-bridge; do
  v=$(dpkg-query -W -f='${Version} ${Status}' "$p")
  [[ "$v" == "$VERSION install ok installed" ]] || fail "$p: '$v', expected $VERSION installed"
done

echo "== installed files"
for f in /usr/bin/switchboard-ingest /usr/bin/switchboard-bridge; do
  [[ -x $f ]] || fail "$f missing or not executable"
done
for d in /usr/lib/switchboard-ingest/node_modules/{pg,ioredis} \
  /usr/lib/switchboard-bridge/node_modules/{pg,ioredis,pm2}; do
  [[ -f $d/package.json ]] || fail "$d missing"
done
# Production dependencies only: none of the receiver's test clients.
[[ ! -e /usr/lib/switchboard-ingest/node_modules/@opentelemetry ]] || fail "dev dependencies installed"
for f in /lib/systemd/system/switchboard-ingest.service "/lib/systemd/system/switchboard-bridge@.service" \
  /usr/share/doc/switchboard-ingest/{changelog.gz,copyright,README.md} \
  /usr/share/doc/switchboard-bridge/{changelog.gz,copyright,README.md}; do
  [[ -s $f ]] || fail "$f missing"
done
getent passwd switchboard-ingest | grep -q ':/usr/sbin/nologin$' || fail "no system user switchboard-ingest"
[[ $(stat -c '%a %U %G' /etc/switchboard/ingest.json) == "640 root switchboard-ingest" ]] ||
  fail "/etc/switchboard/ingest.json: $(stat -c '%a %U %G' /etc/switchboard/ingest.json)"
[[ $(stat -c '%a %U %G' /etc/switchboard/bridge.json) == "640 root root" ]] ||
  fail "/etc/switchboard/bridge.json: $(stat -c '%a %U %G' /etc/switchboard/bridge.json)"
[[ $(env -i PATH=/usr/bin:/bin /usr/bin/switchboard-bridge --version) == "switchboard-bridge $VERSION" ]] ||
  fail "switchboard-bridge --version"

echo "== systemd units"
UNITS=$(mktemp -d)
trap 'rm -rf "$UNITS"' EXIT
# A template verifies as an instance; "daemon" is a user every Debian system has.
cp "/lib/systemd/system/switchboard-bridge@.service" "$UNITS/switchboard-bridge@daemon.service"
systemd-analyze verify /lib/systemd/system/switchboard-ingest.service "$UNITS/switchboard-bridge@daemon.service"
for u in /lib/systemd/system/switchboard-ingest.service "$UNITS/switchboard-bridge@daemon.service"; do
  systemd-analyze security --offline=true "$u" 2>/dev/null | grep 'Overall exposure' || true
done

echo "== the installed receiver against throwaway Redis and Postgres"
# shellcheck source=lib/servers.sh
source scripts/lib/servers.sh
RECEIVER_PID=""
BRIDGE_PID=""
PM2_HOME_DIR=""
cleanup() {
  [[ -n "$RECEIVER_PID" ]] && kill "$RECEIVER_PID" 2>/dev/null || true
  [[ -n "$BRIDGE_PID" ]] && kill "$BRIDGE_PID" 2>/dev/null || true
  if [[ -n "$PM2_HOME_DIR" ]]; then
    runuser -u nobody -- env PM2_HOME="$PM2_HOME_DIR" HOME="$PM2_HOME_DIR" \
      /usr/bin/node /usr/lib/switchboard-bridge/node_modules/pm2/bin/pm2 kill >/dev/null 2>&1 || true
  fi
  sb_stop_servers
  rm -rf "$UNITS"
}
trap cleanup EXIT
sb_make_run_dir
sb_start_redis
sb_start_postgres
for f in resources/sql/*.sql; do
  sb_as_postgres "$SB_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres -d agentops \
    -v ON_ERROR_STOP=1 -f - <"$f" >/dev/null
done

# Secrets, random for this run, only ever in files (mode 0640, group of the service user)
# and on stdin: never in argv.
SECRETS="$SB_RUN_DIR/secrets"
mkdir -m 0750 "$SECRETS"
chgrp switchboard-ingest "$SECRETS"
new_secret() { head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'; }
(umask 027 && new_secret >"$SECRETS/redis-password" && new_secret >"$SECRETS/pg-password" &&
  new_secret >"$SECRETS/token")
chgrp switchboard-ingest "$SECRETS"/*
redis-cli -p "$SB_REDIS_PORT" -x CONFIG SET requirepass <"$SECRETS/redis-password" >/dev/null
# redis-cli takes the password from its environment, not from argv.
REDISCLI_AUTH=$(cat "$SECRETS/redis-password")
export REDISCLI_AUTH
[[ $(redis-cli -p "$SB_REDIS_PORT" --no-auth-warning PING) == PONG ]] || fail "redis auth"
# The receiver's Postgres login: agentops_writer, a scram password (the throwaway server
# trusts every other loopback login).
{
  printf "SET password_encryption = 'scram-sha-256';\n"
  printf "CREATE ROLE sb_ingest LOGIN IN ROLE agentops_writer PASSWORD '%s';\n" "$(cat "$SECRETS/pg-password")"
} | sb_as_postgres "$SB_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres -d agentops -v ON_ERROR_STOP=1
sed -i '1i host all sb_ingest 127.0.0.1/32 scram-sha-256' "$SB_PG_DATA/pg_hba.conf"
sb_as_postgres "$SB_PG_BIN/pg_ctl" -D "$SB_PG_DATA" reload >/dev/null

PORT=$(sb_free_port)
CONF="$SB_RUN_DIR/ingest.json"
cat >"$CONF" <<EOF
{"listen_host": "127.0.0.1", "port": $PORT, "redis_uri": "$SB_REDIS_URI",
 "redis_password_file": "$SECRETS/redis-password",
 "pg_dsn": "host=127.0.0.1 port=$SB_PG_PORT dbname=agentops user=sb_ingest",
 "pg_password_file": "$SECRETS/pg-password", "token_file": "$SECRETS/token", "quiet_ms": 1000}
EOF
chgrp switchboard-ingest "$CONF"
chmod 0640 "$CONF"
# As the unit runs it: its user, an empty environment, the settings file only (setpriv
# execs, so the pid is the receiver's).
setpriv --reuid switchboard-ingest --regid switchboard-ingest --init-groups -- \
  env -i PATH=/usr/bin:/bin /usr/bin/switchboard-ingest \
  --config "$CONF" >"$SB_RUN_DIR/receiver.log" 2>&1 &
RECEIVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$SB_RUN_DIR/receiver.log" && break
  kill -0 "$RECEIVER_PID" 2>/dev/null || { cat "$SB_RUN_DIR/receiver.log"; fail "the receiver exited"; }
  sleep 0.1
done
grep -q "listening on http://127.0.0.1:$PORT/v1/traces (bearer token required)" "$SB_RUN_DIR/receiver.log" ||
  { cat "$SB_RUN_DIR/receiver.log"; fail "the receiver is not listening"; }

TRACE=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
SPAN=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
SESSION="pkgcheck-$SPAN"
now_ms=$(date +%s%3N)
BODY=$(
  cat <<EOF
{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"package-check"}}]},
 "scopeSpans":[{"scope":{"name":"package-check"},"spans":[{"traceId":"$TRACE","spanId":"$SPAN","name":"chat gpt-4.1",
 "kind":3,"startTimeUnixNano":"$((now_ms - 800))000000","endTimeUnixNano":"${now_ms}000000","status":{"code":1},
 "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
  {"key":"gen_ai.conversation.id","value":{"stringValue":"$SESSION"}},
  {"key":"gen_ai.agent.name","value":{"stringValue":"package-check"}},
  {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4.1"}},
  {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1200"}},
  {"key":"gen_ai.usage.output_tokens","value":{"intValue":"80"}}]}]}]}]}
EOF
)
AUTH_HEADER="$SB_RUN_DIR/auth-header"
(umask 077 && printf 'Authorization: Bearer %s\n' "$(cat "$SECRETS/token")" >"$AUTH_HEADER")
# Without the token: refused.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$BODY" \
  "http://127.0.0.1:$PORT/v1/traces")
[[ "$code" == 401 ]] || fail "a POST without the bearer token got HTTP $code, expected 401"
code=$(curl -s -o "$SB_RUN_DIR/post.out" -w '%{http_code}' -H @"$AUTH_HEADER" \
  -H 'Content-Type: application/json' --data-binary "$BODY" "http://127.0.0.1:$PORT/v1/traces")
[[ "$code" == 200 ]] || { cat "$SB_RUN_DIR/post.out" "$SB_RUN_DIR/receiver.log"; fail "POST: HTTP $code"; }
psql_q() {
  sb_as_postgres "$SB_PG_BIN/psql" -X -At -h 127.0.0.1 -p "$SB_PG_PORT" -U postgres -d agentops -c "$1"
}
row=""
for _ in $(seq 1 100); do
  row=$(psql_q "SELECT session_id || ' ' || agent || ' ' || coalesce(model, '') FROM agentops.spans WHERE span_id = '$SPAN'")
  [[ -n "$row" ]] && break
  sleep 0.1
done
[[ "$row" == "$SESSION package-check gpt-4.1" ]] || { cat "$SB_RUN_DIR/receiver.log"; fail "span not in agentops.spans (got '$row')"; }
live=$(redis-cli -p "$SB_REDIS_PORT" --no-auth-warning --scan --pattern "agentops:session:$SESSION*" | wc -l)
((live > 0)) || { cat "$SB_RUN_DIR/receiver.log"; fail "no live session keys in Redis"; }
echo "receiver: span $SPAN in agentops.spans (session $SESSION), $live live key(s) in Redis"
grep -qF -f "$SECRETS/redis-password" "$SB_RUN_DIR/receiver.log" && fail "the Redis password is in the log"
grep -qF -f "$SECRETS/pg-password" "$SB_RUN_DIR/receiver.log" && fail "the Postgres password is in the log"
kill "$RECEIVER_PID"
wait "$RECEIVER_PID" || fail "the receiver did not exit 0 on SIGTERM"
RECEIVER_PID=""

echo "== the installed bridge next to a PM2 daemon (its vendored PM2), as an unprivileged user"
PM2_HOME_DIR="$SB_RUN_DIR/pm2"
mkdir -m 0700 "$PM2_HOME_DIR"
chown nobody:nogroup "$PM2_HOME_DIR"
printf 'setInterval(() => {}, 1000);\n' >"$SB_RUN_DIR/idle.js"
chmod 0644 "$SB_RUN_DIR/idle.js"
as_pm2_user() { runuser -u nobody -- env -i PATH=/usr/bin:/bin PM2_HOME="$PM2_HOME_DIR" HOME="$PM2_HOME_DIR" "$@"; }
as_pm2_user /usr/bin/node /usr/lib/switchboard-bridge/node_modules/pm2/bin/pm2 start "$SB_RUN_DIR/idle.js" \
  --name pkgcheck-app >/dev/null
BCONF="$SB_RUN_DIR/bridge.json"
# As the unit hands it over: a file readable by the bridge's user only.
cat >"$BCONF" <<EOF
{"redis_uri": "$SB_REDIS_URI", "redis_password": "$(cat "$SECRETS/redis-password")", "host": "pkgcheck",
 "heartbeat_ms": 500}
EOF
chown nobody:nogroup "$BCONF"
chmod 0600 "$BCONF"
setpriv --reuid nobody --regid nogroup --clear-groups -- env -i PATH=/usr/bin:/bin \
  PM2_HOME="$PM2_HOME_DIR" HOME="$PM2_HOME_DIR" /usr/bin/switchboard-bridge --config "$BCONF" >"$SB_RUN_DIR/bridge.log" 2>&1 &
BRIDGE_PID=$!
member=""
for _ in $(seq 1 150); do
  member=$(redis-cli -p "$SB_REDIS_PORT" --no-auth-warning ZRANGE agentops:procs 0 -1 | grep '^pkgcheck:pkgcheck-app:' || true)
  [[ -n "$member" ]] && break
  kill -0 "$BRIDGE_PID" 2>/dev/null || { cat "$SB_RUN_DIR/bridge.log"; fail "the bridge exited"; }
  sleep 0.1
done
[[ -n "$member" ]] || { cat "$SB_RUN_DIR/bridge.log"; fail "the bridge did not publish pkgcheck-app"; }
status=$(redis-cli -p "$SB_REDIS_PORT" --no-auth-warning HGET "agentops:proc:$member" status)
[[ "$status" == online ]] || fail "agentops:proc:$member status '$status'"
grep -qF -f "$SECRETS/redis-password" "$SB_RUN_DIR/bridge.log" && fail "the Redis password is in the bridge's log"
echo "bridge: published $member ($status)"
kill "$BRIDGE_PID"
wait "$BRIDGE_PID" || fail "the bridge did not exit 0 on SIGTERM"
BRIDGE_PID=""
echo "check-node-packages: passed in $(($(date +%s) - start)) s"
