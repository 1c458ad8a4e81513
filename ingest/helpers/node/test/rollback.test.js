'use strict';
// A rollback made with the real `switchboard rollback` CLI reaches a following agent within
// a second: at once, after Redis was killed and restarted on the same port (losing every
// key), and when the activation is published while the follower is still disconnected (the
// re-read on reconnect covers the lost message). Real Redis, real Postgres, real CLI.
//
// Latency is measured from the deployment's own time (deployed_at, Postgres' now() in the
// rollback's transaction, written into the hash) to the follower's onChange: an upper bound
// on the time from Redis' write to the agent, since the write comes after the commit.
const test = require('node:test');
const assert = require('node:assert/strict');
const { followPrompt } = require('..');
const { RedisServer, PostgresServer, rollback, waitFor, sleep } = require('./support');

const AGENT = 'triage';
// The contract's activation script (docs/contract.md, "Hash N prompt:{agent}"): how a CI
// deployer sets the hash after deploy_prompt. The CLI uses the same script.
const ACTIVATE = `local function valid(s) return s and string.match(s, '^[1-9][0-9]*$') ~= nil end
local function greater(a, b) if #a ~= #b then return #a > #b end return a > b end
local new = ARGV[3]
if not valid(new) then return redis.error_reply('deployment_id must be a positive integer') end
local stored = redis.call('HGET', KEYS[1], 'deployment_id')
if valid(stored) then
  if stored == new then return {'already', stored} end
  if greater(stored, new) then return {'newer', stored} end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PUBLISH', ARGV[1], ARGV[2])
return {'set', stored or ''}`;

let pg;
let redis;
const figures = [];

test.before(async () => {
  pg = new PostgresServer();
  redis = new RedisServer();
  await Promise.all([pg.start(), redis.start()]);
  await pg.seedPrompts(AGENT, 3);
  // The deployer activates version 3 in Redis (the CLI deployer's step after deploy_prompt).
  const row = (await pg.psql(`SELECT id || '|' || floor(extract(epoch FROM deployed_at) * 1000)::bigint FROM agentops.prompt_deployments WHERE agent = '${AGENT}' ORDER BY id DESC LIMIT 1`)).split('|');
  const msg = JSON.stringify({ agent: AGENT, version: 3, model: 'model-3', deployment_id: Number(row[0]), deployed_at: Number(row[1]) });
  await redis.cli('EVAL', ACTIVATE, '1', `agentops:prompt:${AGENT}`, 'agentops:prompt-activated', msg, row[0],
    'version', '3', 'model', 'model-3', 'deployment_id', row[0], 'deployed_at', row[1]);
});

test.after(async () => {
  for (const f of figures) console.log(f);
  await Promise.all([pg && pg.destroy(), redis && redis.destroy()]);
});

async function expectRollback(follower, toVersion, reason, label) {
  const r = await rollback(pg, redis, AGENT, toVersion, reason);
  assert.equal(r.code, 0, `switchboard rollback: ${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Agents notified/);
  const p = await follower.waitFor((x) => x.version === toVersion, 5000);
  assert.ok(p, `the follower never saw version ${toVersion}; it has ${JSON.stringify(follower.current)}`);
  assert.equal(p.model, `model-${toVersion}`, 'the pinned model of the version rolled back to');
  const deployment = await pg.psql(`SELECT id || '|' || floor(extract(epoch FROM deployed_at) * 1000)::bigint FROM agentops.prompt_deployments WHERE agent = '${AGENT}' ORDER BY id DESC LIMIT 1`);
  const [id, deployedAt] = deployment.split('|');
  assert.equal(p.deploymentId, id, 'the deployment the CLI committed');
  assert.equal(p.deployedAt, Number(deployedAt));
  const info = follower.lastInfo;
  const latency = info.seenAt - p.deployedAt;
  figures.push(`${label}: version ${toVersion} (${p.model}, deployment #${id}) reached the follower ${latency} ms after the deployment (via ${info.reason}) (the CLI ran ${r.exited - r.started} ms and exited ${r.exited - info.seenAt} ms after that)`);
  assert.ok(latency < 1000, `${label}: ${latency} ms, not within a second`);
  return info;
}

function follow(options = {}) {
  const errors = [];
  const f = followPrompt(AGENT, {
    redis: redis.uri,
    refreshMs: 0, // no periodic re-read: only the message and the reconnect paths
    onError: (e) => errors.push(e),
    onChange: (p, prev, info) => {
      f.lastInfo = info;
    },
    ...options,
  });
  f.errors = errors;
  return f;
}

test('a rollback reaches the follower within a second, also after a Redis restart', async () => {
  const f = follow();
  try {
    const first = await f.waitFor((p) => p.version === 3, 5000);
    assert.ok(first, 'the follower read the active version at start');
    assert.equal(first.model, 'model-3');
    assert.equal(f.lastInfo.reason, 'reconnect', 'the first read is the one after connecting');

    const info = await expectRollback(f, 2, 'v3 hallucinates', 'connected');
    assert.equal(info.reason, 'message', 'carried by prompt-activated');

    // Redis dies and comes back empty on the same port; the follower keeps version 2.
    await redis.kill();
    await waitFor('the follower to notice', () => f.errors.some((e) => e.code === 'redis'), 5000);
    await redis.start();
    await waitFor('the follower to reconnect', () => f.sub.status === 'ready' && f.cmd.status === 'ready', 5000);
    await sleep(100); // its re-read of the (now missing) hash
    assert.equal(f.current.version, 2, 'a Redis that lost the hash does not move the agent');
    await expectRollback(f, 1, 'v2 too slow', 'after a Redis restart');
    assert.deepEqual(f.errors.filter((e) => e.code !== 'redis').map((e) => e.message), []);
  } finally {
    f.close();
  }
});

test('an activation published while the follower is disconnected is read on reconnect', async () => {
  // Start from version 3 again (a rollback "forward" to 3: its evaluation passed).
  let delay = 50;
  const f = follow({ retryStrategy: () => delay });
  try {
    assert.ok(await f.waitFor((p) => p.version === 1, 5000), 'the follower starts on version 1');
    delay = 2000; // hold the follower off while the rollback publishes
    await redis.kill();
    await waitFor('the follower to lose Redis', () => f.sub.status !== 'ready' && f.cmd.status !== 'ready', 5000);
    await redis.start();
    let readyAt = 0; // the first of its two connections back (either one re-reads)
    for (const c of [f.sub, f.cmd]) c.once('ready', () => (readyAt = readyAt || Date.now()));
    const r = await rollback(pg, redis, AGENT, 3, 'back to 3');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const missed = f.sub.status !== 'ready';
    assert.ok(missed, 'the follower was still disconnected when the activation was published (else this test proves nothing)');
    assert.equal(f.current.version, 1);
    delay = 50;
    const p = await f.waitFor((x) => x.version === 3, 5000);
    assert.ok(p, `never saw version 3: ${JSON.stringify(f.current)}`);
    assert.equal(p.model, 'model-3');
    assert.equal(f.lastInfo.reason, 'reconnect', 'the message was lost: the re-read on reconnect covered it');
    const sinceReady = f.lastInfo.seenAt - readyAt;
    figures.push(`published while disconnected: version 3 reached the follower ${sinceReady} ms after it reconnected (via ${f.lastInfo.reason}), ${f.lastInfo.seenAt - r.exited} ms after the CLI exited (the follower's reconnect delay was 2 s)`);
    assert.ok(readyAt > 0 && sinceReady < 1000, `${sinceReady} ms after reconnecting`);
  } finally {
    f.close();
  }
});

test('a rollback right as Redis comes back reaches the follower within its reconnect delay', async () => {
  // The worst case of the default reconnect policy (100 ms doubling to 500 ms): Redis was down
  // long enough for the delay to reach 1 s, and the rollback comes as soon as it is back.
  const f = follow();
  try {
    assert.ok(await f.waitFor((p) => p.version === 3, 5000), 'the follower starts on version 3');
    await redis.kill();
    await sleep(2500);
    await redis.start();
    const r = await rollback(pg, redis, AGENT, 2, 'v3 again bad');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const p = await f.waitFor((x) => x.version === 2, 5000);
    assert.ok(p, `never saw version 2: ${JSON.stringify(f.current)}`);
    assert.equal(p.model, 'model-2');
    const latency = f.lastInfo.seenAt - p.deployedAt;
    figures.push(`rollback as Redis came back after 2.5 s down: version 2 reached the follower ${latency} ms after the deployment (via ${f.lastInfo.reason}; the CLI ran ${r.exited - r.started} ms)`);
    assert.ok(latency < 1000, `${latency} ms: not within a second`);
  } finally {
    f.close();
  }
});
