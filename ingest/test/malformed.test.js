'use strict';
// Malformed OTLP (issue 16.5): a clear 4xx and nothing written, not even half a request.
// Bad records inside a good request: partial_success, the good spans written.
const test = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('zlib');
const { startStack } = require('./servers');
const { hexId, span, request, post } = require('./otlp-json');

let stack;
let r;
test.before(async () => {
  stack = await startStack();
  r = stack.redis.client();
});
test.after(async () => {
  r.disconnect();
  await stack.destroy();
});

async function nothingWritten() {
  assert.equal((await stack.pg.psql('SELECT (SELECT count(*) FROM agentops.spans) + (SELECT count(*) FROM agentops.sessions) + (SELECT count(*) FROM agentops.recovery_events)')).trim(), '0');
  assert.equal(await r.dbsize(), 0);
}

function goodSpans(n, sid = 's-bad') {
  const traceId = hexId(16);
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => span({ traceId, startMs: now, endMs: now + 1, name: `chat ${i}`,
    attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': sid, 'gen_ai.usage.input_tokens': 10 } }));
}

const protoPost = (url, body, headers = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...headers }, body })
  .then(async (res) => ({ status: res.status, body: Buffer.from(await res.arrayBuffer()), retryAfter: res.headers.get('retry-after') }));

test('bad protobuf: 400 with the reason, nothing written', async () => {
  for (const body of [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from('this is not protobuf at all'), Buffer.from([0x0a, 0x05, 0x12, 0x03, 0x0a])]) {
    const res = await protoPost(stack.receiver.url, body);
    assert.equal(res.status, 400);
    assert.match(res.body.toString('latin1'), /bad protobuf/);
  }
  await nothingWritten();
});

test('wrong JSON types anywhere in the request: 400 naming the place, none of its spans written', async () => {
  const spans = goodSpans(3);
  const cases = [
    [JSON.parse(JSON.stringify(request(spans))), (q) => { q.resourceSpans[0].scopeSpans[0].spans[2].spanId = 12345; }, /spans\[2\]\.spanId: expected a string, got number/],
    [JSON.parse(JSON.stringify(request(spans))), (q) => { q.resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano = 'yesterday'; }, /startTimeUnixNano/],
    [JSON.parse(JSON.stringify(request(spans))), (q) => { q.resourceSpans[0].scopeSpans[0].spans[2].attributes[0].value = { intValue: 'ten' }; }, /intValue/],
    [JSON.parse(JSON.stringify(request(spans))), (q) => { q.resourceSpans = {}; }, /resourceSpans: expected an array/],
  ];
  for (const [q, breakIt, re] of cases) {
    breakIt(q);
    const res = await post(stack.receiver.url, q);
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.message, re);
  }
  const res = await post(stack.receiver.url, '{"resourceSpans": [');
  assert.equal(res.status, 400);
  assert.match(res.json.message, /bad JSON/);
  await nothingWritten();
});

test('a 50 MB body, a gzip bomb, 100 000 spans in one request, deep nesting: 4xx, nothing written', async () => {
  const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
  let res = await post(stack.receiver.url, big);
  assert.equal(res.status, 413);
  assert.match(res.json.message, /over the 16777216-byte cap/);
  // 200 MB of spaces, 200 KB gzipped: stopped at the decompressed cap.
  const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 });
  res = await post(stack.receiver.url, bomb, { 'content-encoding': 'gzip' });
  assert.equal(res.status, 413);
  assert.match(res.json.message, /decompressed body is over/);
  // 100 000 minimal spans (~12 MB of JSON, under the body cap): the span cap.
  const traceId = hexId(16);
  const many = Array.from({ length: 100000 }, (_, i) => ({ traceId, spanId: (i + 1).toString(16).padStart(16, '0'), name: 'x', startTimeUnixNano: '1', endTimeUnixNano: '2' }));
  res = await post(stack.receiver.url, request(many));
  assert.equal(res.status, 413);
  assert.match(res.json.message, /more than 10000 spans in one request/);
  // An attribute nested 100 levels deep.
  let v = { stringValue: 'leaf' };
  for (let i = 0; i < 100; i++) v = { kvlistValue: { values: [{ key: 'k', value: v }] } };
  const deep = goodSpans(2);
  deep[1].attributes.push({ key: 'deep', value: v });
  res = await post(stack.receiver.url, request(deep));
  assert.equal(res.status, 400);
  assert.match(res.json.message, /nested deeper than 16 levels/);
  // Wrong content type and encoding.
  res = await post(stack.receiver.url, 'x', { 'content-type': 'text/plain' });
  assert.equal(res.status, 415);
  res = await post(stack.receiver.url, 'x', { 'content-encoding': 'br' });
  assert.equal(res.status, 415);
  await nothingWritten();
});

test('bad records: partial_success counts them, the rest is written; unknown attributes are kept', async () => {
  // Spans that decode but cannot be mapped (the contract refuses them):
  const traceId = hexId(16);
  const now = Date.now();
  const ok1 = span({ traceId, startMs: now, endMs: now + 5, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 's-partial', 'gen_ai.usage.input_tokens': 7, 'x.vendor.thing': 'v', 'x.vendor.list': 3 } });
  const badTokens = span({ traceId, startMs: now, endMs: now + 5, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 's-partial', 'gen_ai.usage.input_tokens': 'many' } });
  const badEvent = span({ traceId, startMs: now, endMs: now + 5, attrs: { 'gen_ai.conversation.id': 's-partial' },
    events: [{ name: 'agentops.recovery', atMs: now, attrs: { 'agentops.recovery.kind': 'gremlins', 'agentops.recovery.strategy': 'retry', 'agentops.recovery.outcome': 'failed' } }] });
  const badTime = span({ traceId, startMs: now + 10, endMs: now, attrs: {} });
  const res = await post(stack.receiver.url, request([ok1, badTokens, badEvent, badTime]));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.partialSuccess.rejectedSpans, '3');
  assert.match(res.json.partialSuccess.errorMessage, /gen_ai.usage.input_tokens = 'many' is not a non-negative integer/);
  assert.match(res.json.partialSuccess.errorMessage, /kind = 'gremlins' is not one of/);
  assert.match(res.json.partialSuccess.errorMessage, /end_time_unix_nano is before/);
  assert.equal((await stack.pg.psql(`SELECT span_id, attrs->>'x.vendor.thing', attrs->>'x.vendor.list' FROM agentops.spans`)).trim(), `${ok1.spanId}\tv\t3`);
  assert.equal((await r.hgetall('agentops:session:s-partial')).ctx_tokens, '7');
});
