'use strict';
// A bridge that starts after PM2 renumbered its processes (resurrect, an app deleted and
// added again) removes the members an earlier run of its host left in `N procs`; without
// it the old pm_ids stayed as silent rows in every console until the 24 h prune. Members
// of other hosts stay, also one whose name starts with "<host>:".
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { RedisServer, Pm2Daemon, BridgeProcess, waitFor } = require('./servers');

const NS = 'sbr:';
const HOST = 'h1';
const FIX = path.join(__dirname, 'fixtures');

let redis;
let pm2;
let bridge;
let rc;

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  const old = Date.now() - 60000;
  // An earlier run of h1's bridge: pm_id 7 (its hash still there) and pm_id 8 (expired).
  await rc.zadd(`${NS}procs`, old, `${HOST}:ghost:7`, old, `${HOST}:ghost:8`);
  await rc.hset(`${NS}proc:${HOST}:ghost:7`, { host: HOST, app: 'ghost', pm_id: '7' });
  // Other hosts: "h1:x" (its members start with "h1:") and "h2".
  await rc.zadd(`${NS}procs`, old, `${HOST}:x:agent:0`, old, 'h2:agent:0');
  await rc.hset(`${NS}proc:${HOST}:x:agent:0`, { host: `${HOST}:x`, app: 'agent', pm_id: '0' });
  await rc.hset(`${NS}proc:h2:agent:0`, { host: 'h2', app: 'agent', pm_id: '0' });
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([{ name: 'fork-agent', script: path.join(FIX, 'agent.js') }]);
  bridge = new BridgeProcess({
    pm2Home: pm2.home,
    settings: { redis_uri: redis.uri, namespace: NS, host: HOST, heartbeat_ms: 500 },
  }).start();
  await bridge.waitLog(/bridge running/);
});

after(async () => {
  if (bridge) await bridge.stop();
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (redis) await redis.destroy();
});

test('the first beat removes what an earlier run of this host left, nothing of other hosts', async () => {
  await waitFor('fork-agent published', async () => (await rc.zscore(`${NS}procs`, `${HOST}:fork-agent:0`)) !== null);
  await waitFor('old members removed', async () => (await rc.zscore(`${NS}procs`, `${HOST}:ghost:7`)) === null
    && (await rc.zscore(`${NS}procs`, `${HOST}:ghost:8`)) === null);
  assert.equal(await rc.exists(`${NS}proc:${HOST}:ghost:7`), 0, 'its hash goes too');
  assert.notEqual(await rc.zscore(`${NS}procs`, `${HOST}:x:agent:0`), null, 'host h1:x keeps its member');
  assert.notEqual(await rc.zscore(`${NS}procs`, 'h2:agent:0'), null, 'host h2 keeps its member');
  assert.equal(await rc.exists(`${NS}proc:${HOST}:x:agent:0`), 1);
});
