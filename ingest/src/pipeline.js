'use strict';
// Mapped spans -> the trace tree (path, depth, subtree_*), the live state in Redis and the
// rows in Postgres. Up to the server's number of write transactions at once (process() and
// sweep() may run concurrently): each batch writes only spans that depend on nothing still
// in flight (see flushInner), so a failed transaction undoes exactly its own batch.
//
// Memory (what one receiver keeps, docs/contract.md "From OpenTelemetry"):
// - per open trace, per span: ids, path, depth, session, agent, turn, subtree totals
//   (~300 bytes); a span still waiting for its parent also keeps its mapped row (its
//   input/output included) until the parent comes or orphanWaitMs passes;
// - a trace is forgotten quietMs after its last span when none is waiting; at most
//   maxSpans spans in memory (oldest traces forgotten first, their waiting spans written
//   as orphans).
// Nothing per session: the session's counters live in Redis (N session:{id}:seen), so
// receivers that share a Redis and a Postgres can split the traces of one session.
const { pathElement } = require('./mapping');
const { copyRows } = require('./copy');

const TTL_MS = 3600000;

// KEYS: session hash, sessions zset, seen hash, ctx string, events stream.
// ARGV[1] op, ARGV[2] dedupe field, ARGV[3] at (ms), then per op.
// Returns {turns (or the turn's number for op 'turn'), stream id ('' if none)}.
const LUA = `
local ttl = ${TTL_MS}
local op = ARGV[1]
local function count(f) return tonumber(redis.call('HGET', KEYS[3], f) or '0') end
local function touch()
  redis.call('PEXPIRE', KEYS[3], ttl)
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ttl) end
  if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('PEXPIRE', KEYS[4], ttl) end
end
local function bump(at)
  local cur = tonumber(redis.call('HGET', KEYS[1], 'updated_at') or '0')
  if at > cur then
    redis.call('HSET', KEYS[1], 'updated_at', at)
    redis.call('ZADD', KEYS[2], at, ARGV[4])
  end
end
if op == 'turns' then return {count('#turns'), ''} end
if op == 'turn' or op == 'summarize' then
  local seen = redis.call('HGET', KEYS[3], ARGV[2])
  if seen then
    if op == 'turn' then return {tonumber(seen), ''} end
    return {count('#turns'), ''}
  end
  local field = op == 'turn' and '#turns' or '#summaries'
  local n = redis.call('HINCRBY', KEYS[3], field, 1)
  redis.call('HSET', KEYS[3], ARGV[2], n - 1)
  if redis.call('HEXISTS', KEYS[1], 'agent') == 1 then
    redis.call('HSET', KEYS[1], op == 'turn' and 'turns' or 'summaries', n)
    bump(tonumber(ARGV[3]))
  end
  touch()
  if op == 'turn' then return {n - 1, ''} end
  return {count('#turns'), ''}
end
if op == 'recovery' then
  local seen = redis.call('HGET', KEYS[3], ARGV[2])
  if seen then return {count('#turns'), seen} end
  local id = redis.call('XADD', KEYS[5], 'MAXLEN', '~', '1000000', '*', unpack(ARGV, 5))
  redis.call('HSET', KEYS[3], ARGV[2], id)
  touch()
  return {count('#turns'), id}
end
if op == 'llm' then
  -- ARGV: 4 sid, 5 agent, 6 host, 7 model, 8 ctx_tokens, 9 limit, 10 ctx json, 11 started_at, 12 prompt_version
  -- The fill is the latest call's (by its end time): an older call arriving late changes
  -- nothing but updated_at.
  local at = tonumber(ARGV[3])
  if at >= count('#ctx_at') or redis.call('HEXISTS', KEYS[1], 'ctx_tokens') == 0 then
    redis.call('HSET', KEYS[3], '#ctx_at', at)
    redis.call('HSET', KEYS[1], 'agent', ARGV[5], 'model', ARGV[7], 'ctx_tokens', ARGV[8],
      'state', 'active', 'turns', count('#turns'), 'summaries', count('#summaries'))
    bump(at)
    if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'host', ARGV[6]) end
    if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'ctx_limit', ARGV[9]) else redis.call('HDEL', KEYS[1], 'ctx_limit') end
    if ARGV[12] ~= '' then redis.call('HSET', KEYS[1], 'prompt_version', ARGV[12]) end
    local st = tonumber(redis.call('HGET', KEYS[1], 'started_at') or '0')
    if st == 0 or tonumber(ARGV[11]) < st then redis.call('HSET', KEYS[1], 'started_at', ARGV[11]) end
    if ARGV[10] ~= '' then redis.call('SET', KEYS[4], ARGV[10], 'PX', ttl) end
  end
  touch()
  return {count('#turns'), ''}
end
return redis.error_reply('unknown op')
`;

const STATEMENT_TIMEOUT_MS = 10000;

// A Postgres failure as the receiver reports it, its SQLSTATE kept (the server tells a
// failing server from a batch the server refused: Receiver.write).
function pgError(e) {
  const err = new Error(`postgres: ${e.message}`);
  if (e.code) err.code = e.code;
  return err;
}

class Pipeline {
  constructor({ pool, redis, ns = 'agentops:', log = () => {}, quietMs = 30000, orphanWaitMs = 60000, maxSpans = 200000, toastCompression = 'lz4' }) {
    this.pool = pool;
    this.redis = redis;
    this.ns = ns;
    this.log = log;
    this.quietMs = quietMs;
    this.orphanWaitMs = orphanWaitMs;
    this.maxSpans = maxSpans;
    // The compression of the rows' long texts (input, output: TOASTed), when the server has
    // it (pg_settings' enumvals; lz4 needs PostgreSQL >= 14 built with it): lz4 made COPY of
    // the simulator's texts ~2x faster than the default pglz. '' = the server's default.
    this.toastCompression = toastCompression;
    this.toastSql = null; // '; SET LOCAL default_toast_compression = ...' or '', once known
    this.traces = new Map(); // traceId -> {nodes: Map, touched}
    this.spanCount = 0;
    this.waiting = new Set(); // nodes not written yet
    // A waiting span's parent is looked up in Postgres when the span arrives, then after
    // 1, 2, 4, 8, 8 ... s (the parent may come through another receiver); one lookup (for
    // every span due) at most every lookupEveryMs: most parents not in memory are roots that
    // have not ended yet, and a lookup per batch was a round trip on every batch's path.
    this.recheckMs = 1000;
    this.recheckMaxMs = 8000;
    this.lookupEveryMs = 500;
    this.lastLookup = -Infinity;
    this.lastSweep = 0;
    this.maxForced = 5000;
    this.redis.defineCommand('sbIngest', { numberOfKeys: 5, lua: LUA });
    this.stats = { spans: 0, orphans: 0, lateChildren: 0, updates: 0, copies: 0, inserts: 0, deferred: 0 };
    // Where a batch's time goes (ms, summed; kill -USR2 prints them): Redis round trips,
    // parent lookups, the COPY, the rest of the transaction (upserts, COMMIT), all of flush.
    this.timing = { batches: 0, redis: 0, lookup: 0, copy: 0, txRest: 0, flush: 0 };
  }

  keys(sid) {
    const n = this.ns;
    return [`${n}session:${sid}`, `${n}sessions`, `${n}session:${sid}:seen`, `${n}session:${sid}:ctx`, `${n}events`];
  }

  // Adds a request's mapped spans and writes whatever can be written. Throws when Redis or
  // Postgres failed: the caller answers 503 and the client retries (every step is
  // idempotent: span ids, the seen hash, stream_id).
  //
  // Several calls may run at once (the server's write transactions). A call returns when
  // each span it added is written or waits for a parent that is not being written: a span
  // whose parent (or orphan child) is in another batch's transaction waits for it, then this
  // call tries again; a span another batch took (with its parent) is waited for the same
  // way. A failure forgets what this call added that is neither written nor in another
  // batch's transaction. A span this request repeats (a retry) that belongs to a call still
  // running: this call's answer waits for that call's and fails with it.
  async process(mapped, now = Date.now()) {
    const req = { settled: false };
    req.done = new Promise((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
    });
    req.done.catch(() => {}); // awaited by later calls repeating its spans, if any
    const added = [];
    const owners = new Set();
    for (const m of mapped) {
      let t = this.traces.get(m.traceId);
      if (!t) {
        t = { nodes: new Map(), touched: now };
        this.traces.set(m.traceId, t);
      }
      t.touched = now;
      const known = t.nodes.get(m.spanId);
      if (known) {
        // a retry, or a duplicate in the request
        if (!known.written && known.req && known.req !== req && !known.req.settled) owners.add(known.req.done);
        continue;
      }
      const node = { m, written: false, arrived: now, children: [], liveDone: !!m.early, req, flight: null };
      if (m.turnOwn !== undefined) node.turnOwn = m.turnOwn;
      t.nodes.set(m.spanId, node);
      this.spanCount++;
      this.waiting.add(node);
      added.push(node);
    }
    for (const node of added) {
      const p = node.m.parentId && this.traces.get(node.m.traceId).nodes.get(node.m.parentId);
      if (p) p.children.push(node);
      for (const other of this.traces.get(node.m.traceId).nodes.values()) {
        if (other.m.parentId === node.m.spanId && !node.children.includes(other)) node.children.push(other);
      }
    }
    try {
      let blocked = await this.flush(added, now, false, req);
      for (let i = 0; ; i++) {
        for (const n of added) if (n.flight) blocked.add(n.flight.done);
        if (!blocked.size) break;
        await Promise.allSettled([...blocked]);
        if (i === 4) break; // bounded: what is still not written waits as any child does
        blocked = await this.flush(added, Date.now(), false, req);
      }
      await Promise.all([...owners]);
      // A span left waiting keeps its row's bytes in memory of their own, not the whole
      // request's buffer.
      for (const node of added) if (!node.written && node.m.copy) node.m.copy = Buffer.from(node.m.copy);
    } catch (e) {
      // Forget what this request added and is not written: the retry brings it again.
      for (const node of added) {
        if (node.written || node.flight) continue;
        const t = this.traces.get(node.m.traceId);
        if (t && t.nodes.get(node.m.spanId) === node) {
          t.nodes.delete(node.m.spanId);
          this.waiting.delete(node);
          this.spanCount--;
          const p = node.m.parentId && t.nodes.get(node.m.parentId);
          if (p) p.children = p.children.filter((c) => c !== node);
        }
      }
      req.settled = true;
      req.reject(e);
      throw e;
    }
    req.settled = true;
    req.resolve();
  }

  // What this receiver holds (SIGUSR2 logs it, the bench reads it): open traces, spans in
  // them, spans waiting for their parent and the bytes of their rows' input/output.
  memory() {
    let waiting = 0;
    let waitingBytes = 0;
    for (const n of this.waiting) {
      waiting++;
      waitingBytes += n.m.copy ? n.m.copy.length : 0;
    }
    return { traces: this.traces.size, spans: this.spanCount, waiting, waitingBytes };
  }

  // A waiting span whose parent is not in memory: time to look for the parent in Postgres
  // (written earlier by this receiver and forgotten, or by another receiver)?
  lookupDue(n, now) {
    return !!n.m.parentId && !(now < n.nextLookup) && !this.traces.get(n.m.traceId).nodes.has(n.m.parentId);
  }

  lookedUp(n, now) {
    n.lookups = (n.lookups || 0) + 1;
    n.nextLookup = now + Math.min(this.recheckMs * 2 ** (n.lookups - 1), this.recheckMaxMs);
  }

  // Waiting spans older than orphanWaitMs are written without their parent; waiting spans
  // whose parent is not in memory look for it in Postgres again (after 1, 2, 4, 8, 8 ... s,
  // also without new requests: the parent may come through another receiver); quiet traces
  // are forgotten; over maxSpans the oldest traces go first.
  async sweep(now = Date.now()) {
    this.lastSweep = now;
    const forced = new Set();
    let recheck = false;
    for (const n of this.waiting) {
      if (now - n.arrived >= this.orphanWaitMs) forced.add(n);
      else if (!recheck && now - this.lastLookup >= this.lookupEveryMs && this.lookupDue(n, now)) recheck = true;
    }
    let over = this.spanCount - this.maxSpans;
    if (over > 0) {
      for (const t of this.traces.values()) {
        if (over <= 0) break;
        for (const n of t.nodes.values()) if (!n.written) forced.add(n);
        over -= t.nodes.size;
      }
    }
    // At most maxForced orphans per sweep: one batch of every orphan at once (tens of
    // thousands when a sender dropped roots, hundreds of MB) outlived the query timeout,
    // failed, and was tried again at every sweep while requests waited.
    const batch = [...forced].slice(0, this.maxForced);
    if (batch.length || recheck) await this.flush([], now, batch);
    const waitingTraces = new Set();
    for (const n of this.waiting) waitingTraces.add(n.m.traceId);
    for (const [id, t] of this.traces) {
      const waiting = waitingTraces.has(id);
      if ((!waiting && now - t.touched >= this.quietMs) || (this.spanCount > this.maxSpans && !waiting)) {
        this.traces.delete(id);
        this.spanCount -= t.nodes.size;
      }
    }
  }

  // The Redis calls of one span's live state (n: {m, session, agent, host}): the llm
  // span's fill, its recovery events, a summary or a turn counted.
  liveOps(pipe, calls, n) {
    const m = n.m;
    const k = this.keys(n.session);
    if (m.live) {
      pipe.sbIngest(...k, 'llm', m.spanId, m.endMs, n.session, n.agent, n.host, m.live.model, m.live.ctxTokens,
        m.live.limit || '', m.live.ctx || '', m.startMs, m.promptVersion || '');
      calls.push([n, 'llm']);
    }
    for (const ev of m.recovery) {
      const f = ['at', ev.at, 'session_id', n.session, 'agent', n.agent, 'kind', ev.kind, 'recoverable', ev.recoverable ? '1' : '0',
        'strategy', ev.strategy, 'outcome', ev.outcome, 'attempt', ev.attempt, 'trace_id', m.traceId, 'span_id', m.spanId];
      if (n.host) f.push('host', n.host);
      if (ev.message) f.push('message', ev.message);
      if (ev.detail) f.push('detail', ev.detail);
      pipe.sbIngest(...k, 'recovery', `ev:${m.spanId}:${ev.index}`, ev.at, n.session, ...f);
      calls.push([n, 'recovery', ev]);
    }
    if (m.kind === 'summarize') {
      pipe.sbIngest(...k, 'summarize', `s:${m.spanId}`, m.endMs, n.session);
      calls.push([n, 'summarize']);
    }
    if (m.kind === 'turn') {
      pipe.sbIngest(...k, 'turn', `t:${m.spanId}`, m.endMs, n.session);
      calls.push([n, 'turn']);
    }
  }

  // The live state of a request's spans that carry their own session and have nothing to
  // inherit from a parent at hand (their parent neither in the request nor in memory; or a
  // turn or llm root), applied when the request is accepted rather than when the batches
  // queued before it are written: the sessions view does not wait for Postgres. The same
  // calls process() would make for them (idempotent: the seen hash); their results (turn
  // number, recovery stream ids) travel on the mapped span to its batch.
  async liveNow(mapped) {
    const ids = new Set();
    for (const m of mapped) ids.add(m.spanId);
    const early = [];
    for (const m of mapped) {
      if (!m.session || m.early) continue;
      const t = this.traces.get(m.traceId);
      if (t && t.nodes.has(m.spanId)) continue; // known: a retry
      if (m.parentId ? ids.has(m.parentId) || (t && t.nodes.has(m.parentId)) : !(m.kind === 'turn' || m.live)) continue;
      early.push({ m, session: m.session, agent: m.agentOwn || m.service || 'unknown', host: m.host });
    }
    if (!early.length) return;
    const pipe = this.redis.pipeline();
    const calls = [];
    for (const n of early) this.liveOps(pipe, calls, n);
    if (!calls.length) return;
    const res = await pipe.exec();
    res.forEach(([err, reply], i) => {
      if (err) throw new Error(`redis: ${err.message}`);
      const [n, op, ev] = calls[i];
      const m = n.m;
      if (op === 'turn') m.turnOwn = Number(reply[0]);
      else if (m.turnsCount === undefined) m.turnsCount = Number(reply[0]);
      if (op === 'recovery') (m.events = m.events || []).push({ ev, streamId: String(reply[1]) });
    });
    for (const n of early) n.m.early = true;
  }

  // -> the transactions (promises) this batch's selection found in its way (see flushInner).
  async flush(added, now, forced, req = null) {
    const t0 = performance.now();
    try {
      return await this.flushTimed(added, now, forced, req);
    } finally {
      this.timing.batches++;
      this.timing.flush += performance.now() - t0;
    }
  }

  // The batch's transaction is begun while its Redis calls run (both are round trips, and
  // neither needs the other); whatever fails before the transaction is used rolls it back.
  // The batch's spans are marked in flight (n.flight) from their selection to the end of
  // its transaction; a failure returns them to the waiting spans (or the caller forgets
  // them: process()).
  async flushTimed(added, now, forced, req) {
    const tx = { p: null, taken: false, req, order: [], flight: null, blocked: new Set() };
    try {
      await this.flushInner(added, now, forced, tx);
    } catch (e) {
      if (tx.p && !tx.taken) {
        const c = await tx.p.catch(() => null);
        if (c) {
          await c.query('ROLLBACK').catch(() => {});
          c.release();
        }
      }
      if (tx.flight) {
        for (const n of tx.order) n.flight = null;
        tx.flight.reject(e);
      }
      throw e;
    }
    if (tx.flight) {
      for (const n of tx.order) n.flight = null;
      tx.flight.resolve();
    }
    return tx.blocked;
  }

  // A pool client in a transaction (statement timeout, TOAST compression, a savepoint
  // before the COPY when there are rows).
  async begin(withRows) {
    const client = await this.connect();
    try {
      if (this.toastSql === null) this.toastSql = await this.toastSetting(client);
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}${this.toastSql}${withRows ? '; SAVEPOINT bulk' : ''}`);
      return client;
    } catch (e) {
      client.release();
      throw pgError(e);
    }
  }

  async flushInner(added, now, forced, tx) {
    // 1. Which spans can be written: roots, children of written or writable spans, children
    //    of spans written earlier and forgotten (looked up in Postgres), forced orphans.
    //    Not: spans in another batch's transaction, and spans whose parent or orphan child
    //    is in one (their path, depth and totals depend on it being committed; the
    //    transaction goes into tx.blocked, process() waits for it and tries again). The
    //    sweep's batch (no request: orphans, parents found in Postgres) does not take spans
    //    of a request still in flight: its batch can be large, and the request would wait.
    const eligible = (n) => !n.flight && (tx.req || !n.req || n.req.settled);
    const pending = [...this.waiting].filter(eligible);
    const ready = new Set();
    const orphan = new Set(forced || []);
    const pgParents = new Map();
    const unknownParents = new Set();
    if (now - this.lastLookup >= this.lookupEveryMs) {
      for (const n of pending) {
        if (this.lookupDue(n, now)) {
          unknownParents.add(n.m.parentId);
          this.lookedUp(n, now);
        }
      }
    }
    if (unknownParents.size) {
      this.lastLookup = now;
      const t0 = performance.now();
      const rows = await this.lookup([...unknownParents]);
      this.timing.lookup += performance.now() - t0;
      for (const row of rows) pgParents.set(row.span_id, row);
    }
    const order = [];
    const visit = (n) => {
      if (n.written || ready.has(n)) return true;
      if (!eligible(n)) {
        if (n.flight) tx.blocked.add(n.flight.done);
        return false;
      }
      for (const c of n.children) {
        if (c.flight) {
          tx.blocked.add(c.flight.done);
          return false;
        }
      }
      const t = this.traces.get(n.m.traceId);
      let ok = false;
      if (!n.m.parentId || orphan.has(n)) ok = true;
      else if (t.nodes.has(n.m.parentId)) ok = visit(t.nodes.get(n.m.parentId));
      else ok = pgParents.has(n.m.parentId);
      if (ok) {
        ready.add(n);
        order.push(n);
      }
      return ok;
    };
    for (const n of pending) visit(n);
    if (order.length) {
      const flight = {};
      flight.done = new Promise((resolve, reject) => {
        flight.resolve = resolve;
        flight.reject = reject;
      });
      flight.done.catch(() => {}); // awaited by the batches it blocks, if any
      for (const n of order) n.flight = flight;
      tx.order = order;
      tx.flight = flight;
    }
    if (tx.blocked.size) this.stats.deferred++;

    // 2. Inherit session and agent from the parent (roots without a session: the trace id).
    const info = (n) => {
      const t = this.traces.get(n.m.traceId);
      const p = n.m.parentId && !orphan.has(n) ? t.nodes.get(n.m.parentId) : null;
      if (p) return p;
      const row = n.m.parentId && !orphan.has(n) ? pgParents.get(n.m.parentId) : null;
      return row ? { session: row.session_id, agent: row.agent, turn: row.turn, path: row.path, depth: row.depth, fromPg: true } : null;
    };
    for (const n of order) {
      const p = info(n);
      n.session = n.m.session || (p && p.session) || n.m.traceId;
      n.agent = n.m.agentOwn || (p && p.agent) || n.m.service || 'unknown';
      n.host = n.m.host || (p && p.host) || '';
    }
    // Spans not ready yet but carrying their own session: their live state now.
    const live = [];
    for (const n of added) {
      if (!n.liveDone && !ready.has(n) && n.m.session) {
        n.session = n.m.session;
        n.agent = n.m.agentOwn || n.m.service || 'unknown';
        n.host = n.m.host;
        live.push(n);
      }
    }
    for (const n of order) if (!n.liveDone) live.push(n);

    // 3. Redis: live state, turn numbers, recovery events (idempotent: the seen hash).
    const calls = [];
    const pipe = this.redis.pipeline();
    const turnsOf = new Map(); // node -> turns or its own turn number
    // Spans whose live state was applied when their request came (liveNow).
    const events = [];
    for (const n of added) {
      const m = n.m;
      if (!m.early) continue;
      if (!ready.has(n)) {
        n.session = m.session;
        n.agent = m.agentOwn || m.service || 'unknown';
        n.host = m.host;
      }
      if (m.turnsCount !== undefined) turnsOf.set(n, m.turnsCount);
      for (const e of m.events || []) events.push({ n, ev: e.ev, streamId: e.streamId });
    }
    for (const n of live) {
      const m = n.m;
      const k = this.keys(n.session);
      this.liveOps(pipe, calls, n);
      if (m.kind !== 'turn' && ready.has(n) && !m.live && (m.turnAttr === null || m.turnAttr === undefined) && !info(n)) {
        // The session's turn count, for a span with no turn of its own and no parent to
        // inherit it from (an llm span's call returns it already).
        pipe.sbIngest(...k, 'turns', '', m.endMs, n.session);
        calls.push([n, 'turns']);
      }
    }
    if (order.length || events.length || calls.some((c) => c[1] === 'recovery')) {
      tx.p = this.begin(order.length > 0);
      tx.p.catch(() => {}); // awaited in step 6, or by flushTimed on a failure before it
    }
    if (calls.length) {
      const t0 = performance.now();
      const res = await pipe.exec();
      this.timing.redis += performance.now() - t0;
      res.forEach(([err, reply], i) => {
        if (err) throw new Error(`redis: ${err.message}`);
        const [n, op, ev] = calls[i];
        if (op === 'turn') n.turnOwn = Number(reply[0]);
        else if (!turnsOf.has(n)) turnsOf.set(n, Number(reply[0]));
        if (op === 'recovery') events.push({ n, ev, streamId: String(reply[1]) });
      });
    }

    // 4. Turn, path, depth.
    for (const n of order) {
      const p = info(n);
      if (n.m.turnAttr !== null && n.m.turnAttr !== undefined) n.turn = n.m.turnAttr;
      else if (n.turnOwn !== undefined) n.turn = n.turnOwn;
      else if (p && p.turn !== undefined) n.turn = p.turn;
      else n.turn = turnsOf.get(n) ?? 0;
      const el = pathElement(n.m.startMs, n.m.spanId);
      const pPath = p ? (p.fromPg || p.written ? p.path : p.newPath) : null;
      const pDepth = p ? (p.fromPg || p.written ? p.depth : p.newDepth) : 0;
      n.newPath = pPath ? `${pPath}.${el}` : el;
      n.newDepth = pPath ? pDepth + 1 : 0;
      n.pgAncestors = p && p.fromPg ? p.path.split('.').map((e) => e.slice(e.indexOf('Z') + 1)) : null;
      if (orphan.has(n) && n.m.parentId) this.stats.orphans++;
    }

    // 5. Subtree totals: own + ready descendants + children written before (orphans).
    for (const n of order) {
      n.sub = { tok: n.m.tokens, err: n.m.isError ? 1 : 0, end: n.m.endMs + n.m.startNsFrac };
      for (const c of n.children) {
        if (c.written && !c.m.pathHasParent) {
          n.sub.tok += c.sub.tok;
          n.sub.err += c.sub.err;
          n.sub.end = Math.max(n.sub.end, c.sub.end);
        }
      }
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      const p = info(n);
      if (p && !p.fromPg && ready.has(p)) {
        p.sub.tok += n.sub.tok;
        p.sub.err += n.sub.err;
        p.sub.end = Math.max(p.sub.end, n.sub.end);
      }
    }
    // Ancestors already written: deltas for an UPDATE, counted only for rows this batch
    // inserts (a span written before, by this receiver or another, adds nothing twice).
    const contributions = []; // [node, ancestor id]
    const addDelta = (id, n) => contributions.push([n, id]);
    for (const n of order) {
      if (orphan.has(n)) continue;
      const p = info(n);
      if (!p) continue;
      if (p.fromPg) {
        for (const id of n.pgAncestors) addDelta(id, n);
        this.stats.lateChildren++;
      } else if (p.written) {
        let a = p;
        const t = this.traces.get(n.m.traceId);
        while (a) {
          addDelta(a.m.spanId, n);
          if (a.pgAncestors) {
            for (const id of a.pgAncestors) addDelta(id, n);
            break;
          }
          a = a.m.parentId && a.m.pathHasParent !== false ? t.nodes.get(a.m.parentId) : null;
        }
        this.stats.lateChildren++;
      }
    }

    // 6. Postgres, one transaction.
    if (order.length || events.length) {
      const deltas = new Map();
      // The static part of each row was encoded with the request (copy.js); the tree's
      // columns in TREE_COLUMNS' order.
      const rows = order.map((n) => ({
        id: n.m.spanId,
        copy: n.m.copy,
        tree: [n.session, n.turn, n.agent, n.host || null, n.newPath, n.newDepth, n.sub.tok, n.sub.err,
          Math.max(0, n.sub.end - (n.m.startMs + n.m.startNsFrac))],
      }));
      const evRows = events.map(({ n, ev, streamId }) => ({
        at: new Date(ev.at).toISOString(), session_id: n.session, agent: n.agent, host: n.host || null, kind: ev.kind,
        recoverable: ev.recoverable, strategy: ev.strategy, outcome: ev.outcome, attempt: ev.attempt, trace_id: n.m.traceId,
        span_id: n.m.spanId, message: ev.message || null, detail: ev.detail ? JSON.parse(ev.detail) : null, stream_id: streamId,
      }));
      const tx0 = performance.now();
      let copyMs = 0;
      if (!tx.p) tx.p = this.begin(rows.length > 0);
      tx.taken = true;
      const client = await tx.p;
      try {
        // COPY (about twice as fast as parsing the rows as JSON on the server); a span
        // written before (a retry, another receiver) makes it fail on the primary key, and
        // the batch goes again without the rows already there (a span written by another
        // receiver in between fails the batch: 503, and the client's retry skips it).
        let inserted = new Set();
        if (rows.length) {
          try {
            const c0 = performance.now();
            await copyRows(client, rows);
            copyMs = performance.now() - c0;
            this.timing.copy += copyMs;
            inserted = new Set(rows.map((r) => r.id));
            this.stats.copies++;
          } catch (e) {
            if (e.code !== '23505') throw e;
            await client.query('ROLLBACK TO SAVEPOINT bulk');
            const there = await client.query('SELECT span_id FROM agentops.spans WHERE span_id = ANY($1::text[])', [rows.map((r) => r.id)]);
            const skip = new Set(there.rows.map((r) => r.span_id));
            const rest = rows.filter((r) => !skip.has(r.id));
            if (rest.length) await copyRows(client, rest);
            inserted = new Set(rest.map((r) => r.id));
            this.stats.inserts++;
          }
        }
        for (const [n, id] of contributions) {
          if (!inserted.has(n.m.spanId)) continue;
          const d = deltas.get(id) || { tok: 0, err: 0, end: 0 };
          d.tok += n.sub.tok;
          d.err += n.sub.err;
          d.end = Math.max(d.end, n.sub.end);
          deltas.set(id, d);
        }
        if (deltas.size) {
          // Locked in span id order first: two batches in flight at once may update the same
          // ancestors, and rows locked in the same order cannot deadlock.
          const ids = [...deltas.keys()].filter((id) => !inserted.has(id)).sort();
          if (ids.length) {
            await client.query(`SELECT 1 FROM agentops.spans WHERE span_id = ANY($1::text[]) ORDER BY span_id FOR UPDATE`, [ids]);
            await client.query(`UPDATE agentops.spans s SET subtree_tokens = COALESCE(s.subtree_tokens, 0) + u.tok,
                subtree_errors = COALESCE(s.subtree_errors, 0) + u.err,
                subtree_duration_ms = GREATEST(COALESCE(s.subtree_duration_ms, 0), u.end_ms - EXTRACT(EPOCH FROM s.started_at) * 1000)
              FROM unnest($1::text[], $2::bigint[], $3::int[], $4::float8[]) AS u(id, tok, err, end_ms) WHERE s.span_id = u.id`,
            [ids, ids.map((id) => deltas.get(id).tok), ids.map((id) => deltas.get(id).err), ids.map((id) => deltas.get(id).end)]);
            this.stats.updates += ids.length;
          }
        }
        evRows.sort((a, b) => (a.stream_id < b.stream_id ? -1 : a.stream_id > b.stream_id ? 1 : 0)); // lock order, as above
        const evIns = evRows.length
          ? await client.query(`INSERT INTO agentops.recovery_events (at, session_id, agent, host, kind, recoverable, strategy, outcome,
                attempt, trace_id, span_id, message, detail, stream_id)
              SELECT at, session_id, agent, host, kind, recoverable, strategy, outcome, attempt, trace_id, span_id, message, detail, stream_id
              FROM json_populate_recordset(NULL::agentops.recovery_events, $1::json) ON CONFLICT (stream_id) DO NOTHING RETURNING session_id`,
          [JSON.stringify(evRows)])
          : { rows: [] };
        // Sessions: one upsert per session touched.
        const sessions = new Map();
        const sess = (n) => {
          let s = sessions.get(n.session);
          if (!s) {
            s = { session_id: n.session, agent: n.agent, host: n.host || null, started_at: n.m.startMs, turns: 0, outcome: 'active',
              max_fill_pct: null, had_recovery_events: false, recovery_event_count: 0, prompt_version: null, model: null };
            sessions.set(n.session, s);
          }
          s.started_at = Math.min(s.started_at, n.m.startMs);
          return s;
        };
        for (const n of [...order, ...live, ...added.filter((x) => x.m.early && !ready.has(x))]) {
          const s = sess(n);
          const t = turnsOf.get(n) ?? n.turnOwn;
          if (t !== undefined) s.turns = Math.max(s.turns, n.m.kind === 'turn' ? t + 1 : t);
          if (n.m.live) {
            s.model = n.m.live.model;
            if (n.m.live.limit) s.max_fill_pct = Math.max(s.max_fill_pct || 0, (100 * n.m.live.ctxTokens) / n.m.live.limit);
          }
          if (n.m.promptVersion) s.prompt_version = n.m.promptVersion;
        }
        for (const r of evIns.rows) {
          const s = sessions.get(r.session_id);
          s.recovery_event_count++;
          s.had_recovery_events = true;
        }
        // In session id order: the rows a concurrent batch upserts too are locked in the same order.
        const srows = [...sessions.values()].sort((a, b) => (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0)).map((s) => ({ ...s, started_at: new Date(s.started_at).toISOString() }));
        // The upsert and COMMIT in one round trip: a simple query (several statements, the
        // rows as one escaped literal), not a parameterised one.
        let upsert = '';
        if (srows.length) {
          upsert = `INSERT INTO agentops.sessions (session_id, agent, host, started_at, turns, outcome, max_fill_pct,
                had_recovery_events, recovery_event_count, prompt_version, model)
              SELECT session_id, agent, host, started_at, turns, outcome, max_fill_pct, had_recovery_events, recovery_event_count,
                prompt_version, model FROM json_populate_recordset(NULL::agentops.sessions, ${client.escapeLiteral(JSON.stringify(srows))}::json)
              ON CONFLICT (session_id) DO UPDATE SET
                turns = GREATEST(agentops.sessions.turns, EXCLUDED.turns),
                started_at = LEAST(agentops.sessions.started_at, EXCLUDED.started_at),
                host = COALESCE(agentops.sessions.host, EXCLUDED.host),
                max_fill_pct = GREATEST(agentops.sessions.max_fill_pct, EXCLUDED.max_fill_pct),
                had_recovery_events = agentops.sessions.had_recovery_events OR EXCLUDED.had_recovery_events,
                recovery_event_count = agentops.sessions.recovery_event_count + EXCLUDED.recovery_event_count,
                prompt_version = COALESCE(agentops.sessions.prompt_version, EXCLUDED.prompt_version),
                model = COALESCE(EXCLUDED.model, agentops.sessions.model);`;
        }
        await client.query(`${upsert}COMMIT`);
        this.timing.txRest += performance.now() - tx0 - copyMs;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw pgError(e);
      } finally {
        client.release();
      }
    } else if (tx.p) {
      tx.taken = true;
      const client = await tx.p;
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }

    // 7. Done: remember what was written, drop the rows.
    for (const n of live) n.liveDone = true;
    for (const n of order) {
      n.written = true;
      this.waiting.delete(n);
      n.path = n.newPath;
      n.depth = n.newDepth;
      n.m.pathHasParent = !orphan.has(n) || !n.m.parentId;
      if (orphan.has(n)) n.m.pathHasParent = false;
      n.m.copy = null;
      n.m.live = null;
      this.stats.spans++;
    }
  }

  async toastSetting(client) {
    if (!this.toastCompression) return '';
    if (!/^[a-z0-9]+$/.test(this.toastCompression)) throw new Error('toast_compression: a method name (lz4, pglz) or empty');
    const r = await client.query("SELECT $1 = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'", [this.toastCompression]);
    if (r.rows.length && r.rows[0].ok) return `; SET LOCAL default_toast_compression = ${this.toastCompression}`;
    this.log('warn', `postgres: default_toast_compression = ${this.toastCompression} is not available; the server's default compresses the texts`);
    return '';
  }

  async connect() {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw pgError(e);
    }
  }

  // Spans by id, in one round trip (the ids are checked hex: mapping.js), under the
  // statement timeout.
  async lookup(ids) {
    if (!ids.every((id) => /^[0-9a-f]{16}$/.test(id))) throw new Error('lookup: span ids must be 16 hex digits');
    const client = await this.connect();
    try {
      const r = await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS};
        SELECT span_id, path, depth, session_id, agent, turn FROM agentops.spans WHERE span_id = ANY('{${ids.join(',')}}'::text[]); COMMIT`);
      return r[2].rows;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw pgError(e);
    } finally {
      client.release();
    }
  }

  // Writers trim the sessions zset (docs/contract.md, key index).
  async trimSessions(now = Date.now()) {
    await this.redis.zremrangebyscore(`${this.ns}sessions`, '-inf', `(${now - 24 * 3600000}`);
  }
}

module.exports = { Pipeline, LUA };
