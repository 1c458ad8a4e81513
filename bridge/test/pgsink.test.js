'use strict';
// The durable copy of process events in Postgres: every proc-events entry the bridge
// writes lands in agentops.process_events once, with its stream id, through the writer
// role's grants; while Postgres is down the copies wait and arrive when it is back.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { RedisServer, PostgresServer, Pm2Daemon, BridgeProcess, waitFor, sleep } = require('./servers');
const { pgConfig, rowOf } = require('../src/pgsink');

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
  pg = new PostgresServer();
  await pg.start();
  await pg.createSchema();
  // The bridge logs in as a role with exactly the writer's rights.
  await pg.psql("CREATE ROLE bridge_writer LOGIN PASSWORD 'w-secret' IN ROLE agentops_writer");
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([{ name: 'pg-agent', script: path.join(FIX, 'agent.js') }]);
  bridge = new BridgeProcess({ pm2Home: pm2.home, settings: { redis_uri: redis.uri, namespace: NS, host: HOST,
    heartbeat_ms: 500, pg_dsn: pg.dsn('bridge_writer', 'w-secret') } }).start();
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
  await pg.stop();
  await pm2.cli(['restart', 'pg-agent']);
  await bridge.waitLog(/not copied yet/, 15000);
  const before = (await streamIds()).length;
  assert.ok(before > (await Promise.resolve(0)));
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
  assert.equal(kv.statement_timeout, 5000);
  const uri = pgConfig('postgresql://ops@db/agentops');
  assert.equal(uri.connectionString, 'postgresql://ops@db/agentops');
  assert.equal(rowOf('1-0', { host: 'h', app: 'a', pm_id: '', event: 'exit', detail: '{}', at: '1' }), null);
  assert.equal(rowOf('1-0', { host: 'h', app: 'a', pm_id: '0', event: 'exit', detail: '{', at: '5' })[5], '{"unparsed":"{"}');
});
