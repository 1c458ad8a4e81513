'use strict';
// Real servers for the helper tests: redis-server and PostgreSQL 15 on random loopback
// ports in temp dirs (under TMPDIR, which scripts/test-agent-helpers.sh points at its run
// directory), the schema applied by `switchboard db migrate`, and the real
// `switchboard rollback` CLI. Nothing here is a stand-in for a server.
const { spawn, execFile, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const SWITCHBOARD_BIN = process.env.SWITCHBOARD_BIN || path.join(REPO, 'build', 'ci', 'app', 'switchboard');
const PG_BIN = process.env.SB_PG_BIN || '/usr/lib/postgresql/15/bin';
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

function run(cmd, args, { input, env, timeout = 60000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const p = execFile(cmd, args, { timeout, env: env || process.env, cwd }, (err, stdout, stderr) => {
      if (err) {
        err.stdout = stdout;
        err.stderr = stderr;
        err.message = `${cmd} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`;
        reject(err);
      } else resolve({ stdout, stderr });
    });
    if (input !== undefined) p.stdin.end(input);
  });
}

async function waitFor(what, fn, timeoutMs = 15000, everyMs = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function ping(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.setTimeout(1000, () => s.destroy());
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(buf.startsWith('+PONG')));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) s.end();
    });
  });
}

// redis-server without persistence: a restart loses every key, as a crashed cache would.
class RedisServer {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbh-redis-'));
    this.port = 0;
    this.proc = null;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--pidfile', path.join(this.dir, 'redis.pid'), '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
    this.exited = new Promise((r) => this.proc.once('exit', r));
    await waitFor('redis-server', () => ping(this.port));
  }

  get uri() {
    return `redis://127.0.0.1:${this.port}`;
  }

  cli(...args) {
    return run('redis-cli', ['-p', String(this.port), ...args]).then((r) => r.stdout.trim());
  }

  async kill() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    p.kill('SIGKILL');
    await this.exited;
  }

  async destroy() {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// PostgreSQL 15; as root its tools run as the postgres user (Postgres refuses root).
class PostgresServer {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbh-pg-'));
    fs.chmodSync(this.dir, 0o755);
    this.data = path.join(this.dir, 'data');
    this.port = 0;
  }

  tool(name, args, input) {
    const root = process.getuid && process.getuid() === 0;
    const bin = path.join(PG_BIN, name);
    return root ? run('runuser', ['-u', 'postgres', '--', bin, ...args], { input, cwd: this.dir })
      : run(bin, args, { input, cwd: this.dir });
  }

  async start() {
    this.port = await freePort();
    fs.mkdirSync(this.data);
    if (process.getuid && process.getuid() === 0) execFileSync('chown', ['-R', 'postgres:postgres', this.dir]);
    await this.tool('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await this.tool('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
    await this.psql('CREATE DATABASE agentops', 'postgres');
    // The schema, as an operator would apply it: the real CLI and its migrations.
    await run(SWITCHBOARD_BIN, ['db', 'migrate', '--pg', this.dsn()], { env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' } });
    // The operator who rolls back logs in with agentops_operator only (trust auth: no password).
    await this.psql('CREATE ROLE helper_operator LOGIN IN ROLE agentops_operator;');
  }

  dsn(user = 'postgres') {
    return `host=127.0.0.1 port=${this.port} user=${user} dbname=agentops`;
  }

  async psql(sql, db = 'agentops') {
    const r = await this.tool('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', db,
      '-v', 'ON_ERROR_STOP=1', '-At', '-f', '-'], `SET statement_timeout = '10s';\n${sql}`);
    return r.stdout.trim();
  }

  // Versions 1..count of agent (model-<v>, all evaluated and passed), deployed in order as
  // the CI deployer would: version count is active. Through the deployer's functions.
  async seedPrompts(agent, count) {
    let sql = '';
    for (let v = 1; v <= count; ++v) {
      sql += `SELECT agentops.add_prompt_version('${agent}', ${v}, 'You are ${agent}, version ${v}.', 'model-${v}', '{}', 'author', 'v${v}', 'golden', 0.9, true);\n`;
      sql += `SELECT status FROM agentops.deploy_prompt('${agent}', ${v}, NULL, 'deploy ${v}', NULL, 'deployer', 'ci');\n`;
    }
    return this.psql(sql);
  }

  async destroy() {
    await this.tool('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// `switchboard rollback`, the operator's command line, non-interactive. Resolves with the
// exit code, output and the wall times around it.
function rollback(pg, redis, agent, toVersion, reason) {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(SWITCHBOARD_BIN, ['rollback', '--pg', pg.dsn('helper_operator'), '--redis', redis.uri,
      '--operator', 'helper-test', '--agent', agent, '--to', String(toVersion), '--reason', reason],
    { timeout: 60000, env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, started, exited: Date.now() });
    });
  });
}

module.exports = { RedisServer, PostgresServer, rollback, freePort, waitFor, sleep, SWITCHBOARD_BIN };
