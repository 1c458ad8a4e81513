'use strict';
// Two receivers on one machine sharing one Redis and one Postgres (the scale-out topology of
// docs/contract.md, "From OpenTelemetry"), with the spans of one trace split between them:
// two services of one trace, each exporting with the official SDK (OTLP/protobuf) to its own
// receiver, as happens when routing is not by trace id. The root and some children go to
// A, another child and a grandchild (under one of A's children) to B, in both orders. What
// the contract promises: every span written once, under its parent (path, depth), the
// subtree totals of every ancestor exact, nothing doubled when a span reaches both
// receivers, the live session state (turns, fill of the latest call) right.
const test = require('node:test');
const assert = require('node:assert/strict');
const { NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { trace, ROOT_CONTEXT, SpanStatusCode } = require('@opentelemetry/api');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { RedisServer, PostgresServer, ReceiverProcess, waitFor, sleep } = require('./servers');

let redis;
let pg;
let a;
let b;
let r;
test.before(async () => {
  redis = new RedisServer();
  pg = new PostgresServer();
  await Promise.all([redis.start(), pg.start().then(() => pg.createSchema())]);
  // orphan_wait_ms far above the test's waits: a span written under its parent got there by
  // finding the parent, not by the orphan path (depth 0).
  const settings = () => ({ redis_uri: redis.uri, redis_user: 'ingest', pg_dsn: pg.writerDsn, orphan_wait_ms: 60000 });
  const env = { SWITCHBOARD_INGEST_REDIS_PASSWORD: 'ingest-secret-pw', PGPASSWORD: 'ingest-pg-secret' };
  [a, b] = await Promise.all([new ReceiverProcess(settings(), env).start(), new ReceiverProcess(settings(), env).start()]);
  r = redis.client();
});
test.after(async () => {
  r.disconnect();
  await Promise.all([a.stop(), b.stop()]);
  await Promise.all([redis.destroy(), pg.destroy()]);
});

function provider(url, service) {
  return new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': `${service}-host` }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url }))],
  });
}

// One turn: root R (turn), C1 (llm, 1 000 in + 50 out), C2 (tool, failed) and its child
// G (retrieval, 7 tokens) ... R, C1, C2 from service A; C3 (llm, 1 600 in incl. 400 cached
// + 80 out, the latest call) and G from service B. Spans end in the order given by `ends`.
function turn(session, t0) {
  const pa = provider(a.url, 'svc-a');
  const pb = provider(b.url, 'svc-b');
  const ta = pa.getTracer('agent-a');
  const tb = pb.getTracer('agent-b');
  const R = ta.startSpan('invoke_agent triage', { startTime: t0, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'triage', 'gen_ai.conversation.id': session } });
  const rc = trace.setSpan(ROOT_CONTEXT, R);
  const C1 = ta.startSpan('chat m', { startTime: t0 + 10, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': session, 'gen_ai.response.model': 'm-1',
    'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 50, 'gen_ai.context.window_size': 10000 } }, rc);
  const C2 = ta.startSpan('execute_tool lookup', { startTime: t0 + 500, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } }, rc);
  C2.setStatus({ code: SpanStatusCode.ERROR, message: 'lookup failed' });
  const G = tb.startSpan('retrieval kb', { startTime: t0 + 520, attributes: { 'gen_ai.operation.name': 'retrieval', 'gen_ai.usage.input_tokens': 7 } }, trace.setSpan(ROOT_CONTEXT, C2));
  const C3 = tb.startSpan('chat m', { startTime: t0 + 900, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': session, 'gen_ai.response.model': 'm-1',
    'gen_ai.usage.input_tokens': 1600, 'gen_ai.usage.cache_read.input_tokens': 400, 'gen_ai.usage.output_tokens': 80, 'gen_ai.context.window_size': 10000 } }, rc);
  const ids = { R: R.spanContext().spanId, C1: C1.spanContext().spanId, C2: C2.spanContext().spanId, G: G.spanContext().spanId, C3: C3.spanContext().spanId, trace: R.spanContext().traceId };
  return {
    ids,
    // Ends (and so exports: SimpleSpanProcessor) A's spans or B's.
    async endA() {
      C1.end(t0 + 400);
      C2.end(t0 + 800);
      R.end(t0 + 3000);
      await pa.forceFlush();
      await pa.shutdown();
    },
    async endB() {
      G.end(t0 + 700);
      C3.end(t0 + 2500);
      await pb.forceFlush();
      await pb.shutdown();
    },
    C1,
  };
}

const rowsOf = async (traceId) => Object.fromEntries((await pg.psql(`SELECT span_id, coalesce(parent_id, '-'), depth, path, subtree_tokens, subtree_errors,
    round(subtree_duration_ms), session_id, turn, agent FROM agentops.spans WHERE trace_id = '${traceId}'`)).trim().split('\n').filter(Boolean)
  .map((l) => l.split('\t')).map((x) => [x[0], { parent: x[1], depth: Number(x[2]), path: x[3], tok: Number(x[4]), err: Number(x[5]), dur: Number(x[6]), session: x[7], turn: x[8], agent: x[9] }]));

// What the contract promises for the trace of turn() (the same whichever receiver got what).
function assertTree(rows, ids, session) {
  assert.deepEqual(Object.keys(rows).sort(), [ids.R, ids.C1, ids.C2, ids.G, ids.C3].sort(), 'every span written, once');
  const { R, C1, C2, G, C3 } = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, rows[id]]));
  assert.deepEqual([R.parent, R.depth], ['-', 0]);
  for (const [c, x] of [['C1', C1], ['C2', C2], ['C3', C3]]) {
    assert.equal(x.parent, ids.R, c);
    assert.equal(x.depth, 1, c);
    assert.ok(x.path.startsWith(`${R.path}.`) && x.path.split('.').length === 2, `${c} path ${x.path} under ${R.path}`);
  }
  assert.equal(G.depth, 2);
  assert.ok(G.path.startsWith(`${C2.path}.`), `G path ${G.path} under ${C2.path}`);
  // tokens (non-cached input + output, as the contract counts subtree_tokens): C1 1 050,
  // C3 1 280 (1 600 input of which 400 cached: 1 200, + 80), G 7
  assert.deepEqual([R.tok, R.err, R.dur], [1050 + 1280 + 7, 1, 3000]);
  assert.deepEqual([C1.tok, C2.tok, C2.err, C3.tok, G.tok], [1050, 7, 1, 1280, 7]);
  for (const x of [R, C1, C2, G, C3]) assert.deepEqual([x.session, x.turn, x.agent], [session, '0', 'triage']);
}

async function assertLive(session) {
  const h = await r.hgetall(`agentops:session:${session}`);
  assert.equal(h.turns, '1', 'the turn counted once');
  assert.equal(h.ctx_tokens, '1600', 'the fill is the latest call (C3, on B)');
  assert.equal(h.ctx_limit, '10000');
  const row = (await pg.psql(`SELECT turns, round(max_fill_pct::numeric, 1) FROM agentops.sessions WHERE session_id = '${session}'`)).trim();
  assert.equal(row, '1\t16.0');
}

test('root and first children to A, a child and a grandchild to B: A first, then B', async () => {
  const session = 'split-a-first';
  const t = turn(session, Date.now() - 10000);
  await t.endA();
  await t.endB(); // B's spans find their parents in Postgres on arrival
  const rows = await waitFor('5 rows', async () => {
    const x = await rowsOf(t.ids.trace);
    return Object.keys(x).length === 5 ? x : null;
  }, 5000);
  assertTree(rows, t.ids, session);
  await assertLive(session);

  // C1 again, to B (an exporter's retry that went to the other receiver): nothing doubles.
  await new OTLPTraceExporterPromise(b.url).export([t.C1]);
  await sleep(300);
  assertTree(await rowsOf(t.ids.trace), t.ids, session);
  await assertLive(session);
});

test('B first (its spans wait for parents it never sees), then A: B finds them in Postgres without new requests', async () => {
  const session = 'split-b-first';
  const t = turn(session, Date.now() - 10000);
  await t.endB();
  await sleep(300);
  assert.deepEqual(await rowsOf(t.ids.trace), {}, 'C3 and G wait (their parents are not written)');
  // The live state does not wait: C3 carries its session.
  assert.equal((await r.hgetall(`agentops:session:${session}`)).ctx_tokens, '1600');
  const sent = Date.now();
  await t.endA();
  const rows = await waitFor('5 rows', async () => {
    const x = await rowsOf(t.ids.trace);
    return Object.keys(x).length === 5 ? x : null;
  }, 8000, 100);
  const waited = Date.now() - sent;
  assertTree(rows, t.ids, session);
  await assertLive(session); // C1 (older) arrived after C3: the fill stays C3's
  assert.ok(waited < 8000, `B linked its spans ${waited} ms after A wrote the parents`);
});

// The SDK's exporter, for one span sent again as is.
class OTLPTraceExporterPromise {
  constructor(url) {
    this.e = new OTLPTraceExporter({ url });
  }

  export(spans) {
    return new Promise((resolve, reject) => this.e.export(spans, (res) => (res.code === 0 ? resolve() : reject(res.error || new Error('export failed')))));
  }
}
