'use strict';
// Seeded random inputs for the bridge's pure parsers of untrusted or operator text:
// fieldsToObject (a control stream entry's [name, value, ...] as the command's fields) and
// parseConfig / keysFor (pm2 set values, SWITCHBOARD_BRIDGE_CONFIG JSON). Each test runs
// for a bounded time (SB_FUZZ_MS per test, default 4000 ms; 20 s at most) from a seed that
// is printed; SB_FUZZ_SEED=<n> replays a run, and a failure names the seed and iteration.
// The C++ parsers have libFuzzer targets (tests/fuzz, scripts/fuzz.sh).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { fieldsToObject } = require('../src/control');
const { parseConfig, keysFor, DEFAULTS, KNOWN_ACTIONS } = require('../src/config');

const SEED = process.env.SB_FUZZ_SEED ? Number(process.env.SB_FUZZ_SEED) >>> 0 : (Date.now() >>> 0);
const BUDGET_MS = Math.min(Number(process.env.SB_FUZZ_MS) || 4000, 20000);
process.stdout.write(`# fuzz seed ${SEED} (replay: SB_FUZZ_SEED=${SEED}), ${BUDGET_MS} ms per test\n`);

// mulberry32: small, fast, and the same sequence for the same seed everywhere.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[int(xs.length)];
  return { next, int, pick };
}

const FIELDS = ['cmd_id', 'action', 'app', 'pm_id', 'requested_by', 'client_host', 'reason',
  'requested_at', 'expires_at', 'audit_id'];
const TRICKY_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  '__defineGetter__', 'then', ''];
const NUMBERS = ['0', '1', '-1', '100', '2000', '99', '1e3', '1e21', '1e308', '2147483647', '2147483648',
  '9007199254740993', '0x10', '0b11', '0o17', ' 5 ', '5 ', '\t7', '1.5', '-0', '+3', 'Infinity', '-Infinity',
  'NaN', '٣', '１', '', '00012', '1_000'];
const ODD = ['\u202e', '\u200b', '\u0000', '\n', '\r\n', ':', '*', '?', '[', ']', '{', '"', "'", '\\', '%',
  '<img src="/dev/zero">', '\ud800', '\udfff', '😀', 'é', 'redis://', 'rediss://', 'reload', 'restart', 'all'];

function randText(r) {
  switch (r.int(6)) {
    case 0: return r.pick(NUMBERS);
    case 1: return r.pick(ODD);
    case 2: return r.pick(FIELDS);
    case 3: return 'x'.repeat(r.pick([0, 1, 40, 41, 4096, 65537]));
    default: {
      let s = '';
      const n = r.int(24);
      for (let i = 0; i < n; i++) {
        const k = r.int(10);
        if (k < 6) s += String.fromCharCode(32 + r.int(95));
        else if (k < 8) s += r.pick(ODD);
        else s += String.fromCharCode(r.int(0x10000));
      }
      return s;
    }
  }
}

// What ioredis can hand over for one element of an entry.
function randElement(r) {
  switch (r.int(8)) {
    case 0: return Buffer.from(randText(r));
    case 1: return r.pick(TRICKY_NAMES);
    case 2: return null;
    case 3: return r.int(1000);
    default: return randText(r);
  }
}

// Runs body(r, i) with a fresh generator per iteration until the budget is spent.
function fuzz(name, body) {
  test(name, () => {
    const deadline = Date.now() + BUDGET_MS;
    let i = 0;
    for (; Date.now() < deadline; i++) {
      const r = rng((SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
      try {
        body(r, i);
      } catch (e) {
        e.message = `seed ${SEED}, iteration ${i}: ${e.message}`;
        throw e;
      }
    }
    process.stdout.write(`# ${name}: ${i} inputs\n`);
    assert.ok(i > 0);
  });
}

fuzz('fieldsToObject: every name/value pair of an entry, nothing else, no prototype change', (r) => {
  const arr = [];
  const n = r.int(24);
  for (let k = 0; k < n; k++) arr.push(r.int(3) === 0 ? r.pick(FIELDS) : randElement(r));
  const o = fieldsToObject(arr);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.equal(Object.keys(Object.prototype).length, 0, 'Object.prototype was changed');
  const expected = new Map();
  for (let k = 0; k + 1 < arr.length; k += 2) expected.set(String(arr[k]), String(arr[k + 1]));
  expected.delete('__proto__'); // an own __proto__ cannot be set on a plain object (and is no contract field)
  assert.deepEqual(Object.keys(o).sort(), [...expected.keys()].sort());
  for (const [k, v] of expected) {
    assert.ok(Object.prototype.hasOwnProperty.call(o, k), `field ${JSON.stringify(k)} lost`);
    assert.equal(o[k], v);
  }
  for (const f of FIELDS) if (!expected.has(f)) assert.equal(o[f], undefined);
});

const TIMER_MAX = 2147483647; // Node's setTimeout/setInterval: more runs after 1 ms instead
const INTEGER_SETTINGS = ['heartbeatMs', 'graceMs', 'commandTimeoutMs', 'eventsMaxlen', 'resultsMaxlen',
  'seenTtlS', 'retryMaxMs'];

function randSetting(r) {
  switch (r.int(9)) {
    case 0: return r.int(100000);
    case 1: return r.pick([1e21, -1, 0.5, 2 ** 31, 2 ** 53, true, false, null]);
    case 2: return r.pick(['', 'redis://h:1', 'rediss://u@h/0', 'http://h', 'reload', 'restart', 'reload,restart',
      ' reload , ', 'reload,delete', '*', 'a,b,*', 'h1', 'h:1', 'agentops:']);
    case 3: return [r.int(10)];
    case 4: return {};
    default: return randText(r);
  }
}

fuzz('parseConfig: a refusal names the setting; an accepted config is usable', (r) => {
  const raw = {};
  const keys = Object.keys(DEFAULTS);
  const n = r.int(6);
  for (let k = 0; k < n; k++) raw[r.int(8) === 0 ? randText(r) : r.pick(keys)] = randSetting(r);
  let cfg;
  try {
    cfg = parseConfig(raw);
  } catch (e) {
    assert.ok(e instanceof Error, String(e));
    assert.match(e.message, /^config [a-z_]+: /, `${e.message} for ${JSON.stringify(raw)}`);
    return;
  }
  const input = JSON.stringify(raw);
  assert.ok(Object.isFrozen(cfg));
  assert.match(cfg.redisUri, /^rediss?:\/\//);
  for (const a of cfg.allowedActions) assert.ok(KNOWN_ACTIONS.includes(a), a);
  if (cfg.allowedApps !== null) {
    for (const app of cfg.allowedApps) assert.ok(app.length > 0 && app === app.trim() && !app.includes(','), app);
  }
  assert.ok(cfg.host.length > 0 && !cfg.host.includes(':'), cfg.host);
  for (const k of INTEGER_SETTINGS) {
    assert.ok(Number.isSafeInteger(cfg[k]), `${k} = ${cfg[k]} for ${input}`);
    assert.ok(cfg[k] >= 0 && cfg[k] <= TIMER_MAX, `${k} = ${cfg[k]} is not a usable timer/length for ${input}`);
  }
  // Derived (command timeout + grace + 5 s by default): an XAUTOCLAIM idle time, no timer.
  assert.ok(Number.isSafeInteger(cfg.claimIdleMs) && cfg.claimIdleMs > 0, `claimIdleMs = ${cfg.claimIdleMs}`);
  assert.ok(cfg.heartbeatMs >= 100);
  const keysOf = keysFor(cfg);
  for (const key of [keysOf.procs, keysOf.procEvents, keysOf.control, keysOf.controlResults,
    keysOf.proc('app', 0), keysOf.controlSeen('c')]) {
    assert.ok(key.startsWith(cfg.namespace), key);
  }
  assert.equal(keysOf.control, `${cfg.namespace}control:${cfg.host}`);
  assert.equal(keysOf.procMember('app', 3), `${cfg.host}:app:3`);
});
