'use strict';
// Decoding and mapping a request body (the receiver's CPU per span, most of it) off the main
// thread: `decode_workers` worker threads (default 1: on 2 cores, one worker next to the
// main thread, which keeps the batches' Redis and Postgres round trips and the HTTP
// server). The main thread's event loop then never stops for a 6 MB request's ~40 ms of
// decoding, which used to delay every write waiting on its reply. 0 workers = inline.
//
// A worker gets the body (its memory moved, not copied) and answers the mapped spans or the
// request's error: the same results as inline, the same caps. The spans' texts (input,
// output, attributes) do not come back as strings: cloning them cost the main thread more
// than decoding them. Each span's columns of its own (copy.js, STATIC_COLUMNS) come back
// encoded for COPY, all of a request's in one buffer (moved), and the mapped span (`m`,
// without its row) points at its part (m.copy).
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const { decodeProtobuf, decodeJson, OtlpError } = require('./otlp');
const { mapSpan, BadRecord } = require('./mapping');
const { encodeStatic } = require('./copy');

// b, or a copy of it in memory of its own: what postMessage can move (a small Buffer, or a
// slice of a larger one, shares its memory with others).
function ownBuffer(b) {
  if (b.length >= 4096 && b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  const own = Buffer.from(new ArrayBuffer(b.length));
  b.copy(own);
  return own;
}

// A result's spans point at their parts of its buffer.
function attach(r) {
  if (r.status !== 200) return r;
  const buf = Buffer.isBuffer(r.buf) ? r.buf : Buffer.from(r.buf.buffer, r.buf.byteOffset, r.buf.length);
  let start = 0;
  for (let i = 0; i < r.mapped.length; i++) {
    r.mapped[i].copy = buf.subarray(start, r.ends[i]);
    start = r.ends[i];
  }
  r.buf = null;
  r.ends = null;
  return r;
}

// body -> {status: 200, mapped, rejected, message} or {status (400/413), message}.
function decodeAndMap(body, isJson, s) {
  let decoded;
  try {
    decoded = isJson ? decodeJson(body.toString('utf8'), s.limits) : decodeProtobuf(body, s.limits);
  } catch (e) {
    if (e instanceof OtlpError) return { status: e.status, message: e.message };
    throw e;
  }
  // Map every span before anything is written.
  const mapped = [];
  let rejected = 0;
  const reasons = new Map();
  for (const rs of decoded) {
    for (const sc of rs.scopes) {
      for (const sp of sc.spans) {
        sp.scope = sc.name;
        try {
          mapped.push(mapSpan(sp, rs.resource, s));
        } catch (e) {
          if (!(e instanceof BadRecord)) throw e;
          rejected++;
          const k = e.message;
          if (!reasons.has(k)) reasons.set(k, sp.spanId);
        }
      }
    }
  }
  let message = '';
  if (rejected) {
    message = [...reasons].slice(0, 5).map(([r, id]) => `span ${String(id).slice(0, 16)}: ${r}`).join('; ');
    if (reasons.size > 5) message += `; and ${reasons.size - 5} other reasons`;
  }
  const { buf, ends } = encodeStatic(mapped.map((m) => m.row));
  for (const m of mapped) {
    m.promptVersion = m.row.prompt_version;
    m.row = null;
  }
  return { status: 200, mapped, rejected, message, buf, ends };
}

class Decoder {
  // settings: {limits, windows}; workers: how many threads (0 = on the calling thread).
  constructor(settings, workers = 1, log = () => {}) {
    this.s = { limits: settings.limits, windows: settings.windows };
    this.log = log;
    this.pool = [];
    this.next = 1;
    for (let i = 0; i < workers; i++) this.spawn(i);
  }

  spawn(i) {
    const w = new Worker(__filename, { workerData: this.s });
    const slot = { w, pending: new Map() };
    w.on('message', ({ id, result, error }) => {
      const p = slot.pending.get(id);
      if (!p) return;
      slot.pending.delete(id);
      if (error) p.reject(new Error(error));
      else p.resolve(attach(result));
    });
    // A worker that dies (out of memory, a bug) fails what it held and is replaced.
    w.on('error', (e) => this.log('error', `decoder worker: ${e.stack || e.message}`));
    w.on('exit', (code) => {
      for (const p of slot.pending.values()) p.reject(new Error(`decoder worker exited (${code})`));
      slot.pending.clear();
      if (!this.closed) this.spawn(i);
    });
    this.pool[i] = slot;
  }

  run(body, isJson) {
    if (!this.pool.length) return Promise.resolve().then(() => attach(decodeAndMap(body, isJson, this.s)));
    // The least busy worker.
    let slot = this.pool[0];
    for (const x of this.pool) if (x.pending.size < slot.pending.size) slot = x;
    const id = this.next++;
    // Move the body's memory to the worker when the body owns all of it (Buffer.concat of a
    // large body does); a small body, or a slice of a larger buffer (Node's shared pool),
    // is copied into memory of its own first.
    const own = ownBuffer(body);
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.w.postMessage({ id, body: own, isJson }, [own.buffer]);
    });
  }

  close() {
    this.closed = true;
    return Promise.all(this.pool.map((x) => x.w.terminate()));
  }
}

if (!isMainThread && parentPort) {
  parentPort.on('message', ({ id, body, isJson }) => {
    let result;
    try {
      result = decodeAndMap(Buffer.from(body.buffer, body.byteOffset, body.length), isJson, workerData);
    } catch (e) {
      parentPort.postMessage({ id, error: e.stack || e.message });
      return;
    }
    if (result.status !== 200) {
      parentPort.postMessage({ id, result });
      return;
    }
    result.buf = ownBuffer(result.buf);
    parentPort.postMessage({ id, result }, [result.buf.buffer]);
  });
}

module.exports = { Decoder, decodeAndMap };
