'use strict';
// PM2 bus events -> the contract's proc-events stream. Bus payloads carry the process's
// pm2_env (and with it the environment), so only named fields are copied.

// PM2 event name -> contract enum (process event).
const EVENT_NAMES = new Map([
  ['online', 'online'], ['exit', 'exit'], ['restart', 'restart'], ['reload', 'reload'], ['stop', 'stop'],
  ['exception', 'exception'], ['restart overlimit', 'restart_overlimit'],
]);
const MAX_MESSAGE = 1000;

function clip(s) {
  s = String(s === undefined || s === null ? '' : s);
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

function intOrNull(v) {
  const n = Number(v);
  return v !== undefined && v !== null && v !== '' && Number.isInteger(n) ? n : null;
}

// The contract's `detail` JSON object: exit_code, message (exception text, capped), by.
function detailFor(event, proc, data, by) {
  const d = {};
  if (event === 'exit') {
    const code = intOrNull(proc.exit_code);
    if (code !== null) d.exit_code = code;
  } else if (event === 'exception') {
    // The message (and the error's own name) only: stacks and error objects carry data.
    const err = data && typeof data === 'object' ? data : {};
    const name = typeof err.name === 'string' ? `${err.name}: ` : '';
    d.message = clip(`${name}${typeof err.message === 'string' ? err.message : 'uncaught exception'}`);
  } else if (event === 'restart_overlimit') {
    d.message = `too many unstable restarts (${intOrNull(proc.unstable_restarts) ?? '?'}): PM2 stopped restarting it`;
  }
  if (by) d.by = by;
  return JSON.stringify(d);
}

// Returns the stream fields for a bus packet, or null when it is not one we publish.
// `process:event` packets: {event, manually, process: formatted pm2_env, at}.
// `process:exception` packets: {process: {name, pm_id, …}, data: error, at}.
// byOf(app) names who asked when the bridge itself is running a command on that app.
// atMs: when the bridge received it, in Redis server time (the contract's one clock);
// without it, PM2's own time of the packet.
function processEventFields(kind, packet, host, byOf = () => '', atMs = undefined) {
  if (!packet || typeof packet !== 'object') return null;
  const proc = packet.process && typeof packet.process === 'object' ? packet.process : {};
  if (proc.pmx_module) return null;
  const event = EVENT_NAMES.get(kind === 'process:exception' ? 'exception' : packet.event);
  if (!event) return null;
  const at = Number(packet.at);
  return {
    host,
    app: String(proc.name ?? ''),
    pm_id: String(proc.pm_id ?? ''),
    event,
    detail: detailFor(event, proc, packet.data, ['restart', 'reload', 'stop'].includes(event) ? byOf(proc.name) : ''),
    at: String(atMs !== undefined ? atMs : Number.isFinite(at) && at > 0 ? at : Date.now()),
  };
}

module.exports = { processEventFields, EVENT_NAMES };
