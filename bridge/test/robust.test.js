'use strict';
// Bridge robustness: a control key of the wrong type, a hung PM2 call, apps named like a
// pm_id or a config file, a 300 MB stream entry, secrets in exception text, a Postgres
// that cannot be asked, a host clock a minute fast, and two bridges with one host name.
// None may crash or wedge the bridge.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { RedisServer, Pm2Daemon, BridgeProcess, startPostgres, freePort, waitFor, sleep } = require('./servers');
const { TestConsole, sendCommand, redisNow, results, waitFinal, restartsOf } = require('./commands');

const NS = 'rob:';
const HOST = 'h1';
const FIX = path.join(__dirname, 'fixtures');
const TOKEN = 'tok-SECRETVALUE-0123456789';

let redis;
let pm2;
let bridge;
let rc;
let pg;
let con;
const others = [];

const settings = (extra = {}) => ({
  redis_uri: redis.uri, namespace: NS, host: HOST, heartbeat_ms: 500, grace_ms: 500, command_timeout_ms: 3000,
  pg_dsn: pg.bridgeDsn,
  health_urls: JSON.stringify({ tokened: `http://ops:${TOKEN}@127.0.0.1:1/health?token=${TOKEN}` }),
  ...extra,
});

before(async () => {
  // No AOF here: the 300 MB entry would be written to disk on every run.
  redis = new RedisServer(['--appendonly', 'no']);
  await redis.start();
  rc = redis.client();
  pg = await startPostgres();
  con = await new TestConsole({ pg, redis: rc, ns: NS, host: HOST }).connect();
  pm2 = new Pm2Daemon();
  await pm2.start();
  // Order fixes the pm_ids: web3 is pm_id 3, the app named "3" is pm_id 4.
  await pm2.startApps([
    // Ready on its first start; every restart hangs, and PM2 waits 120 s (listen_timeout).
    { name: 'hang', script: path.join(FIX, 'ready-once.js'), wait_ready: true, listen_timeout: 120000,
      env: { MARKER: path.join(pm2.home, 'hang.marker') } },
    { name: 'tokened', script: path.join(FIX, 'agent.js') },
    { name: 'x.json', script: path.join(FIX, 'agent.js') },
    { name: 'web3', script: path.join(FIX, 'agent.js') },
    { name: '3', script: path.join(FIX, 'agent.js') },
  ]);
  bridge = new BridgeProcess({ pm2Home: pm2.home, settings: settings() }).start();
  await bridge.waitLog(/bridge running/);
});

after(async () => {
  for (const b of others) await b.stop();
  if (bridge) await bridge.stop();
  if (con) await con.close();
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (pg) await pg.destroy();
  if (redis) await redis.destroy();
});

const ids = async (app) => (await pm2.jlist()).filter((p) => p.name === app).map((p) => p.pm_id);
const heartbeat = async (app) => Number(await rc.zscore(`${NS}procs`, `${HOST}:${app}:${(await ids(app))[0]}`));

async function command(fields, timeoutMs = 30000, c = con) {
  const id = await c.send(fields);
  return waitFinal(rc, NS, id, timeoutMs);
}

test('apps named "3" and "x.json": PM2 is given the pm_ids, never the name', async () => {
  assert.deepEqual(await ids('web3'), [3]);
  assert.deepEqual(await ids('3'), [4]);
  const r0 = new Map([...restartsOf(await pm2.jlist(), 'web3'), ...restartsOf(await pm2.jlist(), '3'),
    ...restartsOf(await pm2.jlist(), 'x.json')]);
  // pm_id 3 is web3's; pm2.restart(3) would take "3" as the app named 3.
  const a = await command({ action: 'restart', app: 'web3', pm_id: '3' });
  assert.equal(a.at(-1).state, 'succeeded', JSON.stringify(a));
  const b = await command({ action: 'reload', app: '3' });
  assert.equal(b.at(-1).state, 'succeeded', JSON.stringify(b));
  // pm2.restart('x.json') would read a config file of that name.
  const c = await command({ action: 'restart', app: 'x.json' });
  assert.equal(c.at(-1).state, 'succeeded', JSON.stringify(c));
  const r1 = restartsOf(await pm2.jlist(), 'web3');
  assert.equal(r1.get(3), r0.get(3) + 1, 'web3 (pm_id 3) restarted once, by its own command');
  assert.equal(restartsOf(await pm2.jlist(), '3').get(4), r0.get(4) + 1, 'the app named 3 restarted once, by its own');
  const xj = (await ids('x.json'))[0];
  assert.equal(restartsOf(await pm2.jlist(), 'x.json').get(xj), r0.get(xj) + 1);
});

test('a hung PM2 call is bounded by command_timeout_ms, reported failed, and the bridge serves the next command', async () => {
  // hang says ready on its first start only: PM2 would answer this restart after 120 s.
  const t0 = Date.now();
  const rs = await command({ action: 'restart', app: 'hang' });
  assert.equal(rs.at(-1).state, 'failed', JSON.stringify(rs));
  assert.match(rs.at(-1).message, /PM2 did not answer restart of pm_id \d+ within \d+ ms/);
  assert.ok(Date.now() - t0 < 15000, `bounded (${Date.now() - t0} ms)`);
  const next = await command({ action: 'restart', app: 'web3' });
  assert.equal(next.at(-1).state, 'succeeded', JSON.stringify(next));
});

test('exception text with a token or a DSN is scrubbed from control-results and the log', async () => {
  const rs = await command({ action: 'restart', app: 'tokened' });
  assert.equal(rs.at(-1).state, 'failed', JSON.stringify(rs));
  assert.match(rs.at(-1).message, /health check http:\/\/ops:\*\*\*@127\.0\.0\.1:1\/health\?token=\*\*\* did not answer/);
  // Postgres unreachable, DSN with a password: refused, and neither the DSN nor the
  // password is repeated anywhere.
  const dead = await freePort();
  const pw = 'PW-in-the-dsn-42';
  const nopg = new BridgeProcess({ pm2Home: pm2.home, settings: settings({ host: 'h-nopg',
    pg_dsn: `postgres://bridge_login:${pw}@127.0.0.1:${dead}/agentops`, pg_timeout_ms: 1000 }) }).start();
  others.push(nopg);
  const none = new BridgeProcess({ pm2Home: pm2.home, settings: settings({ host: 'h-nodsn', pg_dsn: '' }) }).start();
  others.push(none);
  await nopg.waitLog(/bridge running/);
  await none.waitLog(/bridge running/);
  const unreachable = await waitFinal(rc, NS, await sendCommand(rc, NS, 'h-nopg', { app: 'web3', audit_id: '1' }));
  assert.deepEqual(unreachable.map((r) => r.state), ['rejected']);
  assert.match(unreachable[0].message, /^cannot verify the audit row: .*ECONNREFUSED.*; not run$/);
  const noDsn = await waitFinal(rc, NS, await sendCommand(rc, NS, 'h-nodsn', { app: 'web3', audit_id: '1' }));
  assert.match(noDsn[0].message, /^cannot verify the audit row: no pg_dsn is configured on this bridge; not run$/);
  assert.match(none.log(), /no pg_dsn configured: every command will be refused/);
  const all = JSON.stringify(await rc.xrange(`${NS}control-results`, '-', '+'));
  for (const s of [TOKEN, pw]) {
    assert.ok(!all.includes(s), `${s} not in control-results`);
    for (const b of [bridge, nopg, none]) assert.ok(!b.log().includes(s), `${s} not in the log`);
  }
  await nopg.stop();
  await none.stop();
});

test('a control key of the wrong type is reported and survived; commands resume once it is fixed', async () => {
  await rc.del(`${NS}control:${HOST}`);
  await rc.set(`${NS}control:${HOST}`, 'not a stream');
  await bridge.waitLog(/rob:control:h1 is a string, not a stream/, 10000);
  const hb = await heartbeat('web3');
  await waitFor('heartbeats go on', async () => (await heartbeat('web3')) > hb);
  assert.equal(bridge.proc.exitCode, null, 'the bridge is still running');
  await rc.del(`${NS}control:${HOST}`);
  const rs = await command({ action: 'restart', app: 'web3' });
  assert.equal(rs.at(-1).state, 'succeeded', JSON.stringify(rs));
});

test('a 300 MB stream entry is refused unread, the bridge\'s memory stays small, the next command runs', async () => {
  // Written with a client of its own: redis-cli -x takes 10 s to read 300 MB from stdin.
  const payload = Buffer.alloc(300 << 20, 'a');
  const writer = redis.client();
  const t0 = Date.now();
  const id = await writer.xadd(`${NS}control:${HOST}`, '*', 'cmd_id', 'big-1', 'action', 'restart', 'app', 'web3',
    'payload', payload);
  writer.disconnect();
  const tWritten = Date.now() - t0;
  assert.match(id, /^\d+-\d+$/);
  const rs = await waitFinal(rc, NS, 'big-1', 60000);
  const refusedAt = Number(rs[0].id.split('-')[0]) - Number(id.split('-')[0]);
  assert.deepEqual(rs.map((r) => r.state), ['rejected']);
  assert.match(rs[0].message, new RegExp(`^entry ${id} is 3145\\d{5} bytes in 4 fields, over the cap of 65536 bytes`));
  console.log(`300 MB entry: XADD took ${tWritten} ms; refused ${refusedAt} ms after it was added`);
  const status = fs.readFileSync(`/proc/${bridge.proc.pid}/status`, 'utf8');
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
  console.log(`bridge peak RSS ${Math.round(peakKb / 1024)} MB`);
  assert.ok(peakKb < 200 * 1024, `the bridge never held the entry (peak RSS ${peakKb} kB)`);
  await rc.xtrim(`${NS}control:${HOST}`, 'MAXLEN', 0); // give Redis its memory back
  const next = await command({ action: 'restart', app: 'web3' });
  assert.equal(next.at(-1).state, 'succeeded', JSON.stringify(next));
});

test('a host clock a minute fast: times written and judged in Redis time', async () => {
  const fast = new BridgeProcess({ pm2Home: pm2.home, settings: settings({ host: 'h-fast' }),
    nodeArgs: ['--require', path.join(FIX, 'skew.js')], env: { SKEW_MS: '60000' } }).start();
  others.push(fast);
  await fast.waitLog(/bridge running/);
  await fast.waitLog(/clock: Redis server time is [+-]?\d+ ms from this host's clock/);
  const offset = Number(/clock: Redis server time is ([+-]?\d+) ms/.exec(fast.log())[1]);
  assert.ok(Math.abs(offset + 60000) < 2000, `measured offset ${offset} ms, about -60000`);
  const member = `h-fast:web3:3`;
  await waitFor('h-fast publishes', async () => (await rc.zscore(`${NS}procs`, member)) !== null);
  const beat = Number(await rc.hget(`${NS}proc:${member}`, 'heartbeat_at'));
  assert.ok(Math.abs(beat - (await redisNow(rc))) < 3000, `heartbeat_at is Redis time (${beat})`);
  // A command valid for 30 s by Redis time runs (by the host's clock it expired 30 s ago).
  const fastCon = await new TestConsole({ pg, redis: rc, ns: NS, host: 'h-fast' }).connect();
  try {
    const now = await redisNow(rc);
    const rs = await command({ action: 'restart', app: 'web3', requested_at: String(now),
      expires_at: String(now + 30000) }, 30000, fastCon);
    assert.equal(rs.at(-1).state, 'succeeded', JSON.stringify(rs));
    for (const r of rs) assert.ok(Math.abs(Number(r.at) - now) < 20000, `result at in Redis time: ${r.at}`);
    // And one that expired a second ago by Redis time is refused as expired.
    const old = await command({ action: 'restart', app: 'web3', requested_at: String(now - 5000),
      expires_at: String(now - 1000) }, 30000, fastCon);
    assert.deepEqual(old.map((r) => r.state), ['expired']);
  } finally {
    await fastCon.close();
  }
});

test('two bridges with one host name: the second refuses to run until the first is gone', async () => {
  const holder = await rc.get(`${NS}bridge:${HOST}`);
  assert.match(holder, new RegExp(`^${bridge.proc.pid}@`));
  const second = new BridgeProcess({ pm2Home: pm2.home, settings: settings() }).start();
  others.push(second);
  await second.waitLog(/another bridge with host name "h1" is running/);
  await sleep(1500);
  assert.ok(!second.lines.some((l) => /bridge running/.test(l)), 'the second does not publish or run commands');
  assert.equal(await rc.get(`${NS}bridge:${HOST}`), holder, 'the lease stays with the first');
  const consumers = (await rc.xinfo('CONSUMERS', `${NS}control:${HOST}`, 'bridge')).map((c) => c[1]);
  assert.ok(!consumers.includes(`${HOST}:${second.proc.pid}`), 'the second never read the control stream');

  // The first goes: the second takes over and serves.
  await bridge.stop();
  await second.waitLog(/bridge running/, 10000);
  assert.match(await rc.get(`${NS}bridge:${HOST}`), new RegExp(`^${second.proc.pid}@`));
  const rs = await command({ action: 'restart', app: 'web3' });
  assert.equal(rs.at(-1).state, 'succeeded', JSON.stringify(rs));

  // A holder whose lease another instance took stops (exit code 4).
  await rc.set(`${NS}bridge:${HOST}`, 'someone-else', 'PX', 60000);
  const { code } = await second.exited;
  assert.equal(code, 4, second.log());
  assert.match(second.log(), /is now held by another bridge \(someone-else\): this one stops/);
  bridge = null;
});
