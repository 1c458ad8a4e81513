'use strict';
// The durable copy of process events: every entry the bridge wrote to `N proc-events` is
// inserted into agentops.process_events with its stream id, so a retry after a lost
// connection never inserts it twice (stream_id is UNIQUE). Postgres being away never
// holds up the Redis side: rows wait in a bounded queue (oldest dropped first, counted)
// and are written in batches once it is back.
const { Pool } = require('pg');

const MAX_QUEUE = 10000;
const BATCH = 500;
const STATEMENT_TIMEOUT_MS = 5000;

// libpq keyword/value DSN ("host=… port=… dbname=…") or a postgres:// URI -> pg config.
function pgConfig(dsn) {
  const base = {
    application_name: 'switchboard-pm2-bridge',
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1000,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    max: 1,
  };
  if (/^postgres(ql)?:\/\//.test(dsn)) return { ...base, connectionString: dsn };
  const kv = {};
  const re = /\s*([a-z_]+)\s*=\s*('((?:[^'\\]|\\.)*)'|\S+)/g;
  let m;
  while ((m = re.exec(dsn)) !== null) kv[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
  const cfg = { ...base };
  if (kv.host) cfg.host = kv.host;
  if (kv.hostaddr && !kv.host) cfg.host = kv.hostaddr;
  if (kv.port) cfg.port = Number(kv.port);
  if (kv.user) cfg.user = kv.user;
  if (kv.password) cfg.password = kv.password;
  if (kv.dbname) cfg.database = kv.dbname;
  if (kv.application_name) cfg.application_name = kv.application_name;
  if (kv.connect_timeout) cfg.connectionTimeoutMillis = Number(kv.connect_timeout) * 1000;
  const mode = kv.sslmode || 'prefer';
  if (['require', 'verify-ca', 'verify-full'].includes(mode)) {
    const fs = require('fs');
    cfg.ssl = { rejectUnauthorized: mode !== 'require' };
    if (kv.sslrootcert) cfg.ssl.ca = fs.readFileSync(kv.sslrootcert, 'utf8');
    if (kv.sslcert) cfg.ssl.cert = fs.readFileSync(kv.sslcert, 'utf8');
    if (kv.sslkey) cfg.ssl.key = fs.readFileSync(kv.sslkey, 'utf8');
    if (mode === 'verify-ca') cfg.ssl.checkServerIdentity = () => undefined;
  }
  return cfg;
}

// A stream entry's fields -> a row, or null when a field would break the table's checks.
function rowOf(streamId, f) {
  if (!/^\d+$/.test(String(f.pm_id)) || !/^\d+$/.test(String(f.at)) || !f.app) return null;
  const pmId = Number(f.pm_id);
  const at = Number(f.at);
  let detail = null;
  try {
    detail = f.detail ? JSON.parse(f.detail) : null;
  } catch (e) {
    detail = { unparsed: String(f.detail).slice(0, 1000) };
  }
  return [at, f.host, f.app, pmId, f.event, detail === null ? null : JSON.stringify(detail), streamId];
}

class PgSink {
  constructor({ dsn, log }) {
    this.log = log;
    this.pool = new Pool(pgConfig(dsn));
    this.pool.on('error', (e) => this.log('warn', `postgres: ${e.message}`));
    this.queue = [];
    this.dropped = 0;
    this.flushing = false;
    this.failures = 0;
    this.retryTimer = null;
    this.stopped = false;
    this.written = 0;
  }

  push(streamId, fields) {
    const row = rowOf(streamId, fields);
    if (!row) {
      this.log('warn', `process event ${streamId} not copied to Postgres: pm_id, at or app is invalid`);
      return;
    }
    this.queue.push(row);
    if (this.queue.length > MAX_QUEUE) {
      this.queue.shift();
      this.dropped += 1;
    }
    this.flush();
  }

  async flush() {
    if (this.flushing || this.stopped || this.retryTimer) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const batch = this.queue.slice(0, BATCH);
        const cols = [0, 1, 2, 3, 4, 5, 6].map((i) => batch.map((r) => r[i]));
        await this.pool.query(
          `INSERT INTO agentops.process_events (at, host, app, pm_id, event, detail, stream_id)
           SELECT to_timestamp(a / 1000.0), h, p, i, e, d::jsonb, s
           FROM unnest($1::float8[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])
                AS t(a, h, p, i, e, d, s)
           ON CONFLICT (stream_id) DO NOTHING`, cols);
        this.queue.splice(0, batch.length);
        this.written += batch.length;
        if (this.failures > 0) this.log('info', 'postgres: process events are being copied again');
        this.failures = 0;
      }
      if (this.dropped > 0) {
        this.log('warn', `dropped ${this.dropped} process events before they reached Postgres (queue cap ${MAX_QUEUE})`);
        this.dropped = 0;
      }
    } catch (e) {
      this.failures += 1;
      const delay = Math.min(500 * 2 ** Math.min(this.failures - 1, 6), 30000);
      if (this.failures === 1 || this.failures % 10 === 0) {
        this.log('warn', `postgres: ${this.queue.length} process events not copied yet (${e.message}); retrying in ${delay} ms`);
      }
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.flush();
      }, delay);
    } finally {
      this.flushing = false;
    }
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.pool.end().catch(() => {});
  }
}

module.exports = { PgSink, pgConfig, rowOf };
