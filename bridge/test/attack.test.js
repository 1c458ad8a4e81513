'use strict';
// The attacker's view (issue 15): anyone who can write to Redis writes commands straight
// to `N control:h1` with the real redis-cli: forged (no audit row, an audit row written by
// a role that is not an operator), replayed (also after deleting the dedup key), expired,
// far-future, wrong-host and a flood. All are refused with their reason in
// control-results, PM2's restart counters do not move, and a command audited by an
// operator through agentops.request_action still runs end to end.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');
const { Client } = require('pg');
const { RedisServer, Pm2Daemon, BridgeProcess, startPostgres, waitFor } = require('./servers');
const { TestConsole, redisNow, results, waitFinal, restartsOf, FINAL } = require('./commands');

const NS = 'atk:';
const HOST = 'h1';
const FIX = path.join(__dirname, 'fixtures');

let redis;
let pm2;
let bridge;
let rc;
let pg;
let con;

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  pg = await startPostgres();
  // mallory may write operator_actions directly (a grant that should not exist) but is
  // not an operator: the row she writes is stamped with her role, whatever she sends.
  await pg.psql(`CREATE ROLE mallory LOGIN PASSWORD 'm';
    GRANT USAGE ON SCHEMA agentops TO mallory;
    GRANT INSERT ON agentops.operator_actions TO mallory;
    GRANT USAGE ON SEQUENCE agentops.operator_actions_id_seq TO mallory;`);
  con = await new TestConsole({ pg, redis: rc, ns: NS, host: HOST }).connect();
  pm2 = new Pm2Daemon();
  await pm2.start();
  // The issue's target: a two-instance cluster app.
  await pm2.startApps([{ name: 'api', script: path.join(FIX, 'agent.js'), exec_mode: 'cluster', instances: 2 }]);
  bridge = new BridgeProcess({ pm2Home: pm2.home, settings: { redis_uri: redis.uri, namespace: NS, host: HOST,
    heartbeat_ms: 500, grace_ms: 500, command_timeout_ms: 15000, pg_dsn: pg.bridgeDsn } }).start();
  await bridge.waitLog(/bridge running/);
});

after(async () => {
  if (bridge) await bridge.stop();
  if (con) await con.close();
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (pg) await pg.destroy();
  if (redis) await redis.destroy();
});

// redis-cli, the real binary. With a file: one command per line on stdin.
function redisCli(args, inputFile) {
  return new Promise((resolve, reject) => {
    const p = execFile('redis-cli', ['-p', String(redis.port), ...args], { maxBuffer: 16 << 20, timeout: 60000 },
      (e, so, se) => (e ? reject(new Error(`${e.message}${se}`)) : resolve(so.trim())));
    if (inputFile) fs.createReadStream(inputFile).pipe(p.stdin);
    else p.stdin.end();
  });
}

const xadd = (f) => redisCli(['XADD', `${NS}control:${HOST}`, '*', ...Object.entries(f).flat()]);

async function fields(extra = {}) {
  const now = await redisNow(rc);
  return { cmd_id: crypto.randomUUID(), action: 'restart', app: 'api', pm_id: 'all', requested_by: 'ops',
    reason: 'x', requested_at: String(now), expires_at: String(now + 60000), ...extra };
}

const counters = async () => JSON.stringify([...restartsOf(await pm2.jlist(), 'api')]);

async function refused(cmdId, state, re) {
  const rs = await waitFinal(rc, NS, cmdId, 20000);
  const last = rs.filter((r) => FINAL.includes(r.state));
  assert.equal(last.length, 1, JSON.stringify(rs));
  assert.equal(last[0].state, state, JSON.stringify(rs));
  assert.match(last[0].message, re);
  assert.ok(!rs.some((r) => r.state === 'running'), 'never running');
  return last[0];
}

test('forged, expired, far-future, wrong-host and mismatched commands are refused; nothing restarts', async () => {
  const start = await counters();
  // The issue's own command: no audit row, an expiry in the year 5138.
  const issue = await fields({ requested_at: '1', expires_at: '99999999999999' });
  await xadd(issue);
  await refused(issue.cmd_id, 'rejected', /^missing audit_id/);
  // The same with an audit_id that names no row.
  const noRow = await fields({ audit_id: '999999' });
  await xadd(noRow);
  await refused(noRow.cmd_id, 'rejected', /^not authorized: no audit row 999999$/);
  // An audit row written by a role that is not an operator (it tried to claim op_alice).
  const m = new Client({ host: '127.0.0.1', port: pg.port, user: 'mallory', password: 'm', database: 'agentops' });
  await m.connect();
  const byMallory = await fields();
  await m.query(`INSERT INTO agentops.operator_actions (operator, client_host, action, target, reason, params,
    outcome, db_role) VALUES ('alice', 'x', 'restart', 'proc:h1:api:all', 'x', $1, 'requested', 'op_alice')`,
  [JSON.stringify({ cmd_id: byMallory.cmd_id, host: HOST, app: 'api', pm_id: 'all' })]);
  await m.end();
  const [rowId, rowRole] = (await pg.psql(`SELECT id, db_role FROM agentops.operator_actions
    WHERE params ->> 'cmd_id' = '${byMallory.cmd_id}'`)).trim().split('|');
  assert.equal(rowRole, 'mallory', 'the server stamps the real role');
  await xadd({ ...byMallory, audit_id: rowId });
  await refused(byMallory.cmd_id, 'rejected', /database role mallory of audit row \d+ is not an agentops_operator/);
  // Properly audited by an operator, but expired / unbounded / far from Redis time.
  const expired = await fields({ cmd_id: crypto.randomUUID() });
  expired.requested_at = String(Number(expired.requested_at) - 10000);
  expired.expires_at = String(Number(expired.requested_at) + 9000);
  expired.audit_id = String(await con.request({ app: 'api', cmd_id: expired.cmd_id }));
  await xadd(expired);
  await refused(expired.cmd_id, 'expired', /^expired \d+ ms ago by the Redis server's clock/);
  const future = await fields();
  future.expires_at = String(Number(future.requested_at) + 3600 * 1000);
  future.audit_id = String(await con.request({ app: 'api', cmd_id: future.cmd_id }));
  await xadd(future);
  await refused(future.cmd_id, 'rejected', /expires_at - requested_at is 3600000 ms; it must be in \(0, 300000\]/);
  const ahead = await fields();
  ahead.requested_at = String(Number(ahead.requested_at) + 400000);
  ahead.expires_at = String(Number(ahead.requested_at) + 60000);
  ahead.audit_id = String(await con.request({ app: 'api', cmd_id: ahead.cmd_id }));
  await xadd(ahead);
  await refused(ahead.cmd_id, 'rejected', /requested_at is \d{6} ms from the Redis server's time/);
  // An audit row for h2, the command on h1's stream.
  const wrongHost = await fields();
  wrongHost.audit_id = String(await con.request({ host: 'h2', app: 'api', cmd_id: wrongHost.cmd_id }));
  await xadd(wrongHost);
  await refused(wrongHost.cmd_id, 'rejected', /requested restart of proc:h2:api:all, not restart of proc:h1:api:all/);
  // A real audit row reused for another action / another command id.
  const other = await fields({ action: 'reload' });
  other.audit_id = String(await con.request({ action: 'restart', app: 'api', cmd_id: other.cmd_id }));
  await xadd(other);
  await refused(other.cmd_id, 'rejected', /requested restart of .*, not reload of/);
  const stolen = await fields({ audit_id: other.audit_id });
  await xadd(stolen);
  await refused(stolen.cmd_id, 'rejected', /belongs to another command/);
  assert.equal(await counters(), start, 'PM2 restart counters unchanged');
});

test('an audited command runs once; its replays are refused, also after the dedup key is deleted', async () => {
  const start = restartsOf(await pm2.jlist(), 'api');
  const real = await fields();
  real.audit_id = String(await con.request({ app: 'api', cmd_id: real.cmd_id }));
  await xadd(real);
  const rs = await waitFinal(rc, NS, real.cmd_id, 30000);
  assert.deepEqual(rs.map((r) => r.state), ['received', 'running', 'succeeded'], JSON.stringify(rs));
  const after = restartsOf(await pm2.jlist(), 'api');
  for (const [id, n] of start) assert.equal(after.get(id), n + 1, 'each instance restarted once');

  const count = async () => (await results(rc, NS, real.cmd_id)).length;
  let seen = await count();
  await xadd(real); // the same entry again
  await waitFor('replay refused', async () => (await count()) > seen);
  assert.match((await results(rc, NS, real.cmd_id)).at(-1).message, /^duplicate cmd_id|^replay: /);
  seen = await count();
  assert.equal(await rc.del(`${NS}control-seen:${HOST}:${real.cmd_id}`), 1, 'the dedup key existed');
  await xadd(real);
  await waitFor('replay refused without the dedup key', async () => (await count()) > seen);
  const last = (await results(rc, NS, real.cmd_id)).at(-1);
  assert.equal(last.state, 'rejected');
  assert.match(last.message, /^replay: cmd_id .* already ran on h1; not run again$/);
  // Another cmd_id with the same audit row.
  const twin = { ...real, cmd_id: crypto.randomUUID() };
  await xadd(twin);
  await refused(twin.cmd_id, 'rejected', /^replay: audit row \d+ already ran on h1|belongs to another command/);
  assert.equal(JSON.stringify([...restartsOf(await pm2.jlist(), 'api')]), JSON.stringify([...after]), 'replays ran nothing');
});

test('a flood of 2000 junk commands is drained quickly; the real command after it still runs', async () => {
  const start = restartsOf(await pm2.jlist(), 'api');
  const now = await redisNow(rc);
  const lines = [];
  const junk = [];
  const quote = (v) => `"${String(v).replace(/(["\\])/g, '\\$1')}"`;
  for (let i = 0; i < 2000; i += 1) {
    const f = { cmd_id: `junk-${i}`, action: 'restart', app: 'api', pm_id: 'all', requested_by: 'x', reason: 'x',
      requested_at: String(now), expires_at: String(now + 60000) };
    const kind = i % 4;
    if (kind === 0) f.audit_id = String(1000000 + i); // well-formed, forged: Postgres says no
    if (kind === 1) f.expires_at = '99999999999999'; // the issue's, no audit row
    if (kind === 2) f.cmd_id = `bad id ${i}`; // malformed
    if (kind === 3) Object.assign(f, { audit_id: '5', requested_at: String(now - 2000), expires_at: String(now - 1000) }); // expired
    junk.push({ kind, f });
    lines.push(['XADD', `${NS}control:${HOST}`, '*', ...Object.entries(f).flat()].map(quote).join(' '));
  }
  const real = await fields();
  real.audit_id = String(await con.request({ app: 'api', cmd_id: real.cmd_id }));
  lines.push(['XADD', `${NS}control:${HOST}`, '*', ...Object.entries(real).flat()].map(quote).join(' '));
  const file = path.join(redis.dir, 'flood.txt');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const resultsBefore = await rc.xlen(`${NS}control-results`);
  const t0 = Date.now();
  await redisCli([], file);
  const written = Date.now() - t0;
  const rs = await waitFinal(rc, NS, real.cmd_id, 60000);
  const tReal = Date.now() - t0;
  assert.deepEqual(rs.map((r) => r.state), ['received', 'running', 'succeeded'], JSON.stringify(rs));
  const runningAt = Number(rs.find((r) => r.state === 'running').id.split('-')[0]);
  const drained = runningAt - t0;
  console.log(`flood: 2000 junk + 1 real written by redis-cli in ${written} ms; junk drained and the real one ` +
    `running ${drained} ms after the first write; succeeded after ${tReal} ms`);
  assert.ok(drained < 15000, `2000 junk commands drained in ${drained} ms`);
  const after = restartsOf(await pm2.jlist(), 'api');
  for (const [id, n] of start) assert.equal(after.get(id), n + 1, 'only the real command restarted api');

  // Every junk command has exactly its refusal, with its reason.
  const all = (await rc.xrange(`${NS}control-results`, '-', '+')).slice(resultsBefore).map(([id, a]) => {
    const o = { id };
    for (let i = 0; i < a.length; i += 2) o[a[i]] = a[i + 1];
    return o;
  });
  const byCmd = new Map();
  for (const r of all) byCmd.set(r.cmd_id, [...(byCmd.get(r.cmd_id) || []), r]);
  const expect = [
    ['rejected', /^not authorized: no audit row \d+$/],
    ['rejected', /^missing audit_id/],
    ['rejected', /^entry \d+-\d+: missing or malformed cmd_id$/],
    ['expired', /^expired \d+ ms ago/],
  ];
  const malformed = all.filter((r) => r.cmd_id.startsWith('entry:'));
  assert.equal(malformed.length, 500, 'each malformed entry is reported under its stream id');
  for (const r of malformed) assert.match(r.message, expect[2][1]);
  for (const { kind, f } of junk) {
    if (kind === 2) continue;
    const got = byCmd.get(f.cmd_id) || [];
    assert.equal(got.length, 1, `${f.cmd_id}: ${JSON.stringify(got)}`);
    assert.equal(got[0].state, expect[kind][0], `${f.cmd_id}: ${JSON.stringify(got)}`);
    assert.match(got[0].message, expect[kind][1]);
  }
  assert.equal((await rc.xpending(`${NS}control:${HOST}`, 'bridge'))[0], 0, 'everything acknowledged');
});
