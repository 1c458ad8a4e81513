'use strict';
// Runs reload/restart commands from `N control:{host}`, one at a time (PM2 holds one
// reload lock per daemon), through a consumer group so that a command survives a bridge
// or Redis restart, and a cmd_id registry so that none runs twice.
//
// Anyone who can write to Redis can write to this stream, so nothing in an entry is
// trusted (docs/contract.md, "Stream N control:{host}"):
// - Reads are bounded: a Lua script reads the next entries server-side and hands over
//   only entries of at most max_command_bytes; a bigger one (a 300 MB field) is refused
//   by id without being transferred. Pending entries of a dead consumer are taken over
//   by id only (XAUTOCLAIM JUSTID).
// - Cheap checks first (no round trip): fields, bounds of requested_at / expires_at in
//   Redis server time, expiry, the in-memory set of commands run in the last window.
//   A flood of junk is refused in pipelined batches.
// - No audit row, no action: agentops.authorize_command must accept the command (batch
//   pre-check for a read batch, then once more for each command right before PM2 is
//   asked). Without Postgres every command is refused.
//
// At most once: before PM2 is asked, the command's registry entry is set to `running`
// (awaited: while Redis is away, we wait). A command redelivered in state `received`
// never reached PM2 and is run; one found `running` was interrupted and is reported
// failed, never re-run; a final state is only acknowledged again. Besides the registry
// (which anyone with Redis access can delete), the bridge remembers the cmd_ids and
// audit ids it ran within max_command_age_s + 5 min in memory and refuses them again.
const { judgeOutcome, SETTLE_MS } = require('./outcome');
const { AuthorizationUnavailable } = require('./authorizer');
const { waitReadyOf, waitHealthy } = require('./readiness');

const FINAL = new Set(['succeeded', 'failed', 'expired', 'rejected']);
const SEVERITY = ['online', 'launching', 'stopping', 'stopped', 'errored'];
const READ_BATCH = 100;
const MAX_FIELDS = 64; // field/value pairs of one entry; more is refused like an oversized one
const MAX_EXPIRY_MS = 300000; // expires_at - requested_at must be in (0, this]
const MAX_REQUEST_SKEW_MS = 300000; // |requested_at - Redis TIME| at most this
const REPORT_MARGIN_MS = 2000;
const MAX_MESSAGE = 16000; // the contract's cap for messages is 16 KiB // deadline_ms: room for the final report to reach Redis
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// KEYS[1] control stream; ARGV: group, consumer, start id ('>' or '0'), count, max bytes,
// max fields. Per entry: {id, 'ok', fields} | {id, 'gone'} (trimmed while pending) |
// {id, 'big', bytes, nfields, cmd_id-or-''}. The entry is read by Redis itself; only
// what is small enough crosses the wire.
const READ_SCRIPT = `
local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[4], 'STREAMS', KEYS[1], ARGV[3])
if not r then return {} end
local max, maxf = tonumber(ARGV[5]), tonumber(ARGV[6]) * 2
local out = {}
for _, e in ipairs(r[1][2]) do
  local f = e[2]
  if not f then
    out[#out + 1] = {e[1], 'gone'}
  else
    local n = 0
    local cmd = ''
    for i = 1, #f do
      n = n + #f[i]
      if i % 2 == 1 and f[i] == 'cmd_id' and f[i + 1] and #f[i + 1] <= 128 then cmd = f[i + 1] end
    end
    if n > max or #f > maxf then
      out[#out + 1] = {e[1], 'big', tostring(n), tostring(#f / 2), cmd}
    else
      out[#out + 1] = {e[1], 'ok', f}
    end
  end
end
return out`;

// The contract's result `detail`: totals over the targeted instances, the worst status,
// and the per-instance figures behind them.
function outcomeDetail(before, procs, graceMs) {
  const instances = [...before.keys()].map((id) => {
    const p = procs.find((q) => q.pm_id === id);
    return { pm_id: id, restarts_before: before.get(id), restarts_after: p ? p.pm2_env.restart_time : null,
      status_after: p ? p.pm2_env.status : 'gone' };
  });
  const worst = instances.map((i) => i.status_after)
    .reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a), 'online');
  return JSON.stringify({
    restarts_before: instances.reduce((n, i) => n + i.restarts_before, 0),
    restarts_after: instances.reduce((n, i) => n + (i.restarts_after || 0), 0),
    status_after: worst,
    grace_ms: graceMs,
    instances,
  });
}

function fieldsToObject(arr) {
  const o = {};
  for (let i = 0; i + 1 < arr.length; i += 2) o[String(arr[i])] = String(arr[i + 1]);
  return o;
}

// At most 40 characters of an untrusted value, quoted and escaped.
function q(v) {
  const s = String(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

const CMD_ID = /^[A-Za-z0-9._-]{1,128}$/;
const MS = /^[0-9]{1,15}$/;
const AUDIT_ID = /^[1-9][0-9]{0,18}$/;
const MAX_BIGINT = 9223372036854775807n;

class ControlChannel {
  constructor({ cfg, keys, redis, pm2, log, clock, authorizer, readyWatch, scrub }) {
    this.cfg = cfg;
    this.keys = keys;
    this.redis = redis; // dedicated connection, maxRetriesPerRequest null
    this.pm2 = pm2;
    this.log = log;
    this.clock = clock;
    this.authorizer = authorizer;
    this.readyWatch = readyWatch;
    this.scrub = scrub || ((s) => String(s));
    this.running = false;
    this.current = null; // {app, cmdId} while a command runs
    this.lastClaim = 0;
    this.rereadPending = true; // after start and after every reconnect
    this.ran = new Map(); // 'c:'+cmd_id / 'a:'+audit_id -> local time it ran
    this.ranWindowMs = (cfg.maxCommandAgeS + 300) * 1000;
    this.lastProblem = { text: '', at: 0 };
    this.redis.on('ready', () => {
      this.rereadPending = true;
    });
    if (!this.redis.sbReadControl) this.redis.defineCommand('sbReadControl', { numberOfKeys: 1, lua: READ_SCRIPT });
  }

  async ensureGroup() {
    try {
      // From 0, not $: a command queued before the bridge's first start is still answered.
      await this.redis.xgroup('CREATE', this.keys.control, this.keys.controlGroup, '0', 'MKSTREAM');
    } catch (e) {
      if (!String(e.message).includes('BUSYGROUP')) throw e;
    }
  }

  async read(id) {
    try {
      const res = await this.redis.sbReadControl(this.keys.control, this.keys.controlGroup, this.keys.consumer, id,
        READ_BATCH, this.cfg.maxCommandBytes, MAX_FIELDS);
      return res.map(([entryId, kind, a, b, c]) => {
        if (kind === 'gone') return { id: entryId, fields: null };
        if (kind === 'big') return { id: entryId, fields: {}, big: { bytes: Number(a), nfields: Number(b), cmdId: c } };
        return { id: entryId, fields: fieldsToObject(a) };
      });
    } catch (e) {
      if (String(e.message).includes('NOGROUP')) {
        await this.ensureGroup(); // the stream or group was deleted (or Redis lost its data)
        return [];
      }
      throw e;
    }
  }

  // The consumer is {host}:{pid}, so a restarted bridge finds its predecessor's pending
  // commands under another name (a read batch delivers up to 100 entries at once): take
  // them over (the registry then tells whether PM2 was already asked), and forget dead
  // consumers. At start every other consumer is dead: this bridge holds the host's lease
  // (N bridge:{host}), so their entries are taken at once (minIdle 0); later only those
  // idle longer than claim_idle_ms. JUSTID: ids only, the entries are read (bounded) by the
  // pending re-read.
  async claimOrphans(minIdle = this.cfg.claimIdleMs) {
    this.lastClaim = Date.now();
    try {
      let cursor = '0-0';
      do {
        const res = await this.redis.xautoclaim(this.keys.control, this.keys.controlGroup, this.keys.consumer,
          minIdle, cursor, 'COUNT', 100, 'JUSTID');
        cursor = res[0];
        if (res[1].length > 0) {
          this.rereadPending = true;
          this.log('info', `took over ${res[1].length} pending command(s) from a previous consumer`);
        }
      } while (cursor !== '0-0');
      const consumers = await this.redis.xinfo('CONSUMERS', this.keys.control, this.keys.controlGroup);
      for (const c of consumers) {
        const o = fieldsToObject(c);
        if (o.name !== this.keys.consumer && Number(o.pending) === 0 && Number(o.idle) >= minIdle) {
          await this.redis.xgroup('DELCONSUMER', this.keys.control, this.keys.controlGroup, o.name);
        }
      }
    } catch (e) {
      if (!String(e.message).includes('NOGROUP')) this.problem(`taking over pending commands failed: ${e.message}`);
    }
  }

  // A problem that may repeat every poll (a key of the wrong type): logged when it
  // changes and once a minute while it lasts.
  problem(text) {
    const now = Date.now();
    if (text !== this.lastProblem.text || now - this.lastProblem.at > 60000) {
      this.log('error', text);
      this.lastProblem = { text, at: now };
    }
  }

  async loop() {
    this.running = true;
    let groupReady = false;
    while (this.running) {
      try {
        if (!groupReady) {
          await this.ensureGroup();
          groupReady = true;
          await this.claimOrphans(0);
        }
        if (Date.now() - this.lastClaim > Math.max(this.cfg.claimIdleMs / 2, 1000)) await this.claimOrphans();
        const pending = this.rereadPending;
        const entries = await this.read(pending ? '0' : '>');
        if (entries.length === 0) {
          if (pending) this.rereadPending = false;
          else await sleep(this.cfg.controlPollMs);
          continue;
        }
        await this.handleBatch(entries, pending);
        if (this.lastProblem.text) {
          this.log('info', 'control stream readable again');
          this.lastProblem = { text: '', at: 0 };
        }
      } catch (e) {
        if (!this.running) break;
        this.rereadPending = true; // what was read and not acknowledged is read again
        const msg = String(e.message);
        if (msg.includes('WRONGTYPE')) {
          groupReady = false;
          const wrong = [];
          for (const key of [this.keys.control, this.keys.controlResults]) {
            try {
              const type = await this.redis.type(key);
              if (type !== 'stream' && type !== 'none') wrong.push(`${key} is a ${type}, not a stream`);
            } catch (e2) {
              wrong.push(`${key} cannot be inspected (${e2.message})`);
            }
          }
          this.problem(`${wrong.join('; ') || msg}: no command can be received or answered until it is deleted; ` +
            'heartbeats go on');
          await sleep(Math.max(this.cfg.heartbeatMs, 1000));
        } else {
          this.problem(`control loop: ${this.scrub(msg)}`);
          await sleep(500);
        }
      }
    }
  }

  stop() {
    this.running = false;
  }

  // ---- reporting ----

  resultFields(cmdId, state, message, detail) {
    const extra = detail ? ['detail', detail] : [];
    const text = this.scrub(message);
    return ['cmd_id', cmdId, 'host', this.cfg.host, 'state', state,
      'message', text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text,
      'at', String(this.clock.now()), ...extra];
  }

  async report(cmdId, state, message, detail) {
    await this.redis.xadd(this.keys.controlResults, 'MAXLEN', '~', this.cfg.resultsMaxlen, '*',
      ...this.resultFields(cmdId, state, message, detail));
    this.log('info', `command ${cmdId}: ${state}: ${message}`);
  }

  async remember(cmdId, entryId, state) {
    await this.redis.set(this.keys.controlSeen(cmdId), JSON.stringify({ entry: entryId, state, at: this.clock.now() }),
      'EX', this.cfg.seenTtlS);
  }

  async finish(cmdId, entryId, state, message, detail) {
    await this.report(cmdId, state, message, detail);
    if (cmdId && CMD_ID.test(cmdId)) await this.remember(cmdId, entryId, state);
    await this.redis.xack(this.keys.control, this.keys.controlGroup, entryId);
  }

  // Refusals decided before the registry: reported, then acknowledged, in two pipelines
  // (an entry is acknowledged only once its refusal is in control-results). The log gets
  // one line per refusal up to 20 per batch, then a count.
  async refuseAll(refusals) {
    if (refusals.length === 0) return;
    const pipe = this.redis.pipeline();
    for (const r of refusals) {
      pipe.xadd(this.keys.controlResults, 'MAXLEN', '~', this.cfg.resultsMaxlen, '*',
        ...this.resultFields(r.cmdId, r.state, r.message));
    }
    const res = await pipe.exec();
    const failed = res.find(([err]) => err);
    if (failed) throw failed[0];
    await this.redis.xack(this.keys.control, this.keys.controlGroup, ...refusals.map((r) => r.id));
    refusals.slice(0, 20).forEach((r) => this.log('info', `command ${r.cmdId}: ${r.state}: ${this.scrub(r.message)}`));
    if (refusals.length > 20) this.log('info', `… and ${refusals.length - 20} more refused in this batch`);
  }

  // ---- checks ----

  noteRan(cmd) {
    const now = Date.now();
    for (const [k, t] of this.ran) if (now - t > this.ranWindowMs) this.ran.delete(k);
    this.ran.set(`c:${cmd.cmdId}`, now);
    this.ran.set(`a:${cmd.auditId}`, now);
  }

  ranBefore(key) {
    const t = this.ran.get(key);
    return t !== undefined && Date.now() - t <= this.ranWindowMs;
  }

  // Checks that need no round trip. -> {cmd} or {refusal: {id, cmdId, state, message}}
  precheck(e, now) {
    const f = e.fields;
    const rawId = e.big ? e.big.cmdId : f.cmd_id || '';
    const cmdId = CMD_ID.test(rawId) ? rawId : `entry:${e.id}`;
    const refuse = (message, state = 'rejected') => ({ refusal: { id: e.id, cmdId, state, message } });
    if (e.big) {
      return refuse(`entry ${e.id} is ${e.big.bytes} bytes in ${e.big.nfields} fields, over the cap of ` +
        `${this.cfg.maxCommandBytes} bytes / ${MAX_FIELDS} fields: not read, not run`);
    }
    if (!CMD_ID.test(rawId)) return refuse(`entry ${e.id}: missing or malformed cmd_id`);
    const action = f.action || '';
    if (!['reload', 'restart'].includes(action)) return refuse(`unknown action ${q(action)}`);
    if (!this.cfg.allowedActions.includes(action)) {
      return refuse(`action ${action} is not allowed on ${this.cfg.host} (allowed: ${this.cfg.allowedActions.join(',') || 'none'})`);
    }
    for (const k of ['requested_by', 'reason', 'requested_at', 'app', 'pm_id']) {
      if (!f[k]) return refuse(`missing ${k}`);
    }
    if (!f.audit_id) return refuse('missing audit_id: a command without its audit row is not run');
    if (!AUDIT_ID.test(f.audit_id) || BigInt(f.audit_id) > MAX_BIGINT) return refuse(`audit_id ${q(f.audit_id)} is not a positive integer`);
    const app = f.app;
    if (this.cfg.allowedApps && !this.cfg.allowedApps.includes(app)) {
      return refuse(`app ${q(app)} is not in the allowed apps of ${this.cfg.host}`);
    }
    const pmId = f.pm_id;
    if (pmId !== 'all' && !/^[0-9]{1,9}$/.test(pmId)) return refuse(`pm_id ${q(pmId)} is neither an integer nor all`);
    if (!MS.test(f.requested_at)) return refuse(`requested_at ${q(f.requested_at)} is not a time in ms`);
    if (!MS.test(f.expires_at || '')) return refuse('missing or invalid expires_at');
    const requestedAt = Number(f.requested_at);
    const expiresAt = Number(f.expires_at);
    const span = expiresAt - requestedAt;
    if (span <= 0 || span > MAX_EXPIRY_MS) {
      return refuse(`expires_at - requested_at is ${span} ms; it must be in (0, ${MAX_EXPIRY_MS}]`);
    }
    if (Math.abs(requestedAt - now) > MAX_REQUEST_SKEW_MS) {
      return refuse(`requested_at is ${requestedAt - now} ms from the Redis server's time; at most ±${MAX_REQUEST_SKEW_MS} ms is accepted`);
    }
    if (expiresAt <= now) {
      return refuse(`expired ${now - expiresAt} ms ago by the Redis server's clock (expires_at ${expiresAt}); not run`, 'expired');
    }
    if (this.ranBefore(`c:${rawId}`)) return refuse(`replay: cmd_id ${rawId} already ran on ${this.cfg.host}; not run again`);
    if (this.ranBefore(`a:${f.audit_id}`)) return refuse(`replay: audit row ${f.audit_id} already ran on ${this.cfg.host}; not run again`);
    return {
      cmd: { id: e.id, cmdId, action, app, pmId, auditId: f.audit_id, requestedAt, expiresAt,
        requestedBy: f.requested_by },
    };
  }

  async serverNow() {
    if (!this.clock.synced) await this.clock.sync();
    return this.clock.now();
  }

  // ---- the batch ----

  async handleBatch(entries, pending) {
    const now = await this.serverNow();
    const refusals = [];
    const acks = [];
    const candidates = [];
    for (const e of entries) {
      if (e.fields === null) {
        acks.push(e.id); // trimmed away while pending: nothing left to run
        continue;
      }
      if (pending && !e.big && CMD_ID.test(e.fields.cmd_id || '')) {
        // Redelivered: the registry says whether PM2 was asked already.
        const done = await this.resumeFromRegistry(e);
        if (done) continue;
      }
      const v = this.precheck(e, now);
      if (v.refusal) refusals.push(v.refusal);
      else candidates.push(v.cmd);
    }
    if (acks.length) await this.redis.xack(this.keys.control, this.keys.controlGroup, ...acks);
    // A pre-check of the batch's candidates in one Postgres round trip, so a flood of
    // forged commands costs one query per batch; each survivor is checked again right
    // before PM2 is asked.
    let toRun = candidates;
    if (candidates.length > 1) {
      toRun = [];
      let reasons = null;
      let unavailable = null;
      try {
        reasons = await this.authorizer.check(candidates);
      } catch (err) {
        if (!(err instanceof AuthorizationUnavailable)) throw err;
        unavailable = err.message;
      }
      candidates.forEach((c, i) => {
        if (unavailable !== null) refusals.push(this.unverified(c, unavailable));
        else if (reasons[i] !== null) refusals.push({ id: c.id, cmdId: c.cmdId, state: 'rejected', message: `not authorized: ${reasons[i]}` });
        else toRun.push(c);
      });
    }
    await this.refuseAll(refusals);
    for (const c of toRun) {
      if (!this.running) break;
      await this.runOne(c);
    }
  }

  unverified(c, why) {
    return { id: c.id, cmdId: c.cmdId, state: 'rejected', message: `cannot verify the audit row: ${this.scrub(why)}; not run` };
  }

  // true when the redelivered entry is settled by its registry entry.
  async resumeFromRegistry(e) {
    const cmdId = e.fields.cmd_id;
    let prev = null;
    try {
      prev = JSON.parse((await this.redis.get(this.keys.controlSeen(cmdId))) || 'null');
    } catch (err) {
      if (String(err.message).includes('WRONGTYPE')) prev = null;
      else if (err instanceof SyntaxError) prev = null;
      else throw err;
    }
    if (!prev || prev.entry !== e.id) return false;
    if (FINAL.has(prev.state)) {
      await this.redis.xack(this.keys.control, this.keys.controlGroup, e.id); // answered before the ack got lost
      return true;
    }
    if (prev.state === 'running') {
      await this.finish(cmdId, e.id, 'failed',
        'the bridge was interrupted while this command ran; it is not run again (at most once): check the process');
      return true;
    }
    return false; // received: PM2 was never asked, so it is safe to go on
  }

  // One command that passed the cheap checks: expiry again, its audit row, the registry,
  // PM2's process list, then the run.
  async runOne(c) {
    const now = await this.serverNow();
    if (c.expiresAt <= now) {
      await this.refuseAll([{ id: c.id, cmdId: c.cmdId, state: 'expired',
        message: `expired ${now - c.expiresAt} ms ago by the Redis server's clock (expires_at ${c.expiresAt}) while it waited; not run` }]);
      return;
    }
    let reason;
    try {
      [reason] = await this.authorizer.check([c]);
    } catch (err) {
      if (!(err instanceof AuthorizationUnavailable)) throw err;
      await this.refuseAll([this.unverified(c, err.message)]);
      return;
    }
    if (reason !== null) {
      await this.refuseAll([{ id: c.id, cmdId: c.cmdId, state: 'rejected', message: `not authorized: ${reason}` }]);
      return;
    }
    // Registry claim: a second command with this cmd_id is a duplicate.
    const seenKey = this.keys.controlSeen(c.cmdId);
    const claim = await this.redis.set(seenKey, JSON.stringify({ entry: c.id, state: 'received', at: now }),
      'EX', this.cfg.seenTtlS, 'NX');
    if (claim === null) {
      let prev = {};
      try {
        prev = JSON.parse((await this.redis.get(seenKey)) || '{}');
      } catch (err) {
        prev = {};
      }
      if (prev.entry !== c.id) {
        await this.refuseAll([{ id: c.id, cmdId: c.cmdId, state: 'rejected',
          message: `duplicate cmd_id: already received as entry ${prev.entry || '?'} (state ${prev.state || '?'}); not run again` }]);
        return;
      }
      // Our own entry in state received (a redelivery): go on.
    } else {
      await this.report(c.cmdId, 'received', `received by ${this.cfg.host} as entry ${c.id}; audit row ${c.auditId} verified`);
    }
    await this.execute(c);
  }

  async plan(c) {
    const procs = (await this.pm2.list()).filter((p) => p.name === c.app);
    if (procs.length === 0) return ['rejected', `unknown app ${q(c.app)} on ${this.cfg.host}`];
    if (c.pmId === 'all') return [null, { ids: procs.map((p) => p.pm_id), procs }];
    const pmId = Number(c.pmId);
    const proc = procs.find((p) => p.pm_id === pmId);
    if (!proc) return ['rejected', `pm_id ${c.pmId} is not an instance of ${q(c.app)} on ${this.cfg.host}`];
    return [null, { ids: [pmId], procs: [proc] }];
  }

  // What the console may wait for after `running`: the run and coming back online
  // (command_timeout), the readiness checks beyond the grace period, the grace period,
  // the settling of a crash loop, and the report itself.
  readinessOf(c, procs) {
    const waitReadyMs = procs.reduce((m, p) => Math.max(m, waitReadyOf(p) || 0), 0);
    const health = this.cfg.healthUrls.get(c.app) || null;
    const healthMs = health ? (health.timeoutMs || Math.max(this.cfg.graceMs, 1000)) : 0;
    const deadlineMs = this.cfg.commandTimeoutMs + waitReadyMs + Math.max(this.cfg.graceMs, healthMs) +
      SETTLE_MS + REPORT_MARGIN_MS;
    return { waitReadyMs, health, healthMs, deadlineMs };
  }

  async execute(c) {
    let verdict;
    try {
      verdict = await this.plan(c);
    } catch (e) {
      verdict = ['failed', `could not ask PM2 for its process list: ${e.message}`];
    }
    const [refusal, plan] = verdict;
    if (refusal) {
      await this.finish(c.cmdId, c.id, refusal, plan);
      return;
    }
    const { ids, procs } = plan;
    const before = new Map(procs.map((p) => [p.pm_id, p.pm2_env.restart_time]));
    const mode = procs[0].pm2_env.exec_mode === 'cluster_mode' && c.action === 'reload' ? 'graceful reload' :
      c.action === 'reload' ? 'reload (fork mode: a restart with downtime)' : 'restart';
    const ready = this.readinessOf(c, procs);
    this.noteRan(c);
    await this.remember(c.cmdId, c.id, 'running'); // must be stored before PM2 is asked
    await this.report(c.cmdId, 'running', `${mode} of ${c.app} (pm_id ${ids.join(',')})`,
      JSON.stringify({ deadline_ms: ready.deadlineMs }));
    this.current = { app: c.app, cmdId: c.cmdId };
    try {
      await this.runAndJudge(c, ids, before, ready);
    } finally {
      this.current = null;
    }
  }

  readinessCheck(ids, ready, startedLocal) {
    const checks = [];
    if (ready.waitReadyMs > 0) {
      checks.push(async () => {
        const end = Date.now() + ready.waitReadyMs;
        for (;;) {
          const missing = ids.filter((id) => !this.readyWatch || !this.readyWatch.readySince(id, startedLocal));
          if (missing.length === 0) return { ok: true, message: 'every instance sent ready' };
          if (Date.now() >= end) {
            return { ok: false, message: `instance(s) ${missing.join(',')} did not send 'ready' within listen_timeout ` +
              `${ready.waitReadyMs} ms (wait_ready; PM2 went on without it)` };
          }
          await sleep(50);
        }
      });
    }
    if (ready.health) {
      const { url } = ready.health;
      const urls = url.includes('{pm_id}') ? ids.map((id) => url.replace(/\{pm_id\}/g, String(id))) : [url];
      for (const u of urls) checks.push(() => waitHealthy(u, ready.healthMs));
    }
    if (checks.length === 0) return undefined;
    return async () => {
      const results = await Promise.all(checks.map((f) => f()));
      const bad = results.find((r) => !r.ok);
      if (bad) return bad;
      return { ok: true, message: `ready: ${results.map((r) => r.message).join('; ')}` };
    };
  }

  async runAndJudge(c, ids, before, ready) {
    const startedLocal = Date.now();
    const runDeadline = startedLocal + this.cfg.commandTimeoutMs;
    // One instance at a time, by pm_id (a cluster reload keeps the others serving).
    for (const id of ids) {
      try {
        const left = runDeadline - Date.now();
        if (left <= 0) throw new Error(`command_timeout_ms ${this.cfg.commandTimeoutMs} ms used up before pm_id ${id}`);
        await this.pm2.run(c.action, id, left);
      } catch (e) {
        let procs = [];
        try {
          procs = (await this.pm2.list()).filter((p) => before.has(p.pm_id));
        } catch (e2) {
          /* the detail says gone */
        }
        await this.finish(c.cmdId, c.id, 'failed', `PM2 refused or did not finish ${c.action} of ${c.app} ` +
          `(pm_id ${id}): ${e.message || e}`, outcomeDetail(before, procs, this.cfg.graceMs));
        return;
      }
    }
    let out;
    try {
      out = await judgeOutcome({
        list: async () => (await this.pm2.list()).filter((p) => before.has(p.pm_id)),
        before,
        timeoutMs: Math.max(1000, runDeadline - Date.now()),
        graceMs: this.cfg.graceMs,
        readiness: this.readinessCheck(ids, ready, startedLocal),
      });
    } catch (e) {
      out = { ok: false, message: `lost PM2 while checking the outcome: ${e.message}`, procs: [] };
    }
    await this.finish(c.cmdId, c.id, out.ok ? 'succeeded' : 'failed', `${c.action} of ${c.app}: ${out.message}`,
      outcomeDetail(before, out.procs, this.cfg.graceMs));
  }
}

module.exports = { ControlChannel, fieldsToObject, READ_SCRIPT, MAX_EXPIRY_MS };
