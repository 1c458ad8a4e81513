'use strict';
// The decoder (src/decoder.js): a worker thread and the main thread (decode_workers 0) give
// the same spans and the same COPY bytes; long input/output texts, kept as their UTF-8
// bytes (otlp.js RawText), reach the COPY bytes as sent, a NUL taken out, and a bad UTF-8
// sequence in one is a 400 like in any other text.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const { Decoder } = require('../src/decoder');

// A minimal protobuf writer for ExportTraceServiceRequest (opentelemetry-proto v1).
function varint(n) {
  const b = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    b.push(byte);
  } while (n);
  return Buffer.from(b);
}
const field = (f, bytes) => Buffer.concat([varint(f * 8 + 2), varint(bytes.length), bytes]);
const fixed64 = (f, v) => {
  const b = Buffer.alloc(9);
  b[0] = f * 8 + 1;
  b.writeBigUInt64LE(v, 1);
  return b;
};
const kv = (key, value) => field(9, Buffer.concat([field(1, Buffer.from(key)), field(2, field(1, Buffer.isBuffer(value) ? value : Buffer.from(value)))]));
function spanPb({ traceId, spanId, parentId, name, startMs, attrs }) {
  const parts = [field(1, Buffer.from(traceId, 'hex')), field(2, Buffer.from(spanId, 'hex'))];
  if (parentId) parts.push(field(4, Buffer.from(parentId, 'hex')));
  parts.push(field(5, Buffer.from(name)), fixed64(7, BigInt(startMs) * 1000000n), fixed64(8, BigInt(startMs + 5) * 1000000n));
  for (const [k, v] of Object.entries(attrs)) parts.push(kv(k, v));
  return Buffer.concat(parts);
}
function requestPb(spans) {
  const resource = field(1, field(1, Buffer.concat([field(1, Buffer.from('service.name')), field(2, field(1, Buffer.from('decoder-test')))])));
  const scope = field(2, Buffer.concat(spans.map((s) => field(2, spanPb(s)))));
  return field(1, Buffer.concat([resource, scope]));
}

const settings = { limits: { maxSpans: 10000, maxAttributes: 1024, maxDepth: 16 }, windows: {} };
const inline = new Decoder(settings, 0);
const worker = new Decoder(settings, 1);
test.after(() => worker.close());

const hex = (n) => crypto.randomBytes(n).toString('hex');
const long = (seed) => `${seed} — grüße, 日本語, emoji 🙂. `.repeat(200); // > 1 KiB, not ASCII

test('worker and main thread: the same spans and COPY bytes; long texts as sent, NUL taken out', async () => {
  const traceId = hex(16);
  const root = hex(8);
  const output = long('output');
  const input = long('input');
  const spans = [
    { traceId, spanId: root, name: 'turn', startMs: Date.now(), attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': 's-dec', 'output.value': output } },
    { traceId, spanId: hex(8), parentId: root, name: 'tool', startMs: Date.now(), attrs: { 'gen_ai.operation.name': 'execute_tool', 'input.value': `${input}\u0000tail`, 'gen_ai.tool.call.result': 'short' } },
    { traceId, spanId: hex(8), parentId: root, name: 'note', startMs: Date.now(), attrs: { 'custom.long': long('attr') } },
  ];
  const body = requestPb(spans);
  const a = await inline.run(Buffer.from(body), false);
  const b = await worker.run(Buffer.from(body), false);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.equal(a.mapped.length, 3);
  const strip = (r) => r.mapped.map(({ copy, ...m }) => m);
  assert.deepEqual(strip(b), strip(a));
  for (let i = 0; i < 3; i++) assert.ok(a.mapped[i].copy.equals(b.mapped[i].copy), `span ${i}: COPY bytes differ`);
  assert.ok(a.mapped[0].copy.includes(Buffer.from(output)), 'output.value as sent');
  assert.ok(a.mapped[1].copy.includes(Buffer.from(`${input}tail`)), 'input.value with its NUL taken out');
  assert.ok(!a.mapped[1].copy.includes(Buffer.from(`${input}\u0000`)));
  assert.ok(a.mapped[2].copy.includes(Buffer.from(JSON.stringify(long('attr')).slice(1, -1))), 'a long attribute stays in attrs');
});

test('bad UTF-8 in a long input/output text or a short one: 400 from either thread', async () => {
  const bad = Buffer.concat([Buffer.from(long('x')), Buffer.from([0xc3, 0x28])]);
  for (const attrs of [{ 'output.value': bad }, { 'gen_ai.operation.name': Buffer.from([0xff, 0xfe]) }]) {
    const body = requestPb([{ traceId: hex(16), spanId: hex(8), name: 'x', startMs: Date.now(), attrs }]);
    for (const d of [inline, worker]) {
      const r = await d.run(Buffer.from(body), false);
      assert.equal(r.status, 400);
      assert.match(r.message, /not valid UTF-8/);
    }
  }
});
