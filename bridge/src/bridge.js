'use strict';
// Wires the pieces: wait for a PM2 daemon (never start one), take this host's lease
// (one bridge per host name), then publish heartbeats, forward bus events and run
// commands until stopped.
const { keysFor } = require('./config');
const { createRedis } = require('./redis');
const { Pm2Link, NoDaemonError } = require('./pm2link');
const { Publisher } = require('./publisher');
const { ProcessEventSink } = require('./processeventsink');
const { PgSink } = require('./pgsink');
const { ControlChannel } = require('./control');
const { ServerClock } = require('./clock');
const { Authorizer } = require('./authorizer');
const { Lease } = require('./lease');
const { ReadyWatch } = require('./readiness');
const { makeScrubber, secretsOf } = require('./scrub');

function defaultLog(level, msg) {
  process.stdout.write(`${new Date().toISOString()} ${level} ${msg}\n`);
}

class Bridge {
  // onDaemonLost: called once when the PM2 daemon goes away after we connected. The
  // entry points exit then (a module dies with its daemon anyway; a supervisor restarts a
  // standalone bridge, which waits for a daemon again) rather than let PM2's client reconnect
  // logic or a stale bus run on. onLeaseLost: another bridge took this host's lease.
  constructor(cfg, log = defaultLog, onDaemonLost = () => {}, onLeaseLost = () => {}) {
    this.cfg = cfg;
    this.scrub = makeScrubber(secretsOf(cfg));
    // Every line passes the scrubber: library errors carry URIs, DSNs and tokens.
    this.log = (level, msg) => log(level, this.scrub(msg));
    this.onDaemonLost = onDaemonLost;
    this.onLeaseLost = onLeaseLost;
    this.keys = keysFor(cfg);
    this.stopped = false;
  }

  async waitForDaemon() {
    let delay = 500;
    for (;;) {
      try {
        await this.pm2.connect();
        this.log('info', `connected to the PM2 daemon at ${this.pm2.home}`);
        return;
      } catch (e) {
        if (!(e instanceof NoDaemonError)) throw e;
        this.log('warn', `${e.message}; retrying in ${delay} ms`);
      }
      if (this.stopped) throw new Error('stopped');
      await new Promise((r) => {
        this.wakeTimer = setTimeout(r, delay);
      });
      if (this.stopped) throw new Error('stopped');
      delay = Math.min(delay * 2, this.cfg.retryMaxMs);
    }
  }

  async start() {
    this.pm2 = new Pm2Link(this.log);
    await this.waitForDaemon();
    this.pub = createRedis(this.cfg, this.log, 'publish');
    this.ctl = createRedis(this.cfg, this.log, 'control');
    this.ctl.once('ready', () => this.log('info', `redis connected; host ${this.cfg.host}, namespace ${this.cfg.namespace}`));
    this.clock = new ServerClock({ redis: this.pub, log: this.log });
    this.clock.start();
    // One bridge per host name: nothing is published or run before the lease is ours.
    this.lease = new Lease({ redis: this.pub, key: this.keys.bridgeLease, heartbeatMs: this.cfg.heartbeatMs,
      log: this.log, onLost: () => this.onLeaseLost() });
    await this.lease.acquire();
    if (this.stopped) throw new Error('stopped');

    const deps = { cfg: this.cfg, keys: this.keys, pm2: this.pm2, log: this.log, clock: this.clock };
    // PM2's restart/reload/stop events do not say who asked; during our own command we do.
    const byOf = (app) => (this.control && this.control.current && this.control.current.app === app ?
      `switchboard cmd ${this.control.current.cmdId}` : '');
    if (this.cfg.pgDsn) {
      this.durable = new PgSink({ dsn: this.cfg.pgDsn, log: this.log });
      this.log('info', 'process events are also copied to Postgres (agentops.process_events)');
    } else {
      this.log('warn', 'no pg_dsn configured: every command will be refused (its audit row cannot be verified)');
    }
    this.authorizer = new Authorizer({ dsn: this.cfg.pgDsn, host: this.cfg.host, maxAgeS: this.cfg.maxCommandAgeS,
      timeoutMs: this.cfg.pgTimeoutMs, log: this.log });
    this.readyWatch = new ReadyWatch();
    const bus = await this.pm2.launchBus();
    this.readyWatch.attach(bus);
    this.sink = new ProcessEventSink({ ...deps, redis: this.pub, byOf, durable: this.durable });
    this.sink.attach(bus);
    this.publisher = new Publisher({ ...deps, redis: this.pub });
    this.publisher.start();
    this.control = new ControlChannel({ ...deps, redis: this.ctl, authorizer: this.authorizer,
      readyWatch: this.readyWatch, scrub: this.scrub });
    this.loopDone = this.control.loop().catch((e) => this.log('error', `control loop ended: ${e.message}`));
    this.watchdog = setInterval(async () => {
      if (this.stopped || (await this.pm2.daemonRunning())) return;
      clearInterval(this.watchdog);
      this.log('error', `the PM2 daemon at ${this.pm2.home} went away; stopping (no daemon is started in its place)`);
      this.onDaemonLost();
    }, Math.max(this.cfg.heartbeatMs, 1000));
    this.log('info', 'bridge running');
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    clearInterval(this.watchdog);
    if (this.publisher) this.publisher.stop();
    if (this.control) this.control.stop();
    if (this.loopDone) await Promise.race([this.loopDone, new Promise((r) => setTimeout(r, this.cfg.heartbeatMs + 500))]);
    if (this.lease) await this.lease.release();
    if (this.clock) this.clock.stop();
    if (this.durable) await this.durable.stop();
    if (this.authorizer) await this.authorizer.stop();
    if (this.pub) this.pub.disconnect();
    if (this.ctl) this.ctl.disconnect();
    if (this.pm2) this.pm2.disconnect();
  }
}

module.exports = { Bridge };
