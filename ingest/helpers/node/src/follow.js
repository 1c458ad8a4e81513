'use strict';
// followPrompt(agent): keeps an agent on the prompt version Switchboard says is active.
//
// The hash `N prompt:{agent}` is the truth; the `N prompt-activated` channel is a hint to
// read it again (pub/sub loses what is published while a connection is down). So the
// follower reads the hash once its subscription is confirmed at start and after every
// reconnect of either connection, on every message naming its agent, and every
// `refreshMs`. It only moves forward: a hash whose deployment_id is not newer than the one
// it follows is ignored ("Redis never goes backwards"). A bad record, a stale hash or a
// lost connection goes to onError; the agent keeps the last good prompt, and nothing is
// ever thrown into it.
const Redis = require('ioredis');
const { parsePromptFields, parseActivation, newer, FIELDS, SCALAR_CAP } = require('./record');

// One read-only script: each field's value, or its size when it is over the cap (never the
// bytes), so a hostile writer cannot make the agent read 500 MB. EVAL_RO (Redis >= 7.0).
const READ_SCRIPT = `
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'none'} end
if t ~= 'hash' then return {'wrongtype', t} end
local cap = tonumber(ARGV[1])
local out = {'hash'}
for i = 2, #ARGV do
  local n = redis.call('HSTRLEN', KEYS[1], ARGV[i])
  if n > cap then
    out[#out + 1] = 'over'; out[#out + 1] = tostring(n)
  else
    local v = redis.call('HGET', KEYS[1], ARGV[i])
    if v then out[#out + 1] = 'value'; out[#out + 1] = v
    else out[#out + 1] = 'missing'; out[#out + 1] = '' end
  end
end
return out`;

const DEFAULTS = {
  namespace: 'agentops:',
  refreshMs: 30000,
  commandTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  // Reconnect fast: a rollback must reach the agent within a second of Redis coming back,
  // and the rollback may come the moment it is back. 100 ms doubling to 500 ms, less up to
  // 20 % so a fleet's reconnects spread out.
  retryStrategy: (times) => Math.round(Math.min(50 * 2 ** times, 500) * (0.8 + 0.2 * Math.random())),
};

function problem(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

class PromptFollower {
  constructor(agent, options = {}) {
    if (typeof agent !== 'string' || agent === '' || Buffer.byteLength(agent) > SCALAR_CAP || agent.includes('\0')) {
      throw new TypeError('followPrompt: agent must be a non-empty string of at most 4 KiB without NUL');
    }
    const o = { ...DEFAULTS, ...options };
    if (typeof o.namespace !== 'string' || o.namespace.includes('\0')) throw new TypeError('followPrompt: bad namespace');
    this.agent = agent;
    this.key = `${o.namespace}prompt:${agent}`;
    this.channel = `${o.namespace}prompt-activated`;
    this.onChange = typeof o.onChange === 'function' ? o.onChange : () => {};
    this.onErrorCb = typeof o.onError === 'function' ? o.onError : () => {};
    this.refreshMs = o.refreshMs;
    this.commandTimeoutMs = o.commandTimeoutMs;
    this._current = null;
    this.closed = false;
    this.reading = false;
    this.pending = null; // reason of a read asked for while one runs or Redis is down
    this.scriptless = false;
    this.down = { subscriber: false, reader: false }; // an outage already said, per connection
    this.staleReported = '';
    this.waiters = new Set();

    const base = {
      connectTimeout: o.connectTimeoutMs,
      retryStrategy: o.retryStrategy,
      lazyConnect: true,
      enableReadyCheck: true,
    };
    const password = o.password || process.env.SWITCHBOARD_REDIS_PASSWORD || undefined;
    const make = (extra) => {
      const opts = { ...base, ...extra };
      if (password) opts.password = password;
      if (o.username) opts.username = o.username;
      if (o.tls) opts.tls = o.tls;
      if (typeof o.redis === 'string') return new Redis(o.redis, opts);
      return new Redis({ host: '127.0.0.1', port: 6379, ...(o.redis || {}), ...opts });
    };
    // The subscriber re-subscribes itself on 'ready' (not ioredis' auto-resubscribe) so the
    // re-read happens after the subscription is confirmed: nothing falls between the two.
    this.sub = make({ autoResubscribe: false, maxRetriesPerRequest: null });
    // Commands fail at once while the connection is down; 'ready' runs the read instead.
    this.cmd = make({ enableOfflineQueue: false, commandTimeout: o.commandTimeoutMs, maxRetriesPerRequest: 0 });
    for (const [name, c] of [['subscriber', this.sub], ['reader', this.cmd]]) {
      c.on('error', (e) => this._connectionLost(name, e));
      // Also a close without an error: e.g. Redis dropping a subscriber over its
      // client-output-buffer-limit (a message too large to send).
      c.on('close', () => this._connectionLost(name, new Error('connection closed; reconnecting')));
    }
    this.sub.on('ready', () => this._subscribe());
    this.cmd.on('ready', () => {
      this.down.reader = false;
      this._read('reconnect');
    });
    this.sub.on('messageBuffer', (channel, message) => this._message(message));

    let resolveReady;
    this.ready = new Promise((r) => (resolveReady = r));
    this._resolveReady = resolveReady;
    this.sub.connect().catch(() => {}); // failures go through 'error' and the retry strategy
    this.cmd.connect().catch(() => {});
    if (this.refreshMs > 0) {
      this.timer = setInterval(() => this._refresh(), this.refreshMs);
      this.timer.unref();
    }
  }

  // The prompt the agent must use: { agent, version, model, deploymentId, deployedAt }, or
  // null before the first good read.
  get current() {
    return this._current;
  }

  // Resolves with the first prompt (now or later) for which pred(prompt) is true, or null
  // after timeoutMs.
  waitFor(pred = (p) => p !== null, timeoutMs = 10000) {
    if (this._current && pred(this._current)) return Promise.resolve(this._current);
    return new Promise((resolve) => {
      const w = { pred, resolve };
      w.timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(null);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.sub.disconnect();
    this.cmd.disconnect();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.waiters.clear();
    this._resolveReady(this._current);
  }

  _error(err) {
    try {
      this.onErrorCb(err);
    } catch (e) {
      /* the agent's callback must not stop the follower */
    }
  }

  // Once per outage of a connection (until it is ready again), not once per retry.
  _connectionLost(name, e) {
    if (this.closed || this.down[name]) return;
    this.down[name] = true;
    this._redisError(name, e);
  }

  _redisError(name, e) {
    this._error(problem('redis', `redis (${name}): ${e && e.message ? e.message : String(e)}`));
  }

  async _subscribe() {
    try {
      await this.sub.subscribe(this.channel);
    } catch (e) {
      this._redisError('subscriber', e);
      return;
    }
    this.down.subscriber = false; // the next outage is said again
    this._read('reconnect');
  }

  _message(message) {
    const m = parseActivation(message);
    if (!m.ok) {
      this._error(problem('bad_message', m.error));
      this._read('message'); // the hash is the truth: a broken hint still costs one read
      return;
    }
    if (m.agent === this.agent) this._read('message');
  }

  _refresh() {
    this._read('refresh');
    // A subscriber on a half-open TCP connection hears nothing: PING it, and reconnect if it
    // does not answer (the reconnect re-subscribes and re-reads).
    if (this.sub.status !== 'ready') return;
    let answered = false;
    const t = setTimeout(() => {
      if (!answered && !this.closed) this.sub.disconnect(true);
    }, this.commandTimeoutMs);
    t.unref();
    this.sub.ping().then(() => {
      answered = true;
      clearTimeout(t);
    }, () => {});
  }

  async _read(reason) {
    if (this.closed) return;
    if (this.reading || this.cmd.status !== 'ready') {
      this.pending = this.pending || reason;
      return;
    }
    this.reading = true;
    try {
      let next = reason;
      while (next && !this.closed && this.cmd.status === 'ready') {
        this.pending = null;
        if (!(await this._readOnce(next))) {
          // Redis failed the read: again on the reader's next 'ready' or the next refresh,
          // not in a loop here.
          this.pending = this.pending || next;
          break;
        }
        next = this.pending;
      }
    } finally {
      this.reading = false;
      this._resolveReady(this._current);
    }
  }

  async _readOnce(reason) {
    let fields;
    let sizes;
    try {
      ({ fields, sizes } = await this._fetch());
    } catch (e) {
      if (e.code === 'bad_record') {
        this._error(problem('bad_record', `${e.message}; keeping ${this._describe()}`));
        return true;
      }
      this._redisError('reader', e);
      return false;
    }
    if (fields === null) return true; // no hash (yet, or a Redis that lost it): keep what we have
    const r = parsePromptFields(this.agent, fields, sizes);
    if (!r.ok) {
      this._error(problem('bad_record', `${r.error}; keeping ${this._describe()}`));
      return true;
    }
    const p = r.value;
    const cur = this._current;
    if (cur && !newer(p.deploymentId, cur.deploymentId)) {
      if (p.deploymentId !== cur.deploymentId && this.staleReported !== p.deploymentId) {
        this.staleReported = p.deploymentId;
        this._error(problem('stale', `prompt ${this.agent}: Redis has deployment #${p.deploymentId}, older than #${cur.deploymentId}: kept #${cur.deploymentId}`));
      }
      return true;
    }
    this.staleReported = '';
    this._current = Object.freeze({ ...p });
    const info = { reason, seenAt: Date.now() };
    try {
      this.onChange(this._current, cur, info);
    } catch (e) {
      this._error(problem('callback', `onChange threw: ${e && e.message ? e.message : String(e)}`));
    }
    for (const w of [...this.waiters]) {
      let hit = false;
      try {
        hit = w.pred(this._current);
      } catch (e) {
        hit = false;
      }
      if (hit) {
        this.waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(this._current);
      }
    }
    return true;
  }

  _describe() {
    const c = this._current;
    return c ? `version ${c.version} (deployment #${c.deploymentId})` : 'no prompt yet';
  }

  // { fields: {name: Buffer|undefined} | null (no hash), sizes: {name: bytes over the cap} }
  async _fetch() {
    if (!this.scriptless) {
      try {
        const reply = await this.cmd.callBuffer('EVAL_RO', READ_SCRIPT, 1, this.key, String(SCALAR_CAP), ...FIELDS);
        return this._fromScript(reply);
      } catch (e) {
        // An ACL user without +eval_ro, or Redis < 7.0: read without the script (WATCH,
        // then MULTI/EXEC), once said.
        if (!/unknown command|NOPERM|no permissions/i.test(e.message || '')) throw e;
        this.scriptless = true;
        this._error(problem('degraded', `prompt ${this.agent}: EVAL_RO refused (${e.message}); reading with WATCH, HSTRLEN and MULTI/HMGET`));
      }
    }
    return this._fetchPlain();
  }

  _fromScript(reply) {
    const tag = reply[0].toString();
    if (tag === 'none') return { fields: null, sizes: {} };
    if (tag === 'wrongtype') throw problem('bad_record', `prompt ${this.agent}: key ${this.key} is a ${reply[1]}, not a hash`);
    const fields = {};
    const sizes = {};
    FIELDS.forEach((f, i) => {
      const kind = reply[1 + 2 * i].toString();
      const v = reply[2 + 2 * i];
      if (kind === 'value') fields[f] = v;
      else if (kind === 'over') sizes[f] = Number(v.toString());
    });
    return { fields, sizes };
  }

  // Without the script: WATCH the key, look at the sizes, then HMGET the fields within the
  // cap in MULTI/EXEC, which Redis aborts (nothing read) if the key changed after WATCH.
  async _fetchPlain() {
    for (let attempt = 0; attempt < 3; ++attempt) {
      await this.cmd.watch(this.key);
      try {
        const type = await this.cmd.type(this.key);
        if (type === 'none') return { fields: null, sizes: {} };
        if (type !== 'hash') throw problem('bad_record', `prompt ${this.agent}: key ${this.key} is a ${type}, not a hash`);
        const sizes = {};
        for (const f of FIELDS) {
          const n = await this.cmd.hstrlen(this.key, f);
          if (n > SCALAR_CAP) sizes[f] = n;
        }
        const wanted = FIELDS.filter((f) => sizes[f] === undefined);
        if (!wanted.length) return { fields: {}, sizes };
        const res = await this.cmd.multi().hmgetBuffer(this.key, ...wanted).exec();
        if (res === null) continue; // written meanwhile: nothing was read, look again
        if (res[0][0]) throw res[0][0];
        const fields = {};
        wanted.forEach((f, i) => {
          if (res[0][1][i] !== null) fields[f] = res[0][1][i];
        });
        return { fields, sizes };
      } finally {
        await this.cmd.unwatch().catch(() => {});
      }
    }
    throw problem('redis', `prompt ${this.agent}: the hash changed during three reads in a row`);
  }
}

function followPrompt(agent, options) {
  return new PromptFollower(agent, options);
}

module.exports = { followPrompt, PromptFollower, READ_SCRIPT };
