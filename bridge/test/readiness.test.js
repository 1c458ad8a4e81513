'use strict';
// Readiness, not only PM2's word. PM2 answers a restart of a worker that never listens,
// or of a wait_ready app that never says ready (after listen_timeout), as a success. The
// bridge checks for itself: the app's 'ready' message for wait_ready apps, and a health
// URL (HTTP 200 within its timeout) for apps that have one in the settings.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { RedisServer, Pm2Daemon, BridgeProcess, startPostgres, freePort } = require('./servers');
const { TestConsole, waitFinal, restartsOf } = require('./commands');

const NS = 'rdy:';
const HOST = 'h1';
const FIX = path.join(__dirname, 'fixtures');

let redis;
let pm2;
let bridge;
let rc;
let pg;
let con;
let webPort;
let deadPort;

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  pg = await startPostgres();
  con = await new TestConsole({ pg, redis: rc, ns: NS, host: HOST }).connect();
  webPort = await freePort();
  deadPort = await freePort(); // nothing listens there
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([
    { name: 'silent', script: path.join(FIX, 'silent.js') },
    { name: 'silent-unchecked', script: path.join(FIX, 'silent.js') },
    { name: 'web', script: path.join(FIX, 'agent.js'), env: { PORT: String(webPort) } },
    { name: 'never-ready', script: path.join(FIX, 'silent.js'), wait_ready: true, listen_timeout: 1500 },
    { name: 'ready-agent', script: path.join(FIX, 'agent.js'), wait_ready: true, listen_timeout: 5000, env: { READY: '1' } },
  ]);
  bridge = new BridgeProcess({ pm2Home: pm2.home, settings: {
    redis_uri: redis.uri, namespace: NS, host: HOST, heartbeat_ms: 500, grace_ms: 1000, command_timeout_ms: 15000,
    pg_dsn: pg.bridgeDsn,
    health_urls: JSON.stringify({
      silent: { url: `http://127.0.0.1:${deadPort}/health`, timeout_ms: 2000 },
      web: `http://127.0.0.1:${webPort}/health`,
    }),
  } }).start();
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

async function command(fields) {
  const id = await con.send(fields);
  return waitFinal(rc, NS, id, 30000);
}

test('an agent that comes up online but never listens: PM2 says fine, its health URL says failed', async () => {
  // Without a health URL this is what PM2 reports, and what the bridge reported before.
  const unchecked = await command({ action: 'restart', app: 'silent-unchecked' });
  assert.equal(unchecked.at(-1).state, 'succeeded', JSON.stringify(unchecked));

  const before = restartsOf(await pm2.jlist(), 'silent');
  const rs = await command({ action: 'restart', app: 'silent' });
  const last = rs.at(-1);
  assert.equal(last.state, 'failed', JSON.stringify(rs));
  assert.match(last.message, new RegExp(`health check http://127\\.0\\.0\\.1:${deadPort}/health did not answer HTTP 200 within 2000 ms \\(last: ECONNREFUSED\\)`));
  const running = rs.find((r) => r.state === 'running');
  assert.ok(JSON.parse(running.detail).deadline_ms >= 15000 + 2000, 'deadline_ms covers the health timeout');
  const after = restartsOf(await pm2.jlist(), 'silent');
  for (const [id, n] of before) assert.equal(after.get(id), n + 1, 'PM2 did restart it: the verdict is the bridge\'s');
  assert.equal(JSON.parse(last.detail).status_after, 'online', 'PM2 shows it online all along');
});

test('an agent whose health URL answers 200 succeeds', async () => {
  const rs = await command({ action: 'restart', app: 'web' });
  assert.equal(rs.at(-1).state, 'succeeded', JSON.stringify(rs));
  assert.match(rs.at(-1).message, new RegExp(`ready: http://127\\.0\\.0\\.1:${webPort}/health answered 200`));
});

test('wait_ready: no ready message within listen_timeout fails, though PM2 went on; ready succeeds', async () => {
  const t0 = Date.now();
  const rs = await command({ action: 'restart', app: 'never-ready' });
  assert.equal(rs.at(-1).state, 'failed', JSON.stringify(rs));
  assert.match(rs.at(-1).message, /did not send 'ready' within listen_timeout 1500 ms \(wait_ready; PM2 went on without it\)/);
  assert.ok(Date.now() - t0 < 12000, 'judged within listen_timeout, not the command timeout');
  const running = rs.find((r) => r.state === 'running');
  assert.ok(JSON.parse(running.detail).deadline_ms >= 15000 + 1500 + 1000);

  const ok = await command({ action: 'reload', app: 'ready-agent' });
  assert.equal(ok.at(-1).state, 'succeeded', JSON.stringify(ok));
  assert.match(ok.at(-1).message, /every instance sent ready/);
});
