'use strict';
// No audit row, no action: before PM2 is asked, the command's request row is checked in
// Postgres by agentops.authorize_command (docs/contract.md): same cmd_id, same target
// (this bridge's own host, app, pm_id) and action, outcome `requested` with no outcome yet,
// recent, written by a database role that is a member of agentops_operator. The bridge's
// login role needs EXECUTE on that function only (agentops_bridge).
//
// Read-only transaction, statement_timeout per transaction (SET LOCAL: PgBouncer-safe).
// Without a DSN, or when Postgres cannot answer, every command is refused.
const { Pool } = require('pg');
const { pgConfig } = require('./pgsink');

class AuthorizationUnavailable extends Error {}

class Authorizer {
  constructor({ dsn, host, maxAgeS, timeoutMs, log }) {
    this.host = host;
    this.maxAgeS = maxAgeS;
    this.timeoutMs = timeoutMs;
    this.log = log;
    this.pool = null;
    if (dsn) {
      const cfg = pgConfig(dsn);
      cfg.application_name = 'switchboard-pm2-bridge (authorize)';
      cfg.connectionTimeoutMillis = Math.min(cfg.connectionTimeoutMillis || timeoutMs, timeoutMs);
      cfg.query_timeout = timeoutMs + 1000;
      cfg.max = 1;
      cfg.idleTimeoutMillis = 60000;
      this.pool = new Pool(cfg);
      this.pool.on('error', (e) => this.log('warn', `postgres (authorize): ${e.message}`));
    }
  }

  get configured() {
    return this.pool !== null;
  }

  // cmds: [{auditId, cmdId, app, pmId ('all' or digits), action}] -> [reason|null], in order.
  // Throws AuthorizationUnavailable when Postgres cannot be asked.
  async check(cmds) {
    if (cmds.length === 0) return [];
    if (!this.pool) throw new AuthorizationUnavailable('no pg_dsn is configured on this bridge');
    let client;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw new AuthorizationUnavailable(e.message || String(e));
    }
    try {
      await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Number(this.timeoutMs)}`);
      const res = await client.query(
        `SELECT agentops.authorize_command(t.audit_id, t.cmd_id, $1, t.app, t.pm_id, t.action, $2) AS reason
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
              WITH ORDINALITY AS t(audit_id, cmd_id, app, pm_id, action, n)
         ORDER BY t.n`,
        [this.host, this.maxAgeS, cmds.map((c) => c.auditId), cmds.map((c) => c.cmdId), cmds.map((c) => c.app),
          cmds.map((c) => c.pmId), cmds.map((c) => c.action)]);
      await client.query('COMMIT');
      client.release();
      if (res.rows.length !== cmds.length) throw new AuthorizationUnavailable(`expected ${cmds.length} answers, got ${res.rows.length}`);
      return res.rows.map((r) => r.reason);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      client.release(true); // a timed-out or broken connection is not reused
      if (e instanceof AuthorizationUnavailable) throw e;
      throw new AuthorizationUnavailable(e.message || String(e));
    }
  }

  async stop() {
    if (this.pool) await this.pool.end().catch(() => {});
  }
}

module.exports = { Authorizer, AuthorizationUnavailable };
