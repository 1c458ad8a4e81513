'use strict';
// The durable copy of process events in Postgres: every proc-events entry the bridge
// writes lands in agentops.process_events once, with its stream id, through the rights
// of agentops_bridge alone (INSERT, SELECT (stream_id) for ON CONFLICT, the sequence); while Postgres is down the copies wait and arrive when it is back.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { RedisServer, Pm2Daemon, BridgeProcess, startPostgres, waitFor, sleep } = require('./servers');
const { PgSink, pgConfig, rowOf } = require('../src/pgsink');

const NS = 'pgs:';
const HOST = 'h-pg';
const FIX = path.join(__dirname, 'fixtures');

let redis;
let pg;
let pm2;
let bridge;
let rc;

const rows = async () => {
  const out = await pg.psql(`SELECT stream_id, host, app, pm_id, event, coalesce(detail::text, '')
                             FROM agentops.process_events ORDER BY stream_id`);
  return out.split('\n').filter((l) => l).map((l) => l.split('|'));
};
const streamIds = async () => (await rc.xrange(`${NS}proc-events`, '-', '+')).map(([id]) => id).sort();

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  // The bridge logs in as bridge_login, a member of agentops_bridge and nothing else.
  pg = await startPostgres();
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([{ name: 'pg-agent', script: path.join(FIX, 'agent.js') }]);
  bridge = new BridgeProcess({ pm2Home: pm2.home, settings: { redis_uri: redis.uri, namespace: NS, host: HOST,
    heartbeat_ms: 500, pg_dsn: pg.bridgeDsn } }).start();
  await bridge.waitLog(/bridge running/);
  await bridge.waitLog(/copied to Postgres/);
});

after(async () => {
  if (bridge) await bridge.stop();
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (pg) await pg.destroy();
  if (redis) await redis.destroy();
});

test('a restart is in the stream and in Postgres, with the same stream ids', async () => {
  await pm2.cli(['restart', 'pg-agent']);
  await waitFor('restart event in Postgres', async () => (await rows()).some((r) => r[4] === 'restart'), 20000);
  await waitFor('every stream entry copied', async () => (await rows()).length === (await streamIds()).length, 10000);
  const copied = await rows();
  assert.deepEqual(copied.map((r) => r[0]), await streamIds());
  for (const r of copied) {
    assert.equal(r[1], HOST);
    assert.equal(r[2], 'pg-agent');
    assert.match(r[3], /^\d+$/);
  }
});

test('while Postgres is down the copies wait, then arrive once, none twice', async () => {
  const copiedBefore = (await rows()).length;
  await pg.stop();
  await pm2.cli(['restart', 'pg-agent']);
  await bridge.waitLog(/not copied yet/, 15000);
  assert.ok((await streamIds()).length > copiedBefore, 'the restart was written to the stream meanwhile');
  await sleep(500);
  await pg.start();
  await waitFor('copies after Postgres came back', async () => (await rows()).length === (await streamIds()).length, 40000, 250);
  const ids = (await rows()).map((r) => r[0]);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(ids, await streamIds());
  await bridge.waitLog(/copied again/, 5000);
});

test('DSNs in both forms become pg settings with timeouts; bad fields are refused, not inserted', () => {
  const kv = pgConfig("host=db.internal port=6432 user=ops dbname=agentops password='p\\'w' sslmode=require");
  assert.equal(kv.host, 'db.internal');
  assert.equal(kv.port, 6432);
  assert.equal(kv.database, 'agentops');
  assert.equal(kv.password, "p'w");
  assert.deepEqual(kv.ssl, { rejectUnauthorized: false });
  assert.equal(kv.query_timeout, 6000);
  const uri = pgConfig('postgresql://ops:p%40ss@db:6432/agentops?sslmode=require');
  assert.equal(uri.host, 'db');
  assert.equal(uri.port, 6432);
  assert.equal(uri.password, 'p@ss');
  assert.equal(uri.database, 'agentops');
  assert.deepEqual(uri.ssl, { rejectUnauthorized: false }, 'sslmode means what libpq says in both forms');
  assert.equal(rowOf('1-0', { host: 'h', app: 'a', pm_id: '', event: 'exit', detail: '{}', at: '1' }), null);
  assert.equal(rowOf('1-0', { host: 'h', app: 'a', pm_id: '0', event: 'exit', detail: '{', at: '5' })[5], '{"unparsed":"{"}');
  assert.equal(rowOf('1-0', { host: 'h', app: 'a', pm_id: '99999999999', event: 'exit', detail: '', at: '5' }), null);
  const nul = rowOf('1-0', { host: 'h\u0000', app: 'a', pm_id: '1', event: 'exception', detail: '{"message":"x\\u0000y"}', at: '5' });
  assert.equal(nul[1], 'h');
  assert.equal(nul[5], '{"message":"xy"}');
});

test('a row Postgres refuses is dropped alone; the rows around it are copied', async () => {
  const lines = [];
  const sink = new PgSink({ dsn: pg.bridgeDsn, log: (lvl, msg) => lines.push(msg) });
  const f = (event) => ({ host: 'direct', app: 'x', pm_id: '3', event, detail: '{}', at: String(Date.now()) });
  sink.push('9999999999999-1', f('online'));
  sink.push('9999999999999-2', f('no-such-event')); // refused by the table's CHECK
  sink.push('9999999999999-3', f('exit'));
  await sink.stop();
  const got = (await rows()).filter((r) => r[1] === 'direct').map((r) => r[0]);
  assert.deepEqual(got, ['9999999999999-1', '9999999999999-3']);
  assert.ok(lines.some((l) => /9999999999999-2 refused by Postgres/.test(l)), lines.join('\n'));
});

test('the bridge role: a copy written twice is one row (ON CONFLICT with its rights alone); nothing else is granted', async () => {
  const { Client } = require('pg');
  const c = new Client({ host: '127.0.0.1', port: pg.port, user: 'bridge_login', password: 'bridge-secret-pw', database: 'agentops' });
  await c.connect();
  try {
    const ins = `INSERT INTO agentops.process_events (at, host, app, pm_id, event, stream_id)
                 VALUES (now(), 'direct', 'x', 1, 'online', '9999999999999-9') ON CONFLICT (stream_id) DO NOTHING`;
    assert.equal((await c.query(ins)).rowCount, 1);
    assert.equal((await c.query(ins)).rowCount, 0, 'the second copy is skipped, not an error');
    for (const sql of ['SELECT * FROM agentops.process_events', 'SELECT id FROM agentops.operator_actions',
      'SELECT 1 FROM agentops.spans', "UPDATE agentops.process_events SET app = 'y'", 'DELETE FROM agentops.process_events',
      "INSERT INTO agentops.operator_actions (operator, client_host, action, target, reason, outcome) VALUES ('b', 'h', 'restart', 'proc:h1:a:all', 'r', 'requested')",
      "SELECT * FROM agentops.request_action('restart', 'h1', 'a', 'all', 'c1', 'r', '{}', 'b', 'h')"]) {
      await assert.rejects(c.query(sql), /permission denied/, sql);
    }
    assert.equal((await c.query("SELECT agentops.authorize_command(1, 'x', 'h1', 'a', 'all', 'restart', 300) AS r")).rows[0].r,
      'no audit row 1', 'EXECUTE on authorize_command');
  } finally {
    await c.end();
  }
});
