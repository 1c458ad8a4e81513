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
    // statement_timeout is set per transaction (SET LOCAL): as a startup parameter a
    // PgBouncer in front of Postgres would refuse the connection.
    query_timeout: STATEMENT_TIMEOUT_MS + 1000,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    max: 1,
  };
  const kv = {};
  if (/^postgres(ql)?:\/\//.test(dsn)) {
    // The same fields as the key/value form, so sslmode means the same in both (libpq's
    // meaning: require = encrypted, not verified; verify-full = verified).
    const u = new URL(dsn);
    if (u.hostname) kv.host = decodeURIComponent(u.hostname);
    if (u.port) kv.port = u.port;
    if (u.username) kv.user = decodeURIComponent(u.username);
    if (u.password) kv.password = decodeURIComponent(u.password);
    if (u.pathname.length > 1) kv.dbname = decodeURIComponent(u.pathname.slice(1));
    for (const [k, v] of u.searchParams) kv[k] = v;
  } else {
    const re = /\s*([a-z_]+)\s*=\s*('((?:[^'\\]|\\.)*)'|\S+)/g;
    let m;
    while ((m = re.exec(dsn)) !== null) kv[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
  }
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
const clean = (v) => String(v ?? '').replace(/\u0000/g, ''); // text and jsonb refuse NUL
const MAX_AT = 253402300799999; // 9999-12-31, inside timestamptz and to_timestamp

function rowOf(streamId, f) {
  if (!/^\d{1,10}$/.test(String(f.pm_id)) || !/^\d{1,15}$/.test(String(f.at)) || !clean(f.app)) return null;
  const pmId = Number(f.pm_id);
  const at = Number(f.at);
  if (pmId > 2147483647 || at > MAX_AT) return null;
  let detail = null;
  try {
    detail = f.detail ? JSON.parse(clean(f.detail)) : null;
  } catch (e) {
    detail = { unparsed: String(f.detail).slice(0, 1000) };
  }
  const json = detail === null ? null : clean(JSON.stringify(detail)).replace(/\\u0000/g, '');
  return [at, clean(f.host), clean(f.app), pmId, clean(f.event), json, streamId];
}

class PgSink {
  constructor({ dsn, log }) {
    this.log = log;
    this.pool = new Pool(pgConfig(dsn));
    this.pool.on('error', (e) => this.log('warn', `postgres: ${e.message}`));
    this.queue = [];
    this.inFlight = 0; // rows at the queue's front being written right now
    this.dropped = 0;
    this.flushing = null; // the running drain, if any
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
      if (this.inFlight > 0) this.inFlight -= 1; // that row was part of the batch in flight
    }
    if (!this.stopped) this.flush();
  }

  async flush() {
    if (this.flushing || this.retryTimer) return this.flushing;
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async insert(rows) {
    const cols = [0, 1, 2, 3, 4, 5, 6].map((i) => rows.map((r) => r[i]));
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      await client.query(
        `INSERT INTO agentops.process_events (at, host, app, pm_id, event, detail, stream_id)
         SELECT to_timestamp(a / 1000.0), h, p, i, e, d::jsonb, s
         FROM unnest($1::float8[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])
              AS t(a, h, p, i, e, d, s)
         ON CONFLICT (stream_id) DO NOTHING`, cols);
      await client.query('COMMIT');
      client.release();
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      client.release(e.code === undefined ? e : undefined); // a broken connection is dropped
      throw e;
    }
  }

  async drain() {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH);
        this.inFlight = batch.length;
        try {
          await this.insert(batch);
        } catch (e) {
          // Data Postgres refuses (class 22/23) would block every row behind it for ever:
          // write the batch row by row and drop, loudly, only what is refused.
          if (!/^2[23]/.test(e.code || '')) throw e;
          for (const row of batch) {
            try {
              await this.insert([row]);
            } catch (e2) {
              if (!/^2[23]/.test(e2.code || '')) throw e2;
              this.log('warn', `process event ${row[6]} refused by Postgres (${e2.message}); not copied`);
            }
          }
        }
        // push() may have dropped rows of this batch from the front while it was in flight.
        this.queue.splice(0, this.inFlight);
        this.inFlight = 0;
        this.written += batch.length;
        if (this.failures > 0) this.log('info', 'postgres: process events are being copied again');
        this.failures = 0;
      }
      if (this.dropped > 0) {
        this.log('warn', `dropped ${this.dropped} process events before they reached Postgres (queue cap ${MAX_QUEUE})`);
        this.dropped = 0;
      }
    } catch (e) {
      this.inFlight = 0;
      this.failures += 1;
      if (this.stopped) return;
      const delay = Math.min(500 * 2 ** Math.min(this.failures - 1, 6), 30000);
      if (this.failures === 1 || this.failures % 10 === 0) {
        this.log('warn', `postgres: ${this.queue.length} process events not copied yet (${e.message}); retrying in ${delay} ms`);
      }
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.flush();
      }, delay);
    }
  }

  // Writes what is queued (for up to deadlineMs), then closes the pool.
  async stop(deadlineMs = 5000) {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const deadline = new Promise((r) => setTimeout(r, deadlineMs).unref());
    await Promise.race([(async () => {
      await this.flushing;
      if (this.queue.length > 0) await this.flush();
    })(), deadline]);
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.pool.end().catch(() => {});
  }
}

module.exports = { PgSink, pgConfig, rowOf };
