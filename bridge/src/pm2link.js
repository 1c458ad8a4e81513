'use strict';
// The bridge's only door to PM2. pm2.connect() silently starts a fresh, empty daemon when
// none answers (meta.new_pm2_instance); on a production host that would hide the real
// state, so we probe the daemon's RPC socket first and never call connect() without one.
const net = require('net');
const fs = require('fs');

class NoDaemonError extends Error {}

function probeSocket(file, timeoutMs = 1000) {
  return new Promise((resolve) => {
    if (!fs.existsSync(file)) return resolve(false);
    const sock = net.connect(file);
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function cb2p(fn) {
  return new Promise((resolve, reject) => fn((err, val) => (err ? reject(err) : resolve(val))));
}

class Pm2Link {
  constructor(log) {
    // Required lazily: pm2 reads PM2_HOME from the environment when first loaded.
    this.pm2 = require('pm2');
    this.cst = require('pm2/constants');
    this.log = log;
    this.connected = false;
  }

  get home() {
    return this.cst.PM2_HOME;
  }

  async daemonRunning() {
    const rpc = this.cst.DAEMON_RPC_PORT;
    const pub = this.cst.DAEMON_PUB_PORT;
    return (await probeSocket(rpc)) && (await probeSocket(pub));
  }

  // Connects to a running daemon or throws NoDaemonError; never leaves a daemon of its own.
  async connect() {
    if (!(await this.daemonRunning())) {
      throw new NoDaemonError(`no PM2 daemon is running (PM2_HOME=${this.home}: rpc.sock/pub.sock do not answer); not starting one`);
    }
    const meta = await cb2p((cb) => this.pm2.connect(cb));
    if (meta && meta.new_pm2_instance) {
      // The daemon died between the probe and connect(): PM2 started a new one. Undo it.
      this.log('warn', 'pm2.connect started a new daemon (the old one went away); killing it');
      await cb2p((cb) => this.pm2.killDaemon(cb)).catch(() => {});
      this.pm2.disconnect();
      throw new NoDaemonError('PM2 daemon went away during connect; the accidental new daemon was killed');
    }
    this.connected = true;
  }

  disconnect() {
    if (this.connected) this.pm2.disconnect();
    this.connected = false;
  }

  // Apps run by users (modules such as the bridge itself are left out).
  async list() {
    // A daemon that stopped answering must not freeze the heartbeat forever.
    const all = await Promise.race([
      cb2p((cb) => this.pm2.list(cb)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('PM2 did not answer list within 10 s')), 10000).unref()),
    ]);
    return all.filter((p) => !(p.pm2_env && p.pm2_env.pmx_module));
  }

  async launchBus() {
    return cb2p((cb) => this.pm2.launchBus(cb));
  }

  // One instance, by its pm_id: the daemon's own restartProcessId / reloadProcessId, never
  // pm2.restart(name): PM2's API resolves a name first and takes "3" as the app named 3
  // (or as pm_id 3), "x.json" as a config file to start, "/re/" as a regex, and a name
  // that matches no app as a namespace. Then the same bus notification the CLI sends, so
  // proc-events shows the restart / reload. Bounded by timeoutMs: a daemon that does not
  // answer (e.g. a wait_ready app with a long listen_timeout) does not hold the bridge.
  async run(action, pmId, timeoutMs) {
    if (!Number.isInteger(pmId) || pmId < 0) throw new Error(`not a pm_id: ${pmId}`);
    const method = action === 'reload' ? 'reloadProcessId' : 'restartProcessId';
    const client = this.pm2.Client;
    let timer;
    try {
      await Promise.race([
        cb2p((cb) => client.executeRemote(method, { id: pmId, env: {} }, cb)),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new RunTimeout(
            `PM2 did not answer ${action} of pm_id ${pmId} within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    client.notifyGod(action === 'reload' ? 'reload' : 'restart', pmId);
  }
}

class RunTimeout extends Error {}

module.exports = { Pm2Link, NoDaemonError, RunTimeout, probeSocket };
