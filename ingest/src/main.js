'use strict';
// The receiver process: node src/main.js [--config FILE]. Logs one line per event to
// stdout; never logs a secret or a request body.
const { Pool } = require('pg');
const Redis = require('ioredis');
const fs = require('fs');
const { load } = require('./config');
const { pgConfig } = require('./pg');
const { Pipeline } = require('./pipeline');
const { Receiver } = require('./server');
const { Decoder } = require('./decoder');
const { startGrpc } = require('./grpc');

function log(level, msg) {
  process.stdout.write(`${new Date().toISOString()} ${level} ${msg}\n`);
}

async function main() {
  const s = load();
  const c = s.raw;
  const pgc = pgConfig(c.pg_dsn);
  if (s.pgPassword) pgc.password = s.pgPassword;
  pgc.max = c.write_transactions + 1; // one per batch in flight, one for parent lookups and the sweep
  const pool = new Pool(pgc);
  pool.on('error', (e) => log('warn', `postgres: ${e.message}`));
  const ropts = {
    connectionName: 'switchboard-ingest',
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 8), 5000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  };
  if (c.redis_user) ropts.username = c.redis_user;
  if (s.redisPassword) ropts.password = s.redisPassword;
  if (c.redis_uri.startsWith('rediss://')) ropts.tls = { rejectUnauthorized: true, ...(c.redis_ca_file ? { ca: fs.readFileSync(c.redis_ca_file) } : {}) };
  const redis = new Redis(c.redis_uri, ropts);
  let down = false;
  redis.on('error', (e) => {
    if (!down) log('warn', `redis: ${e.message}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) log('info', 'redis: connected again');
    down = false;
  });
  const pipeline = new Pipeline({ pool, redis, ns: c.namespace, log, quietMs: c.quiet_ms, orphanWaitMs: c.orphan_wait_ms, maxSpans: c.max_spans_in_memory,
    toastCompression: c.toast_compression });
  const decoder = new Decoder(s, c.decode_workers, log);
  const receiver = new Receiver({ pipeline, settings: s, log, decoder });
  const port = await receiver.listen(c.port, c.listen_host);
  receiver.startTimers();
  log('info', `listening on ${s.tls ? 'https' : 'http'}://${c.listen_host}:${port}/v1/traces${s.token ? ' (bearer token required)' : ''}`);
  let grpcServer = null;
  if (c.grpc_port) {
    const g = await startGrpc(receiver, { port: c.grpc_port, host: c.listen_host, tls: s.tls, token: s.token, maxBytes: s.maxBodyBytes });
    grpcServer = g.server;
    log('info', `listening for OTLP/gRPC on ${c.listen_host}:${g.port}${s.tls ? ' (TLS)' : ''}${s.token ? ' (bearer token required)' : ''}`);
  }
  const stop = async () => {
    if (grpcServer) await new Promise((r) => grpcServer.tryShutdown(() => r()));
    await receiver.close();
    await decoder.close();
    redis.disconnect();
    await pool.end().catch(() => {});
    process.exit(0);
  };
  // kill -USR2: one line with what the receiver holds in memory and its counters.
  process.on('SIGUSR2', () => {
    const m = pipeline.memory();
    const u = process.memoryUsage();
    const c = receiver.counters;
    log('info', `stats traces=${m.traces} spans=${m.spans} waiting=${m.waiting} waiting_io_bytes=${m.waitingBytes} queued_spans=${receiver.queuedSpans} `
      + `heap_used=${u.heapUsed} external=${u.external} rss=${u.rss} requests=${c.requests} accepted=${c.accepted} throttled=${c.throttled} unavailable=${c.unavailable} `
      + Object.entries({ ...receiver.timing, ...pipeline.timing }).map(([k, v]) => `${k === 'batches' ? k : `ms_${k}`}=${Math.round(v)}`).join(' '));
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  log('error', e.message);
  process.exit(2);
});
