'use strict';
// The TLS option: the receiver serves https with the given certificate and key; a client
// that trusts the CA gets 200, plain http gets no answer. The official exporter over TLS
// is not used here (it reads its CA from the environment at start).
const test = require('node:test');
const assert = require('node:assert/strict');
const https = require('https');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { startStack } = require('./servers');
const { hexId, span, request } = require('./otlp-json');

test('TLS: https with the configured certificate; the spans are written', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbi-tls-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const stack = await startStack({ tls_cert_file: cert, tls_key_file: key });
  t.after(() => stack.destroy());
  const traceId = hexId(16);
  const now = Date.now();
  const body = JSON.stringify(request([span({ traceId, startMs: now, endMs: now + 1, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 's-tls', 'gen_ai.usage.input_tokens': 4 } })]));
  const status = await new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: stack.receiver.port, path: '/v1/traces', method: 'POST', ca: fs.readFileSync(cert),
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(status, 200);
  assert.equal((await stack.pg.psql(`SELECT count(*) FROM agentops.spans WHERE trace_id = '${traceId}'`)).trim(), '1');
  await assert.rejects(fetch(`http://127.0.0.1:${stack.receiver.port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
  // An untrusting client refuses the self-signed certificate.
  await assert.rejects(new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: stack.receiver.port, path: '/v1/traces', method: 'POST' }, resolve);
    req.on('error', reject);
    req.end(body);
  }), /self[- ]signed/);
});
