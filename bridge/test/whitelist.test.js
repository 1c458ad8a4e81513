'use strict';
// The pure pieces: settings parsing and the field whitelists, fed with real-shaped PM2
// payloads (pm2_env carries the environment at top level and under env).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { parseConfig, keysFor } = require('../src/config');
const { procFields } = require('../src/snapshot');
const { processEventFields } = require('../src/processevents');

const SECRET = 'sk-live-SECRET-VALUE';
const env = {
  name: 'llm-agent', pm_id: 7, status: 'online', exec_mode: 'cluster_mode', instances: 2, restart_time: 3,
  unstable_restarts: 1, pm_uptime: 1700000000000, version: '1.2.3', namespace: 'agents', exit_code: 137,
  OPENAI_API_KEY: SECRET, env: { OPENAI_API_KEY: SECRET, SWITCHBOARD_LAYER: 'llm' }, args: ['--token', SECRET],
  pm_exec_path: `/srv/${SECRET}/agent.js`,
};

test('settings: defaults, strings from pm2 set, and refusals', () => {
  const cfg = parseConfig({ host: 'web-1', heartbeat_ms: '750', allowed_apps: 'a, b', allowed_actions: 'reload' });
  assert.equal(cfg.heartbeatMs, 750);
  assert.deepEqual(cfg.allowedApps, ['a', 'b']);
  assert.deepEqual(cfg.allowedActions, ['reload']);
  assert.equal(cfg.namespace, 'agentops:');
  assert.equal(parseConfig({}).allowedApps, null, '* allows every app');
  assert.throws(() => parseConfig({ allowed_actions: 'reload,delete' }), /unknown action delete/);
  assert.throws(() => parseConfig({ redis_uri: 'http://x' }), /redis_uri/);
  assert.throws(() => parseConfig({ heartbeat_ms: 'fast' }), /heartbeat_ms/);
  // Past a Node timer's 2^31 - 1 ms a delay fires after 1 ms (found by fuzz.test.js).
  assert.throws(() => parseConfig({ heartbeat_ms: '3e9' }), /heartbeat_ms: expected an integer from 100 to 2147483647/);
  assert.throws(() => parseConfig({ grace_ms: 2 ** 31 }), /grace_ms/);
  assert.equal(parseConfig({ grace_ms: 2 ** 31 - 1 }).graceMs, 2 ** 31 - 1);
  assert.throws(() => parseConfig({ host: 'a:b' }), /host/);
  const k = keysFor(parseConfig({ host: 'h', namespace: 'N:' }));
  assert.equal(k.proc('app', 3), 'N:proc:h:app:3');
  assert.equal(k.procMember('app', 3), 'h:app:3');
  assert.equal(k.control, 'N:control:h');
  assert.equal(k.controlResults, 'N:control-results');
  assert.equal(k.procEvents, 'N:proc-events');
});

test('snapshot fields: the contract list only, no value of the environment', () => {
  const f = procFields({ name: 'llm-agent', pm_id: 7, pid: 4242, pm2_env: env, monit: { cpu: 12.5, memory: 1048576 } }, 'h', 1700000001000, 2000);
  assert.deepEqual(f, {
    host: 'h', app: 'llm-agent', pm_id: '7', pid: '4242', layer: 'llm', namespace: 'agents', status: 'online',
    exec_mode: 'cluster', instances: '2', restarts: '3', unstable_restarts: '1', started_at: '1700000000000',
    cpu: '12.5', memory: '1048576', version: '1.2.3', heartbeat_at: '1700000001000', heartbeat_ms: '2000',
  });
  const waiting = procFields({ name: 'x', pm_id: 1, pid: 0, pm2_env: { ...env, status: 'waiting restart' } }, 'h', 1, 2000);
  assert.equal(waiting.status, 'launching', 'PM2 transitional states map to launching');
  assert.equal(waiting.pid, '', 'no pid when no process runs');
  assert.equal(procFields({ name: 'x', pm_id: 1, pm2_env: { ...env, instances: 'max' } }, 'h', 1, 2000).instances, '');
  assert.ok(!JSON.stringify(f).includes(SECRET));
});

test('event fields: whitelisted, secrets dropped, unknown events and modules ignored', () => {
  const exit = processEventFields('process:event', { event: 'exit', process: env, at: 1700000002000 }, 'h');
  assert.deepEqual(Object.keys(exit), ['host', 'app', 'pm_id', 'event', 'detail', 'at']);
  assert.equal(exit.event, 'exit');
  assert.deepEqual(JSON.parse(exit.detail), { exit_code: 137 });
  assert.equal(exit.at, '1700000002000');
  const exc = processEventFields('process:exception', { process: { name: 'x', pm_id: 1 }, data: { message: 'boom', stack: SECRET, env } }, 'h');
  assert.equal(exc.event, 'exception');
  assert.deepEqual(JSON.parse(exc.detail), { message: 'boom' });
  const byCmd = processEventFields('process:event', { event: 'restart', process: env }, 'h', () => 'switchboard cmd 1');
  assert.equal(JSON.parse(byCmd.detail).by, 'switchboard cmd 1');
  const over = processEventFields('process:event', { event: 'restart overlimit', process: env }, 'h');
  assert.equal(over.event, 'restart_overlimit');
  for (const e of [exit, exc, over]) assert.ok(!JSON.stringify(e).includes(SECRET));
  assert.equal(processEventFields('process:event', { event: 'delete', process: env }, 'h'), null);
  assert.equal(processEventFields('process:event', { event: 'online', process: { ...env, pmx_module: true } }, 'h'), null);
  assert.equal(processEventFields('process:event', 'garbage', 'h'), null);
  const long = processEventFields('process:exception', { process: { name: 'x', pm_id: 1 }, data: { message: 'y'.repeat(5000) } }, 'h');
  assert.ok(JSON.parse(long.detail).message.length <= 1001, 'the message is capped');
});

test('settings: health URLs, the audit settings', () => {
  const cfg = parseConfig({ health_urls: '{"api":"http://127.0.0.1:8080/healthz","w":{"url":"https://w:9/{pm_id}","timeout_ms":"5000"}}' });
  assert.deepEqual([...cfg.healthUrls], [['api', { url: 'http://127.0.0.1:8080/healthz', timeoutMs: null }],
    ['w', { url: 'https://w:9/{pm_id}', timeoutMs: 5000 }]]);
  assert.equal(cfg.maxCommandAgeS, 300);
  assert.equal(cfg.pgTimeoutMs, 5000);
  assert.throws(() => parseConfig({ health_urls: '{"api":"file:///etc/passwd"}' }), /only http/);
  assert.throws(() => parseConfig({ health_urls: 'api=http://x' }), /JSON object/);
  assert.throws(() => parseConfig({ max_command_age_s: 7200 }), /at most 3600/);
  assert.equal(keysFor(parseConfig({ host: 'h', namespace: 'N:' })).bridgeLease, 'N:bridge:h');
});

test('scrub: configured secrets and anything shaped like one leave exception text', () => {
  const { makeScrubber, secretsOf } = require('../src/scrub');
  const cfg = parseConfig({ redis_uri: 'redis://u:r3dis-pw@r:6379', redis_password: 'other-pw',
    pg_dsn: "host=db user=bridge password='pg pw 1' dbname=agentops",
    health_urls: '{"a":"http://x/h?token=health-tok-1"}' });
  const scrub = makeScrubber(secretsOf(cfg));
  const cases = [
    ['connect to postgres://bridge:hunter2@db:5432/agentops failed', 'postgres://bridge:***@db:5432/agentops'],
    ["bad DSN host=db user=bridge password='pg pw 1' dbname=agentops", '***'],
    ['AUTH failed for r3dis-pw and other-pw', 'AUTH failed for *** and ***'],
    ['GET http://x/h?token=health-tok-1 refused', 'http://x/h?token=*** refused'],
    ['password=abc123 sslmode=require', 'password=*** sslmode=require'],
    ['Authorization: Bearer abcdefghijkl', 'Bearer ***'],
    ['key sk-live-0123456789abc leaked', 'key *** leaked'],
    ['PM2 refused restart of api (pm_id 3): Process 3 not found', 'PM2 refused restart of api (pm_id 3): Process 3 not found'],
  ];
  for (const [input, part] of cases) {
    const out = scrub(input);
    assert.ok(out.includes(part), `${input} -> ${out}`);
    for (const secret of ['hunter2', 'pg pw 1', 'r3dis-pw', 'other-pw', 'health-tok-1', 'abc123', 'abcdefghijkl', '0123456789abc']) {
      assert.ok(!out.includes(secret), `${secret} left in ${out}`);
    }
  }
});
