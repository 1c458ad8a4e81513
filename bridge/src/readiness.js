'use strict';
// Readiness, not only PM2's word.
//
// What PM2 (7.0.4, lib/God.js executeApp, lib/God/Reload.js) does: with `wait_ready` it
// waits for the app's process.send('ready') (a `process:msg` bus packet with raw 'ready')
// up to `listen_timeout` (default 3000 ms) after the worker is online, and a cluster-mode
// reload without wait_ready waits for the worker's `listening` event up to listen_timeout.
// Either way, when the time runs out PM2 goes on as if the worker were ready: the
// command's callback reports success and the old worker is stopped. So PM2's answer does
// not say whether the app became ready.
//
// The bridge therefore checks for itself: for a wait_ready app, every targeted instance
// must send 'ready' (seen on PM2's bus) within listen_timeout of the command; for an app
// with a health URL in the settings, the URL must answer HTTP 200 within its timeout.
// PM2 does not publish a cluster worker's `listening` event on its bus: for cluster apps
// without wait_ready, configure a health URL to have readiness checked.
const http = require('http');
const https = require('https');

const DEFAULT_LISTEN_TIMEOUT_MS = 3000; // PM2's GRACEFUL_LISTEN_TIMEOUT
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The `ready` messages PM2's bus reports, by pm_id (local clock of their arrival).
class ReadyWatch {
  constructor() {
    this.last = new Map();
  }

  attach(bus) {
    bus.on('process:msg', (packet) => {
      if (!packet || packet.raw !== 'ready' || !packet.process) return;
      const id = Number(packet.process.pm_id);
      if (Number.isInteger(id)) this.last.set(id, Date.now());
    });
  }

  readySince(pmId, sinceMs) {
    const t = this.last.get(pmId);
    return t !== undefined && t >= sinceMs;
  }
}

// The app's PM2 settings that matter, from its pm2_env.
function waitReadyOf(proc) {
  const env = proc.pm2_env || {};
  if (env.wait_ready !== true && env.wait_ready !== 'true') return null;
  const t = Number(env.listen_timeout);
  return Number.isFinite(t) && t > 0 ? t : DEFAULT_LISTEN_TIMEOUT_MS;
}

// One GET; resolves {status} or rejects. Bounded by timeoutMs; the body is not read.
function getStatus(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: timeoutMs, headers: { 'user-agent': 'switchboard-pm2-bridge' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

// Polls url until it answers 200 or timeoutMs passes. -> {ok, message}
async function waitHealthy(url, timeoutMs, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last = 'not asked';
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) break;
    try {
      const { status } = await getStatus(url, Math.max(100, Math.min(2000, left)));
      if (status === 200) return { ok: true, message: `${url} answered 200` };
      last = `HTTP ${status}`;
    } catch (e) {
      last = e.code || e.message;
    }
    await sleep(Math.min(everyMs, Math.max(0, end - Date.now())));
  }
  return { ok: false, message: `health check ${url} did not answer HTTP 200 within ${timeoutMs} ms (last: ${last})` };
}

module.exports = { ReadyWatch, waitReadyOf, waitHealthy, getStatus, DEFAULT_LISTEN_TIMEOUT_MS };
