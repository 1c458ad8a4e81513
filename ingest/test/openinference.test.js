'use strict';
// An agent instrumented by OpenInference (@arizeai/openinference-instrumentation-openai)
// calling a model through the official `openai` client, against a small OpenAI-compatible
// server on loopback: a tool call, a streamed answer, an error, and a call that succeeds on
// the client's own retry. Exported with the official OTLP/protobuf exporter.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('http');
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { context, trace } = require('@opentelemetry/api');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
const { setSession } = require('@arizeai/openinference-core');
const OpenAI = require('openai');
const { startStack, waitFor } = require('./servers');

// A chat-completions server: answers by the last user message.
function fakeModel() {
  let failuresLeft = 1;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const q = JSON.parse(body);
      const last = q.messages[q.messages.length - 1];
      const usage = { prompt_tokens: 1200 + q.messages.length * 100, completion_tokens: 30, total_tokens: 1230 + q.messages.length * 100,
        prompt_tokens_details: { cached_tokens: 200 } };
      const json = (status, obj) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (last.content === 'please fail') return json(400, { error: { message: 'context too long', type: 'invalid_request_error' } });
      if (last.content === 'flaky' && failuresLeft-- > 0) return json(503, { error: { message: 'overloaded', type: 'server_error' } });
      const base = { id: `cmpl-${Date.now()}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: 'gpt-test-1' };
      if (q.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (delta, extra = {}) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`);
        chunk({ role: 'assistant', content: 'Your ' });
        chunk({ content: 'order ships today.' });
        res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
        return undefined;
      }
      if (q.tools && last.role === 'user') {
        return json(200, { ...base, usage, choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"A1"}' } }] } }] });
      }
      return json(200, { ...base, usage, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'done' } }] });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('OpenInference + openai client: llm spans, tool call, streaming, error and retry reach the contract', async (t) => {
  const stack = await startStack({ model_windows: { 'gpt-test-1': 128000 } });
  t.after(() => stack.destroy());
  const model = await fakeModel();
  t.after(() => model.close());
  const r = stack.redis.client();
  t.after(() => r.disconnect());

  const tp = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: stack.receiver.url }), { scheduledDelayMillis: 100 })],
  });
  tp.register();
  const inst = new OpenAIInstrumentation();
  inst.setTracerProvider(tp);
  inst.manuallyInstrument(OpenAI);
  const client = new OpenAI({ apiKey: 'test-key-not-secret', baseURL: `http://127.0.0.1:${model.address().port}/v1`, maxRetries: 2 });
  const tracer = tp.getTracer('support-bot');
  const session = 'oi-session-1';
  const tools = [{ type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }];

  let rootId;
  await context.with(setSession(context.active(), { sessionId: session }), async () => {
    await tracer.startActiveSpan('support turn', { attributes: { 'openinference.span.kind': 'AGENT', 'session.id': session } }, async (root) => {
      rootId = root.spanContext().spanId;
      const messages = [{ role: 'system', content: 'You help with orders.' }, { role: 'user', content: 'where is my order A1?' }];
      const first = await client.chat.completions.create({ model: 'gpt-test-1', messages, tools });
      const call = first.choices[0].message.tool_calls[0];
      await tracer.startActiveSpan('lookup_order', { attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_order', 'input.value': call.function.arguments } }, async (s) => {
        s.setAttribute('output.value', '{"status":"shipping"}');
        s.end();
      });
      messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"status":"shipping"}' });
      const stream = await client.chat.completions.create({ model: 'gpt-test-1', messages, stream: true, stream_options: { include_usage: true } });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta?.content || '';
      assert.equal(text, 'Your order ships today.');
      // The instrumentation (4.2.7) ends its span only for errors thrown synchronously: a
      // rejected call leaves it open and it is never exported. The agent records the
      // failure itself, as a recovery event on its turn span.
      try {
        await client.chat.completions.create({ model: 'gpt-test-1', messages: [{ role: 'user', content: 'please fail' }] });
        assert.fail('the 400 did not reject');
      } catch (e) {
        assert.match(String(e.message), /400/);
        root.addEvent('agentops.recovery', { 'agentops.recovery.kind': 'context_overflow', 'agentops.recovery.strategy': 'summarize',
          'agentops.recovery.outcome': 'in_progress', 'agentops.recovery.message': String(e.message).slice(0, 200) });
      }
      const flaky = await client.chat.completions.create({ model: 'gpt-test-1', messages: [{ role: 'user', content: 'flaky' }] });
      assert.equal(flaky.choices[0].message.content, 'done');
      root.end();
    });
  });
  await tp.forceFlush();
  await tp.shutdown();
  inst.disable();

  const rows = await waitFor('spans', async () => {
    const x = (await stack.pg.psql(`SELECT kind, depth, status, coalesce(input_tokens, -1), coalesce(cache_read_tokens, -1), coalesce(output_tokens, -1),
        coalesce(model, ''), session_id, turn, first_token_at IS NOT NULL, coalesce(input_bytes, 0) > 0, subtree_errors, subtree_tokens, coalesce(parent_id, '')
      FROM agentops.spans ORDER BY depth, started_at`)).trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
    globalThis.lastRows = x;
    return x.length === 5 ? x : null;
  }, 8000).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(globalThis.lastRows)}`); });
  // turn, llm (tool call), tool, llm (streamed), llm (retried by the client: one span). Times
  // are ms in the contract: a fast loopback call and the next span may share one, so the
  // children are found by what they carry, not by their order.
  const shape = (x) => `${x[0]}/${x[1]}/${x[2]}`;
  assert.deepEqual(rows.map(shape).sort(), ['llm/1/ok', 'llm/1/ok', 'llm/1/ok', 'tool/1/ok', 'turn/0/ok']);
  assert.equal(rows[0][0], 'turn');
  assert.equal(rows[0][13], '');
  for (const x of rows) assert.equal(x[7], session);
  for (const x of rows.slice(1)) assert.equal(x[13], rootId);
  const llm = rows.filter((x) => x[0] === 'llm');
  // llm.token_count.prompt (1400) includes the 200 cached: input_tokens is the rest.
  assert.deepEqual(llm.map((x) => x.slice(3, 7).join('/')).sort(), ['-1/-1/-1/gpt-test-1', '1100/200/30/gpt-test-1', '1200/200/30/gpt-test-1']);
  // (the instrumentation records no usage for a stream: -1 = NULL)
  for (const x of llm) assert.equal(x[10], 't'); // the input messages
  // subtree_tokens: non-cached input + output (the contract's columns), cache apart.
  const subtotal = rows.slice(1).reduce((a, x) => a + Math.max(0, Number(x[3])) + Math.max(0, Number(x[5])), 0);
  assert.equal(rows[0][12], String(subtotal));
  const ev = (await stack.pg.psql(`SELECT kind, strategy, outcome, recoverable, span_id, session_id FROM agentops.recovery_events`)).trim().split('\t');
  assert.deepEqual(ev, ['context_overflow', 'summarize', 'in_progress', 't', rootId, session]);
  assert.equal((await r.xlen('agentops:events')), 1);

  const h = await r.hgetall(`agentops:session:${session}`);
  assert.equal(h.agent, 'support-bot');
  assert.equal(h.model, 'gpt-test-1');
  assert.equal(h.ctx_limit, '128000');
  assert.equal(h.ctx_tokens, '1300'); // the latest call: the retried one, 1 message
  assert.equal(h.turns, '1');
  const ctx = JSON.parse(await r.get(`agentops:session:${session}:ctx`));
  assert.equal(ctx.estimated, true);
  assert.equal(ctx.segments.reduce((a, s) => a + s.tokens, 0), 1300);
});
