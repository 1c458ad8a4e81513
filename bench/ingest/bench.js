'use strict';
// The OpenTelemetry receiver's speed bench (issue 16): throwaway redis-server and
// PostgreSQL 15 (ingest/test/servers.js, the project's schema), the receiver as a child
// process (src/main.js, production defaults), OTLP/protobuf bodies from the official
// serializer with the simulator's turn shape and sizes (workload.js). Prints each figure
// next to its baseline from the same run and its target with PASS/FAIL.
//
//   node bench/ingest/bench.js [--phases throughput,paced] [--rounds 3] [--requests 40]
//     [--concurrency 2] [--sessions 2000] [--seconds 600] [--rate 5000] [--flush-ms 100]
//     [--pool-seconds 15] [--write-transactions N (the receiver's setting; default: its default)]
//
// throughput: requests of 1 000 spans (every span that ended, in end order, as a
//   BatchSpanProcessor exports them; the turns under way finish at the end so every span
//   is written) sent with `concurrency` requests in flight; spans/s from the first send to
//   the last 200 (a 200 means written). Baseline: the rows the receiver wrote, exported
//   with psql \copy TO, the table truncated, then `psql \copy agentops.spans FROM` the
//   file (timed: wall clock of the psql process). Both into an empty agentops.spans with
//   every index. Receiver CPU per span from /proc/<pid>/stat (utime + stime).
// paced: `rate` spans/s for `seconds`, one request every `flush-ms` holding the spans that
//   ended in that slot (bodies from a pool serialized once, replayed with new ids and
//   times: replay.js). Span end -> session hash updated: observer.js (keyevent
//   notifications + HGET updated_at). Receiver RSS (/proc/<pid>/status) every 10 s.
const fs = require('fs');
const http = require('http');
const path = require('path');
const crypto = require('crypto');
const { fork } = require('child_process');
const { RedisServer, PostgresServer, ReceiverProcess, sleep, waitFor } = require('../../ingest/test/servers');
const { Workload, serialize } = require('./workload');
const { index, patch, fields, varint } = require('./replay');

function args() {
  const o = { phases: 'throughput,paced', rounds: 3, requests: 40, concurrency: 2, sessions: 2000, seconds: 600, rate: 5000, 'flush-ms': 100, 'pool-seconds': 15, 'write-transactions': 0 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option --${k}`);
    o[k] = k === 'phases' ? a[i + 1] : Number(a[i + 1]);
  }
  o.phases = o.phases.split(',');
  return o;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toFixed(d));
const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
const CLK_TCK = 100; // getconf CLK_TCK on Linux
// The paced sender's bound: past it, a slot's spans are dropped (an SDK's export queue is
// bounded the same way), so a receiver that cannot keep up does not grow the bench.
const MAX_IN_FLIGHT = 64;

function cpuMs(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime, stime (fields 14, 15)
}

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, retryAfter: Number(res.headers['retry-after'] || 0), body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ExportTraceServiceResponse.partial_success.rejected_spans (0 when absent).
function rejectedSpans(body) {
  let n = 0;
  fields(body, 0, body.length, (f, wt, s, e) => {
    if (f === 1 && wt === 2) fields(body, s, e, (f2, wt2, s2) => {
      if (f2 === 1 && wt2 === 0) n = varint(body, s2)[0];
    });
  });
  return n;
}

// Sends until 200, honouring Retry-After as the SDK's exporter does. Returns the tries.
async function send(url, body, counts) {
  for (let tries = 1; ; tries++) {
    let res;
    try {
      res = await post(url, body);
    } catch (e) {
      // A kept-alive socket the server closed as the request went out: retried, as an
      // exporter does.
      if (tries > 5) throw e;
      counts[e.code || e.message] = (counts[e.code || e.message] || 0) + 1;
      await sleep(1000);
      continue;
    }
    if (res.status === 200) {
      const r = rejectedSpans(res.body);
      if (r) throw new Error(`receiver rejected ${r} spans: ${res.body.toString('latin1').slice(0, 300)}`);
      return tries;
    }
    if (res.status !== 429 && res.status !== 503) throw new Error(`receiver answered ${res.status}: ${res.body.toString('latin1').slice(0, 300)}`);
    counts[res.status] = (counts[res.status] || 0) + 1;
    await sleep(res.retryAfter * 1000 || 1000);
  }
}

async function startServers(o) {
  const redis = new RedisServer();
  const pg = new PostgresServer();
  pg.timeoutMs = 900000; // psql \copy of a round's rows took over a minute at load ~10
  await Promise.all([redis.start(), pg.start().then(() => pg.createSchema())]);
  const admin = redis.client();
  await admin.config('SET', 'notify-keyspace-events', 'Eh');
  const extra = o['write-transactions'] ? { write_transactions: o['write-transactions'] } : {};
  const receiver = new ReceiverProcess({ redis_uri: redis.uri, redis_user: 'ingest', pg_dsn: pg.writerDsn, ...extra },
    { SWITCHBOARD_INGEST_REDIS_PASSWORD: 'ingest-secret-pw', PGPASSWORD: 'ingest-pg-secret' });
  // e.g. INGEST_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof': the receiver's profile
  if (process.env.INGEST_BENCH_NODE_ARGS) receiver.execArgv = process.env.INGEST_BENCH_NODE_ARGS.split(' ');
  await receiver.start();
  return {
    redis, pg, receiver, admin,
    async destroy() {
      admin.disconnect();
      await receiver.stop();
      await Promise.all([redis.destroy(), pg.destroy()]);
    },
  };
}

async function reset(st) {
  await st.pg.psql('TRUNCATE agentops.spans, agentops.sessions, agentops.recovery_events; CHECKPOINT');
  await st.admin.flushall();
}

// The receiver's SIGUSR2 line, parsed.
async function receiverStats(receiver) {
  const before = receiver.lines.length;
  process.kill(receiver.proc.pid, 'SIGUSR2');
  const line = await waitFor('stats line', () => receiver.lines.slice(before).find((l) => / stats /.test(l)), 5000, 20);
  const o = {};
  for (const m of line.matchAll(/(\w+)=(\d+)/g)) o[m[1]] = Number(m[2]);
  return o;
}

async function throughput(st, o) {
  const pid = st.receiver.proc.pid;
  const copyFile = path.join(st.pg.dir, 'spans.copy');
  const results = [];
  for (let round = 0; round < o.rounds; round++) {
    await reset(st);
    // Bodies first (not timed): 30 s of stream skipped (the sessions' first turns under
    // way), then `requests` x 1 000 spans, then the turns under way finish.
    const t0 = Date.now() - 3600000;
    const wl = new Workload({ seed: 1000 + round, sessions: o.sessions, startMs: t0 });
    let t = t0;
    wl.take(t0 + 30000);
    t = t0 + 30000;
    let items = [];
    const bodies = [];
    let spans = 0;
    let bytes = 0;
    const cut = (n) => {
      const chunk = items.splice(0, n);
      const b = serialize(chunk);
      bodies.push(b);
      spans += chunk.length;
      bytes += b.length;
    };
    while (bodies.length < o.requests) {
      t += 100;
      items = items.concat(wl.take(t));
      while (items.length >= 1000 && bodies.length < o.requests) cut(1000);
    }
    wl.stop();
    items = items.concat(wl.take(Infinity, true));
    while (items.length) cut(Math.min(1000, items.length));

    const counts = {};
    const before = await receiverStats(st.receiver);
    const cpu0 = cpuMs(pid);
    const start = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: o.concurrency }, async () => {
      while (next < bodies.length) await send(st.receiver.url, bodies[next++], counts);
    }));
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = cpuMs(pid) - cpu0;
    const after = await receiverStats(st.receiver);
    const timing = Object.keys(after).filter((k) => k.startsWith('ms_') || k === 'batches').map((k) => `${k.replace(/^ms_/, '')} ${after[k] - before[k]}`).join(', ');
    const written = Number((await st.pg.psql('SELECT count(*) FROM agentops.spans')).trim());
    if (written !== spans) throw new Error(`receiver wrote ${written} of ${spans} spans`);
    const methods = (await st.pg.psql(`SELECT m || ' ' || n FROM (SELECT coalesce(pg_column_compression(output), 'none') AS m, count(*) AS n
      FROM agentops.spans GROUP BY 1) x ORDER BY 1`))
      .trim().split('\n').join(', ');

    // Baseline: the same rows, psql \copy into the same (empty, indexed) table.
    await st.pg.psql(`\\copy agentops.spans TO '${copyFile}'`);
    await st.pg.psql('TRUNCATE agentops.spans; CHECKPOINT');
    const c0 = process.hrtime.bigint();
    await st.pg.psql(`\\copy agentops.spans FROM '${copyFile}'`);
    const copySecs = Number(process.hrtime.bigint() - c0) / 1e9;
    const copied = Number((await st.pg.psql('SELECT count(*) FROM agentops.spans')).trim());
    if (copied !== spans) throw new Error(`\\copy wrote ${copied} of ${spans} rows`);
    // The same with lz4 for the long texts, as the receiver writes them (toast_compression).
    await st.pg.psql('TRUNCATE agentops.spans; CHECKPOINT');
    const l0 = process.hrtime.bigint();
    await st.pg.psql(`SET default_toast_compression = lz4;\n\\copy agentops.spans FROM '${copyFile}'`);
    const lz4Secs = Number(process.hrtime.bigint() - l0) / 1e9;
    const copyBytes = fs.statSync(copyFile).size;
    fs.rmSync(copyFile);
    const r = { spans, requests: bodies.length, mb: bytes / 1e6, secs, rate: spans / secs, copySecs, copyRate: spans / copySecs, copyMb: copyBytes / 1e6, cpuPerSpan: cpu / spans, cpuShare: cpu / 1000 / secs, retries: counts };
    r.ratio = r.rate / r.copyRate;
    r.lz4Rate = spans / lz4Secs;
    r.lz4Ratio = r.rate / r.lz4Rate;
    results.push(r);
    console.log(`  round ${round + 1}: ${spans} spans in ${bodies.length} requests (${fmt(r.mb)} MB OTLP/protobuf, ${fmt(r.copyMb)} MB as COPY text): `
      + `receiver ${fmt(r.rate)} spans/s (${fmt(secs, 2)} s), psql \\copy ${fmt(r.copyRate)} spans/s (${fmt(copySecs, 2)} s), ratio ${fmt(r.ratio, 2)}, `
      + `psql \\copy with lz4 ${fmt(r.lz4Rate)} spans/s (${fmt(lz4Secs, 2)} s), ratio ${fmt(r.lz4Ratio, 2)}, `
      + `receiver CPU ${fmt(r.cpuPerSpan, 3)} ms/span (${fmt(r.cpuShare * 100)} % of a core)${Object.keys(counts).length ? `, retried: ${JSON.stringify(counts)}` : ''}`);
    console.log(`    receiver time (ms summed over requests or batches): ${timing}; output column compressed by the receiver: ${methods}`);
  }
  const m = (k) => median(results.map((r) => r[k]));
  console.log(`throughput (median of ${results.length}): receiver ${fmt(m('rate'))} spans/s vs psql \\copy ${fmt(m('copyRate'))} spans/s of the same rows: `
    + `ratio ${fmt(m('ratio'), 2)} (target >= 0.50) ${verdict(m('ratio') >= 0.5)}; vs psql \\copy with lz4 (the receiver's compression) ${fmt(m('lz4Rate'))} spans/s: `
    + `ratio ${fmt(m('lz4Ratio'), 2)} ${verdict(m('lz4Ratio') >= 0.5)}; receiver CPU ${fmt(m('cpuPerSpan'), 3)} ms/span`);
  return results;
}

async function paced(st, o) {
  const pid = st.receiver.proc.pid;
  const flush = o['flush-ms'];
  // Sessions for the rate: spans/s of one session measured on a small fleet.
  const cal = new Workload({ seed: 7, sessions: 400, startMs: 0 });
  cal.take(40000);
  const perSession = cal.take(160000).length / 120 / 400;
  const sessions = Math.round(o.rate / perSession);
  // The pool: after 30 s of warm-up, `pool-seconds` of stream in flush-ms slots, then the
  // turns under way finish (the tail, sent overlapping the next cycle's head).
  const W = 30000;
  const L = o['pool-seconds'] * 1000;
  const wl = new Workload({ seed: 99, sessions, startMs: 0 });
  wl.take(W);
  const pool = [];
  let poolSpans = 0;
  let poolBytes = 0;
  for (let k = 0; k < L / flush || wl.pending(); k++) {
    if (k === L / flush) wl.stop();
    // Only the turns that start in the pool's window: the cycles overlap (a cycle's tail
    // with the next one's head), so together they keep the stream's rate.
    const items = wl.take(W + (k + 1) * flush).filter((x) => x.turnStart >= W);
    const body = items.length ? serialize(items) : null;
    pool.push(body ? { body, idx: index(body), spans: items.length } : null);
    poolSpans += items.length;
    poolBytes += body ? body.length : 0;
  }
  const Ls = L / flush;
  console.log(`paced: ${sessions} sessions (${fmt(perSession, 3)} spans/s each), pool of ${poolSpans} spans in ${pool.length} slots of ${flush} ms `
    + `(${fmt(poolBytes / 1e6)} MB), one cycle every ${L / 1000} s, ${o.seconds} s at ${o.rate} spans/s`);

  const obs = fork(path.join(__dirname, 'observer.js'), [String(st.redis.port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  st.observer = obs;
  const ask = (m, op) => new Promise((resolve) => {
    const h = (x) => {
      if (x.op === op) {
        obs.off('message', h);
        resolve(x);
      }
    };
    obs.on('message', h);
    if (m) obs.send(m);
  });
  await ask(null, 'ready');
  // Idle baseline of the receiver (the throughput phase's traces forgotten after quiet_ms).
  const idle = await receiverStats(st.receiver);

  const T0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  await ask({ op: 'start', sinceMs: T0 }, 'started');
  const endAt = T0 + o.seconds * 1000;
  const counts = {};
  const reqLat = [];
  let sent = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let maxLag = 0;
  let dropped = 0;
  let failed = null;
  const salts = new Map();
  const salt = (c) => {
    if (!salts.has(c)) salts.set(c, crypto.createHash('md5').update(`cycle ${c}`).digest());
    return salts.get(c);
  };
  const samples = [];
  let lastCpu = cpuMs(pid);
  let lastSent = 0;
  const sampler = setInterval(async () => {
    const at = Date.now();
    const cpu = cpuMs(pid);
    const win = await ask({ op: 'window' }, 'window');
    const s = { t: (at - T0) / 1000, rss: rssBytes(pid), cpu: (cpu - lastCpu) / 10000, rate: (sent - lastSent) / 10, p99: win.p99, n: win.n };
    lastCpu = cpu;
    lastSent = sent;
    try {
      Object.assign(s, await receiverStats(st.receiver));
    } catch (e) {
      s.statsError = e.message;
    }
    samples.push(s);
    console.log(`  t=${fmt(s.t)} s: RSS ${fmt(s.rss / 1048576, 1)} MiB, heap ${fmt(s.heap_used / 1048576, 1)} MiB, `
      + `in memory ${s.spans} spans of ${s.traces} traces (${s.waiting} waiting, ${fmt(s.waiting_io_bytes / 1048576, 1)} MiB of their input/output), `
      + `queue ${s.queued_spans}, receiver CPU ${fmt(s.cpu * 100)} %, sent ${fmt(s.rate)} spans/s, end->hash p99 ${fmt(s.p99)} ms (${s.n} samples)`);
  }, 10000);

  for (let j = 0; ; j++) {
    const due = T0 + (j + 1) * flush;
    if (due > endAt || failed) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    else maxLag = Math.max(maxLag, -wait);
    for (let c = Math.floor(j / Ls); c >= 0; c--) {
      const k = j - c * Ls;
      if (k >= pool.length) break;
      const p = pool[k];
      if (!p) continue;
      if (inFlight >= MAX_IN_FLIGHT) {
        dropped += p.spans; // as an SDK's full export queue drops spans
        continue;
      }
      const body = patch(p.body, p.idx, salt(c), T0 + c * L - W);
      const t0 = Date.now();
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      send(st.receiver.url, body, counts).then(() => {
        reqLat.push(Date.now() - t0);
        sent += p.spans;
      }, (e) => {
        failed = e;
      }).finally(() => inFlight--);
    }
  }
  await waitFor('requests in flight', () => inFlight === 0, 120000, 50);
  clearInterval(sampler);
  if (failed) throw failed;
  const lat = await ask({ op: 'report' }, 'report');
  obs.send({ op: 'exit' });
  const secs = o.seconds;
  const rl = Float64Array.from(reqLat).sort();
  const q = (a, p) => a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];

  console.log(`paced result: ${sent} spans accepted in ${secs} s = ${fmt(sent / secs)} spans/s (target rate ${o.rate}); sender lag max ${maxLag} ms, `
    + `requests in flight max ${maxInFlight}, spans dropped by the sender (over ${MAX_IN_FLIGHT} requests in flight) ${dropped}${Object.keys(counts).length ? `, retried: ${JSON.stringify(counts)}` : ''}`);
  console.log(`  request -> 200 (written; the receiver's share): p50 ${fmt(q(rl, 50))} ms, p99 ${fmt(q(rl, 99))} ms, max ${fmt(rl[rl.length - 1])} ms (${rl.length} requests)`);
  console.log(`  span end -> session hash updated (keyevent notification + HGET updated_at; includes up to ${flush} ms of export batching): `
    + `p50 ${fmt(lat.p50)} ms, p90 ${fmt(lat.p90)} ms, p99 ${fmt(lat.p99)} ms, max ${fmt(lat.max)} ms over ${lat.n} updates; target p99 < 250 ms ${verdict(lat.p99 !== null && lat.p99 < 250 && sent / secs >= 0.95 * o.rate)}`);
  if (samples.length) {
    const rss = samples.map((s) => s.rss);
    const warm = samples[Math.min(samples.length - 1, Math.max(0, Math.round(samples.length / 5) - 1))];
    const end = samples[samples.length - 1];
    const growth = (100 * (end.rss - warm.rss)) / warm.rss;
    console.log(`  receiver RSS every 10 s: start ${fmt(rss[0] / 1048576, 1)} MiB (t=${samples[0].t} s), after warm-up ${fmt(warm.rss / 1048576, 1)} MiB (t=${fmt(warm.t)} s), `
      + `end ${fmt(end.rss / 1048576, 1)} MiB, max ${fmt(Math.max(...rss) / 1048576, 1)} MiB; growth after warm-up ${fmt(growth, 1)} % (target: flat, < 10 %) ${verdict(growth < 10)}`);
    const steady = samples.filter((s) => s.t >= warm.t && s.spans);
    if (steady.length) {
      const perSpan = median(steady.map((s) => (s.heap_used - idle.heap_used) / s.spans));
      console.log(`  receiver memory: median ${fmt(median(steady.map((s) => s.spans)))} spans in ${fmt(median(steady.map((s) => s.traces)))} open traces, `
        + `${fmt(median(steady.map((s) => s.waiting)))} of them waiting for their parent holding ${fmt(median(steady.map((s) => s.waiting_io_bytes)) / 1048576, 1)} MiB of input/output; `
        + `heap above idle (${fmt(idle.heap_used / 1048576, 1)} MiB) per span in memory: ${fmt(perSpan)} bytes (median; garbage included)`);
    }
  }
}

async function main() {
  const o = args();
  console.log(`bench-ingest: ${new Date().toISOString()}, node ${process.version}, ${require('os').cpus().length} cores, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const st = await startServers(o);
  if (o['write-transactions']) console.log(`receiver: write_transactions = ${o['write-transactions']}`);
  let code = 0;
  try {
    if (o.phases.includes('throughput')) await throughput(st, o);
    if (o.phases.includes('paced')) {
      if (o.phases.includes('throughput')) await sleep(35000); // the throughput phase's traces leave memory (quiet_ms)
      await reset(st);
      await paced(st, o);
    }
  } catch (e) {
    console.error(`bench-ingest: ${e.stack || e.message}`);
    console.error(st.receiver.lines.slice(-20).join('\n'));
    code = 1;
  } finally {
    if (st.observer && st.observer.exitCode === null) st.observer.kill();
    await st.destroy();
  }
  process.exit(code);
}

main();
