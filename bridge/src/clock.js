'use strict';
// One clock for the whole system: the Redis server's TIME. The console judges request and
// expiry times and heartbeat ages against it, so the bridge writes `heartbeat_at`, event
// and result `at` in it and judges `expires_at` / `requested_at` by it. A host whose own
// clock is off by a minute then neither expires every command nor looks silent.
//
// offset = server - local, measured around a TIME call (the midpoint of the round trip),
// at connect and every refreshMs; now() = local + offset. Until the first measurement
// succeeds, synced is false and callers that judge time must not decide on it.
const REFRESH_MS = 30000;

class ServerClock {
  // redis: an ioredis client; localNow: injectable for tests.
  constructor({ redis, log = () => {}, localNow = Date.now, refreshMs = REFRESH_MS }) {
    this.redis = redis;
    this.log = log;
    this.localNow = localNow;
    this.refreshMs = refreshMs;
    this.offset = 0;
    this.synced = false;
    this.timer = null;
    this.onReady = () => this.sync().catch(() => {});
  }

  start() {
    this.redis.on('ready', this.onReady);
    if (this.redis.status === 'ready') this.onReady();
    this.timer = setInterval(() => {
      if (this.redis.status === 'ready') this.sync().catch(() => {});
    }, this.refreshMs);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
    this.redis.removeListener('ready', this.onReady);
  }

  // Measures the offset; returns it. A round trip over 1 s says nothing useful: kept old.
  async sync() {
    const t0 = this.localNow();
    const [sec, usec] = await this.redis.time();
    const t1 = this.localNow();
    const server = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    if (t1 - t0 > 1000 && this.synced) return this.offset;
    const offset = Math.round(server - (t0 + t1) / 2);
    if (!this.synced || Math.abs(offset - this.offset) > 1000) {
      this.log('info', `clock: Redis server time is ${offset >= 0 ? '+' : ''}${offset} ms from this host's clock`);
    }
    this.offset = offset;
    this.synced = true;
    return offset;
  }

  now() {
    return this.localNow() + this.offset;
  }

  // Converts a local-clock time (e.g. PM2's pm_uptime) to server time.
  toServer(localMs) {
    return localMs + this.offset;
  }
}

module.exports = { ServerClock };
