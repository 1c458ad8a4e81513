'use strict';
// PM2 bus events -> the contract's proc-events stream. Bus payloads carry the process's
// pm2_env (and with it the environment), so only named fields are copied.

const FORWARDED = new Set(['online', 'exit', 'restart', 'reload', 'stop', 'exception', 'restart overlimit']);
const MAX_DETAIL = 1000;

function clip(s) {
  s = String(s === undefined || s === null ? '' : s);
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s;
}

function detailFor(event, proc, data) {
  switch (event) {
    case 'exit': {
      const code = proc.exit_code;
      return `exit code ${code === undefined || code === null ? 'unknown' : code}` +
        `, restarts ${proc.restart_time ?? '?'}, unstable restarts ${proc.unstable_restarts ?? '?'}`;
    }
    case 'restart overlimit':
      return `too many unstable restarts (${proc.unstable_restarts ?? '?'}); PM2 gave up, status errored`;
    case 'exception': {
      // message (and the error's own name) only: stacks and error objects can carry data.
      const err = data && typeof data === 'object' ? data : {};
      const name = typeof err.name === 'string' ? `${err.name}: ` : '';
      return clip(`${name}${typeof err.message === 'string' ? err.message : 'uncaught exception'}`);
    }
    case 'online':
      return `pid ${proc.pid ?? proc.pm_pid ?? '?'}, restarts ${proc.restart_time ?? '?'}`;
    default:
      return proc.status ? `status ${proc.status}` : '';
  }
}

// Returns the stream fields for a bus packet, or null when it is not one we publish.
// `process:event` packets: {event, manually, process: formatted pm2_env, at}.
// `process:exception` packets: {process: {name, pm_id, …}, data: error, at}.
function eventFields(kind, packet, host) {
  if (!packet || typeof packet !== 'object') return null;
  const proc = packet.process && typeof packet.process === 'object' ? packet.process : {};
  if (proc.pmx_module) return null;
  let event;
  if (kind === 'process:exception') event = 'exception';
  else event = packet.event;
  if (!FORWARDED.has(event)) return null;
  const at = Number(packet.at);
  return {
    host,
    app: String(proc.name ?? ''),
    pm_id: String(proc.pm_id ?? ''),
    event,
    detail: detailFor(event, proc, packet.data),
    at: String(Number.isFinite(at) && at > 0 ? at : Date.now()),
  };
}

module.exports = { eventFields, FORWARDED };
