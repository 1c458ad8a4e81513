'use strict';
// The demo agent (ingest/demo/agent.js, what scripts/demo.sh runs) at its real pace: stopped
// by SIGTERM in the middle of a conversation, it ends the turn under way, exports every span
// it ended (all of them reach Postgres through the receiver) and exits 0 within seconds; its
// output never holds the bearer token.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { startStack, waitFor, ROOT } = require('./servers');

test('demo agent: SIGTERM mid-conversation exports what it ended and exits 0, token never printed', async (t) => {
  const token = 'demo-agent-token-7f3a9c';
  const stack = await startStack({}, { SWITCHBOARD_INGEST_TOKEN: token });
  t.after(() => stack.destroy());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbi-agent-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tokenFile = path.join(dir, 'token');
  fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const record = path.join(dir, 'sent.jsonl');
  const agent = spawn(process.execPath, [path.join(ROOT, 'demo', 'agent.js'), '--endpoint', stack.receiver.url,
    '--token-file', tokenFile, '--lanes', '1', '--seed', '3', '--record', record], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  agent.stdout.on('data', (b) => { out += b; });
  agent.stderr.on('data', (b) => { out += b; });
  const exited = new Promise((resolve) => agent.once('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => agent.kill('SIGKILL'));

  const r = stack.redis.client();
  t.after(() => r.disconnect());
  // Stop in the second turn: its first model call has ended (three chat spans recorded: two
  // per turn), its tool call and answer have not.
  const chats = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '').split('\n').filter((l) => l.includes('"name":"chat ')).length;
  await waitFor('the second turn under way', () => chats() >= 3, 30000, 20);
  assert.equal(chats(), 3);
  const stopAt = Date.now();
  agent.kill('SIGTERM');
  const { code, signal } = await exited;
  assert.equal(signal, null);
  assert.equal(code, 0, out);
  assert.ok(Date.now() - stopAt < 5000, `took ${Date.now() - stopAt} ms`);
  assert.ok(!out.includes(token), 'the token was printed');
  assert.match(out, /stopped after 1 conversations/);

  const sent = fs.readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const roots = sent.filter((s) => !s.parentSpanId);
  assert.equal(roots.length, 2); // the first turn and the one cut short, both ended
  const ids = sent.map((s) => s.spanId).sort();
  const rows = await waitFor('every span written', async () => {
    const x = (await stack.pg.psql('SELECT span_id FROM agentops.spans ORDER BY span_id')).trim().split('\n').filter(Boolean);
    return x.length === ids.length ? x : null;
  }, 10000);
  assert.deepEqual(rows, ids);
  const session = (await r.zrange('agentops:sessions', 0, -1))[0];
  assert.equal(await r.hget(`agentops:session:${session}`, 'turns'), '2');
});
