'use strict';
// OTLP/HTTP: POST /v1/traces, application/x-protobuf or application/json, optionally
// Content-Encoding: gzip. A request is read under a cap (compressed and decompressed),
// decoded and mapped whole before anything is written: a malformed request is a 400 (413
// over a cap) and writes nothing; spans that decode but cannot be mapped are dropped and
// counted in partial_success. Accepted requests wait in a bounded queue (spans and bytes);
// when it is full the answer is 429 with Retry-After, and 503 with Retry-After while Redis
// or Postgres fails. The answer comes after the write: a 200 means written.
const http = require('http');
const https = require('https');
const zlib = require('zlib');
const crypto = require('crypto');
const { encodeResponse, OtlpError } = require('./otlp');
const { Decoder } = require('./decoder');

// Over the cap, the rest of the body is read and thrown away before the 413 (a client
// whose upload is cut off sees a connection error and retries; a 413 it does not retry),
// up to DISCARD_CAP; a body larger still has its connection closed.
const DISCARD_CAP = 1024 * 1024 * 1024;
// Queued requests written in one batch, up to this many spans.
const MAX_BATCH_SPANS = 10000;

function readBody(req, capCompressed) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooBig = (what) => new OtlpError(`${what} is over the ${capCompressed}-byte cap`, 413);
    if (Number.isFinite(declared) && declared > DISCARD_CAP) {
      req.destroy();
      reject(tooBig(`body of ${declared} bytes`));
      return;
    }
    const parts = [];
    let n = 0;
    let over = false;
    req.on('data', (c) => {
      n += c.length;
      if (n > DISCARD_CAP) {
        req.destroy();
        reject(tooBig('body'));
        return;
      }
      if (n > capCompressed) {
        over = true;
        parts.length = 0;
        return;
      }
      parts.push(c);
    });
    req.on('end', () => (over ? reject(tooBig(Number.isFinite(declared) ? `body of ${declared} bytes` : 'body')) : resolve(Buffer.concat(parts))));
    req.on('error', reject);
  });
}

function gunzip(buf, cap) {
  return new Promise((resolve, reject) => {
    // maxOutputLength stops a zip bomb at the cap instead of after it.
    zlib.gunzip(buf, { maxOutputLength: cap }, (err, out) => {
      if (!err) return resolve(out);
      if (err.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/.test(err.message)) {
        return reject(new OtlpError(`decompressed body is over the ${cap}-byte cap`, 413));
      }
      return reject(new OtlpError(`bad gzip body: ${err.message}`));
    });
  });
}

function constantTimeEqual(a, b) {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

class Receiver {
  constructor({ pipeline, settings, log = () => {}, decoder = null }) {
    this.pipeline = pipeline;
    this.decoder = decoder || new Decoder(settings, 0);
    this.s = settings;
    this.log = log;
    this.queue = []; // {spans, bytes, run, resolve, reject}
    this.queuedSpans = 0;
    this.queuedBytes = 0;
    this.decodingBytes = 0; // bodies being decoded (in a worker): counted against the queue's bytes
    // Batches written at once, each its own transaction on its own connection (the pool has
    // one more, for parent lookups and the sweep): while one batch's COPY runs, the next
    // one's Redis calls and COPY go on.
    this.lanes = settings.writeTransactions || 1;
    this.inFlight = 0;
    this.sweeping = false;
    this.failingUntil = 0;
    this.counters = { requests: 0, accepted: 0, rejectedSpans: 0, badRequests: 0, throttled: 0, unavailable: 0 };
    // ms summed (kill -USR2): decoding and mapping requests, their live state in Redis,
    // their wait in the queue plus their batch's write.
    this.timing = { decode: 0, live: 0, queued: 0 };
  }

  listen(port, host = '127.0.0.1') {
    const handler = (req, res) => this.handle(req, res).catch((e) => {
      this.log('error', `request: ${e.stack || e.message}`);
      if (!res.headersSent) this.reply(res, 500, 'text/plain', 'internal error');
    });
    this.server = this.s.tls ? https.createServer({ cert: this.s.tls.cert, key: this.s.tls.key }, handler) : http.createServer(handler);
    this.server.requestTimeout = 60000;
    this.server.headersTimeout = 20000;
    return new Promise((resolve) => this.server.listen(port, host, () => resolve(this.server.address().port)));
  }

  tokenMatches(t) {
    return constantTimeEqual(t, this.s.token);
  }

  // Orphans and quiet traces (pipeline.sweep) and the sessions zset's trim, one sweep at a
  // time (batches may be in flight meanwhile: the pipeline keeps their spans apart).
  startTimers(everyMs = 1000) {
    let lastTrim = 0;
    this.timer = setInterval(async () => {
      if (this.sweeping) return;
      this.sweeping = true;
      try {
        await this.pipeline.sweep();
        if (Date.now() - lastTrim > 60000) {
          lastTrim = Date.now();
          await this.pipeline.trimSessions();
        }
      } catch (e) {
        this.log('warn', `sweep: ${e.message}`);
      } finally {
        this.sweeping = false;
      }
    }, everyMs);
    this.timer.unref();
  }

  close() {
    clearInterval(this.timer);
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reply(res, status, type, body, headers = {}) {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  // OTLP answers errors with a google.rpc.Status; its message is what a human reads. For
  // JSON, {"code", "message"}; for protobuf, Status{code=1 (int32), message=2}.
  error(res, isJson, status, message, headers = {}) {
    if (status >= 400 && status < 500 && status !== 429) this.counters.badRequests++;
    if (isJson) return this.reply(res, status, 'application/json', JSON.stringify({ code: status === 400 ? 3 : status === 413 ? 8 : 14, message }), headers);
    const m = Buffer.from(message, 'utf8');
    const code = status === 400 ? 3 : status === 413 ? 8 : 14;
    const body = Buffer.concat([Buffer.from([0x08, code, 0x12]), varint(m.length), m]);
    return this.reply(res, status, 'application/x-protobuf', body, headers);
  }

  async handle(req, res) {
    this.counters.requests++;
    const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    const isJson = type === 'application/json';
    if (req.url.split('?')[0] !== '/v1/traces') {
      req.resume();
      return this.reply(res, 404, 'text/plain', 'not found: the OTLP trace endpoint is POST /v1/traces\n');
    }
    if (req.method !== 'POST') {
      req.resume();
      return this.reply(res, 405, 'text/plain', 'method not allowed: POST /v1/traces\n', { Allow: 'POST' });
    }
    if (this.s.token) {
      const auth = String(req.headers.authorization || '');
      const m = /^Bearer (.+)$/.exec(auth);
      if (!m || !constantTimeEqual(m[1], this.s.token)) {
        req.resume();
        return this.error(res, isJson, 401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer' });
      }
    }
    if (type !== 'application/x-protobuf' && !isJson) {
      req.resume();
      return this.error(res, false, 415, `unsupported content type '${type.slice(0, 40)}': application/x-protobuf or application/json`);
    }
    const enc = String(req.headers['content-encoding'] || 'identity').toLowerCase();
    if (enc !== 'identity' && enc !== 'gzip') {
      req.resume();
      return this.error(res, isJson, 415, `unsupported content encoding '${enc.slice(0, 40)}': gzip or none`);
    }
    // Full before reading: say so at once.
    if (this.queuedSpans >= this.s.maxQueueSpans || this.queuedBytes + this.decodingBytes >= this.s.maxQueueBytes) {
      req.resume();
      this.counters.throttled++;
      return this.error(res, isJson, 429, 'receiver busy: queue full, retry later', { 'Retry-After': '1' });
    }
    let body;
    try {
      body = await readBody(req, this.s.maxBodyBytes);
      if (enc === 'gzip') body = await gunzip(body, this.s.maxDecompressedBytes);
      else if (body.length > this.s.maxDecompressedBytes) throw new OtlpError(`body is over the ${this.s.maxDecompressedBytes}-byte cap`, 413);
    } catch (e) {
      if (e instanceof OtlpError) return this.error(res, isJson, e.status, e.message);
      throw e;
    }
    const r = await this.accept(body, isJson);
    if (r.status !== 200) return this.error(res, isJson, r.status, r.message, r.retryAfter ? { 'Retry-After': String(r.retryAfter) } : {});
    if (isJson) {
      const out = r.rejected ? JSON.stringify({ partialSuccess: { rejectedSpans: String(r.rejected), errorMessage: r.message } }) : '{}';
      return this.reply(res, 200, 'application/json', out);
    }
    return this.reply(res, 200, 'application/x-protobuf', encodeResponse(r.rejected, r.message));
  }

  // One decompressed request body (OTLP/HTTP or OTLP/gRPC) -> {status (HTTP's), message,
  // rejected, retryAfter}: decoded, mapped whole, then written (200 = written).
  async accept(body, isJson) {
    const bytes = body.length;
    const t0 = performance.now();
    this.decodingBytes += bytes;
    let r;
    try {
      r = await this.decoder.run(body, isJson);
    } finally {
      this.decodingBytes -= bytes;
    }
    body = null;
    this.timing.decode += performance.now() - t0;
    if (r.status !== 200) return { status: r.status, message: r.message };
    const { mapped, rejected, message } = r;
    this.counters.rejectedSpans += rejected;
    if (rejected) this.log('warn', `rejected ${rejected} of ${rejected + mapped.length} spans: ${message.slice(0, 500)}`);
    if (mapped.length) {
      if (Date.now() < this.failingUntil) {
        this.counters.unavailable++;
        return { status: 503, message: `storage unavailable: ${this.lastFailure}`, retryAfter: this.s.retryAfterS };
      }
      if (this.queuedSpans + mapped.length > this.s.maxQueueSpans && this.queue.length) {
        this.counters.throttled++;
        return { status: 429, message: 'receiver busy: queue full, retry later', retryAfter: 1 };
      }
      try {
        const t1 = performance.now();
        await this.pipeline.liveNow(mapped);
        const t2 = performance.now();
        this.timing.live += t2 - t1;
        await this.enqueue(mapped, bytes);
        this.timing.queued += performance.now() - t2;
      } catch (e) {
        this.counters.unavailable++;
        this.log('warn', `write failed: ${e.message}`);
        return { status: 503, message: `storage unavailable: ${e.message.slice(0, 200)}`, retryAfter: this.s.retryAfterS };
      }
    }
    this.counters.accepted += mapped.length;
    return { status: 200, rejected, message };
  }

  async sweepIfDue() {
    const p = this.pipeline;
    if (this.sweeping || !(Date.now() - p.lastSweep >= 1000 || p.spanCount > p.maxSpans)) return;
    this.sweeping = true;
    try {
      await p.sweep();
    } catch (e) {
      this.log('warn', `sweep: ${e.message}`);
    } finally {
      this.sweeping = false;
    }
  }

  enqueue(mapped, bytes) {
    return new Promise((resolve, reject) => {
      this.queue.push({ mapped, bytes, resolve, reject });
      this.queuedSpans += mapped.length;
      this.queuedBytes += bytes;
      this.drain();
    });
  }

  // Up to `lanes` batches in flight. The requests waiting are written together (one Redis
  // pipeline, one transaction): under load, batches grow instead of the queue.
  drain() {
    while (this.inFlight < this.lanes && this.queue.length) {
      const jobs = [this.queue.shift()];
      let n = jobs[0].mapped.length;
      while (this.queue.length && n + this.queue[0].mapped.length <= MAX_BATCH_SPANS) {
        n += this.queue[0].mapped.length;
        jobs.push(this.queue.shift());
      }
      this.inFlight++;
      this.write(jobs).finally(() => {
        this.inFlight--;
        this.drain();
        // Between batches too (not holding a lane): under sustained load the queue never
        // empties, and the timer's sweep would be the only one; orphans would wait for it.
        this.sweepIfDue();
      });
    }
  }

  // One batch: its requests answered when it is written (or failed).
  async write(jobs) {
    const mapped = jobs.length === 1 ? jobs[0].mapped : jobs.flatMap((j) => j.mapped);
    try {
      await this.pipeline.process(mapped);
      for (const job of jobs) job.resolve();
    } catch (e) {
      // Storage failing (no connection, shutting down, out of resources, Redis): new requests
      // get 503 at once for a second. A batch Postgres refused for its data (a constraint,
      // a trigger, a bad value: SQLSTATE classes 22, 23, P0 ...) fails its own requests only.
      if (!e.code || /^(08|53|57|58|XX)/.test(e.code)) {
        this.lastFailure = e.message.slice(0, 200);
        this.failingUntil = Date.now() + 1000;
      }
      for (const job of jobs) job.reject(e);
    } finally {
      for (const job of jobs) {
        this.queuedSpans -= job.mapped.length;
        this.queuedBytes -= job.bytes;
      }
    }
  }
}

function varint(n) {
  const b = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    b.push(byte);
  } while (n);
  return Buffer.from(b);
}

module.exports = { Receiver };
