'use strict';
// followPrompt against a real redis-server: everything it reads is untrusted. A bad record,
// a stale hash, a broken message or a throwing callback is reported to onError, the agent
// keeps its last good prompt, and nothing is thrown into it.
const test = require('node:test');
const assert = require('node:assert/strict');
const Redis = require('ioredis');
const { followPrompt } = require('..');
const { RedisServer, waitFor, sleep } = require('./support');

const KEY = 'agentops:prompt:triage';
const CHANNEL = 'agentops:prompt-activated';
let redis;
let w; // the test's own writer: plays a buggy or hostile one

test.before(async () => {
  redis = new RedisServer();
  await redis.start();
  w = new Redis({ port: redis.port, host: '127.0.0.1' });
});

test.after(async () => {
  w.disconnect();
  await redis.destroy();
});

const good = (id, version = id) => ['version', String(version), 'model', `model-${version}`, 'deployment_id', String(id), 'deployed_at', String(1795735767000 + id)];

async function write(fields, { del = true, publish = true } = {}) {
  if (del) await w.del(KEY);
  if (fields.length) await w.hset(KEY, ...fields);
  if (publish) await w.publish(CHANNEL, JSON.stringify({ agent: 'triage', deployment_id: 0 }));
}

function follow(options = {}) {
  const errors = [];
  const changes = [];
  const f = followPrompt('triage', {
    redis: redis.uri,
    refreshMs: 0,
    onError: (e) => errors.push(e),
    onChange: (p) => changes.push(p),
    ...options,
  });
  f.errors = errors;
  f.changes = changes;
  return f;
}

// Bytes Redis has sent to all its clients: an oversized value must not be among them.
async function netOutput() {
  const info = await w.info('stats');
  return Number(/total_net_output_bytes:(\d+)/.exec(info)[1]);
}

// The first error of this code after index from (whose message matches re, when given).
async function nextError(f, code, from, re) {
  return waitFor(`an error ${code} ${re || ''}`, () => f.errors.slice(from).find((e) => e.code === code && (!re || re.test(e.message))), 3000);
}

test('bad records are reported and the last good prompt is kept', async () => {
  await write(good(10, 4));
  const f = follow();
  try {
    assert.equal((await f.waitFor((p) => p.deploymentId === '10', 3000)).model, 'model-4');
    const cases = [
      [['version', 'lots', 'model', 'm', 'deployment_id', '11', 'deployed_at', '1'], /field version = 'lots' is not an integer/],
      [['version', '5', 'deployment_id', '11', 'deployed_at', '1'], /field model is missing/],
      [['version', '5', 'model', 'x'.repeat(10 * 1024 * 1024), 'deployment_id', '11', 'deployed_at', '1'], /field model is 10485760 bytes, over the 4096-byte cap/],
      [['version', '5', 'model', Buffer.from([0x61, 0xff, 0x62]), 'deployment_id', '11', 'deployed_at', '1'], /field model is not valid UTF-8/],
      [['version', '5', 'model', 'a\0b', 'deployment_id', '11', 'deployed_at', '1'], /field model contains a NUL byte/],
      [['version', '5', 'model', 'm', 'deployment_id', '011', 'deployed_at', '1'], /field deployment_id = '011' is not a positive integer/],
      [['version', '5', 'model', 'm', 'deployment_id', '99999999999999999999', 'deployed_at', '1'], /deployment_id = '99999999999999999999' is not a positive integer/],
      [['version', '-5', 'model', 'm', 'deployment_id', '11', 'deployed_at', '1'], /field version = '-5' is not an integer/],
      [['version', '5', 'model', 'm', 'deployment_id', '11', 'deployed_at', 'yesterday'], /deployed_at = 'yesterday' is not a timestamp/],
      [['version', '5', 'model', '', 'deployment_id', '11', 'deployed_at', '1'], /field model is empty/],
    ];
    for (const [fields, re] of cases) {
      const from = f.errors.length;
      const before = await netOutput();
      await write(fields);
      const e = await nextError(f, 'bad_record', from);
      assert.match(e.message, re);
      const sent = (await netOutput()) - before;
      assert.ok(sent < 64 * 1024, `Redis sent ${sent} bytes for one bad record: the value over the cap was read`);
      assert.match(e.message, /keeping version 4 \(deployment #10\)/);
      assert.equal(f.current.version, 4);
    }
    // Not a hash at all.
    let from = f.errors.length;
    await w.del(KEY);
    await w.set(KEY, 'version 5');
    await w.publish(CHANNEL, '{"agent":"triage"}');
    assert.match((await nextError(f, 'bad_record', from)).message, /is a string, not a hash/);
    // A good newer one is taken after all of that.
    await write(good(11, 5));
    assert.equal((await f.waitFor((p) => p.deploymentId === '11', 3000)).model, 'model-5');
    assert.equal(f.changes.length, 2);
    from = f.errors.length;
    assert.deepEqual(f.errors.filter((e) => e.code !== 'bad_record').map((e) => e.message), []);
  } finally {
    f.close();
  }
});

test('only newer deployments move the agent (Redis never goes backwards)', async () => {
  await write(good(20, 7));
  const f = follow();
  try {
    await f.waitFor((p) => p.deploymentId === '20', 3000);
    let from = f.errors.length;
    await write(good(19, 6)); // an older deployment written around the activation script
    assert.match((await nextError(f, 'stale', from)).message, /Redis has deployment #19, older than #20: kept #20/);
    await write(['version', '8', 'model', 'other', 'deployment_id', '20', 'deployed_at', '1']); // same id
    await sleep(200);
    assert.equal(f.current.model, 'model-7', 'an equal id is the deployment already followed');
    // Beyond 2^53: compared as decimal strings.
    await write(good(20).slice(0, 4).concat(['deployment_id', '9007199254740993', 'deployed_at', '5']));
    assert.ok(await f.waitFor((p) => p.deploymentId === '9007199254740993', 3000));
    from = f.errors.length;
    await write(good(20).slice(0, 4).concat(['deployment_id', '9007199254740992', 'deployed_at', '5']));
    assert.match((await nextError(f, 'stale', from)).message, /#9007199254740992, older than #9007199254740993/);
    assert.equal(f.changes.length, 2);
  } finally {
    f.close();
  }
});

test('messages are hints: other agents ignored, broken ones reported, the hash decides', async () => {
  await write(good(30, 1));
  const f = follow();
  try {
    await f.waitFor((p) => p.deploymentId === '30', 3000);
    // Another agent's activation does not make this follower read: a change written
    // without a message for triage stays unseen (refreshMs is 0).
    await write(good(31, 2), { publish: false });
    await w.publish(CHANNEL, JSON.stringify({ agent: 'billing', version: 2, model: 'm', deployment_id: 31, deployed_at: 1 }));
    await w.publish(CHANNEL, JSON.stringify({ agent: 'triage2' }));
    await sleep(300);
    assert.equal(f.current.deploymentId, '30');
    // A broken message is reported, and the hash read anyway.
    const from = f.errors.length;
    await w.publish(CHANNEL, 'not json');
    assert.match((await nextError(f, 'bad_message', from)).message, /is not JSON: 'not json'/);
    assert.ok(await f.waitFor((p) => p.deploymentId === '31', 3000));
    // The message's own values are never used: the hash says version 2.
    await write(good(32, 3), { publish: false });
    await w.publish(CHANNEL, JSON.stringify({ agent: 'triage', version: 99, model: 'evil', deployment_id: 999, deployed_at: 1 }));
    const p = await f.waitFor((x) => x.deploymentId === '32', 3000);
    assert.equal(p.version, 3);
    assert.equal(p.model, 'model-3');
    // Over the 64 KiB cap, not an object, no agent.
    for (const [msg, re] of [['x'.repeat(70000), /over the 65536-byte cap/], ['[1,2]', /not a JSON object/], ['{"agent":5}', /field agent is missing/], ['['.repeat(60000), /not JSON/]]) {
      const n = f.errors.length;
      await w.publish(CHANNEL, msg);
      assert.match((await nextError(f, 'bad_message', n)).message, re);
    }
  } finally {
    f.close();
  }
});

test('a message too large for Redis to send drops the subscriber; it reconnects and reads', async () => {
  // Redis' client-output-buffer-limit for pub/sub (32 MB hard, by default) closes a
  // subscriber rather than queue such a message: the helper never reads it.
  await write(good(35, 1));
  const f = follow();
  try {
    await f.waitFor((p) => p.deploymentId === '35', 3000);
    await write(good(36, 2), { publish: false });
    await w.publish(CHANNEL, 'x'.repeat(40 * 1024 * 1024));
    assert.match((await nextError(f, 'redis', 0)).message, /redis \(subscriber\): connection closed/);
    assert.ok(await f.waitFor((p) => p.deploymentId === '36', 3000), 'the re-read after the reconnect');
    assert.equal(f.errors.filter((e) => e.code === 'bad_message').length, 0, 'nothing of the message arrived');
  } finally {
    f.close();
  }
});

test('a flood of hints is not a flood of reads', async () => {
  await write(good(37, 1));
  const f = follow();
  try {
    await f.waitFor((p) => p.deploymentId === '37', 3000);
    await sleep(200);
    const calls = async () => Number((/cmdstat_eval_ro:calls=(\d+)/.exec(await w.info('commandstats')) || [0, 0])[1]);
    const before = await calls();
    const pipe = w.pipeline();
    for (let i = 0; i < 2000; ++i) pipe.publish(CHANNEL, '{"agent":"triage"}');
    await pipe.exec();
    await write(good(38, 2));
    assert.ok(await f.waitFor((p) => p.deploymentId === '38', 5000));
    await sleep(300);
    const reads = (await calls()) - before;
    console.log(`node: ${reads} reads of the hash for 2001 messages`);
    assert.ok(reads >= 1 && reads < 100, `${reads} reads for 2001 messages`);
  } finally {
    f.close();
  }
});

test('a throwing callback does not stop the follower', async () => {
  await write(good(40, 1));
  let calls = 0;
  const f = follow({
    onChange: () => {
      calls += 1;
      throw new Error('agent bug');
    },
  });
  try {
    await f.waitFor((p) => p.deploymentId === '40', 3000);
    await write(good(41, 2));
    assert.ok(await f.waitFor((p) => p.deploymentId === '41', 3000));
    assert.equal(calls, 2);
    assert.equal(f.errors.filter((e) => e.code === 'callback').length, 2);
    assert.match(f.errors.find((e) => e.code === 'callback').message, /onChange threw: agent bug/);
  } finally {
    f.close();
  }
});

test('an ACL user without EVAL_RO still follows, with HSTRLEN before HMGET under WATCH', async () => {
  await w.call('ACL', 'SETUSER', 'agent-noscript', 'on', '>agent-pw', 'resetkeys', '~agentops:prompt:*', 'resetchannels', '&agentops:prompt-activated',
    '-@all', '+info', '+hget', '+hmget', '+hstrlen', '+type', '+subscribe', '+ping', '+watch', '+unwatch', '+multi', '+exec');
  await write(good(50, 1));
  const f = follow({ username: 'agent-noscript', password: 'agent-pw' });
  try {
    assert.equal((await f.waitFor((p) => p.deploymentId === '50', 3000)).model, 'model-1');
    assert.match(f.errors.find((e) => e.code === 'degraded').message, /EVAL_RO refused/);
    const from = f.errors.length;
    const before = await netOutput();
    await write(['version', '5', 'model', 'x'.repeat(1024 * 1024), 'deployment_id', '51', 'deployed_at', '1']);
    assert.ok(await nextError(f, 'bad_record', from, /field model is 1048576 bytes, over the 4096-byte cap/));
    assert.ok((await netOutput()) - before < 64 * 1024, 'the oversized model was not read');
    await write(good(52, 2));
    assert.ok(await f.waitFor((p) => p.deploymentId === '52', 3000));
    // Big values written while reads are under way (the race HSTRLEN-then-HMGET alone
    // loses): a read whose key changed after WATCH reads nothing and looks again.
    const big = 'x'.repeat(1024 * 1024);
    const start = await netOutput();
    for (let i = 0; i < 30; ++i) {
      await w.publish(CHANNEL, '{"agent":"triage"}');
      await sleep(i % 3);
      await w.hset(KEY, 'model', big);
      await sleep(1);
      await w.hset(KEY, 'model', 'model-2');
    }
    await sleep(300);
    const sent = (await netOutput()) - start;
    assert.ok(sent < 512 * 1024, `Redis sent ${sent} bytes: a 1 MiB value was read`);
  } finally {
    f.close();
  }
});

test('the periodic refresh reads a change no message announced', async () => {
  await write(good(60, 1));
  const f = follow({ refreshMs: 200 });
  try {
    assert.equal((await f.ready).deploymentId, '60', 'ready: after the first read');
    await write(good(61, 2), { publish: false });
    assert.ok(await f.waitFor((p) => p.deploymentId === '61', 2000));
  } finally {
    f.close();
  }
});

test('pings are answered, and a server that stops answering is left and caught up with', async () => {
  await write(good(70, 1));
  const f = follow({ refreshMs: 200, commandTimeoutMs: 1000 });
  try {
    await f.waitFor((p) => p.deploymentId === '70', 3000);
    await sleep(1500); // several refreshes with a PING each, all answered
    assert.deepEqual(f.errors.map((e) => e.message), []);
    // As behind a dead link: the follower gives up on the connection and reconnects.
    await w.call('CLIENT', 'PAUSE', '2500', 'ALL');
    await nextError(f, 'redis', 0, /timed? ?out/i);
    await sleep(1500);
    await write(good(71, 2));
    assert.ok(await f.waitFor((p) => p.deploymentId === '71', 5000));
  } finally {
    f.close();
  }
});

test('bad arguments are the caller\'s error, at once', () => {
  assert.throws(() => followPrompt(''), TypeError);
  assert.throws(() => followPrompt('a\0b'), TypeError);
  assert.throws(() => followPrompt(42), TypeError);
});
