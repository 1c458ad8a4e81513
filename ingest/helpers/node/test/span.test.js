'use strict';
// The span helpers with the real OpenTelemetry SDK (sdk-trace-base, its in-memory exporter,
// the async-hooks context manager): what they record on the active span or a given one, and
// that bad input is refused with a reason instead of a throw.
const test = require('node:test');
const assert = require('node:assert/strict');
const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { recordRecovery, setContextWindow, setContextSegments, setPromptVersion, ATTR } = require('..');

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
api.trace.setGlobalTracerProvider(provider);
const tracer = api.trace.getTracer('switchboard-helper-test');

test.beforeEach(() => exporter.reset());

function only() {
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 1);
  return spans[0];
}

test('a recovery event on the active span, with every documented attribute', async () => {
  await tracer.startActiveSpan('execute_tool search_orders', async (span) => {
    await new Promise((r) => setImmediate(r)); // still the active span after an await
    const r = recordRecovery({
      kind: 'tool_error',
      strategy: 'alternative_tool',
      outcome: 'recovered',
      attempt: 2,
      recoverable: true,
      message: 'search_orders timed out; used lookup_order',
      detail: { tool: 'search_orders', error: 'ETIMEDOUT', fallback_tool: 'lookup_order' },
    });
    assert.deepEqual(r, { recorded: true });
    span.end();
  });
  const s = only();
  assert.equal(s.events.length, 1);
  const e = s.events[0];
  assert.equal(e.name, 'agentops.recovery');
  assert.deepEqual(e.attributes, {
    'agentops.recovery.kind': 'tool_error',
    'agentops.recovery.strategy': 'alternative_tool',
    'agentops.recovery.outcome': 'recovered',
    'agentops.recovery.attempt': 2,
    'agentops.recovery.recoverable': true,
    'agentops.recovery.message': 'search_orders timed out; used lookup_order',
    'agentops.recovery.detail': '{"tool":"search_orders","error":"ETIMEDOUT","fallback_tool":"lookup_order"}',
  });
});

test('defaults: attempt 1, recoverable true, no message or detail', () => {
  const span = tracer.startSpan('chat model-1');
  assert.deepEqual(recordRecovery({ kind: 'invalid_json', strategy: 'stricter_prompt_retry', outcome: 'in_progress' }, span), { recorded: true });
  span.end();
  assert.deepEqual(only().events[0].attributes, {
    [ATTR.kind]: 'invalid_json',
    [ATTR.strategy]: 'stricter_prompt_retry',
    [ATTR.outcome]: 'in_progress',
    [ATTR.attempt]: 1,
    [ATTR.recoverable]: true,
  });
});

test('bad recovery events are refused with a reason, nothing recorded, nothing thrown', () => {
  const span = tracer.startSpan('chat model-1');
  const base = { kind: 'tool_error', strategy: 'retry', outcome: 'failed' };
  const deep = {};
  let cur = deep;
  for (let i = 0; i < 70; ++i) cur = cur.x = {};
  const cyclic = {};
  cyclic.self = cyclic;
  const cases = [
    [null, /event must be an object/],
    [{ ...base, kind: 'oops' }, /kind must be one of tool_error\|/],
    [{ ...base, strategy: 'RETRY' }, /strategy must be one of/],
    [{ ...base, outcome: undefined }, /outcome must be one of/],
    [{ ...base, attempt: 0 }, /attempt must be an integer ≥ 1/],
    [{ ...base, attempt: 1.5 }, /attempt must be an integer/],
    [{ ...base, recoverable: 'yes' }, /recoverable must be a boolean/],
    [{ ...base, message: 'x'.repeat(16 * 1024 + 1) }, /message is over the 16384-byte cap/],
    [{ ...base, message: 'a\0b' }, /NUL/],
    [{ ...base, detail: [1, 2] }, /detail must be a plain object/],
    [{ ...base, detail: { raw_excerpt: 'x'.repeat(70000) } }, /over the 65536-byte cap/],
    [{ ...base, detail: deep }, /deeper than 64 levels/],
    [{ ...base, detail: cyclic }, /deeper than 64 levels/],
    [{ ...base, detail: { n: 10n } }, /not serialisable/],
  ];
  for (const [event, re] of cases) {
    const r = recordRecovery(event, span);
    assert.equal(r.recorded, false, JSON.stringify(r));
    assert.match(r.error, re);
  }
  span.end();
  assert.equal(only().events.length, 0);
  // No span at all: refused, not thrown.
  assert.deepEqual(recordRecovery(base), { recorded: false, error: 'no active span' });
});

test('the context window and the segments of a model call', async () => {
  await tracer.startActiveSpan('chat claude-sonnet-4', async (span) => {
    assert.deepEqual(setContextWindow(200000), { recorded: true });
    assert.deepEqual(setPromptVersion(7), { recorded: true });
    assert.deepEqual(setContextSegments([
      { kind: 'system', role: 'system', tokens: 1800, text: 'You are triage.' },
      { kind: 'summary', role: 'system', tokens: 600 },
      { kind: 'message', role: 'user', tokens: 120, text: 'Where is my order? \u202e' },
      { kind: 'tool_result', role: 'tool', tokens: 5200 },
      { kind: 'retrieval', tokens: 0 },
    ]), { recorded: true });
    span.end();
  });
  const a = only().attributes;
  assert.equal(a['gen_ai.context.window_size'], 200000);
  assert.equal(a['agentops.prompt.version'], 7);
  assert.equal(typeof a['agentops.context.segments'], 'string');
  assert.deepEqual(JSON.parse(a['agentops.context.segments']), [
    { kind: 'system', role: 'system', tokens: 1800, text: 'You are triage.' },
    { kind: 'summary', role: 'system', tokens: 600 },
    { kind: 'message', role: 'user', tokens: 120, text: 'Where is my order? \u202e' },
    { kind: 'tool_result', role: 'tool', tokens: 5200 },
    { kind: 'retrieval', tokens: 0 },
  ]);
});

test('bad windows and segments are refused, the span keeps what it had', () => {
  const span = tracer.startSpan('chat model-1');
  setContextWindow(8192, span);
  for (const [v, re] of [[0, /≥ 1/], [-5, /≥ 1/], [1.5, /integer/], ['8192', /integer/], [2 ** 60, /integer/]]) {
    const r = setContextWindow(v, span);
    assert.equal(r.recorded, false);
    assert.match(r.error, re);
  }
  for (const v of [0, 1.5, '7', 2 ** 31]) {
    const r = setPromptVersion(v, span);
    assert.equal(r.recorded, false);
    assert.match(r.error, /version must be an integer from 1 to 2147483647/);
  }
  const segCases = [
    [[], /non-empty array/],
    ['system', /non-empty array/],
    [[{ kind: 'prompt', tokens: 1 }], /segment 0: kind must be one of/],
    [[{ kind: 'system', tokens: 1 }, { kind: 'message', role: 'bot', tokens: 1 }], /segment 1: role must be one of/],
    [[{ kind: 'system', tokens: -1 }], /segment 0: tokens must be an integer ≥ 0/],
    [[{ kind: 'system' }], /tokens must be/],
    [[null], /segment 0 must be an object/],
    [[{ kind: 'system', tokens: 1, text: 42 }], /segment 0: text must be a string/],
    [new Array(10001).fill({ kind: 'message', tokens: 1 }), /more than 10000 segments/],
    [[{ kind: 'message', tokens: 1, text: 'x'.repeat(8 * 1024 * 1024) }], /over the 8388608-byte cap/],
  ];
  for (const [segs, re] of segCases) {
    const r = setContextSegments(segs, span);
    assert.equal(r.recorded, false, JSON.stringify(r));
    assert.match(r.error, re);
  }
  span.end();
  const a = only().attributes;
  assert.equal(a['gen_ai.context.window_size'], 8192);
  assert.equal(a['agentops.context.segments'], undefined);
  assert.equal(a['agentops.prompt.version'], undefined);
});
