'use strict';
// Runs reload/restart commands from `N control:{host}`, one at a time (PM2 holds one
// reload lock per daemon), through a consumer group so that a command survives a bridge
// or Redis restart, and a cmd_id registry so that none runs twice.
//
// At most once: before PM2 is asked, the command's registry entry is set to `running`
// (awaited: while Redis is away, we wait). A command redelivered in state `received`
// never reached PM2 and is run; one found `running` was interrupted and is reported
// failed, never re-run; a final state is only acknowledged again.
const { judgeOutcome } = require('./outcome');

const FINAL = new Set(['succeeded', 'failed', 'expired', 'rejected']);
const SEVERITY = ['online', 'launching', 'stopping', 'stopped', 'errored'];

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

function parseTime(v) {
  if (v === undefined || v === '') return NaN;
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  return Date.parse(v);
}

class ControlChannel {
  constructor({ cfg, keys, redis, pm2, log }) {
    this.cfg = cfg;
    this.keys = keys;
    this.redis = redis; // dedicated connection: blocking reads, maxRetriesPerRequest null
    this.pm2 = pm2;
    this.log = log;
    this.running = false;
    this.current = null; // {app, cmdId} while a command runs
    this.lastClaim = 0;
    this.rereadPending = true; // after start and after every reconnect
    this.redis.on('ready', () => {
      this.rereadPending = true;
    });
  }

  async ensureGroup() {
    try {
      // From 0, not $: a command queued before the bridge's first start is still answered.
      await this.redis.xgroup('CREATE', this.keys.control, this.keys.controlGroup, '0', 'MKSTREAM');
    } catch (e) {
      if (!String(e.message).includes('BUSYGROUP')) throw e;
    }
  }

  async read(id, block) {
    const args = ['GROUP', this.keys.controlGroup, this.keys.consumer, 'COUNT', 1];
    if (block) args.push('BLOCK', this.cfg.heartbeatMs);
    args.push('STREAMS', this.keys.control, id);
    try {
      const res = await this.redis.xreadgroup(...args);
      if (!res) return [];
      return res[0][1].map(([entryId, fields]) => ({ id: entryId, fields: fields ? fieldsToObject(fields) : null }));
    } catch (e) {
      if (String(e.message).includes('NOGROUP')) {
        await this.ensureGroup(); // the stream or group was deleted (or Redis lost its data)
        return [];
      }
      throw e;
    }
  }

  async claimOrphans() {
    // The consumer is {host}:{pid}, so a restarted bridge finds its predecessor's pending
    // commands under another name: take over those idle longer than a command can run
    // (the registry then tells whether PM2 was already asked), and forget dead consumers.
    this.lastClaim = Date.now();
    try {
      let cursor = '0-0';
      do {
        const res = await this.redis.xautoclaim(this.keys.control, this.keys.controlGroup, this.keys.consumer,
          this.cfg.claimIdleMs, cursor, 'COUNT', 100);
        cursor = res[0];
        if (res[1].length > 0) {
          this.rereadPending = true;
          this.log('info', `took over ${res[1].length} pending command(s) from a previous consumer`);
        }
      } while (cursor !== '0-0');
      const consumers = await this.redis.xinfo('CONSUMERS', this.keys.control, this.keys.controlGroup);
      for (const c of consumers) {
        const o = fieldsToObject(c);
        if (o.name !== this.keys.consumer && Number(o.pending) === 0 && Number(o.idle) > this.cfg.claimIdleMs) {
          await this.redis.xgroup('DELCONSUMER', this.keys.control, this.keys.controlGroup, o.name);
        }
      }
    } catch (e) {
      this.log('warn', `taking over pending commands failed: ${e.message}`);
    }
  }

  async loop() {
    this.running = true;
    await this.ensureGroup();
    await this.claimOrphans();
    while (this.running) {
      try {
        let entries;
        if (Date.now() - this.lastClaim > Math.max(this.cfg.claimIdleMs / 2, 1000)) await this.claimOrphans();
        if (this.rereadPending) {
          entries = await this.read('0', false);
          if (entries.length === 0) this.rereadPending = false;
        } else {
          entries = await this.read('>', true);
        }
        for (const e of entries) {
          if (!this.running) break;
          await this.handle(e);
        }
      } catch (e) {
        if (!this.running) break;
        this.log('warn', `control loop: ${e.message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  stop() {
    this.running = false;
  }

  async report(cmdId, state, message, detail) {
    const extra = detail ? ['detail', detail] : [];
    await this.redis.xadd(this.keys.controlResults, 'MAXLEN', '~', this.cfg.resultsMaxlen, '*',
      'cmd_id', cmdId, 'host', this.cfg.host, 'state', state, 'message', message, 'at', String(Date.now()), ...extra);
    this.log('info', `command ${cmdId}: ${state}: ${message}`);
  }

  async remember(cmdId, entryId, state) {
    await this.redis.set(this.keys.controlSeen(cmdId), JSON.stringify({ entry: entryId, state, at: Date.now() }),
      'EX', this.cfg.seenTtlS);
  }

  async finish(cmdId, entryId, state, message, detail) {
    await this.report(cmdId, state, message, detail);
    if (cmdId) await this.remember(cmdId, entryId, state);
    await this.redis.xack(this.keys.control, this.keys.controlGroup, entryId);
  }

  async handle({ id, fields }) {
    if (fields === null) {
      // Trimmed away while pending: nothing left to run.
      await this.redis.xack(this.keys.control, this.keys.controlGroup, id);
      return;
    }
    const cmdId = (fields.cmd_id || '').slice(0, 128);
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(cmdId)) {
      await this.finish(cmdId || `entry:${id}`, id, 'rejected', `entry ${id}: missing or malformed cmd_id`);
      return;
    }
    const seenKey = this.keys.controlSeen(cmdId);
    const claim = await this.redis.set(seenKey, JSON.stringify({ entry: id, state: 'received', at: Date.now() }),
      'EX', this.cfg.seenTtlS, 'NX');
    if (claim === null) {
      let prev = {};
      try {
        prev = JSON.parse((await this.redis.get(seenKey)) || '{}');
      } catch (e) {
        prev = {};
      }
      if (prev.entry !== id) {
        await this.report(cmdId, 'rejected',
          `duplicate cmd_id: already received as entry ${prev.entry || '?'} (state ${prev.state || '?'}); not run again`);
        await this.redis.xack(this.keys.control, this.keys.controlGroup, id);
        return;
      }
      if (FINAL.has(prev.state)) {
        await this.redis.xack(this.keys.control, this.keys.controlGroup, id); // answered before the ack got lost
        return;
      }
      if (prev.state === 'running') {
        await this.finish(cmdId, id, 'failed',
          'the bridge was interrupted while this command ran; it is not run again (at most once): check the process');
        return;
      }
      // state received: PM2 was never asked, so it is safe to go on.
    } else {
      await this.report(cmdId, 'received', `received by ${this.cfg.host} as entry ${id}`);
    }
    await this.execute(cmdId, id, fields);
  }

  async validate(f) {
    const action = f.action || '';
    if (!['reload', 'restart'].includes(action)) return ['rejected', `unknown action "${action}"`];
    if (!this.cfg.allowedActions.includes(action)) {
      return ['rejected', `action ${action} is not allowed on ${this.cfg.host} (allowed: ${this.cfg.allowedActions.join(',') || 'none'})`];
    }
    for (const k of ['requested_by', 'reason', 'requested_at', 'pm_id']) {
      if (!f[k]) return ['rejected', `missing ${k}`];
    }
    const expires = parseTime(f.expires_at);
    if (!Number.isFinite(expires)) return ['rejected', 'missing or invalid expires_at'];
    const now = Date.now();
    if (expires <= now) return ['expired', `expired ${now - expires} ms ago (expires_at ${expires}); not run`];
    const app = f.app || '';
    if (!app) return ['rejected', 'missing app'];
    if (this.cfg.allowedApps && !this.cfg.allowedApps.includes(app)) {
      return ['rejected', `app ${app} is not in the allowed apps of ${this.cfg.host}`];
    }
    const procs = (await this.pm2.list()).filter((p) => p.name === app);
    if (procs.length === 0) return ['rejected', `unknown app ${app} on ${this.cfg.host}`];
    const pmIdRaw = f.pm_id;
    if (pmIdRaw === 'all') return [null, { action, app, target: app, ids: procs.map((p) => p.pm_id), procs }];
    const pmId = Number(pmIdRaw);
    const proc = procs.find((p) => p.pm_id === pmId);
    if (!Number.isInteger(pmId) || !proc) return ['rejected', `pm_id ${pmIdRaw} is not an instance of ${app} on ${this.cfg.host}`];
    return [null, { action, app, target: String(pmId), ids: [pmId], procs: [proc] }];
  }

  async execute(cmdId, entryId, f) {
    let verdict;
    try {
      verdict = await this.validate(f);
    } catch (e) {
      verdict = ['failed', `could not ask PM2 for its process list: ${e.message}`];
    }
    const [refusal, plan] = verdict;
    if (refusal) {
      await this.finish(cmdId, entryId, refusal, plan);
      return;
    }
    const { action, app, target, ids, procs } = plan;
    const before = new Map(procs.map((p) => [p.pm_id, p.pm2_env.restart_time]));
    const mode = procs[0].pm2_env.exec_mode === 'cluster_mode' && action === 'reload' ? 'graceful reload' :
      action === 'reload' ? 'reload (fork mode: a restart with downtime)' : 'restart';
    await this.remember(cmdId, entryId, 'running'); // must be stored before PM2 is asked
    await this.report(cmdId, 'running', `${mode} of ${app} (pm_id ${ids.join(',')})`);
    this.current = { app, cmdId };
    try {
      await this.runAndJudge(cmdId, entryId, action, app, target, before);
    } finally {
      this.current = null;
    }
  }

  async runAndJudge(cmdId, entryId, action, app, target, before) {
    try {
      await this.pm2.run(action, target);
    } catch (e) {
      await this.finish(cmdId, entryId, 'failed', `PM2 refused ${action} of ${app}: ${e.message || e}`);
      return;
    }
    let out;
    try {
      out = await judgeOutcome({
        list: async () => (await this.pm2.list()).filter((p) => before.has(p.pm_id)),
        before,
        timeoutMs: this.cfg.commandTimeoutMs,
        graceMs: this.cfg.graceMs,
      });
    } catch (e) {
      out = { ok: false, message: `lost PM2 while checking the outcome: ${e.message}`, procs: [] };
    }
    await this.finish(cmdId, entryId, out.ok ? 'succeeded' : 'failed', `${action} of ${app}: ${out.message}`,
      outcomeDetail(before, out.procs, this.cfg.graceMs));
  }
}

module.exports = { ControlChannel, fieldsToObject };
