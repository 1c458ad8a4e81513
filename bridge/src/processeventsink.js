'use strict';
// Forwards PM2 bus events to `N proc-events`. While Redis is away, events wait in a
// bounded queue (oldest dropped first, and counted) and are flushed on reconnect. With a
// Postgres DSN configured, each written entry is also copied to agentops.process_events.
const { processEventFields } = require('./processevents');
const { ExitDedup } = require('./exitdedup');

const MAX_QUEUE = 10000;

class ProcessEventSink {
  constructor({ cfg, keys, redis, log, byOf, durable, clock }) {
    Object.assign(this, { cfg, keys, redis, log, clock });
    this.durable = durable || null; // PgSink: the Postgres copy, keyed by stream id
    this.byOf = byOf || (() => '');
    this.queue = [];
    this.dropped = 0;
    this.exits = new ExitDedup();
    this.flushing = false;
    this.redis.on('ready', () => this.flush());
  }

  attach(bus) {
    bus.on('process:event', (packet) => this.push('process:event', packet));
    bus.on('process:exception', (packet) => this.push('process:exception', packet));
  }

  push(kind, packet) {
    if (this.exits.isDuplicate(kind, packet)) return;
    const f = processEventFields(kind, packet, this.cfg.host, this.byOf, this.clock ? this.clock.now() : undefined);
    if (!f) return;
    this.queue.push(f);
    if (this.queue.length > MAX_QUEUE) {
      this.queue.shift();
      this.dropped += 1;
      this.inFlight = false; // if that was the entry being written, it is not shifted again
    }
    this.flush();
  }

  async flush() {
    if (this.flushing || this.redis.status !== 'ready') return;
    this.flushing = true;
    try {
      if (this.dropped > 0) {
        this.log('warn', `dropped ${this.dropped} process events while Redis was unreachable (queue cap ${MAX_QUEUE})`);
        this.dropped = 0;
      }
      while (this.queue.length > 0 && this.redis.status === 'ready') {
        const f = this.queue[0];
        this.inFlight = true;
        const id = await this.redis.xadd(this.keys.procEvents, 'MAXLEN', '~', this.cfg.eventsMaxlen, '*',
          'host', f.host, 'app', f.app, 'pm_id', f.pm_id, 'event', f.event, 'detail', f.detail, 'at', f.at);
        // push() may have dropped the oldest entry (this one) while the XADD was out.
        if (this.inFlight) this.queue.shift();
        this.inFlight = false;
        if (this.durable) this.durable.push(id, f);
      }
    } catch (e) {
      this.inFlight = false;
      this.log('warn', `process event not written yet (${e.message}); kept for retry`);
    } finally {
      this.flushing = false;
    }
  }
}

module.exports = { ProcessEventSink };
