'use strict';
// One bridge per host name. Two bridges configured with the same `host` would prune each
// other's processes from `N procs` at every beat and both answer its commands, so a bridge
// holds `N bridge:{host}` (SET NX PX 3 × heartbeat, value {pid}@{os hostname}:{random},
// refreshed every heartbeat by compare-and-set) before it starts publishing or reading
// commands. A second bridge finds it held, logs by whom, does not start, and waits as a
// standby until the key is gone (the first stopped: it deletes the key; or died: the key
// expires after 3 heartbeats). A holder that finds its key taken by another (it was away
// from Redis longer than the TTL) stops: the entry points exit with code 4.
const crypto = require('crypto');
const os = require('os');

// KEYS[1] lease; ARGV: value, ttl ms. 1 = ours (refreshed), 0 = another's value.
const REFRESH = `
local v = redis.call('GET', KEYS[1])
if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
// KEYS[1] lease; ARGV: value. Deletes it only if it is ours.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

class Lease {
  constructor({ redis, key, heartbeatMs, log, onLost }) {
    this.redis = redis;
    this.key = key;
    this.heartbeatMs = heartbeatMs;
    this.ttl = 3 * heartbeatMs;
    this.log = log;
    this.onLost = onLost;
    this.value = `${process.pid}@${os.hostname()}:${crypto.randomBytes(8).toString('hex')}`;
    this.held = false;
    this.stopped = false;
    this.timer = null;
    if (!redis.sbLease) {
      redis.defineCommand('sbLeaseRefresh', { numberOfKeys: 1, lua: REFRESH });
      redis.defineCommand('sbLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
      redis.sbLease = true;
    }
  }

  // Resolves once the lease is ours; waits (as a standby) while another bridge holds it.
  async acquire() {
    let lastHolder = null;
    let lastLog = 0;
    while (!this.stopped) {
      let holder = null;
      try {
        const ok = await this.redis.set(this.key, this.value, 'PX', this.ttl, 'NX');
        if (ok === 'OK') {
          this.held = true;
          if (lastHolder !== null) this.log('info', `${this.key} is free again: this bridge takes over`);
          this.timer = setInterval(() => this.refresh(), this.heartbeatMs);
          return;
        }
        try {
          holder = await this.redis.get(this.key);
        } catch (e) {
          holder = `(not a string: ${e.message})`;
        }
      } catch (e) {
        holder = null; // Redis away: retried every heartbeat
        if (Date.now() - lastLog > 60000) {
          this.log('warn', `cannot take ${this.key} yet: ${e.message}`);
          lastLog = Date.now();
        }
      }
      if (holder !== null && (holder !== lastHolder || Date.now() - lastLog > 60000)) {
        this.log('error', `another bridge with host name "${this.key.slice(this.key.lastIndexOf(':') + 1)}" is running ` +
          `(${this.key} = ${holder}); this one (${this.value}) does not publish or run commands while it does; ` +
          'two bridges with one host name would remove each other\'s processes. Waiting for it to go.');
        lastHolder = holder;
        lastLog = Date.now();
      }
      await new Promise((r) => {
        this.wake = setTimeout(r, this.heartbeatMs);
      });
    }
    throw new Error('stopped');
  }

  async refresh() {
    if (!this.held || this.stopped || this.redis.status !== 'ready') return;
    try {
      const ours = await this.redis.sbLeaseRefresh(this.key, this.value, this.ttl);
      if (ours === 1 || this.stopped) return;
      let holder = '?';
      try {
        holder = await this.redis.get(this.key);
      } catch (e) {
        /* shown as ? */
      }
      this.held = false;
      clearInterval(this.timer);
      this.log('error', `${this.key} is now held by another bridge (${holder}): this one stops`);
      this.onLost();
    } catch (e) {
      this.log('warn', `could not refresh ${this.key}: ${e.message}`);
    }
  }

  async release() {
    this.stopped = true;
    clearTimeout(this.wake);
    clearInterval(this.timer);
    if (!this.held) return;
    this.held = false;
    try {
      await Promise.race([this.redis.sbLeaseRelease(this.key, this.value), new Promise((r) => setTimeout(r, 1000))]);
    } catch (e) {
      /* it expires by itself */
    }
  }
}

module.exports = { Lease };
