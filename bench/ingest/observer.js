'use strict';
// Child process of bench.js: watches the session hashes for the paced run's latency figure.
// Redis keyevent notifications (`notify-keyspace-events Eh`, channel __keyevent@0__:hset)
// say which key an HSET touched; for a session hash the observer then reads its
// `updated_at` (the end time of the newest span applied to it: an llm or turn span) and,
// when it is newer than the last value seen for that key, records
// (time of the HGET's reply) - updated_at. At most one HGET per key is in flight (a
// notification that comes meanwhile triggers one more read after it). Taking the reply's
// time, not the notification's, can only make a latency longer.
const path = require('path');

const Redis = require(path.resolve(__dirname, '..', '..', 'ingest', 'node_modules', 'ioredis'));

const port = Number(process.argv[2]);
const ns = process.argv[3] || 'agentops:';
const sub = new Redis({ port, host: '127.0.0.1' });
const cmd = new Redis({ port, host: '127.0.0.1' });
const prefix = `${ns}session:`;
const last = new Map();
const busy = new Map(); // key -> true (in flight) | 'again'
let samples = [];
let windowSamples = [];
let since = Infinity;
let notifications = 0;

function read(key) {
  busy.set(key, true);
  cmd.hget(key, 'updated_at').then((v) => {
    const now = Date.now();
    const at = Number(v);
    if (v !== null && at > (last.get(key) || 0)) {
      last.set(key, at);
      if (at >= since) {
        samples.push(now - at);
        windowSamples.push(now - at);
      }
    }
    const again = busy.get(key) === 'again';
    busy.delete(key);
    if (again) read(key);
  }, () => busy.delete(key));
}

sub.on('message', (channel, key) => {
  notifications++;
  if (!key.startsWith(prefix) || key.indexOf(':', prefix.length) >= 0) return;
  if (busy.has(key)) busy.set(key, 'again');
  else read(key);
});

function pct(a, p) {
  if (!a.length) return null;
  return a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
}

function summary(a) {
  const s = Float64Array.from(a).sort();
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s.length ? s[s.length - 1] : null };
}

process.on('message', (m) => {
  if (m.op === 'start') {
    since = m.sinceMs;
    samples = [];
    windowSamples = [];
    process.send({ op: 'started' });
  } else if (m.op === 'window') {
    const w = summary(windowSamples);
    windowSamples = [];
    process.send({ op: 'window', ...w, notifications });
  } else if (m.op === 'report') {
    process.send({ op: 'report', ...summary(samples), notifications });
  } else if (m.op === 'exit') {
    sub.disconnect();
    cmd.disconnect();
    process.exit(0);
  }
});

sub.subscribe('__keyevent@0__:hset').then(() => process.send({ op: 'ready' }));
