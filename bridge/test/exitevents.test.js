'use strict';
// What proc-events says about one stop of a process. PM2 7 notifies `exit` twice on its
// bus when it stops a process (a fork-mode reload is a stop + start): once when the child
// exits (God.handleExit, status `stopping`) and once when its stop completes
// (God.stopProcessId after killProcess, status `stopped`), same child, same exit code.
// The bridge publishes one, so one reload shows one exit in the console, not two.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { RedisServer, Pm2Daemon, BridgeProcess, startPostgres, waitFor, sleep } = require('./servers');
const { TestConsole, waitFinal, procEvents } = require('./commands');
const { ExitDedup } = require('../src/exitdedup');

const NS = 'sbx:';
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
  con = await new TestConsole({ pg, redis: rc, ns: NS, host: HOST }).connect();
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([
    { name: 'fork-agent', script: path.join(FIX, 'agent.js') },
    { name: 'crashy', script: path.join(FIX, 'crash-once.js'), min_uptime: 500 },
  ]);
  bridge = new BridgeProcess({
    pm2Home: pm2.home,
    settings: { redis_uri: redis.uri, namespace: NS, host: HOST, heartbeat_ms: 500, grace_ms: 1000, command_timeout_ms: 15000,
      pg_dsn: pg.bridgeDsn },
  }).start();
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

// Stream ids compare as (ms, seq) numbers, not as text.
function later(a, b) {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

// Events of `app` written after the stream id `since`, once they stop coming.
async function eventsAfter(app, since) {
  let last = -1;
  let evs = [];
  await waitFor(`events of ${app} settle`, async () => {
    evs = (await procEvents(rc, NS)).filter((e) => e.app === app && later(e.id, since));
    const settled = evs.length === last;
    last = evs.length;
    if (!settled) await sleep(700);
    return settled && evs.length > 0;
  }, 20000, 100);
  return evs;
}

async function lastId() {
  const e = await rc.xrevrange(`${NS}proc-events`, '+', '-', 'COUNT', 1);
  return e.length ? e[0][0] : '0-0';
}

test('the filter: the stop confirmation after a stopping exit goes, a crash exit stays', () => {
  const d = new ExitDedup();
  const pkt = (event, status, pmId = 0) => ({ event, process: { name: 'a', pm_id: pmId, status } });
  assert.equal(d.isDuplicate('process:event', pkt('exit', 'stopping')), false);
  assert.equal(d.isDuplicate('process:event', pkt('exit', 'stopping', 1)), false, 'another instance');
  assert.equal(d.isDuplicate('process:event', pkt('exit', 'stopped')), true);
  assert.equal(d.isDuplicate('process:event', pkt('exit', 'stopped')), false, 'only once');
  assert.equal(d.isDuplicate('process:event', pkt('exit', 'stopped', 1)), true);
  assert.equal(d.isDuplicate('process:event', pkt('exit', 'stopping')), false);
  assert.equal(d.isDuplicate('process:event', pkt('online', 'online')), false);
  assert.equal(d.isDuplicate('process:event', pkt('exit', 'stopped')), false, 'a later crash');
  assert.equal(d.isDuplicate('process:exception', null), false);
  assert.equal(d.isDuplicate('process:event', { event: 'exit' }), false, 'no process object');
});

test('a fork-mode reload: one exit (with its code), one online, the reload', async () => {
  const since = await lastId();
  const id = await con.send({ action: 'reload', app: 'fork-agent' });
  const rs = await waitFinal(rc, NS, id);
  assert.equal(rs.at(-1).state, 'succeeded', JSON.stringify(rs));
  const evs = await eventsAfter('fork-agent', since);
  const kinds = evs.map((e) => e.event);
  assert.deepEqual(kinds, ['exit', 'online', 'reload'], JSON.stringify(evs));
  assert.deepEqual(JSON.parse(evs[0].detail), { exit_code: 0 });
  assert.match(JSON.parse(evs[2].detail).by || '', /^switchboard cmd /);
});

test('pm2 stop from the shell: one exit and PM2 says stop', async () => {
  const since = await lastId();
  await pm2.cli(['stop', 'fork-agent']);
  const kinds = (await eventsAfter('fork-agent', since)).map((e) => e.event);
  assert.deepEqual(kinds, ['exit', 'stop']);
  await pm2.cli(['start', 'fork-agent']);
  await waitFor('fork-agent online', async () =>
    (await procEvents(rc, NS)).some((e) => e.app === 'fork-agent' && later(e.id, since) && e.event === 'online'));
});

test('a crash: one exit, no stop', async () => {
  const since = await lastId();
  const crashy = (await pm2.jlist()).find((p) => p.name === 'crashy');
  process.kill(crashy.pid, 'SIGUSR2');
  await waitFor('crashy back online', async () =>
    (await procEvents(rc, NS)).some((e) => e.app === 'crashy' && later(e.id, since) && e.event === 'online'));
  const kinds = (await eventsAfter('crashy', since)).map((e) => e.event);
  assert.deepEqual(kinds, ['exception', 'exit', 'online']);
});
