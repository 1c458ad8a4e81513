'use strict';
// libpq keyword/value DSN or postgres:// URI -> node-postgres config (same reading as
// bridge/src/pgsink.js's pgConfig; the two packages install separately).
function pgConfig(dsn) {
  const base = {
    application_name: 'switchboard-ingest',
    // statement_timeout is set per transaction (SET LOCAL): as a startup parameter a
    // PgBouncer in front of Postgres would refuse the connection.
    query_timeout: 11000,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    max: 2,
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
module.exports = { pgConfig };
