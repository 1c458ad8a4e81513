'use strict';
// OTLP trace requests -> one neutral form, from protobuf (ExportTraceServiceRequest,
// opentelemetry-proto v1) or from OTLP/JSON. Both decoders enforce the caps while they
// read (nesting depth, spans per request, attributes per span, one value's size), so a
// hostile request costs at most its (already capped) size, and either the whole request
// is decoded or it is refused with one clear reason (OtlpError -> HTTP 400/413).
//
// Neutral form: [{ resource: {attrs}, scopeName, spans: [{traceId, spanId, parentSpanId
// (hex or ''), name, kind, startNs, endNs (BigInt), attrs: {key: value}, events: [{name,
// timeNs, attrs}], status: {code, message}}]}]. Attribute values: string, boolean, number
// (int64 beyond 2^53 as a decimal string), array, object (kvlist), Buffer (bytes), RawText
// (protobuf: a span's long input/output text, RAW_KEYS, as its checked UTF-8 bytes).

const { isUtf8 } = require('buffer');

// A span attribute's long text that the receiver stores as is (input/output: RAW_KEYS): its
// UTF-8 bytes, checked, never made a JS string (decoding and encoding it again was much of
// the receiver's CPU per span). toString() when a string is needed after all.
class RawText {
  constructor(buf) {
    this.buf = buf;
  }

  toString() {
    return this.buf.toString('utf8');
  }
}
const RAW_KEYS = new Set(['input.value', 'output.value', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'gen_ai.prompt', 'gen_ai.completion']);
const RAW_MIN = 1024;

class OtlpError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

const DEFAULT_LIMITS = {
  maxSpans: 10000, // spans per request
  maxAttributes: 1024, // attributes per span, resource, event
  maxEvents: 1024, // events per span
  maxDepth: 16, // nesting of array/kvlist values
  maxValueBytes: 64 * 1024 * 1024, // one string or bytes value
};

// ---------------------------------------------------------------- protobuf
class Reader {
  constructor(buf, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  varint() {
    // Up to 10 bytes; returned as a Number when it fits in 2^53, else BigInt.
    let lo = 0;
    let shift = 0;
    let b;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.end) throw new OtlpError('bad protobuf: truncated varint');
      b = this.buf[this.pos++];
      lo |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) return lo >>> 0;
    }
    let big = BigInt(lo >>> 0);
    let bshift = 28n;
    for (let i = 4; i < 10; i++) {
      if (this.pos >= this.end) throw new OtlpError('bad protobuf: truncated varint');
      b = this.buf[this.pos++];
      big |= BigInt(b & 0x7f) << bshift;
      bshift += 7n;
      if (!(b & 0x80)) {
        big &= 0xffffffffffffffffn;
        return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
    }
    throw new OtlpError('bad protobuf: varint longer than 10 bytes');
  }

  // A field's tag as one number: field = t >>> 3, wire type = t & 7 (no array per field).
  tag() {
    const t = this.varint();
    if (typeof t !== 'number' || t > 0xffffffff) throw new OtlpError('bad protobuf: bad tag');
    return t;
  }

  fixed64() {
    if (this.pos + 8 > this.end) throw new OtlpError('bad protobuf: truncated fixed64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  double() {
    if (this.pos + 8 > this.end) throw new OtlpError('bad protobuf: truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  fixed32() {
    if (this.pos + 4 > this.end) throw new OtlpError('bad protobuf: truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  // A length-delimited field: its start; it ends at this.pos (no array per field).
  span() {
    const len = this.varint();
    if (typeof len !== 'number' || this.pos + len > this.end) throw new OtlpError('bad protobuf: length past the end of its message');
    const s = this.pos;
    this.pos += len;
    return s;
  }

  skip(wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.fixed64();
    else if (wire === 2) this.span();
    else if (wire === 5) this.fixed32();
    else throw new OtlpError(`bad protobuf: wire type ${wire}`);
  }
}

function expectWire(field, wire, want, what) {
  if (wire !== want) throw new OtlpError(`bad protobuf: ${what} field ${field} has wire type ${wire}, expected ${want}`);
}

// UTF-8 text [s, e) of buf, refused when not valid UTF-8. The common case is cheap: a short
// ASCII text is sliced as latin1; anything else through Buffer's UTF-8 slice, which turns a
// bad sequence into U+FFFD, so only a text holding U+FFFD goes through the strict decoder
// (to tell a bad sequence from an encoded U+FFFD).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // a BOM stays, as in the fast path
function str(buf, s, e, lim, what) {
  if (e - s > lim.maxValueBytes) throw new OtlpError(`${what}: a ${e - s}-byte value, over the ${lim.maxValueBytes}-byte cap`, 413);
  if (e - s <= 64) {
    let ascii = true;
    for (let i = s; i < e; i++) {
      if (buf[i] > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return buf.toString('latin1', s, e);
  }
  const v = buf.toString('utf8', s, e);
  if (!v.includes('\uFFFD')) return v;
  try {
    return utf8.decode(buf.subarray(s, e));
  } catch (err) {
    throw new OtlpError(`${what}: not valid UTF-8`);
  }
}

function pbAnyValue(buf, s, e, lim, depth, raw = false) {
  if (depth > lim.maxDepth) throw new OtlpError(`attribute value nested deeper than ${lim.maxDepth} levels`);
  const r = new Reader(buf, s, e);
  let v = null;
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 1) {
      expectWire(f, w, 2, 'AnyValue');
      const a = r.span();
      if (raw && r.pos - a >= RAW_MIN && r.pos - a <= lim.maxValueBytes) {
        const b = buf.subarray(a, r.pos);
        if (!isUtf8(b)) throw new OtlpError('string value: not valid UTF-8');
        v = new RawText(b);
      } else v = str(buf, a, r.pos, lim, 'string value');
    } else if (f === 2) { expectWire(f, w, 0, 'AnyValue'); v = r.varint() !== 0; }
    else if (f === 3) {
      expectWire(f, w, 0, 'AnyValue');
      let n = r.varint();
      if (typeof n === 'bigint') n = BigInt.asIntN(64, n);
      else if (n > 0x7fffffff && n > Number.MAX_SAFE_INTEGER) n = BigInt.asIntN(64, BigInt(n));
      v = typeof n === 'bigint' ? (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString()) : n;
    } else if (f === 4) { expectWire(f, w, 1, 'AnyValue'); v = r.double(); }
    else if (f === 5) {
      expectWire(f, w, 2, 'AnyValue');
      const a = [];
      const as = r.span();
      const ar = new Reader(buf, as, r.pos);
      while (ar.pos < ar.end) {
        const at = ar.tag();
        const af = at >>> 3;
        const aw = at & 7;
        if (af === 1) {
          expectWire(af, aw, 2, 'ArrayValue');
          if (a.length >= lim.maxAttributes) throw new OtlpError(`an array value with more than ${lim.maxAttributes} elements`);
          const es = ar.span();
          a.push(pbAnyValue(buf, es, ar.pos, lim, depth + 1));
        } else ar.skip(aw);
      }
      v = a;
    } else if (f === 6) {
      expectWire(f, w, 2, 'AnyValue');
      const ks = r.span();
      v = pbKeyValues(buf, ks, r.pos, 1, lim, depth + 1, 'kvlist value');
    } else if (f === 7) {
      expectWire(f, w, 2, 'AnyValue');
      const bs = r.span();
      if (r.pos - bs > lim.maxValueBytes) throw new OtlpError(`bytes value: over the ${lim.maxValueBytes}-byte cap`, 413);
      v = Buffer.from(buf.subarray(bs, r.pos));
    } else r.skip(w);
  }
  return v;
}

// One KeyValue [s, e) stored into `into` (no [key, value] pair per attribute). raw: a long
// string value of a RAW_KEYS key (its key read first, as serializers write it) stays bytes.
function pbKeyValue(buf, s, e, lim, depth, into, raw = false) {
  const r = new Reader(buf, s, e);
  let key = '';
  let value = null;
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 1) { expectWire(f, w, 2, 'KeyValue'); const a = r.span(); key = str(buf, a, r.pos, lim, 'attribute key'); }
    else if (f === 2) { expectWire(f, w, 2, 'KeyValue'); const a = r.span(); value = pbAnyValue(buf, a, r.pos, lim, depth, raw && RAW_KEYS.has(key)); }
    else r.skip(w);
  }
  into[key] = value;
}

// Every field number `field` of the message [s, e) is a KeyValue -> {key: value}.
function pbKeyValues(buf, s, e, field, lim, depth, what, into = Object.create(null)) {
  const r = new Reader(buf, s, e);
  let n = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === field) {
      expectWire(f, w, 2, what);
      if (++n > lim.maxAttributes) throw new OtlpError(`${what}: more than ${lim.maxAttributes} attributes`);
      const a = r.span();
      pbKeyValue(buf, a, r.pos, lim, depth, into);
    } else r.skip(w);
  }
  return into;
}

function pbEvent(buf, s, e, lim) {
  const r = new Reader(buf, s, e);
  const ev = { name: '', timeNs: 0n, attrs: Object.create(null) };
  let n = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 1) { expectWire(f, w, 1, 'Event'); ev.timeNs = r.fixed64(); }
    else if (f === 2) { expectWire(f, w, 2, 'Event'); const a = r.span(); ev.name = str(buf, a, r.pos, lim, 'event name'); }
    else if (f === 3) {
      expectWire(f, w, 2, 'Event');
      if (++n > lim.maxAttributes) throw new OtlpError(`event: more than ${lim.maxAttributes} attributes`);
      const a = r.span();
      pbKeyValue(buf, a, r.pos, lim, 1, ev.attrs);
    } else r.skip(w);
  }
  return ev;
}

function pbStatus(buf, s, e) {
  const r = new Reader(buf, s, e);
  const st = { code: 0, message: '' };
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 2) { expectWire(f, w, 2, 'Status'); const a = r.span(); st.message = str(buf, a, r.pos, DEFAULT_LIMITS, 'status message'); }
    else if (f === 3) { expectWire(f, w, 0, 'Status'); st.code = Number(r.varint()); }
    else r.skip(w);
  }
  return st;
}

function pbSpan(buf, s, e, lim) {
  const r = new Reader(buf, s, e);
  const sp = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, startNs: 0n, endNs: 0n, attrs: Object.create(null), events: [], status: { code: 0, message: '' } };
  let nattrs = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    switch (f) {
      case 1: { expectWire(f, w, 2, 'Span'); const a = r.span(); sp.traceId = buf.toString('hex', a, r.pos); break; }
      case 2: { expectWire(f, w, 2, 'Span'); const a = r.span(); sp.spanId = buf.toString('hex', a, r.pos); break; }
      case 4: { expectWire(f, w, 2, 'Span'); const a = r.span(); sp.parentSpanId = buf.toString('hex', a, r.pos); break; }
      case 5: { expectWire(f, w, 2, 'Span'); const a = r.span(); sp.name = str(buf, a, r.pos, lim, 'span name'); break; }
      case 6: expectWire(f, w, 0, 'Span'); sp.kind = Number(r.varint()); break;
      case 7: expectWire(f, w, 1, 'Span'); sp.startNs = r.fixed64(); break;
      case 8: expectWire(f, w, 1, 'Span'); sp.endNs = r.fixed64(); break;
      case 9: {
        expectWire(f, w, 2, 'Span');
        if (++nattrs > lim.maxAttributes) throw new OtlpError(`span: more than ${lim.maxAttributes} attributes`);
        const a = r.span();
        pbKeyValue(buf, a, r.pos, lim, 1, sp.attrs, true);
        break;
      }
      case 11: {
        expectWire(f, w, 2, 'Span');
        if (sp.events.length >= lim.maxEvents) throw new OtlpError(`span: more than ${lim.maxEvents} events`);
        const a = r.span();
        sp.events.push(pbEvent(buf, a, r.pos, lim));
        break;
      }
      case 15: { expectWire(f, w, 2, 'Span'); const a = r.span(); sp.status = pbStatus(buf, a, r.pos); break; }
      default: r.skip(w);
    }
  }
  return sp;
}

function decodeProtobuf(buf, limits = {}) {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const out = [];
  let nspans = 0;
  const top = new Reader(buf);
  while (top.pos < top.end) {
    const t = top.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f !== 1) { top.skip(w); continue; }
    expectWire(f, w, 2, 'ExportTraceServiceRequest');
    const rs = { resource: Object.create(null), scopes: [] };
    const rss = top.span();
    const r = new Reader(buf, rss, top.pos);
    while (r.pos < r.end) {
      const rt = r.tag();
      const rf = rt >>> 3;
      const rw = rt & 7;
      if (rf === 1) {
        expectWire(rf, rw, 2, 'ResourceSpans');
        const a = r.span();
        pbKeyValues(buf, a, r.pos, 1, lim, 1, 'resource', rs.resource);
      } else if (rf === 2) {
        expectWire(rf, rw, 2, 'ResourceSpans');
        const scope = { name: '', spans: [] };
        const ss = r.span();
        const sr = new Reader(buf, ss, r.pos);
        while (sr.pos < sr.end) {
          const st = sr.tag();
          const sf = st >>> 3;
          const sw = st & 7;
          if (sf === 1) {
            expectWire(sf, sw, 2, 'ScopeSpans');
            const is = sr.span();
            const ir = new Reader(buf, is, sr.pos);
            while (ir.pos < ir.end) {
              const xt = ir.tag();
              const xf = xt >>> 3;
              const xw = xt & 7;
              if (xf === 1) { expectWire(xf, xw, 2, 'InstrumentationScope'); const a = ir.span(); scope.name = str(buf, a, ir.pos, lim, 'scope name'); }
              else ir.skip(xw);
            }
          } else if (sf === 2) {
            expectWire(sf, sw, 2, 'ScopeSpans');
            if (++nspans > lim.maxSpans) throw new OtlpError(`more than ${lim.maxSpans} spans in one request: split it (the SDK's maxExportBatchSize)`, 413);
            const a = sr.span();
            scope.spans.push(pbSpan(buf, a, sr.pos, lim));
          } else sr.skip(sw);
        }
        rs.scopes.push(scope);
      } else r.skip(rw);
    }
    out.push(rs);
  }
  return out;
}

// ExportTraceServiceResponse { partial_success = 1 { rejected_spans = 1 (int64); error_message = 2 } }
function encodeResponse(rejected, message) {
  if (!rejected && !message) return Buffer.alloc(0);
  const parts = [];
  const varint = (n) => {
    const b = [];
    let v = BigInt(n);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v) byte |= 0x80;
      b.push(byte);
    } while (v);
    return Buffer.from(b);
  };
  if (rejected) parts.push(Buffer.from([0x08]), varint(rejected));
  if (message) {
    const m = Buffer.from(message, 'utf8');
    parts.push(Buffer.from([0x12]), varint(m.length), m);
  }
  const inner = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
}

// ---------------------------------------------------------------- JSON
// OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase
// names, trace and span ids as hex, 64-bit integers as strings or numbers, enums as ints.
function jtype(v) {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function jfail(where, what, v) {
  throw new OtlpError(`${where}: ${what}, got ${jtype(v)}`);
}

function jobj(v, where) {
  if (v === undefined || v === null) return {};
  if (jtype(v) !== 'object') jfail(where, 'expected an object', v);
  return v;
}

function jarr(v, where) {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) jfail(where, 'expected an array', v);
  return v;
}

function jstr(v, where) {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') jfail(where, 'expected a string', v);
  return v;
}

function jId(v, where, bytes) {
  const s = jstr(v, where);
  if (s === '') return '';
  if (s.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(s)) throw new OtlpError(`${where}: expected ${bytes * 2} hex digits`);
  return s.toLowerCase();
}

function jU64(v, where) {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v)) return BigInt(v);
  throw new OtlpError(`${where}: expected an unsigned 64-bit integer (a string or a number), got ${jtype(v)}`);
}

function jInt(v, where) {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new OtlpError(`${where}: expected an integer, got ${jtype(v)}`);
}

function jAnyValue(v, where, lim, depth) {
  if (depth > lim.maxDepth) throw new OtlpError(`attribute value nested deeper than ${lim.maxDepth} levels`);
  const o = jobj(v, where);
  if ('stringValue' in o) {
    const s = jstr(o.stringValue, where);
    if (Buffer.byteLength(s) > lim.maxValueBytes) throw new OtlpError(`${where}: over the ${lim.maxValueBytes}-byte cap`, 413);
    return s;
  }
  if ('boolValue' in o) {
    if (typeof o.boolValue !== 'boolean') jfail(where, 'boolValue must be a boolean', o.boolValue);
    return o.boolValue;
  }
  if ('intValue' in o) {
    const x = o.intValue;
    if (typeof x === 'number' && Number.isInteger(x)) return x;
    if (typeof x === 'string' && /^-?[0-9]{1,19}$/.test(x)) {
      const n = BigInt(x);
      if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) throw new OtlpError(`${where}: intValue out of the int64 range`);
      return Number.isSafeInteger(Number(x)) ? Number(x) : n.toString();
    }
    jfail(where, 'intValue must be an integer or a decimal string', x);
  }
  if ('doubleValue' in o) {
    const x = o.doubleValue;
    if (typeof x === 'number') return x;
    if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return Number(x);
    jfail(where, 'doubleValue must be a number', x);
  }
  if ('arrayValue' in o) {
    const vals = jarr(jobj(o.arrayValue, where).values, `${where}.arrayValue.values`);
    if (vals.length > lim.maxAttributes) throw new OtlpError(`${where}: an array value with more than ${lim.maxAttributes} elements`);
    return vals.map((x, i) => jAnyValue(x, `${where}[${i}]`, lim, depth + 1));
  }
  if ('kvlistValue' in o) return jKeyValues(jobj(o.kvlistValue, where).values, `${where}.kvlistValue`, lim, depth + 1);
  if ('bytesValue' in o) {
    const s = jstr(o.bytesValue, where);
    if (!/^[A-Za-z0-9+/=_-]*$/.test(s)) throw new OtlpError(`${where}: bytesValue is not base64`);
    return Buffer.from(s, 'base64');
  }
  return null;
}

function jKeyValues(list, where, lim, depth) {
  const a = jarr(list, where);
  if (a.length > lim.maxAttributes) throw new OtlpError(`${where}: more than ${lim.maxAttributes} attributes`);
  const out = Object.create(null);
  a.forEach((kv, i) => {
    const o = jobj(kv, `${where}[${i}]`);
    out[jstr(o.key, `${where}[${i}].key`)] = jAnyValue(o.value, `${where}[${i}].value`, lim, depth);
  });
  return out;
}

function decodeJson(text, limits = {}) {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new OtlpError(`bad JSON: ${e.message}`);
  }
  const root = jobj(doc, 'request');
  let nspans = 0;
  return jarr(root.resourceSpans, 'resourceSpans').map((rsv, i) => {
    const w = `resourceSpans[${i}]`;
    const rso = jobj(rsv, w);
    const res = jobj(rso.resource, `${w}.resource`);
    return {
      resource: jKeyValues(res.attributes, `${w}.resource.attributes`, lim, 1),
      scopes: jarr(rso.scopeSpans, `${w}.scopeSpans`).map((ssv, j) => {
        const ws = `${w}.scopeSpans[${j}]`;
        const sso = jobj(ssv, ws);
        const spans = jarr(sso.spans, `${ws}.spans`);
        nspans += spans.length;
        if (nspans > lim.maxSpans) throw new OtlpError(`more than ${lim.maxSpans} spans in one request: split it (the SDK's maxExportBatchSize)`, 413);
        return {
          name: jstr(jobj(sso.scope, `${ws}.scope`).name, `${ws}.scope.name`),
          spans: spans.map((spv, k) => {
            const wp = `${ws}.spans[${k}]`;
            const s = jobj(spv, wp);
            const events = jarr(s.events, `${wp}.events`);
            if (events.length > lim.maxEvents) throw new OtlpError(`${wp}: more than ${lim.maxEvents} events`);
            const st = jobj(s.status, `${wp}.status`);
            return {
              traceId: jId(s.traceId, `${wp}.traceId`, 16),
              spanId: jId(s.spanId, `${wp}.spanId`, 8),
              parentSpanId: jId(s.parentSpanId, `${wp}.parentSpanId`, 8),
              name: jstr(s.name, `${wp}.name`),
              kind: jInt(s.kind, `${wp}.kind`),
              startNs: jU64(s.startTimeUnixNano, `${wp}.startTimeUnixNano`),
              endNs: jU64(s.endTimeUnixNano, `${wp}.endTimeUnixNano`),
              attrs: jKeyValues(s.attributes, `${wp}.attributes`, lim, 1),
              events: events.map((ev, m) => {
                const eo = jobj(ev, `${wp}.events[${m}]`);
                return {
                  name: jstr(eo.name, `${wp}.events[${m}].name`),
                  timeNs: jU64(eo.timeUnixNano, `${wp}.events[${m}].timeUnixNano`),
                  attrs: jKeyValues(eo.attributes, `${wp}.events[${m}].attributes`, lim, 1),
                };
              }),
              status: { code: jInt(st.code, `${wp}.status.code`), message: jstr(st.message, `${wp}.status.message`) },
            };
          }),
        };
      }),
    };
  });
}

module.exports = { decodeProtobuf, decodeJson, encodeResponse, OtlpError, DEFAULT_LIMITS, RawText };
