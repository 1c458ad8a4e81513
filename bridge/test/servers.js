'use strict';
// Real servers for the tests: redis-server on a random loopback port in a temp dir, and a
// PM2 daemon in a temp PM2_HOME. Everything started here is stopped by its stop().
const { spawn, execFile, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const Redis = require('ioredis');

const ROOT = path.resolve(__dirname, '..');
const PM2_BIN = path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, timeoutMs = 15000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last && last.message ? last.message : JSON.stringify(last)})`);
    await sleep(everyMs);
  }
}

class RedisServer {
  constructor(extraArgs = []) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbb-redis-'));
    this.port = 0;
    this.proc = null;
    this.extraArgs = extraArgs;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    // AOF with fsync always: a stop/start keeps streams, consumer groups and their
    // pending entries, as a production Redis with persistence would.
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--pidfile', path.join(this.dir, 'redis.pid'), '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning', ...this.extraArgs],
    { stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.exited = exited;
    await waitFor('redis-server', async () => {
      const c = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      c.on('error', () => {});
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } finally {
        c.disconnect();
      }
    });
  }

  get uri() {
    return `redis://127.0.0.1:${this.port}`;
  }

  client() {
    const c = new Redis({ port: this.port, host: '127.0.0.1', maxRetriesPerRequest: null });
    c.on('error', () => {});
    return c;
  }

  async stop() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    p.kill('SIGTERM'); // redis-server flushes the AOF and exits on SIGTERM
    await Promise.race([this.exited, sleep(5000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }

  async destroy() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

class Pm2Daemon {
  constructor() {
    // Short path: PM2's unix sockets live here and sun_path is 108 bytes at most.
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'sbb-pm2-'));
  }

  env(extra = {}) {
    return { ...process.env, PM2_HOME: this.home, PM2_SILENT: 'true', ...extra };
  }

  cli(args, extraEnv = {}) {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [PM2_BIN, ...args], { env: this.env(extraEnv), timeout: 30000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`pm2 ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      });
    });
  }

  async start() {
    await this.cli(['ping']); // the CLI starts the daemon: tests want one, the bridge never does
  }

  async startApps(apps, extraEnv = {}) {
    const file = path.join(this.home, `eco-${Date.now()}.config.js`);
    fs.writeFileSync(file, `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`);
    await this.cli(['start', file], extraEnv);
  }

  // PM2's own API in the test process (the CLI costs a second per call). One daemon per
  // test file: pm2 reads PM2_HOME once, when first required.
  async api() {
    if (!this.pm2api) {
      process.env.PM2_HOME = this.home;
      const pm2 = require('pm2');
      await new Promise((resolve, reject) => pm2.connect((e) => (e ? reject(e) : resolve())));
      this.pm2api = pm2;
    }
    return this.pm2api;
  }

  async jlist() {
    const pm2 = await this.api();
    return new Promise((resolve, reject) => pm2.list((e, l) => (e ? reject(e) : resolve(l))));
  }

  daemonPid() {
    try {
      return Number(fs.readFileSync(path.join(this.home, 'pm2.pid'), 'utf8'));
    } catch (e) {
      return 0;
    }
  }

  async kill() {
    if (this.pm2api) {
      this.pm2api.disconnect();
      this.pm2api = null;
    }
    if (fs.existsSync(path.join(this.home, 'rpc.sock')) || this.daemonPid()) {
      await this.cli(['kill']).catch(() => {});
    }
    const pid = this.daemonPid();
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (e) {
        /* already gone */
      }
    }
  }

  async destroy() {
    await this.kill();
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

// PostgreSQL 15 on a random loopback port in a temp dir with the project's schema
// applied (every resources/sql migration in order). Postgres refuses to run as root, so
// the server tools run as the postgres user then.
const PG_BIN = '/usr/lib/postgresql/15/bin';
const SQL_DIR = path.join(ROOT, '..', 'resources', 'sql');

class PostgresServer {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbb-pg-'));
    this.data = path.join(this.dir, 'data');
    this.port = 0;
  }

  run(tool, args, input) {
    const root = process.getuid && process.getuid() === 0;
    const cmd = root ? 'runuser' : path.join(PG_BIN, tool);
    const argv = root ? ['-u', 'postgres', '--', path.join(PG_BIN, tool), ...args] : args;
    return new Promise((resolve, reject) => {
      const p = execFile(cmd, argv, { timeout: 60000, cwd: this.dir }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${tool} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      });
      if (input !== undefined) p.stdin.end(input);
    });
  }

  async start() {
    if (!this.port) {
      this.port = await freePort();
      fs.mkdirSync(this.data);
      if (process.getuid && process.getuid() === 0) {
        execFileSync('chown', ['-R', 'postgres:postgres', this.dir]);
      }
      await this.run('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    }
    await this.run('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  async stop() {
    await this.run('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() => {});
  }

  psql(sql, db = 'agentops') {
    return this.run('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', db,
      '-v', 'ON_ERROR_STOP=1', '-At', '-f', '-'], sql);
  }

  async createSchema() {
    await this.psql('CREATE DATABASE agentops', 'postgres');
    for (const f of fs.readdirSync(SQL_DIR).filter((n) => n.endsWith('.sql')).sort()) {
      await this.psql(fs.readFileSync(path.join(SQL_DIR, f), 'utf8'));
    }
  }

  // The login roles of the tests: an operator (member of agentops_operator, writes audit
  // rows through agentops.request_action), the bridge (member of agentops_bridge only), an
  // agent (agentops_writer) and a viewer. Passwords are set although initdb's trust
  // authentication does not check them: the DSNs look like production ones.
  async createLoginRoles() {
    await this.psql(`CREATE ROLE op_alice LOGIN PASSWORD 'op-secret' IN ROLE agentops_operator;
      CREATE ROLE bridge_login LOGIN PASSWORD 'bridge-secret-pw' IN ROLE agentops_bridge;
      CREATE ROLE agent_bob LOGIN PASSWORD 'agent-secret' IN ROLE agentops_writer;
      CREATE ROLE viewer_carol LOGIN PASSWORD 'viewer-secret' IN ROLE agentops_viewer;`);
  }

  get bridgeDsn() {
    return this.dsn('bridge_login', 'bridge-secret-pw');
  }

  dsn(user = 'postgres', password = '') {
    return `host=127.0.0.1 port=${this.port} user=${user} dbname=agentops${password ? ` password='${password}'` : ''}`;
  }

  async destroy() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// A started PostgresServer with the schema and the login roles above.
async function startPostgres() {
  const pg = new PostgresServer();
  await pg.start();
  await pg.createSchema();
  await pg.createLoginRoles();
  return pg;
}

// The bridge as a normal child process (what `pm2 install` would run, minus PM2's wrapper).
// nodeArgs: e.g. ['--require', file] to run it with a skewed clock.
class BridgeProcess {
  constructor({ pm2Home, settings, nodeArgs = [], env = {} }) {
    this.pm2Home = pm2Home;
    this.settings = settings;
    this.nodeArgs = nodeArgs;
    this.env = env;
    this.lines = [];
  }

  start() {
    this.proc = spawn(process.execPath, [...this.nodeArgs, path.join(ROOT, 'src', 'main.js')], {
      env: { ...process.env, PM2_HOME: this.pm2Home, SWITCHBOARD_BRIDGE_CONFIG: JSON.stringify(this.settings), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A pid file under TMPDIR lets scripts/test-bridge.sh stop it if the test runner dies.
    this.pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbb-bridge-'));
    fs.writeFileSync(path.join(this.pidDir, 'bridge.pid'), String(this.proc.pid));
    this.exited = new Promise((r) => this.proc.once('exit', (code, sig) => {
      fs.rmSync(this.pidDir, { recursive: true, force: true });
      r({ code, sig });
    }));
    const collect = (buf) => {
      for (const l of buf.toString().split('\n')) if (l) this.lines.push(l);
      if (process.env.BRIDGE_TEST_VERBOSE) process.stderr.write(buf);
    };
    this.proc.stdout.on('data', collect);
    this.proc.stderr.on('data', collect);
    return this;
  }

  log() {
    return this.lines.join('\n');
  }

  async waitLog(re, timeoutMs = 15000) {
    return waitFor(`bridge log ${re}`, () => this.lines.some((l) => re.test(l)), timeoutMs);
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 8000);
    await this.exited;
    clearTimeout(t);
  }
}

module.exports = { RedisServer, PostgresServer, Pm2Daemon, BridgeProcess, startPostgres, freePort, waitFor, sleep, ROOT };
