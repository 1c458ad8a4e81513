'use strict';
// Test-side helpers playing the console: write commands, follow their results.
const crypto = require('crypto');
const { waitFor } = require('./servers');

const FINAL = ['succeeded', 'failed', 'expired', 'rejected'];

async function sendCommand(redis, ns, host, fields = {}) {
  const now = Date.now();
  const f = {
    cmd_id: crypto.randomUUID(),
    action: 'restart',
    app: '',
    pm_id: 'all',
    requested_by: 'tester',
    reason: 'test',
    requested_at: String(now),
    expires_at: String(now + 60000),
    ...fields,
  };
  const flat = Object.entries(f).flat();
  await redis.xadd(`${ns}control:${host}`, '*', ...flat);
  return f.cmd_id;
}

async function results(redis, ns, cmdId) {
  const entries = await redis.xrange(`${ns}control-results`, '-', '+', 'COUNT', 10000);
  return entries
    .map(([id, arr]) => {
      const o = { id };
      for (let i = 0; i < arr.length; i += 2) o[arr[i]] = arr[i + 1];
      return o;
    })
    .filter((r) => r.cmd_id === cmdId);
}

async function waitFinal(redis, ns, cmdId, timeoutMs = 30000) {
  await waitFor(`final state of ${cmdId}`, async () => (await results(redis, ns, cmdId)).some((r) => FINAL.includes(r.state)), timeoutMs, 100);
  return results(redis, ns, cmdId);
}

async function procEvents(redis, ns) {
  const entries = await redis.xrange(`${ns}proc-events`, '-', '+', 'COUNT', 10000);
  return entries.map(([id, arr]) => {
    const o = { id };
    for (let i = 0; i < arr.length; i += 2) o[arr[i]] = arr[i + 1];
    return o;
  });
}

function restartsOf(jlist, app) {
  return new Map(jlist.filter((p) => p.name === app).map((p) => [p.pm_id, p.pm2_env.restart_time]));
}

module.exports = { sendCommand, results, waitFinal, procEvents, restartsOf, FINAL };
