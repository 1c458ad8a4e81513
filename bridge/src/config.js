'use strict';
// Bridge settings: one parser for both entry points (the PM2 module, where `pm2 set
// switchboard-pm2-bridge:<key> <value>` stores strings, and the standalone process).
const os = require('os');

const DEFAULTS = Object.freeze({
  redis_uri: 'redis://127.0.0.1:6379',
  redis_ca_file: '', // PEM bundle for rediss:// (verify the server against it)
  redis_cert_file: '', // optional client certificate (mutual TLS)
  redis_key_file: '',
  redis_user: '', // ACL user; overrides the one in the URI
  redis_password: '',
  namespace: 'agentops:',
  host: '', // defaults to os.hostname()
  heartbeat_ms: 2000,
  allowed_actions: 'reload,restart',
  allowed_apps: '*', // comma list of app names, or *
  grace_ms: 5000, // how long a restarted process must stay online to count as succeeded
  command_timeout_ms: 60000, // how long it may take to come back online at all
  events_maxlen: 100000,
  results_maxlen: 100000,
  seen_ttl_s: 24 * 3600, // how long a cmd_id is remembered for deduplication (contract: 24 h)
  claim_idle_ms: 0, // take over another consumer's pending command after this idle time (0 = command_timeout + grace + 5 s)
  retry_max_ms: 30000, // cap of the back-off while no PM2 daemon runs
  // libpq DSN or postgres:// URI, login role a member of agentops_bridge: every command's
  // audit row is checked there (agentops.authorize_command) before PM2 is asked; without
  // it every command is refused. Process events are also copied there.
  pg_dsn: '',
  pg_timeout_ms: 5000, // statement_timeout of each query (and the connect timeout)
  max_command_age_s: 300, // an audit row older than this does not authorize a command
  // Per-app readiness check: JSON object app -> URL, or app -> {"url": URL, "timeout_ms": N}.
  // After a reload/restart the URL must answer HTTP 200 within timeout_ms (default grace_ms).
  // "{pm_id}" in the URL is replaced by each targeted instance's pm_id.
  health_urls: '',
  control_poll_ms: 250, // how often the control stream is polled for new commands
  max_command_bytes: 65536, // a control entry larger than this is refused unread
});

const KNOWN_ACTIONS = ['reload', 'restart'];

// Every integer setting is a delay or a length. Node runs a timer of more than 2^31 - 1 ms
// after 1 ms instead (heartbeat_ms=3e9 was a heartbeat every millisecond), so that is the
// ceiling for all of them (found by test/fuzz.test.js).
const INT_MAX = 2147483647;

// health_urls -> Map app -> {url, timeoutMs|null}; refuses what is not http(s).
function parseHealthUrls(value) {
  const out = new Map();
  if (value === '' || value === undefined || value === null) return out;
  let obj = value;
  if (typeof value === 'string') {
    try {
      obj = JSON.parse(value);
    } catch (e) {
      throw new Error('config health_urls: expected a JSON object app -> URL');
    }
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('config health_urls: expected a JSON object app -> URL');
  for (const [app, v] of Object.entries(obj)) {
    const spec = typeof v === 'string' ? { url: v } : v;
    if (!spec || typeof spec.url !== 'string') throw new Error(`config health_urls: ${app}: expected a URL or {"url": …}`);
    let u;
    try {
      u = new URL(spec.url.replace(/\{pm_id\}/g, '0'));
    } catch (e) {
      throw new Error(`config health_urls: ${app}: not a URL`);
    }
    if (!['http:', 'https:'].includes(u.protocol)) throw new Error(`config health_urls: ${app}: only http:// and https:// URLs`);
    const t = spec.timeout_ms === undefined ? null : int(`health_urls ${app} timeout_ms`, spec.timeout_ms, 100);
    out.set(app, { url: spec.url, timeoutMs: t });
  }
  return out;
}

function int(name, value, min, max = INT_MAX) {
  const n = Number(value);
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`config ${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function list(value) {
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

// Takes a plain object of strings or numbers; unknown keys are ignored (PM2 adds its own).
function parseConfig(raw = {}) {
  const src = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    if (raw[key] !== undefined && raw[key] !== null && raw[key] !== '') src[key] = raw[key];
  }
  const uri = String(src.redis_uri);
  if (!/^rediss?:\/\//.test(uri)) throw new Error('config redis_uri: must start with redis:// or rediss://');
  const actions = list(src.allowed_actions);
  for (const a of actions) {
    if (!KNOWN_ACTIONS.includes(a)) throw new Error(`config allowed_actions: unknown action ${a}`);
  }
  const apps = list(src.allowed_apps);
  const host = String(src.host || os.hostname());
  if (host.includes(':')) throw new Error('config host: must not contain ":" (it separates key parts)');
  const cfg = {
    redisUri: uri,
    redisCaFile: String(src.redis_ca_file),
    redisCertFile: String(src.redis_cert_file),
    redisKeyFile: String(src.redis_key_file),
    redisUser: String(src.redis_user),
    redisPassword: String(src.redis_password),
    namespace: String(src.namespace),
    host,
    heartbeatMs: int('heartbeat_ms', src.heartbeat_ms, 100),
    allowedActions: actions,
    allowedApps: apps.includes('*') ? null : apps, // null = every app
    graceMs: int('grace_ms', src.grace_ms, 0),
    commandTimeoutMs: int('command_timeout_ms', src.command_timeout_ms, 1000),
    eventsMaxlen: int('events_maxlen', src.events_maxlen, 100),
    resultsMaxlen: int('results_maxlen', src.results_maxlen, 100),
    seenTtlS: int('seen_ttl_s', src.seen_ttl_s, 60),
    retryMaxMs: int('retry_max_ms', src.retry_max_ms, 100),
    claimIdleMs: 0,
    pgDsn: String(src.pg_dsn),
    pgTimeoutMs: int('pg_timeout_ms', src.pg_timeout_ms, 100),
    maxCommandAgeS: int('max_command_age_s', src.max_command_age_s, 1),
    healthUrls: parseHealthUrls(src.health_urls),
    controlPollMs: int('control_poll_ms', src.control_poll_ms, 10),
    maxCommandBytes: int('max_command_bytes', src.max_command_bytes, 4096),
  };
  if (cfg.maxCommandAgeS > 3600) throw new Error('config max_command_age_s: at most 3600');
  cfg.claimIdleMs = int('claim_idle_ms', src.claim_idle_ms, 0) || cfg.commandTimeoutMs + cfg.graceMs + 5000;
  return Object.freeze(cfg);
}

// Every Redis key the bridge touches, in one place, so they match docs/contract.md.
function keysFor(cfg) {
  const N = cfg.namespace;
  const h = cfg.host;
  return Object.freeze({
    proc: (app, pmId) => `${N}proc:${h}:${app}:${pmId}`,
    procMember: (app, pmId) => `${h}:${app}:${pmId}`,
    procs: `${N}procs`,
    procEvents: `${N}proc-events`,
    control: `${N}control:${h}`,
    controlResults: `${N}control-results`,
    controlSeen: (cmdId) => `${N}control-seen:${h}:${cmdId}`,
    bridgeLease: `${N}bridge:${h}`,
    controlGroup: 'bridge',
    consumer: `${h}:${process.pid}`,
  });
}

module.exports = { parseConfig, keysFor, parseHealthUrls, DEFAULTS, KNOWN_ACTIONS };
