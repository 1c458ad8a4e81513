'use strict';
// The whitelist: pm2_env carries every environment variable of the app and of the shell
// that started it (secrets), so only the fields named here ever leave the host.

const STATUSES = new Set(['online', 'launching', 'stopping', 'stopped', 'errored']);
// PM2's transitional states that the contract folds into `launching`.
const LAUNCHING = new Set(['one-launch-status', 'waiting restart']);

function str(v) {
  if (v === undefined || v === null) return '';
  return String(v);
}

function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? String(n) : '';
}

function execMode(mode) {
  if (mode === 'cluster_mode') return 'cluster';
  if (mode === 'fork_mode') return 'fork';
  return str(mode);
}

// The layer (sip|llm|tool|session|…) is declared by the app itself in its PM2 config,
// either as env SWITCHBOARD_LAYER or as a top-level `layer` field; nothing else of env is read.
function layerOf(env) {
  const fromEnv = env.env && typeof env.env === 'object' ? env.env.SWITCHBOARD_LAYER : undefined;
  const layer = fromEnv || env.SWITCHBOARD_LAYER || env.layer || '';
  return str(layer).slice(0, 64);
}

function isModule(proc) {
  return Boolean(proc && proc.pm2_env && proc.pm2_env.pmx_module);
}

// One PM2 process description (pm2.list element) -> the contract's proc hash fields.
// heartbeatAt is Redis server time; offset (server - local) turns PM2's local-clock
// pm_uptime into server time too, so the console's uptime is right on a skewed host.
function procFields(proc, host, heartbeatAt, heartbeatMs, offset = 0) {
  const env = proc.pm2_env || {};
  const monit = proc.monit || {};
  const status = LAUNCHING.has(env.status) ? 'launching' : STATUSES.has(env.status) ? env.status : str(env.status);
  const pid = Number(proc.pid) > 0 ? String(proc.pid) : ''; // empty = not set: no process
  const version = env.version && env.version !== 'N/A' ? env.version : '';
  return {
    host,
    app: str(proc.name),
    pm_id: num(proc.pm_id),
    pid,
    layer: layerOf(env),
    namespace: str(env.namespace),
    status,
    exec_mode: execMode(env.exec_mode),
    // The contract wants an integer; PM2 can hold 'max' or -1 before it resolves them.
    instances: Number.isInteger(Number(env.instances ?? 1)) && Number(env.instances ?? 1) > 0 ? String(Number(env.instances ?? 1)) : '',
    restarts: num(env.restart_time),
    unstable_restarts: num(env.unstable_restarts),
    started_at: Number.isFinite(Number(env.pm_uptime)) && env.pm_uptime !== null && env.pm_uptime !== '' ? String(Number(env.pm_uptime) + offset) : '',
    cpu: num(monit.cpu),
    memory: num(monit.memory),
    version: str(version).slice(0, 64),
    heartbeat_at: String(heartbeatAt),
    heartbeat_ms: String(heartbeatMs),
  };
}

module.exports = { procFields, isModule, layerOf };
