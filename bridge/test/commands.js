'use strict';
// Test-side helpers playing the console: write audited commands (the `requested` audit
// row through agentops.request_action as an operator login role, then the stream entry
// with Redis-TIME requested_at / expires_at and the row's audit_id), follow their results.
const crypto = require('crypto');
const { Client } = require('pg');
const { waitFor } = require('./servers');

const FINAL = ['succeeded', 'failed', 'expired', 'rejected'];

async function redisNow(redis) {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

// A raw stream entry, as anyone with write access to Redis could write it: no audit row
// unless `fields` carries an audit_id.
async function sendCommand(redis, ns, host, fields = {}) {
  const now = await redisNow(redis);
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

// The console: one Postgres session as a login role (an operator unless told otherwise).
class TestConsole {
  constructor({ pg, redis, ns, host, role = 'op_alice', password = 'op-secret' }) {
    Object.assign(this, { pg, redis, ns, host, role, password });
  }

  async connect() {
    this.client = new Client({ host: '127.0.0.1', port: this.pg.port, user: this.role, password: this.password,
      database: 'agentops' });
    await this.client.connect();
    return this;
  }

  // The `requested` row; returns its id.
  async request({ action = 'restart', host = this.host, app, pm_id: pmId = 'all', cmd_id: cmdId, reason = 'test' }) {
    const r = await this.client.query('SELECT id FROM agentops.request_action($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [action, host, app, String(pmId), cmdId, reason, '{}', 'tester', 'test-console']);
    return r.rows[0].id;
  }

  // Audit row, then the command. `auditHost` writes the row for another host.
  async send(fields = {}, { auditHost } = {}) {
    const cmdId = fields.cmd_id || crypto.randomUUID();
    const f = { action: 'restart', pm_id: 'all', reason: 'test', ...fields, cmd_id: cmdId };
    const auditId = await this.request({ ...f, host: auditHost || this.host });
    await sendCommand(this.redis, this.ns, this.host, { ...f, audit_id: String(auditId) });
    return cmdId;
  }

  async close() {
    if (this.client) await this.client.end().catch(() => {});
  }
}

async function results(redis, ns, cmdId) {
  const entries = await redis.xrange(`${ns}control-results`, '-', '+');
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

module.exports = { sendCommand, TestConsole, redisNow, results, waitFinal, procEvents, restartsOf, FINAL };
