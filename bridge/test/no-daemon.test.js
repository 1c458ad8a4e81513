'use strict';
// The bridge must never start a PM2 daemon of its own: with none running it says so and
// retries with back-off; when a daemon appears, it connects to that one.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { RedisServer, Pm2Daemon, BridgeProcess, waitFor, sleep } = require('./servers');

const NS = 'nd:';
let redis;
let pm2;
let bridge;
let rc;

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  pm2 = new Pm2Daemon(); // only the temp PM2_HOME: no daemon yet
});

after(async () => {
  if (bridge) await bridge.stop();
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (redis) await redis.destroy();
});

test('without a daemon the bridge refuses to start one, retries, then connects to the real one', async () => {
  bridge = new BridgeProcess({
    pm2Home: pm2.home,
    settings: { redis_uri: redis.uri, namespace: NS, host: 'nd1', heartbeat_ms: 300, retry_max_ms: 400 },
  }).start();
  await bridge.waitLog(/no PM2 daemon is running/);
  await sleep(1500); // several retries
  const refusals = bridge.lines.filter((l) => /no PM2 daemon is running/.test(l)).length;
  assert.ok(refusals >= 2, `expected repeated retries, log:\n${bridge.log()}`);
  assert.equal(bridge.proc.exitCode, null, 'the bridge keeps running while it waits');
  assert.equal(fs.existsSync(path.join(pm2.home, 'pm2.pid')), false, 'no daemon pid file: no daemon was started');
  assert.equal(fs.existsSync(path.join(pm2.home, 'rpc.sock')), false, 'no daemon socket');
  assert.equal(await rc.zcard(`${NS}procs`), 0, 'nothing is published without a daemon');

  await pm2.startApps([{ name: 'late-agent', script: path.join(__dirname, 'fixtures', 'agent.js') }]);
  await bridge.waitLog(/connected to the PM2 daemon/, 10000);
  await waitFor('late-agent published', async () => (await rc.zscore(`${NS}procs`, 'nd1:late-agent:0')) !== null);
  assert.equal(await rc.hget(`${NS}proc:nd1:late-agent:0`, 'status'), 'online');

  // The daemon goes away under a running bridge: it stops, and starts none in its place.
  await pm2.kill();
  const { code } = await bridge.exited;
  assert.equal(code, 3, `the bridge exits when its daemon is gone; log:\n${bridge.log()}`);
  assert.match(bridge.log(), /went away; stopping \(no daemon is started in its place\)/);
  assert.equal(fs.existsSync(path.join(pm2.home, 'pm2.pid')), false, 'no daemon was restarted');
  assert.equal(fs.existsSync(path.join(pm2.home, 'rpc.sock')), false);
});
