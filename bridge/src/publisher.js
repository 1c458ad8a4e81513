'use strict';
// Heartbeat: every heartbeat_ms, one pipeline writes each process's whitelisted hash
// (TTL = 3 heartbeats) and its member in `N procs` (score = heartbeat_at), and removes
// the members of processes that left PM2 since the last beat. The first beat's "last
// beat" is what an earlier run of this host's bridge left in the index: after PM2
// renumbered its processes (resurrect, an app deleted and added again) those old pm_ids
// would otherwise stay as silent rows in every console until the 24 h prune.
const { procFields } = require('./snapshot');

const SCAN_COUNT = 1000;

// ZSCAN's MATCH is a glob: a host name is taken literally.
function globEscape(s) {
  return s.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
}

const PRUNE_AGE_MS = 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 60 * 1000;

class Publisher {
  constructor({ cfg, keys, redis, pm2, log, clock }) {
    Object.assign(this, { cfg, keys, redis, pm2, log, clock });
    this.lastMembers = new Set();
    this.timer = null;
    this.beats = 0;
    this.busy = false;
    this.lastPrune = 0;
    this.adopted = false;
  }

  // This host's members in the index, left by an earlier run: ZSCAN MATCH "<host>:*",
  // bounded pages. Another host whose name starts with "<host>:" matches the glob too, so
  // a member counts as ours only when its hash says host = ours or is gone (expired: a
  // silent row, whoever wrote it; the live bridge of another host re-adds its own at
  // its next beat).
  async previousMembers() {
    const prefix = `${this.cfg.host}:`;
    const found = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(this.keys.procs, cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', SCAN_COUNT);
      for (let i = 0; i < flat.length; i += 2) if (flat[i].startsWith(prefix)) found.push(flat[i]);
      cursor = next;
    } while (cursor !== '0');
    const ours = new Set();
    for (let i = 0; i < found.length; i += SCAN_COUNT) {
      const page = found.slice(i, i + SCAN_COUNT);
      const pipe = this.redis.pipeline();
      for (const m of page) pipe.hget(`${this.cfg.namespace}proc:${m}`, 'host');
      const res = await pipe.exec();
      page.forEach((m, j) => {
        const [err, host] = res[j];
        if (!err && (host === null || host === this.cfg.host)) ours.add(m);
      });
    }
    return ours;
  }

  async beat() {
    if (this.busy) return; // a slow PM2 or Redis never piles up beats
    if (this.redis.status !== 'ready') return; // silent while Redis is away: the console sees a stale heartbeat
    if (this.clock && !this.clock.synced) return; // heartbeat_at is Redis time: not before it is known
    this.busy = true;
    try {
      if (!this.adopted) {
        this.lastMembers = await this.previousMembers();
        this.adopted = true;
        if (this.lastMembers.size) this.log('info', `found ${this.lastMembers.size} process(es) of this host from an earlier run in the index`);
      }
      const procs = await this.pm2.list();
      const now = this.clock ? this.clock.now() : Date.now();
      const ttl = 3 * this.cfg.heartbeatMs;
      const pipe = this.redis.pipeline();
      const members = new Set();
      for (const p of procs) {
        const f = procFields(p, this.cfg.host, now, this.cfg.heartbeatMs, this.clock ? this.clock.offset : 0);
        const key = this.keys.proc(f.app, f.pm_id);
        const member = this.keys.procMember(f.app, f.pm_id);
        members.add(member);
        pipe.del(key); // fields never linger from an older shape of the hash
        pipe.hset(key, f);
        pipe.pexpire(key, ttl);
        pipe.zadd(this.keys.procs, now, member);
      }
      for (const m of this.lastMembers) {
        if (!members.has(m)) {
          pipe.zrem(this.keys.procs, m);
          pipe.del(`${this.cfg.namespace}proc:${m}`);
        }
      }
      if (now - this.lastPrune > PRUNE_EVERY_MS) {
        // Members of hosts gone for a day (their hashes expired long ago), per the contract.
        pipe.zremrangebyscore(this.keys.procs, '-inf', `(${now - PRUNE_AGE_MS}`);
        this.lastPrune = now;
      }
      const res = await pipe.exec();
      const err = res.find(([e]) => e);
      if (err) throw err[0];
      this.lastMembers = members;
      this.beats += 1;
    } catch (e) {
      this.log('warn', `heartbeat failed: ${e.message}`);
    } finally {
      this.busy = false;
    }
  }

  start() {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.cfg.heartbeatMs);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }
}

module.exports = { Publisher };
