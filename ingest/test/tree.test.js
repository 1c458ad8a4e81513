'use strict';
// Spans out of order across requests (issue 16.2): a child before its parent waits (its
// live state does not); a child after its trace was closed is written under its parent
// (read back from Postgres) and the ancestors' subtree totals grow; a child whose parent
// never comes is written as an orphan after orphan_wait_ms. Back-pressure: 429 and 503
// with Retry-After; retried requests write everything exactly once.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startStack, waitFor, sleep } = require('./servers');
const { hexId, span, request, post } = require('./otlp-json');

let stack;
let r;
test.before(async () => {
  stack = await startStack({ quiet_ms: 500, orphan_wait_ms: 2500, max_queue_spans: 40 });
  r = stack.redis.client();
});
test.after(async () => {
  r.disconnect();
  await stack.destroy();
});

const rowsOf = async (traceId) => (await stack.pg.psql(`SELECT span_id, coalesce(parent_id, '-'), depth, path, subtree_tokens, subtree_errors, turn, session_id
  FROM agentops.spans WHERE trace_id = '${traceId}' ORDER BY path COLLATE "C"`)).trim().split('\n').filter(Boolean).map((l) => l.split('\t'));

test('child first, parent later; then a late grandchild after the trace closed', async () => {
  const traceId = hexId(16);
  const t0 = Date.now() - 10000;
  const root = span({ traceId, name: 'invoke_agent', startMs: t0, endMs: t0 + 3000, attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': 's-tree', 'gen_ai.agent.name': 'triage' } });
  const chat = span({ traceId, parentSpanId: root.spanId, name: 'chat', startMs: t0 + 100, endMs: t0 + 900,
    attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 's-tree', 'gen_ai.usage.input_tokens': 300, 'gen_ai.usage.output_tokens': 20, 'gen_ai.response.model': 'm1' } });
  let res = await post(stack.receiver.url, request([chat]));
  assert.equal(res.status, 200);
  // Live state at once, the row waits for its parent.
  assert.equal((await r.hgetall('agentops:session:s-tree')).ctx_tokens, '300');
  assert.deepEqual(await rowsOf(traceId), []);
  res = await post(stack.receiver.url, request([root]));
  assert.equal(res.status, 200);
  let rows = await rowsOf(traceId);
  assert.deepEqual(rows.map((x) => [x[0], x[1], x[2], x[4], x[6]]), [[root.spanId, '-', '0', '320', '0'], [chat.spanId, root.spanId, '1', '320', '0']]);
  assert.equal(rows[1][3], `${rows[0][3]}.${rows[1][3].split('.')[1]}`);

  // The trace is forgotten after quiet_ms (+ the 1 s sweep); a tool span under chat arrives.
  await sleep(1800);
  const tool = span({ traceId, parentSpanId: chat.spanId, name: 'execute_tool', startMs: t0 + 950, endMs: t0 + 5000,
    attrs: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.usage.input_tokens': 5 }, status: { code: 2, message: 'boom' } });
  res = await post(stack.receiver.url, request([tool]));
  assert.equal(res.status, 200);
  rows = await rowsOf(traceId);
  assert.deepEqual(rows.map((x) => [x[0], x[2], x[4], x[5], x[7]]), [
    [root.spanId, '0', '325', '1', 's-tree'], [chat.spanId, '1', '325', '1', 's-tree'], [tool.spanId, '2', '5', '1', 's-tree']]);
  assert.ok(rows[2][3].startsWith(`${rows[1][3]}.`));
  const dur = (await stack.pg.psql(`SELECT round(subtree_duration_ms) FROM agentops.spans WHERE span_id = '${root.spanId}'`)).trim();
  assert.equal(dur, '5000'); // the late tool span ends after the root
});

test('a child whose parent never comes is written as an orphan after orphan_wait_ms', async () => {
  const traceId = hexId(16);
  const t0 = Date.now();
  const lost = hexId(8);
  const chat = span({ traceId, parentSpanId: lost, name: 'chat', startMs: t0, endMs: t0 + 10, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 's-orphan', 'gen_ai.usage.input_tokens': 1 } });
  assert.equal((await post(stack.receiver.url, request([chat]))).status, 200);
  await sleep(1000);
  assert.deepEqual(await rowsOf(traceId), []);
  const rows = await waitFor('orphan', async () => {
    const x = await rowsOf(traceId);
    return x.length ? x : null;
  }, 6000);
  assert.deepEqual(rows.map((x) => [x[0], x[1], x[2], x[7]]), [[chat.spanId, lost, '0', 's-orphan']]);
});

test('back-pressure: 429 with Retry-After when the queue is full, 503 while Postgres is down; retries write once', async () => {
  const traceIds = [];
  const bodies = Array.from({ length: 30 }, (_, i) => {
    const traceId = hexId(16);
    traceIds.push(traceId);
    const t0 = Date.now();
    return request(Array.from({ length: 20 }, (_, j) => span({ traceId, name: `s${j}`, startMs: t0, endMs: t0 + 1,
      attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': `s-bp-${i}`, 'gen_ai.usage.input_tokens': j } })));
  });
  const statuses = [];
  await Promise.all(bodies.map(async (b) => {
    for (;;) {
      const res = await post(stack.receiver.url, b);
      statuses.push(res.status);
      if (res.status === 200) return;
      assert.equal(res.status, 429, res.text);
      assert.equal(res.retryAfter, '1');
      await sleep(50);
    }
  }));
  assert.ok(statuses.includes(429), `no 429 among ${statuses.length} answers`);
  assert.equal((await stack.pg.psql(`SELECT count(*) FROM agentops.spans WHERE trace_id IN (${traceIds.map((x) => `'${x}'`).join(',')})`)).trim(), '600');

  await stack.pg.stop();
  const traceId = hexId(16);
  const t0 = Date.now();
  const one = request([span({ traceId, startMs: t0, endMs: t0 + 1, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 's-down', 'gen_ai.usage.input_tokens': 3 } })]);
  const res = await post(stack.receiver.url, one);
  assert.equal(res.status, 503);
  assert.equal(res.retryAfter, '5');
  assert.match(res.json.message, /storage unavailable: postgres/);
  await stack.pg.start();
  await waitFor('accepted again', async () => (await post(stack.receiver.url, one)).status === 200, 15000, 500);
  assert.equal((await stack.pg.psql(`SELECT count(*) FROM agentops.spans WHERE trace_id = '${traceId}'`)).trim(), '1');
});
