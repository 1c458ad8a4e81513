'use strict';
// Replaying serialized OTLP/protobuf bodies with new ids and times, for the paced run: the
// official serializer costs ~0.2 ms per span here (≈1 core at 5 000 spans/s on a 2-core
// machine shared with the receiver), so the paced run serializes a pool once and sends
// copies with every trace id and span id XORed with a salt per cycle and every timestamp
// moved (start, end, event times). Texts and attributes stay as serialized.
//
// ExportTraceServiceRequest: 1 ResourceSpans { 1 Resource, 2 ScopeSpans { 1 scope,
// 2 Span { 1 trace_id, 2 span_id, 4 parent_span_id, 7 start (fixed64), 8 end (fixed64),
// 11 Event { 1 time (fixed64) } } } }.

function varint(buf, pos) {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, pos];
    mul *= 128;
  }
}

// Calls fn(field, wireType, start, end) for each field of the message in buf[start, end).
function fields(buf, start, end, fn) {
  let pos = start;
  while (pos < end) {
    let tag;
    [tag, pos] = varint(buf, pos);
    const f = Math.floor(tag / 8);
    const wt = tag & 7;
    if (wt === 0) {
      const [, p] = varint(buf, pos);
      fn(f, wt, pos, p);
      pos = p;
    } else if (wt === 1) {
      fn(f, wt, pos, pos + 8);
      pos += 8;
    } else if (wt === 2) {
      let len;
      [len, pos] = varint(buf, pos);
      fn(f, wt, pos, pos + len);
      pos += len;
    } else if (wt === 5) {
      fn(f, wt, pos, pos + 4);
      pos += 4;
    } else throw new Error(`wire type ${wt} at ${pos}`);
  }
}

// The offsets to patch in one body.
function index(buf) {
  const traceIds = [];
  const spanIds = [];
  const times = [];
  const spanEnds = []; // [offset of end time] per span, for the caller's bookkeeping
  fields(buf, 0, buf.length, (f, wt, s, e) => {
    if (f !== 1 || wt !== 2) return;
    fields(buf, s, e, (f2, wt2, s2, e2) => {
      if (f2 !== 2 || wt2 !== 2) return;
      fields(buf, s2, e2, (f3, wt3, s3, e3) => {
        if (f3 !== 2 || wt3 !== 2) return;
        fields(buf, s3, e3, (f4, wt4, s4, e4) => {
          if (f4 === 1 && e4 - s4 === 16) traceIds.push(s4);
          else if ((f4 === 2 || f4 === 4) && e4 - s4 === 8) spanIds.push(s4);
          else if ((f4 === 7 || f4 === 8) && wt4 === 1) {
            times.push(s4);
            if (f4 === 8) spanEnds.push(s4);
          } else if (f4 === 11 && wt4 === 2) {
            fields(buf, s4, e4, (f5, wt5, s5) => {
              if (f5 === 1 && wt5 === 1) times.push(s5);
            });
          }
        });
      });
    });
  });
  return { traceIds: Int32Array.from(traceIds), spanIds: Int32Array.from(spanIds), times: Int32Array.from(times), spans: spanEnds.length };
}

// A copy of body with ids XORed by salt (16 bytes: trace ids all of it, span ids the first
// 8) and times moved by shiftMs.
function patch(body, idx, salt, shiftMs) {
  const out = Buffer.from(body);
  for (const o of idx.traceIds) for (let i = 0; i < 16; i++) out[o + i] ^= salt[i];
  for (const o of idx.spanIds) for (let i = 0; i < 8; i++) out[o + i] ^= salt[i];
  const d = BigInt(Math.round(shiftMs)) * 1000000n;
  for (const o of idx.times) out.writeBigUInt64LE(out.readBigUInt64LE(o) + d, o);
  return out;
}

module.exports = { index, patch, fields, varint };
