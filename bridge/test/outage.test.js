'use strict';
// Redis or the bridge going away in the middle of work: no command is lost, none runs twice.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { execFileSync } = require('child_process');
const { RedisServer, Pm2Daemon, BridgeProcess, startPostgres, freePort, waitFor, sleep } = require('./servers');
const { TestConsole, results, waitFinal, restartsOf, FINAL } = require('./commands');

const NS = 'out:';
const HOST = 'h2';
const FIX = path.join(__dirname, 'fixtures');
const PY = execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();

let redis;
let pm2;
let bridge;
let rc;
let pg;
let con;

const startBridge = async () => {
  bridge = new BridgeProcess({ pm2Home: pm2.home, settings: { redis_uri: redis.uri, namespace: NS, host: HOST,
    heartbeat_ms: 500, grace_ms: 2500, command_timeout_ms: 15000, claim_idle_ms: 60000, pg_dsn: pg.bridgeDsn } }).start();
  await bridge.waitLog(/bridge running/);
};

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  pg = await startPostgres();
  con = await new TestConsole({ pg, redis: rc, ns: NS, host: HOST }).connect();
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([
    { name: 'fork-agent', script: path.join(FIX, 'agent.js') },
    { name: 'py-agent', script: path.join(FIX, 'agent.py'), interpreter: PY },
  ]);
  await startBridge();
});

after(async () => {
  if (bridge) await bridge.stop();
  if (con) await con.close();
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (pg) await pg.destroy();
  if (redis) await redis.destroy();
});

const finals = (rs) => rs.filter((r) => FINAL.includes(r.state));
const pending = async () => (await rc.xpending(`${NS}control:${HOST}`, 'bridge'))[0];

test('Redis stopped and restarted while one command runs and another is queued', async () => {
  const fork0 = restartsOf(await pm2.jlist(), 'fork-agent');
  const py0 = restartsOf(await pm2.jlist(), 'py-agent');
  const a = await con.send({ action: 'restart', app: 'fork-agent' });
  const b = await con.send({ action: 'restart', app: 'py-agent' });
  await waitFor('A running', async () => (await results(rc, NS, a)).some((r) => r.state === 'running'));

  await redis.stop(); // mid-command: the outcome of A and everything about B must wait
  await bridge.waitLog(/redis \(control\)/, 10000);
  await sleep(1500);
  await redis.start(); // same port, same data directory (AOF)
  await bridge.waitLog(/redis \(control\): connected again/, 15000);

  const ra = await waitFinal(rc, NS, a, 30000);
  const rb = await waitFinal(rc, NS, b, 30000);
  await sleep(1500); // room for a wrong second run to show up
  assert.deepEqual(finals(ra).map((r) => r.state), ['succeeded'], JSON.stringify(ra));
  assert.deepEqual(finals(rb).map((r) => r.state), ['succeeded'], JSON.stringify(rb));
  assert.equal(ra.filter((r) => r.state === 'running').length, 1, 'A ran once');
  assert.equal(rb.filter((r) => r.state === 'running').length, 1, 'B ran once');
  const streamOrder = (id) => id.split('-').map(Number);
  const [aEnd, bRun] = [finals(ra)[0].id, rb.find((r) => r.state === 'running').id].map(streamOrder);
  assert.ok(bRun[0] > aEnd[0] || (bRun[0] === aEnd[0] && bRun[1] > aEnd[1]), 'one at a time: B started after A ended');
  for (const [id, n] of fork0) assert.equal(restartsOf(await pm2.jlist(), 'fork-agent').get(id), n + 1, 'fork-agent restarted exactly once');
  for (const [id, n] of py0) assert.equal(restartsOf(await pm2.jlist(), 'py-agent').get(id), n + 1, 'py-agent restarted exactly once');
  assert.equal(await pending(), 0, 'everything acknowledged');
  // The heartbeat resumed after the outage.
  const member = `${HOST}:fork-agent:${[...fork0.keys()][0]}`;
  const s = Number(await rc.zscore(`${NS}procs`, member));
  await waitFor('heartbeat after outage', async () => Number(await rc.zscore(`${NS}procs`, member)) > s);
});

test('bridge killed while a command runs: the redelivered command is not run again; the queued one runs', async () => {
  const fork0 = restartsOf(await pm2.jlist(), 'fork-agent');
  const py0 = restartsOf(await pm2.jlist(), 'py-agent');
  const a = await con.send({ action: 'restart', app: 'fork-agent' });
  const b = await con.send({ action: 'restart', app: 'py-agent' });
  // Kill it once PM2 has done the restart, while the bridge waits out the grace period:
  // the registry says `running`, the entry is pending, nothing is acknowledged.
  await waitFor('A running', async () => (await results(rc, NS, a)).some((r) => r.state === 'running'));
  await waitFor('fork-agent restarted by PM2', async () => {
    const l = (await pm2.jlist()).filter((p) => p.name === 'fork-agent');
    return l.every((p) => p.pm2_env.status === 'online' && p.pm2_env.restart_time === fork0.get(p.pm_id) + 1);
  }, 10000, 50);
  assert.ok(!(await results(rc, NS, a)).some((r) => FINAL.includes(r.state)), 'killed before a final state');
  await bridge.stop('SIGKILL');
  // One read batch delivered both; neither is acknowledged. The next bridge holds the
  // host's lease, so it takes both over at once (not after claim_idle_ms).
  assert.equal(await pending(), 2, 'A and B were delivered and not acknowledged');

  await startBridge();
  const ra = await waitFinal(rc, NS, a, 20000);
  const rb = await waitFinal(rc, NS, b, 20000);
  await sleep(1000);
  assert.deepEqual(finals(ra).map((r) => r.state), ['failed'], JSON.stringify(ra));
  assert.match(finals(ra)[0].message, /interrupted while this command ran; it is not run again/);
  assert.deepEqual(finals(rb).map((r) => r.state), ['succeeded'], JSON.stringify(rb));
  for (const [id, n] of fork0) assert.equal(restartsOf(await pm2.jlist(), 'fork-agent').get(id), n + 1, 'A ran exactly once');
  for (const [id, n] of py0) assert.equal(restartsOf(await pm2.jlist(), 'py-agent').get(id), n + 1, 'B ran exactly once');
  assert.equal(await pending(), 0);
});

test('Redis down when the bridge starts: it keeps running and publishes once Redis is up', async () => {
  const late = new RedisServer();
  late.port = await freePort();
  const early = new BridgeProcess({ pm2Home: pm2.home,
    settings: { redis_uri: late.uri, namespace: NS, host: 'h3', heartbeat_ms: 300 } }).start();
  try {
    await early.waitLog(/redis \(control\): connect ECONNREFUSED/);
    await sleep(1500);
    assert.equal(early.proc.exitCode, null, `the bridge did not exit; log:\n${early.log()}`);
    await late.start();
    const lc = late.client();
    try {
      const id = (await pm2.jlist()).find((p) => p.name === 'fork-agent').pm_id;
      await waitFor('published after Redis came up', async () => (await lc.zscore(`${NS}procs`, `h3:fork-agent:${id}`)) !== null, 15000);
    } finally {
      lc.disconnect();
    }
  } finally {
    await early.stop();
    await late.destroy();
  }
});
