# Sends a reload / restart the way the console does, through the same contract: the audit
# row first (agentops.request_action, as an operator's login: the server stamps its
# db_role, which the bridge checks), then the command on `N control:{host}` with its
# audit_id and Redis server times (TIME), expiring 60 s later. Source after servers.sh;
# needs SB_REDIS_PORT, SB_PG_BIN and SB_OPERATOR_PG_DSN (sb_create_logins).
#   sb_send_command HOST APP ACTION PM_ID|all REASON   # prints the cmd_id
# Nothing secret in argv: the demo's logins use the throwaway server's trust auth.

sb_send_command() {
  local host=$1 app=$2 action=$3 pm_id=$4 reason=$5
  local cmd_id audit_id now_s now_us requested_at
  cmd_id=$(cat /proc/sys/kernel/random/uuid)
  # psql variables (:'name') quote the values: no SQL is built from them.
  audit_id=$("$SB_PG_BIN/psql" "$SB_OPERATOR_PG_DSN" -X -q -At -v ON_ERROR_STOP=1 \
    -v action="$action" -v host="$host" -v app="$app" -v pm_id="$pm_id" -v cmd_id="$cmd_id" \
    -v reason="$reason" -v operator="${USER:-demo}" -v client="$(hostname)" <<'SQL'
SET statement_timeout = '5s';
SELECT id FROM agentops.request_action(:'action', :'host', :'app', :'pm_id', :'cmd_id',
    :'reason', '{"source": "scripts/lib/command.sh"}'::jsonb, :'operator', :'client');
SQL
  ) || { echo "sb_send_command: the audit row was refused; nothing sent" >&2; return 1; }
  # The bridge judges requested_at / expires_at by Redis TIME: so does the sender.
  read -r now_s now_us < <(redis-cli -p "$SB_REDIS_PORT" TIME | tr '\n' ' ')
  requested_at=$((now_s * 1000 + now_us / 1000))
  redis-cli -p "$SB_REDIS_PORT" XADD "agentops:control:$host" MAXLEN '~' 10000 '*' \
    cmd_id "$cmd_id" action "$action" app "$app" pm_id "$pm_id" \
    requested_by "${USER:-demo}" client_host "$(hostname)" reason "$reason" \
    requested_at "$requested_at" expires_at "$((requested_at + 60000))" \
    audit_id "$audit_id" >/dev/null
  echo "$cmd_id"
}
