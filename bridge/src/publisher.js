'use strict';
// Heartbeat: every heartbeat_ms, one pipeline writes each process's whitelisted hash
// (TTL = 3 heartbeats) and its member in `N procs` (score = heartbeat_at), and removes
// the members of processes that left PM2 since the last beat.
const { procFields } = require('./snapshot');

const PRUNE_AGE_MS = 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 60 * 1000;

class Publisher {
  constructor({ cfg, keys, redis, pm2, log }) {
    Object.assign(this, { cfg, keys, redis, pm2, log });
    this.lastMembers = new Set();
    this.timer = null;
    this.beats = 0;
    this.busy = false;
    this.lastPrune = 0;
  }

  async beat() {
    if (this.busy) return; // a slow PM2 or Redis never piles up beats
    if (this.redis.status !== 'ready') return; // silent while Redis is away: the console sees a stale heartbeat
    this.busy = true;
    try {
      const procs = await this.pm2.list();
      const now = Date.now();
      const ttl = 3 * this.cfg.heartbeatMs;
      const pipe = this.redis.pipeline();
      const members = new Set();
      for (const p of procs) {
        const f = procFields(p, this.cfg.host, now, this.cfg.heartbeatMs);
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
