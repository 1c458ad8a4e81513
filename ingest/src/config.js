'use strict';
// Settings: a JSON file (--config FILE) or the JSON text of SWITCHBOARD_INGEST_CONFIG.
// Secrets are never settings: the bearer token comes from token_file or
// SWITCHBOARD_INGEST_TOKEN, the Redis password from redis_password_file or
// SWITCHBOARD_INGEST_REDIS_PASSWORD, the Postgres password from pg_password_file, PGPASSWORD
// or ~/.pgpass (libpq's rules, as node-postgres reads them). The *_file settings name files
// holding only the secret (the installed service's way: /etc/switchboard/, readable by its
// user). A password inside redis_uri or pg_dsn is refused.
const fs = require('fs');

const DEFAULTS = {
  listen_host: '127.0.0.1',
  port: 4318,
  grpc_port: 0, // OTLP/gRPC (4317 by convention); 0 = off
  redis_uri: 'redis://127.0.0.1:6379',
  redis_user: '',
  redis_ca_file: '',
  redis_password_file: '',
  pg_dsn: '',
  pg_password_file: '',
  namespace: 'agentops:',
  token_file: '',
  tls_cert_file: '',
  tls_key_file: '',
  max_body_bytes: 16 * 1024 * 1024,
  max_decompressed_bytes: 64 * 1024 * 1024,
  max_spans_per_request: 10000,
  max_attributes: 1024,
  max_depth: 16,
  max_queue_spans: 50000,
  max_queue_bytes: 256 * 1024 * 1024,
  retry_after_s: 5,
  quiet_ms: 30000,
  orphan_wait_ms: 60000,
  max_spans_in_memory: 200000,
  toast_compression: 'lz4', // of the long texts in Postgres (when the server has it); '' = the server's default
  decode_workers: 1, // threads decoding and mapping requests (0 = the main thread)
  write_transactions: 2, // batches written at once, each on its own Postgres connection
  model_windows: {},
};

function load(argv = process.argv.slice(2), env = process.env) {
  let raw = {};
  const i = argv.indexOf('--config');
  if (i >= 0 && argv[i + 1]) raw = JSON.parse(fs.readFileSync(argv[i + 1], 'utf8'));
  else if (env.SWITCHBOARD_INGEST_CONFIG) raw = JSON.parse(env.SWITCHBOARD_INGEST_CONFIG);
  const c = { ...DEFAULTS, ...raw };
  for (const k of Object.keys(raw)) if (!(k in DEFAULTS)) throw new Error(`unknown setting '${k}'`);
  if (/^rediss?:\/\/[^/@]*:[^/@]*@/.test(c.redis_uri)) throw new Error('redis_uri carries a password: use SWITCHBOARD_INGEST_REDIS_PASSWORD');
  if (/password\s*=/.test(c.pg_dsn) || /^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(c.pg_dsn)) throw new Error('pg_dsn carries a password: use PGPASSWORD or ~/.pgpass');
  if (!c.pg_dsn) throw new Error('pg_dsn is required');
  let token = env.SWITCHBOARD_INGEST_TOKEN || '';
  if (c.token_file) token = fs.readFileSync(c.token_file, 'utf8').trim();
  const secret = (file) => fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  const tls = c.tls_cert_file ? { cert: fs.readFileSync(c.tls_cert_file), key: fs.readFileSync(c.tls_key_file) } : null;
  if (typeof c.toast_compression !== 'string' || !/^[a-z0-9]*$/.test(c.toast_compression)) throw new Error('toast_compression must be a method name (lz4, pglz) or empty');
  if (!Number.isSafeInteger(c.decode_workers) || c.decode_workers < 0 || c.decode_workers > 16) throw new Error('decode_workers must be an integer 0-16');
  if (!Number.isSafeInteger(c.write_transactions) || c.write_transactions < 1 || c.write_transactions > 8) throw new Error('write_transactions must be an integer 1-8');
  for (const [m, w] of Object.entries(c.model_windows)) if (!Number.isSafeInteger(w) || w < 1) throw new Error(`model_windows.${m} must be an integer >= 1`);
  return {
    raw: c,
    token,
    tls,
    windows: c.model_windows,
    maxBodyBytes: c.max_body_bytes,
    maxDecompressedBytes: c.max_decompressed_bytes,
    maxQueueSpans: c.max_queue_spans,
    maxQueueBytes: c.max_queue_bytes,
    retryAfterS: c.retry_after_s,
    writeTransactions: c.write_transactions,
    limits: { maxSpans: c.max_spans_per_request, maxAttributes: c.max_attributes, maxDepth: c.max_depth },
    redisPassword: c.redis_password_file ? secret(c.redis_password_file) : env.SWITCHBOARD_INGEST_REDIS_PASSWORD || '',
    pgPassword: c.pg_password_file ? secret(c.pg_password_file) : '', // '': PGPASSWORD / ~/.pgpass
  };
}

module.exports = { load, DEFAULTS };
