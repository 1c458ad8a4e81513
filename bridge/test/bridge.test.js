'use strict';
// The bridge against a real PM2 daemon (temp PM2_HOME) and a real redis-server:
// snapshot and heartbeat, bus events, reload/restart of fork, cluster and Python agents,
// outcome judging, refusals, deduplication across a bridge restart, and no secrets.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { execFileSync } = require('child_process');
const { RedisServer, Pm2Daemon, BridgeProcess, startPostgres, waitFor } = require('./servers');
const { sendCommand, TestConsole, results, waitFinal, procEvents, restartsOf } = require('./commands');

const NS = 'sbt:';
const HOST = 'h1';
const SECRET = 'sk-live-0123456789-TOPSECRET';
const SHELL_SECRET = 'shell-secret-9876543210';
const FIX = path.join(__dirname, 'fixtures');
const PY = execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();

let redis;
let pm2;
let bridge;
let rc;
let pg;
let con;

const settings = (extra = {}) => ({
  redis_uri: redis.uri, namespace: NS, host: HOST, heartbeat_ms: 500, grace_ms: 1000, command_timeout_ms: 15000,
  pg_dsn: pg.bridgeDsn, ...extra,
});

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  pg = await startPostgres();
  con = await new TestConsole({ pg, redis: rc, ns: NS, host: HOST }).connect();
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([
    { name: 'fork-agent', script: path.join(FIX, 'agent.js'), env: { SECRET_TOKEN: SECRET, SWITCHBOARD_LAYER: 'llm' } },
    { name: 'cluster-agent', script: path.join(FIX, 'agent.js'), exec_mode: 'cluster', instances: 2,
      env: { SECRET_TOKEN: SECRET, SWITCHBOARD_LAYER: 'sip' } },
    { name: 'py-agent', script: path.join(FIX, 'agent.py'), interpreter: PY, env: { SWITCHBOARD_LAYER: 'tool' } },
    { name: 'crashy', script: path.join(FIX, 'crash-once.js'), min_uptime: 500 },
  ], { SHELL_SECRET }); // the shell that starts PM2 apps leaks its environment into pm2_env
  bridge = new BridgeProcess({ pm2Home: pm2.home, settings: settings() }).start();
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

// An audited command, as the console sends it.
async function command(fields, timeoutMs) {
  const id = await con.send(fields);
  return { id, rs: await waitFinal(rc, NS, id, timeoutMs) };
}

// A raw entry (the refusals before any audit check need none).
async function raw(fields, timeoutMs) {
  const id = await sendCommand(rc, NS, HOST, { audit_id: '1', ...fields });
  return { id, rs: await waitFinal(rc, NS, id, timeoutMs) };
}

test('snapshot: one hash per instance with the contract fields, TTL of 3 heartbeats, indexed in procs', async () => {
  const list = await pm2.jlist();
  assert.equal(list.length, 5);
  const members = list.map((p) => `${HOST}:${p.name}:${p.pm_id}`);
  const ids = (app) => list.filter((p) => p.name === app).map((p) => p.pm_id);
  await waitFor('all members', async () => {
    const scores = await Promise.all(members.map((m) => rc.zscore(`${NS}procs`, m)));
    return scores.every((s) => s !== null);
  });
  const h = await rc.hgetall(`${NS}proc:${HOST}:cluster-agent:${ids('cluster-agent')[1]}`);
  assert.deepEqual(Object.keys(h).sort(), ['app', 'cpu', 'exec_mode', 'heartbeat_at', 'host', 'instances', 'layer', 'memory',
    'namespace', 'pid', 'pm_id', 'restarts', 'started_at', 'status', 'unstable_restarts', 'version', 'heartbeat_ms'].sort());
  assert.equal(h.heartbeat_ms, '500');
  assert.equal(h.host, HOST);
  assert.equal(h.app, 'cluster-agent');
  assert.equal(h.pm_id, String(ids('cluster-agent')[1]));
  assert.equal(h.status, 'online');
  assert.equal(h.exec_mode, 'cluster');
  assert.equal(h.instances, '2');
  assert.equal(h.layer, 'sip');
  assert.ok(Number(h.pid) > 0);
  assert.ok(Math.abs(Number(h.heartbeat_at) - Date.now()) < 5000, 'heartbeat_at is recent, in ms');
  assert.ok(Number(h.started_at) > Date.now() - 120000 && Number(h.started_at) <= Date.now(), 'started_at in ms');
  const py = await rc.hgetall(`${NS}proc:${HOST}:py-agent:${ids('py-agent')[0]}`);
  assert.equal(py.exec_mode, 'fork');
  assert.equal(py.layer, 'tool');
  const ttl = await rc.pttl(`${NS}proc:${HOST}:fork-agent:${ids('fork-agent')[0]}`);
  assert.ok(ttl > 0 && ttl <= 1500, `TTL is at most 3 heartbeats (1500 ms), got ${ttl}`);
  // The heartbeat moves: a later beat has a later score.
  const m = `${HOST}:fork-agent:${ids('fork-agent')[0]}`;
  const s1 = Number(await rc.zscore(`${NS}procs`, m));
  await waitFor('next heartbeat', async () => Number(await rc.zscore(`${NS}procs`, m)) > s1);
});

for (const [app, action] of [['fork-agent', 'restart'], ['fork-agent', 'reload'], ['cluster-agent', 'reload'],
  ['cluster-agent', 'restart'], ['py-agent', 'reload'], ['py-agent', 'restart']]) {
  test(`${action} of ${app}: received, running, succeeded, and PM2 really restarted every instance once`, async () => {
    const before = restartsOf(await pm2.jlist(), app);
    const pidsBefore = (await pm2.jlist()).filter((p) => p.name === app).map((p) => p.pid);
    const { rs } = await command({ action, app });
    assert.deepEqual(rs.map((r) => r.state), ['received', 'running', 'succeeded'], JSON.stringify(rs));
    assert.match(rs[0].message, /audit row \d+ verified/);
    assert.ok(JSON.parse(rs[1].detail).deadline_ms >= 15000 + 1000, `running carries deadline_ms: ${rs[1].detail}`);
    assert.match(rs[2].message, /online, restarts .*stable for 1000 ms/);
    const detail = JSON.parse(rs[2].detail);
    const total = [...before.values()].reduce((a, b) => a + b, 0);
    assert.deepEqual([detail.restarts_before, detail.restarts_after, detail.status_after, detail.grace_ms],
      [total, total + before.size, 'online', 1000]);
    if (app === 'cluster-agent' && action === 'reload') assert.match(rs[1].message, /graceful reload/);
    if (app !== 'cluster-agent' && action === 'reload') assert.match(rs[1].message, /fork mode: a restart with downtime/);
    const after = restartsOf(await pm2.jlist(), app);
    for (const [id, n] of before) assert.equal(after.get(id), n + 1, `instance ${id} restarted exactly once`);
    const pidsAfter = (await pm2.jlist()).filter((p) => p.name === app).map((p) => p.pid);
    for (const pid of pidsBefore) assert.ok(!pidsAfter.includes(pid), 'every old worker was replaced');
    assert.equal(await rc.xpending(`${NS}control:${HOST}`, 'bridge').then((p) => p[0]), 0, 'acked');
  });
}

test('one instance of a cluster app by pm_id', async () => {
  const before = restartsOf(await pm2.jlist(), 'cluster-agent');
  const [a, b] = [...before.keys()];
  const { rs } = await command({ action: 'reload', app: 'cluster-agent', pm_id: String(b) });
  assert.equal(rs.at(-1).state, 'succeeded', JSON.stringify(rs));
  const after = restartsOf(await pm2.jlist(), 'cluster-agent');
  assert.equal(after.get(a), before.get(a), 'the other instance is untouched');
  assert.equal(after.get(b), before.get(b) + 1);
});

test('a crash is reported in proc-events (exception and exit)', async () => {
  const crashy = (await pm2.jlist()).find((p) => p.name === 'crashy');
  const pid = crashy.pid;
  process.kill(pid, 'SIGUSR2');
  const evs = await waitFor('crash events', async () => {
    const e = (await procEvents(rc, NS)).filter((x) => x.app === 'crashy');
    return e.some((x) => x.event === 'exit') && e.some((x) => x.event === 'online' && Number(x.id.split('-')[0]) > 0) ? e : null;
  });
  const exit = evs.find((x) => x.event === 'exit');
  assert.equal(exit.host, HOST);
  assert.equal(exit.pm_id, String(crashy.pm_id));
  assert.deepEqual(JSON.parse(exit.detail), { exit_code: 1 });
  assert.ok(Math.abs(Number(exit.at) - Date.now()) < 30000);
  const exc = evs.find((x) => x.event === 'exception');
  assert.ok(exc, `exception event present: ${JSON.stringify(evs)}`);
  assert.match(JSON.parse(exc.detail).message, /boom: agent crashed on purpose/);
  const all = await procEvents(rc, NS);
  const kinds = new Set(all.map((e) => e.event));
  for (const k of ['online', 'exit', 'restart', 'reload']) assert.ok(kinds.has(k), `event ${k} seen: ${[...kinds]}`);
  // Restarts the bridge ran say so; the crash restart of crashy does not.
  assert.ok(all.some((e) => e.event === 'restart' && /^switchboard cmd /.test(JSON.parse(e.detail).by || '')));
  assert.ok(!evs.some((e) => JSON.parse(e.detail).by));
});

test('a crash-looping agent ends errored and the command says failed', async () => {
  await pm2.startApps([{ name: 'crashloop', script: path.join(FIX, 'crashloop.js'), min_uptime: 3000, max_restarts: 3,
    restart_delay: 0 }]);
  await waitFor('crashloop errored', async () => (await pm2.jlist()).find((p) => p.name === 'crashloop').pm2_env.status === 'errored');
  const { rs } = await command({ action: 'restart', app: 'crashloop' }, 30000);
  const last = rs.at(-1);
  assert.equal(last.state, 'failed', JSON.stringify(rs));
  assert.match(last.message, /is errored after|did not stay online|not back online/, last.message);
  console.log(`crash loop verdict: ${last.message}`);
  await waitFor('restart overlimit event', async () =>
    (await procEvents(rc, NS)).some((e) => e.app === 'crashloop' && e.event === 'restart_overlimit'));
  assert.equal(JSON.parse(last.detail).status_after, 'errored', 'the result reports the end state of the loop');
  await waitFor('crashloop ends errored again', async () =>
    (await pm2.jlist()).find((p) => p.name === 'crashloop').pm2_env.status === 'errored');
});

test('a process deleted from PM2 leaves procs and its hash goes', async () => {
  const id = (await pm2.jlist()).find((p) => p.name === 'crashloop').pm_id;
  const member = `${HOST}:crashloop:${id}`;
  assert.notEqual(await rc.zscore(`${NS}procs`, member), null);
  await pm2.cli(['delete', 'crashloop']);
  await waitFor('member removed', async () => (await rc.zscore(`${NS}procs`, member)) === null);
  assert.equal(await rc.exists(`${NS}proc:${member}`), 0);
  assert.notEqual(await rc.zscore(`${NS}procs`, `${HOST}:fork-agent:${(await pm2.jlist()).find((p) => p.name === 'fork-agent').pm_id}`), null);
});

test('refusals: expired, unknown app, unknown pm_id, malformed; nothing is run', async () => {
  const before = JSON.stringify([...restartsOf(await pm2.jlist(), 'fork-agent')]);
  const exp = await raw({ action: 'restart', app: 'fork-agent', requested_at: String(Date.now() - 2000),
    expires_at: String(Date.now() - 1000) });
  assert.deepEqual(exp.rs.map((r) => r.state), ['expired']);
  assert.match(exp.rs[0].message, /expired \d+ ms ago by the Redis server's clock/);
  const unk = await command({ action: 'restart', app: 'no-such-agent' });
  assert.deepEqual(unk.rs.map((r) => r.state), ['received', 'rejected']);
  assert.match(unk.rs[1].message, /unknown app "no-such-agent" on h1/);
  const otherId = (await pm2.jlist()).find((p) => p.name === 'py-agent').pm_id;
  const badId = await command({ action: 'restart', app: 'fork-agent', pm_id: String(otherId) });
  assert.equal(badId.rs.at(-1).state, 'rejected');
  assert.match(badId.rs.at(-1).message, new RegExp(`pm_id ${otherId} is not an instance of "fork-agent"`));
  const badAction = await raw({ action: 'stop', app: 'fork-agent' });
  assert.deepEqual(badAction.rs.map((r) => r.state), ['rejected']);
  assert.match(badAction.rs[0].message, /unknown action "stop"/);
  const noReason = await raw({ action: 'restart', app: 'fork-agent', reason: '' });
  assert.match(noReason.rs.at(-1).message, /missing reason/);
  const noExpiry = await raw({ action: 'restart', app: 'fork-agent', expires_at: 'soon' });
  assert.match(noExpiry.rs.at(-1).message, /invalid expires_at/);
  const long = await raw({ action: 'x'.repeat(5000), app: 'fork-agent' });
  assert.ok(long.rs[0].message.length < 100, 'an untrusted value is quoted short');
  assert.equal(JSON.stringify([...restartsOf(await pm2.jlist(), 'fork-agent')]), before, 'fork-agent was not restarted');
});

test('replays are refused (in memory, and by the registry after a bridge restart); not-allowed actions and apps are refused', async () => {
  const cmdId = require('crypto').randomUUID();
  const auditId = await con.request({ action: 'restart', app: 'py-agent', cmd_id: cmdId });
  const entry = { cmd_id: cmdId, action: 'restart', app: 'py-agent', audit_id: String(auditId) };
  await sendCommand(rc, NS, HOST, entry);
  const first = await waitFinal(rc, NS, cmdId);
  assert.equal(first.at(-1).state, 'succeeded', JSON.stringify(first));
  const pyId = (await pm2.jlist()).find((p) => p.name === 'py-agent').pm_id;
  const n = restartsOf(await pm2.jlist(), 'py-agent').get(pyId);

  await sendCommand(rc, NS, HOST, entry); // the same command again, audit row and all
  await waitFor('replay refused', async () => (await results(rc, NS, cmdId)).some((r) => r.state === 'rejected'));
  assert.match((await results(rc, NS, cmdId)).find((r) => r.state === 'rejected').message, /replay: cmd_id .* already ran/);

  await bridge.stop();
  bridge = new BridgeProcess({ pm2Home: pm2.home,
    settings: settings({ allowed_actions: 'restart', allowed_apps: 'fork-agent,py-agent' }) }).start();
  await bridge.waitLog(/bridge running/);
  const seenBefore = (await results(rc, NS, cmdId)).length;
  await sendCommand(rc, NS, HOST, entry);
  await waitFor('duplicate refused after restart', async () => (await results(rc, NS, cmdId)).length > seenBefore);
  const rs = await results(rc, NS, cmdId);
  assert.equal(rs.at(-1).state, 'rejected');
  assert.match(rs.at(-1).message, /duplicate cmd_id/);
  assert.equal(restartsOf(await pm2.jlist(), 'py-agent').get(pyId), n, 'the replays did not run');

  const notAction = await command({ action: 'reload', app: 'fork-agent' });
  assert.equal(notAction.rs.at(-1).state, 'rejected');
  assert.match(notAction.rs.at(-1).message, /action reload is not allowed/);
  const notApp = await command({ action: 'restart', app: 'cluster-agent' });
  assert.equal(notApp.rs.at(-1).state, 'rejected');
  assert.match(notApp.rs.at(-1).message, /not in the allowed apps/);
});

test('no environment variable value reaches Redis (snapshot, events, results)', async () => {
  // Sanity: PM2 really holds the secrets in pm2_env, so the test can fail.
  const fork = (await pm2.jlist()).find((p) => p.name === 'fork-agent');
  assert.ok(JSON.stringify(fork).includes(SECRET) && JSON.stringify(fork).includes(SHELL_SECRET));
  let cursor = '0';
  let dump = '';
  let keys = 0;
  do {
    const [next, batch] = await rc.scan(cursor, 'COUNT', 100);
    cursor = next;
    for (const k of batch) {
      keys += 1;
      const type = await rc.type(k);
      if (type === 'hash') dump += JSON.stringify(await rc.hgetall(k));
      else if (type === 'string') dump += await rc.get(k);
      else if (type === 'zset') dump += JSON.stringify(await rc.zrange(k, 0, -1));
      else if (type === 'stream') dump += JSON.stringify(await rc.xrange(k, '-', '+'));
      else dump += `?${type}`;
      dump += k;
    }
  } while (cursor !== '0');
  assert.ok(keys > 10 && dump.includes('fork-agent'), 'the dump covers what the bridge wrote');
  assert.ok(!dump.includes(SECRET), 'app secret absent');
  assert.ok(!dump.includes(SHELL_SECRET), 'shell secret absent');
  assert.ok(!dump.includes('SECRET_TOKEN'), 'not even the variable names');
});
