'use strict';
// Two batches in flight at once (write_transactions = 2), against real Postgres: a row
// trigger holds the COPY of spans named 'gated' on an advisory lock this test holds, and
// fails the COPY of span ids listed in gate.poison. Each case checks that a failed
// transaction fails exactly the requests in it (503, nothing of them written), never a
// request whose batch is in flight beside it, and that a span depending on a batch in
// flight (its parent there) is written after that batch, under it, or waits for its
// parent when that batch failed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client } = require('pg');
const { startStack, waitFor } = require('./servers');
const { hexId, span, request, post } = require('./otlp-json');

let stack;
let admin; // a superuser session holding the gate's lock
test.before(async () => {
  stack = await startStack({ write_transactions: 2, quiet_ms: 60000 });
  await stack.pg.psql(`CREATE SCHEMA gate;
    CREATE TABLE gate.poison (span_id text PRIMARY KEY);
    CREATE FUNCTION gate.check() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
    BEGIN
      IF NEW.name = 'gated' THEN
        PERFORM pg_advisory_lock_shared(4242);
        PERFORM pg_advisory_unlock_shared(4242);
      END IF;
      IF EXISTS (SELECT 1 FROM gate.poison p WHERE p.span_id = NEW.span_id) THEN
        RAISE EXCEPTION 'poisoned span %', NEW.span_id;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER gate BEFORE INSERT ON agentops.spans FOR EACH ROW EXECUTE FUNCTION gate.check();`);
  admin = new Client({ host: '127.0.0.1', port: stack.pg.port, user: 'postgres', database: 'agentops' });
  await admin.connect();
});
test.after(async () => {
  await admin.end();
  await stack.destroy();
});

const sql = async (q) => (await stack.pg.psql(q)).trim();
const rowsOf = async (traceId) => (await sql(`SELECT span_id, depth, path, subtree_tokens FROM agentops.spans WHERE trace_id = '${traceId}'
  ORDER BY path COLLATE "C"`)).split('\n').filter(Boolean).map((l) => l.split('\t'));
const poison = (ids) => sql(`INSERT INTO gate.poison VALUES ${ids.map((id) => `('${id}')`).join(', ')}`);
const cure = () => sql('DELETE FROM gate.poison');
// fn(openGate) runs with the gate closed; the gate is opened when fn calls openGate, or
// when fn ends (also on a failed assertion).
async function whileClosed(fn) {
  await admin.query('SELECT pg_advisory_lock(4242)');
  let opened = false;
  const openGate = async () => {
    if (opened) return;
    opened = true;
    await admin.query('SELECT pg_advisory_unlock(4242)');
  };
  try {
    await fn(openGate);
  } finally {
    await openGate();
  }
}
// The receiver's COPY waiting at the gate: the batch is in flight.
const held = () => waitFor('a COPY held at the gate', async () => Number(await sql(`SELECT count(*) FROM pg_stat_activity
  WHERE application_name = 'switchboard-ingest' AND wait_event_type = 'Lock' AND query LIKE 'COPY%'`)) === 1, 15000, 50);

function turn({ traceId = hexId(16), rootName = 'invoke_agent', session, tokens = 10 }) {
  const t0 = Date.now() - 5000;
  const root = span({ traceId, name: rootName, startMs: t0, endMs: t0 + 2000,
    attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': session, 'gen_ai.agent.name': 'lanes' } });
  const child = span({ traceId, parentSpanId: root.spanId, name: 'execute_tool', startMs: t0 + 100, endMs: t0 + 200,
    attrs: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.usage.input_tokens': tokens } });
  return { traceId, root, child };
}

// Settles to {status, ...}; `answered` says whether it has.
function send(body) {
  const p = post(stack.receiver.url, request(body));
  const r = { answered: false, p };
  p.then(() => {
    r.answered = true;
  }, () => {});
  return r;
}

test('a failed batch beside one in flight: 503 for its request only, nothing of it written; the retry writes it once', async () => {
  const a = turn({ rootName: 'gated', session: 'lanes-a' });
  const b = turn({ session: 'lanes-b' });
  await poison([b.child.spanId]);
  await whileClosed(async (openGate) => {
    const ra = send([a.child, a.root]);
    await held();
    // A is in its transaction; B's batch runs beside it and fails.
    const rb = await post(stack.receiver.url, request([b.child, b.root]));
    assert.equal(rb.status, 503, rb.text);
    assert.equal(rb.retryAfter, '5');
    assert.match(rb.json.message, /poisoned span/);
    assert.equal(ra.answered, false, 'A was answered before its transaction ended');
    await openGate();
    assert.equal((await ra.p).status, 200);
  });
  assert.equal((await rowsOf(a.traceId)).length, 2);
  assert.deepEqual(await rowsOf(b.traceId), []);
  await cure();
  // The 503's Retry-After covers the failure window (1 s): wait it out as a client would.
  const again = await waitFor('B accepted', async () => {
    const r = await post(stack.receiver.url, request([b.child, b.root]));
    return r.status === 200 ? r : null;
  }, 15000, 300);
  assert.equal(again.status, 200);
  const rows = await rowsOf(b.traceId);
  assert.deepEqual(rows.map((x) => [x[0], x[1], x[3]]), [[b.root.spanId, '0', '10'], [b.child.spanId, '1', '10']]);
});

test('a child whose parent is in another batch in flight is written after it, under it', async () => {
  const a = turn({ rootName: 'gated', session: 'lanes-c', tokens: 7 });
  await whileClosed(async (openGate) => {
    const ra = send([a.root]);
    await held();
    const rc = send([a.child]);
    // The child's request waits for the parent's transaction.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rc.answered, false, 'the child was answered before its parent was written');
    await openGate();
    assert.equal((await ra.p).status, 200);
    assert.equal((await rc.p).status, 200);
  });
  const rows = await rowsOf(a.traceId);
  assert.deepEqual(rows.map((x) => [x[0], x[1], x[3]]), [[a.root.spanId, '0', '7'], [a.child.spanId, '1', '7']]);
  assert.ok(rows[1][2].startsWith(`${rows[0][2]}.`));
});

test('a parent batch that fails does not fail its child\'s request; the child is written under the retried parent', async () => {
  const a = turn({ rootName: 'gated', session: 'lanes-d', tokens: 3 });
  await poison([a.root.spanId]);
  await whileClosed(async (openGate) => {
    const ra = send([a.root]);
    await held();
    const rc = send([a.child]);
    await openGate();
    assert.equal((await ra.p).status, 503);
    // The child waits for a parent that is not being written any more: accepted, held.
    assert.equal((await rc.p).status, 200);
  });
  assert.deepEqual(await rowsOf(a.traceId), []);
  await cure();
  await waitFor('the parent accepted', async () => (await post(stack.receiver.url, request([a.root]))).status === 200, 15000, 300);
  const rows = await waitFor('both rows', async () => {
    const x = await rowsOf(a.traceId);
    return x.length === 2 ? x : null;
  });
  assert.deepEqual(rows.map((x) => [x[0], x[1], x[3]]), [[a.root.spanId, '0', '3'], [a.child.spanId, '1', '3']]);
});

test('a retry of a request whose batch is in flight fails with it', async () => {
  const a = turn({ rootName: 'gated', session: 'lanes-e' });
  await poison([a.child.spanId]);
  await whileClosed(async (openGate) => {
    const first = send([a.child, a.root]);
    await held();
    const retry = send([a.child, a.root]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(retry.answered, false, 'the retry was answered while the first attempt was in flight');
    await openGate();
    assert.equal((await first.p).status, 503);
    assert.equal((await retry.p).status, 503);
  });
  assert.deepEqual(await rowsOf(a.traceId), []);
  await cure();
  await waitFor('accepted', async () => (await post(stack.receiver.url, request([a.child, a.root]))).status === 200, 15000, 300);
  assert.equal((await rowsOf(a.traceId)).length, 2);
});

test('a COPY the server fails while megabytes of it are still queued: 503, and the receiver lives on', async () => {
  const traceId = hexId(16);
  const t0 = Date.now() - 5000;
  const root = span({ traceId, name: 'gated', startMs: t0, endMs: t0 + 2000,
    attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': 'lanes-big', 'gen_ai.agent.name': 'lanes' } });
  const big = 'x'.repeat(60000);
  const children = Array.from({ length: 150 }, (_, i) => span({ traceId, parentSpanId: root.spanId, name: `tool-${i}`, startMs: t0 + 10, endMs: t0 + 20,
    attrs: { 'gen_ai.operation.name': 'execute_tool', 'input.value': `${i}${big}` } }));
  // The first row of the COPY waits at the gate while ~9 MB queue up behind it, then fails.
  await poison([root.spanId]);
  await whileClosed(async (openGate) => {
    const r1 = send([root, ...children]);
    await held();
    await openGate();
    const res = await r1.p;
    assert.equal(res.status, 503, res.text);
    assert.match(res.json.message, /poisoned span/);
  });
  await new Promise((r) => setTimeout(r, 1500)); // the socket drains after the error
  assert.equal(stack.receiver.proc.exitCode, null, stack.receiver.lines.slice(-10).join('\n'));
  await cure();
  const r2 = await waitFor('accepted', async () => {
    const r = await post(stack.receiver.url, request([root, ...children]));
    return r.status === 200 ? r : null;
  }, 15000, 300);
  assert.equal(r2.status, 200);
  assert.equal(await sql(`SELECT count(*) FROM agentops.spans WHERE trace_id = '${traceId}'`), '151');
});
