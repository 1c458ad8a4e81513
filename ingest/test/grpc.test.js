'use strict';
// OTLP/gRPC (grpc_port) with the official @opentelemetry/exporter-trace-otlp-grpc: the same
// pipeline as OTLP/HTTP, so one turn is enough to show it arrives whole (rows, tree, live
// state, recovery event); a bearer token is required when set (UNAUTHENTICATED without it).
const test = require('node:test');
const assert = require('node:assert/strict');
const { NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { trace, ROOT_CONTEXT, SpanStatusCode } = require('@opentelemetry/api');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const grpc = require('@grpc/grpc-js');
const { startStack, waitFor, freePort } = require('./servers');

async function grpcStack(env = {}) {
  const port = await freePort();
  const stack = await startStack({ grpc_port: port }, env);
  await waitFor('gRPC listening', () => stack.receiver.lines.some((l) => / OTLP\/gRPC on /.test(l)));
  return { stack, url: `http://127.0.0.1:${port}` };
}

function exporter(url, token) {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new OTLPTraceExporter({ url, metadata });
}

function exportSpans(e, spans) {
  return new Promise((resolve) => e.export(spans, resolve));
}

function oneTurn(session) {
  const tp = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'grpc-agent', 'host.name': 'h1' }), spanProcessors: [] });
  const tracer = tp.getTracer('t');
  const t0 = Date.now() - 5000;
  const root = tracer.startSpan('invoke_agent', { startTime: t0, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'grpc-agent', 'gen_ai.conversation.id': session } });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const chat = tracer.startSpan('chat', { startTime: t0 + 10, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': session,
    'gen_ai.response.model': 'm-2', 'gen_ai.usage.input_tokens': 4000, 'gen_ai.usage.output_tokens': 10, 'gen_ai.context.window_size': 8000 } }, ctx);
  chat.addEvent('agentops.recovery', { 'agentops.recovery.kind': 'rate_limited', 'agentops.recovery.strategy': 'retry', 'agentops.recovery.outcome': 'recovered' }, t0 + 300);
  chat.end(t0 + 500);
  const tool = tracer.startSpan('execute_tool', { startTime: t0 + 510, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.call.result': 'x'.repeat(100000) } }, ctx);
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  tool.end(t0 + 700);
  root.end(t0 + 1000);
  return [chat, tool, root];
}

test('OTLP/gRPC from the official exporter: rows, tree, live state and event as over HTTP', async (t) => {
  const { stack, url } = await grpcStack();
  t.after(() => stack.destroy());
  const r = stack.redis.client();
  t.after(() => r.disconnect());
  const spans = oneTurn('s-grpc');
  const e = exporter(url);
  const res = await exportSpans(e, spans);
  assert.equal(res.code, 0, res.error && res.error.message);
  await e.shutdown();
  const rows = (await stack.pg.psql(`SELECT kind, depth, subtree_tokens, subtree_errors, output_bytes FROM agentops.spans WHERE session_id = 's-grpc' ORDER BY depth, kind`))
    .trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(rows, [['turn', '0', '4010', '1', ''], ['llm', '1', '4010', '0', ''], ['tool', '1', '0', '1', '100000']]);
  const h = await r.hgetall('agentops:session:s-grpc');
  assert.deepEqual([h.agent, h.ctx_tokens, h.ctx_limit, h.turns], ['grpc-agent', '4000', '8000', '1']);
  assert.equal((await r.xlen('agentops:events')), 1);
  assert.equal((await stack.pg.psql(`SELECT count(*) FROM agentops.recovery_events WHERE session_id = 's-grpc'`)).trim(), '1');
});

test('OTLP/gRPC with a bearer token: UNAUTHENTICATED without it, written with it', async (t) => {
  const { stack, url } = await grpcStack({ SWITCHBOARD_INGEST_TOKEN: 'grpc-tok-1' });
  t.after(() => stack.destroy());
  const bad = exporter(url, 'wrong');
  const refused = await exportSpans(bad, oneTurn('s-grpc-bad'));
  await bad.shutdown();
  assert.notEqual(refused.code, 0);
  assert.match(String(refused.error && refused.error.message), /UNAUTHENTICATED|bearer token/);
  const good = exporter(url, 'grpc-tok-1');
  const ok = await exportSpans(good, oneTurn('s-grpc-good'));
  await good.shutdown();
  assert.equal(ok.code, 0, ok.error && ok.error.message);
  assert.equal((await stack.pg.psql(`SELECT count(*) FROM agentops.spans WHERE session_id = 's-grpc-good'`)).trim(), '3');
  assert.equal((await stack.pg.psql(`SELECT count(*) FROM agentops.spans WHERE session_id = 's-grpc-bad'`)).trim(), '0');
});
