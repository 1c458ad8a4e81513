'use strict';
// The official OpenTelemetry SDK (sdk-trace-node) exporting OTLP/protobuf and OTLP/JSON to
// the receiver (a child process writing with an ACL'd Redis user and an agentops_writer
// login). After a conversation, Redis and Postgres hold what docs/contract.md says.
const test = require('node:test');
const assert = require('node:assert/strict');
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { trace, ROOT_CONTEXT, SpanStatusCode } = require('@opentelemetry/api');
const { OTLPTraceExporter: ProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: JsonExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { startStack, waitFor } = require('./servers');

function provider(Exporter, url, service, headers) {
  return new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'agent-host-1' }),
    spanProcessors: [new BatchSpanProcessor(new Exporter({ url, headers }), { scheduledDelayMillis: 100, maxExportBatchSize: 512 })],
  });
}

// One conversation of two turns. The first turn's llm call records a recovery event; its
// tool fails. Spans end children first, as real agents' do, so the turn root is exported
// last (often in a later batch).
async function converse(tp, session, { window = 200000 } = {}) {
  const tracer = tp.getTracer('test-agent', '1.0.0');
  const t0 = Date.now() - 5000;
  const ids = {};
  for (let turn = 0; turn < 2; turn++) {
    const base = t0 + turn * 2000;
    const root = tracer.startSpan('invoke_agent triage', { startTime: base, attributes: {
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'triage', 'gen_ai.conversation.id': session } });
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    const chat = tracer.startSpan('chat claude-sonnet-4', { startTime: base + 10, attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': session, 'gen_ai.request.model': 'claude-sonnet-4',
      'gen_ai.response.model': 'claude-sonnet-4-20250514', 'gen_ai.usage.input_tokens': 1000 * (turn + 1) + 500,
      'gen_ai.usage.output_tokens': 40, 'gen_ai.usage.cache_read.input_tokens': 500, 'gen_ai.context.window_size': window,
      'gen_ai.response.time_to_first_chunk': 0.25, 'gen_ai.response.finish_reasons': ['tool_call'],
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a triage agent.' }]),
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `question ${turn} `.repeat(20) }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', name: 'search_orders', id: 'c1', arguments: { q: 'x' } }], finish_reason: 'tool_call' }]),
      'some.vendor.unknown': 'kept' } }, ctx);
    if (turn === 0) {
      chat.addEvent('agentops.recovery', { 'agentops.recovery.kind': 'invalid_json', 'agentops.recovery.strategy': 'stricter_prompt_retry',
        'agentops.recovery.outcome': 'recovered', 'agentops.recovery.attempt': 2, 'agentops.recovery.recoverable': true,
        'agentops.recovery.message': 'model returned broken JSON', 'agentops.recovery.detail': JSON.stringify({ raw_excerpt: '{"a":' }) }, base + 600);
    }
    chat.end(base + 800);
    const tool = tracer.startSpan('execute_tool search_orders', { startTime: base + 810, attributes: {
      'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search_orders', 'gen_ai.tool.call.id': 'c1',
      'gen_ai.tool.call.arguments': '{"q":"x"}', 'gen_ai.tool.call.result': turn === 0 ? '' : '{"orders":[]}' } }, ctx);
    if (turn === 0) {
      tool.recordException({ name: 'TimeoutError', message: 'search_orders timed out' });
      tool.setAttribute('error.type', 'TimeoutError');
      tool.setStatus({ code: SpanStatusCode.ERROR, message: 'search_orders timed out' });
    }
    tool.end(base + 1200);
    ids[turn] = { root: root.spanContext(), chat: chat.spanContext(), tool: tool.spanContext() };
    root.end(base + 1500);
  }
  await tp.forceFlush();
  return ids;
}

for (const [label, Exporter] of [['protobuf', ProtoExporter], ['json', JsonExporter]]) {
  test(`OTLP/${label} from the official SDK: session, fill, composition, events and the trace tree`, async (t) => {
    const stack = await startStack({ model_windows: {} });
    t.after(() => stack.destroy());
    const r = stack.redis.client();
    t.after(() => r.disconnect());
    const session = `sess-${label}`;
    const tp = provider(Exporter, stack.receiver.url, 'triage-svc');
    const ids = await converse(tp, session);
    await tp.shutdown();

    // Live state.
    const h = await waitFor('session hash', async () => {
      const x = await r.hgetall(`agentops:session:${session}`);
      return x.turns === '2' ? x : null;
    });
    assert.equal(h.agent, 'triage'); // from the turn's gen_ai.agent.name (the chat spans carry none)
    assert.equal(h.host, 'agent-host-1');
    assert.equal(h.model, 'claude-sonnet-4-20250514');
    assert.equal(h.ctx_tokens, '2500'); // the latest call's input incl. cache
    assert.equal(h.ctx_limit, '200000');
    assert.equal(h.state, 'active');
    assert.equal(Number(await r.zscore('agentops:sessions', session)), Number(h.updated_at));
    assert.ok(Number(await r.pttl(`agentops:session:${session}`)) > 3500000);
    const ctx = JSON.parse(await r.get(`agentops:session:${session}:ctx`));
    assert.equal(ctx.limit, 200000);
    assert.equal(ctx.estimated, true);
    assert.deepEqual(ctx.segments.map((s) => [s.kind, s.role]), [['system', 'system'], ['message', 'user']]);
    assert.equal(ctx.segments.reduce((a, s) => a + s.tokens, 0), 2500);

    const ev = await r.xrange('agentops:events', '-', '+');
    assert.equal(ev.length, 1);
    const f = {};
    for (let i = 0; i < ev[0][1].length; i += 2) f[ev[0][1][i]] = ev[0][1][i + 1];
    assert.equal(f.session_id, session);
    assert.equal(f.kind, 'invalid_json');
    assert.equal(f.strategy, 'stricter_prompt_retry');
    assert.equal(f.outcome, 'recovered');
    assert.equal(f.attempt, '2');
    assert.equal(f.recoverable, '1');
    assert.equal(f.span_id, ids[0].chat.spanId);
    assert.equal(JSON.parse(f.detail).raw_excerpt, '{"a":');

    // Durable rows.
    const rows = (await stack.pg.psql(`SELECT span_id, parent_id, kind, turn, depth, path, subtree_tokens, subtree_errors,
        round(subtree_duration_ms), status, coalesce(error_type,''), coalesce(input_tokens,-1), agent, session_id,
        first_token_at IS NOT NULL, attrs ? 'some.vendor.unknown', attrs ? 'gen_ai.input.messages', coalesce(input_bytes, -1)
      FROM agentops.spans ORDER BY session_id, path COLLATE "C"`)).trim().split('\n').map((l) => l.split('\t'));
    assert.equal(rows.length, 6);
    const byId = Object.fromEntries(rows.map((x) => [x[0], x]));
    for (const turn of [0, 1]) {
      const root = byId[ids[turn].root.spanId];
      const chat = byId[ids[turn].chat.spanId];
      const tool = byId[ids[turn].tool.spanId];
      assert.deepEqual([root[2], root[3], root[4], root[1]], ['turn', String(turn), '0', '']);
      assert.deepEqual([chat[2], chat[3], chat[4], chat[1]], ['llm', String(turn), '1', ids[turn].root.spanId]);
      assert.deepEqual([tool[2], tool[3], tool[4]], ['tool', String(turn), '1']);
      assert.ok(chat[5].startsWith(`${root[5]}.`) && tool[5].startsWith(`${root[5]}.`));
      assert.match(root[5], new RegExp(`^\\d{8}T\\d{9}Z${ids[turn].root.spanId}$`));
      // subtree: chat (1000*(turn+1) non-cached + 40 out; the 500 cached apart) + tool 0
      assert.equal(root[6], String(1000 * (turn + 1) + 40));
      assert.equal(root[7], turn === 0 ? '1' : '0');
      assert.equal(root[8], '1500');
      assert.equal(chat[11], String(1000 * (turn + 1)));
      assert.equal(chat[14], 't');
      assert.equal(chat[15], 't');
      assert.equal(chat[16], 'f'); // messages go to input, not attrs
      assert.ok(Number(chat[17]) > 0);
      assert.deepEqual([tool[9], tool[10]], turn === 0 ? ['error', 'TimeoutError'] : ['ok', '']);
      assert.equal(root[12], 'triage');
      assert.equal(chat[12], 'triage'); // inherited from the turn
    }
    const s = (await stack.pg.psql(`SELECT agent, turns, round(max_fill_pct::numeric, 2), had_recovery_events, recovery_event_count, model
      FROM agentops.sessions WHERE session_id = '${session}'`)).trim().split('\t');
    assert.deepEqual(s, ['triage', '2', '1.25', 't', '1', 'claude-sonnet-4-20250514']);
    const re = (await stack.pg.psql(`SELECT kind, strategy, outcome, attempt, recoverable, span_id, stream_id FROM agentops.recovery_events`)).trim().split('\t');
    assert.deepEqual(re, ['invalid_json', 'stricter_prompt_retry', 'recovered', '2', 't', ids[0].chat.spanId, ev[0][0]]);

    // The same export again (a client retry): nothing doubles.
    const tp2 = provider(Exporter, stack.receiver.url, 'triage-svc');
    await converse(tp2, `${session}-b`);
    await tp2.shutdown();
    assert.equal((await stack.pg.psql('SELECT count(*) FROM agentops.spans')).trim(), '12');
  });
}

test('bearer token: refused without it, accepted with it; a window from the settings, else "unknown"', async (t) => {
  const stack = await startStack({ model_windows: { 'claude-sonnet-4-20250514': 180000 } }, { SWITCHBOARD_INGEST_TOKEN: 'tok-123456' });
  t.after(() => stack.destroy());
  const r = stack.redis.client();
  t.after(() => r.disconnect());
  const bad = await fetch(stack.receiver.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(bad.status, 401);
  const tp = provider(ProtoExporter, stack.receiver.url, 'svc', { Authorization: 'Bearer tok-123456' });
  const tracer = tp.getTracer('x');
  for (const [sid, model] of [['s-known', 'claude-sonnet-4-20250514'], ['s-unknown', 'mystery-model']]) {
    tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': sid,
      'gen_ai.response.model': model, 'gen_ai.usage.input_tokens': 90000 } }).end();
  }
  await tp.shutdown();
  const k = await waitFor('known', async () => (await r.hgetall('agentops:session:s-known')).ctx_limit);
  assert.equal(k, '180000');
  const u = await waitFor('unknown', async () => {
    const x = await r.hgetall('agentops:session:s-unknown');
    return x.agent ? x : null;
  });
  assert.equal(u.ctx_limit, undefined);
  assert.equal(u.ctx_tokens, '90000');
});
