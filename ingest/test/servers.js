'use strict';
// Real servers for the receiver's tests: redis-server and PostgreSQL 15 on random loopback
// ports in temp dirs (as bridge/test/servers.js), the project's schema applied, an ACL'd
// Redis user and a Postgres login in agentops_writer, and the receiver as a child process.
const { spawn, execFile, execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const Redis = require('ioredis');

const ROOT = path.resolve(__dirname, '..');
const SQL_DIR = path.join(ROOT, '..', 'resources', 'sql');
const PG_BIN = '/usr/lib/postgresql/15/bin';
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

async function waitFor(what, fn, timeoutMs = 15000, everyMs = 50) {
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

// The ACL the receiver needs (docs/contract.md, Roles): its keys, its commands, nothing else.
const INGEST_ACL = (ns) => ['on', '>ingest-secret-pw', 'resetkeys', `~${ns}session:*`, `~${ns}sessions`, `~${ns}events`, 'resetchannels',
  '-@all', '+evalsha', '+eval', '+script|load', '+zremrangebyscore', '+ping', '+hello', '+auth', '+client|setname', '+info', '+select',
  '+hset', '+hget', '+hincrby', '+hexists', '+hdel', '+zadd', '+pexpire', '+exists', '+set', '+xadd'];

class RedisServer {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbi-redis-'));
  }

  async start() {
    if (!this.port) this.port = await freePort();
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--pidfile', path.join(this.dir, 'redis.pid'),
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
    this.exited = new Promise((r) => this.proc.once('exit', r));
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
    const c = this.client();
    await c.call('ACL', 'SETUSER', 'ingest', ...INGEST_ACL('agentops:'));
    c.disconnect();
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
    p.kill('SIGTERM');
    await Promise.race([this.exited, sleep(5000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }

  async destroy() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

class PostgresServer {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbi-pg-'));
    this.data = path.join(this.dir, 'data');
  }

  run(tool, args, input) {
    const root = process.getuid && process.getuid() === 0;
    const cmd = root ? 'runuser' : path.join(PG_BIN, tool);
    const argv = root ? ['-u', 'postgres', '--', path.join(PG_BIN, tool), ...args] : args;
    return new Promise((resolve, reject) => {
      const p = execFile(cmd, argv, { timeout: this.timeoutMs || 60000, cwd: this.dir, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
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
      fs.chmodSync(this.dir, 0o755);
      if (process.getuid && process.getuid() === 0) execFileSync('chown', ['-R', 'postgres:postgres', this.dir]);
      await this.run('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    }
    await this.run('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  async stop() {
    await this.run('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() => {});
  }

  psql(sql, db = 'agentops') {
    return this.run('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-f', '-'], sql);
  }

  async createSchema() {
    await this.psql('CREATE DATABASE agentops', 'postgres');
    for (const f of fs.readdirSync(SQL_DIR).filter((n) => n.endsWith('.sql')).sort()) await this.psql(fs.readFileSync(path.join(SQL_DIR, f), 'utf8'));
    await this.psql("CREATE ROLE ingest_login LOGIN PASSWORD 'ingest-pg-secret' IN ROLE agentops_writer;");
  }

  // No password in the DSN: the receiver refuses one (PGPASSWORD in its environment).
  get writerDsn() {
    return `host=127.0.0.1 port=${this.port} user=ingest_login dbname=agentops`;
  }

  async destroy() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

class ReceiverProcess {
  constructor(settings, env = {}) {
    this.settings = settings;
    this.env = env;
    this.lines = [];
  }

  async start() {
    if (!this.settings.port) this.settings.port = await freePort();
    this.port = this.settings.port;
    this.proc = spawn(process.execPath, [...(this.execArgv || []), path.join(ROOT, 'src', 'main.js')], {
      env: { ...process.env, SWITCHBOARD_INGEST_CONFIG: JSON.stringify(this.settings), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbi-recv-'));
    fs.writeFileSync(path.join(this.pidDir, 'receiver.pid'), String(this.proc.pid));
    this.exited = new Promise((r) => this.proc.once('exit', (code, sig) => {
      fs.rmSync(this.pidDir, { recursive: true, force: true });
      r({ code, sig });
    }));
    const collect = (buf) => {
      for (const l of buf.toString().split('\n')) if (l) this.lines.push(l);
      if (process.env.INGEST_TEST_VERBOSE) process.stderr.write(buf);
    };
    this.proc.stdout.on('data', collect);
    this.proc.stderr.on('data', collect);
    await waitFor('receiver listening', () => this.lines.some((l) => / listening on /.test(l)) || (this.proc.exitCode !== null && Promise.reject(new Error(this.lines.join('\n')))));
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.port}/v1/traces`;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

// Redis + Postgres + one receiver writing as ingest / ingest_login.
async function startStack(extra = {}, env = {}) {
  const redis = new RedisServer();
  const pg = new PostgresServer();
  await Promise.all([redis.start(), pg.start().then(() => pg.createSchema())]);
  const receiver = await new ReceiverProcess({ redis_uri: redis.uri, redis_user: 'ingest', pg_dsn: pg.writerDsn, ...extra },
    { SWITCHBOARD_INGEST_REDIS_PASSWORD: 'ingest-secret-pw', PGPASSWORD: 'ingest-pg-secret', ...env }).start();
  return {
    redis, pg, receiver,
    async destroy() {
      await receiver.stop();
      await Promise.all([redis.destroy(), pg.destroy()]);
    },
  };
}

module.exports = { RedisServer, PostgresServer, ReceiverProcess, startStack, freePort, waitFor, sleep, ROOT, INGEST_ACL };
