'use strict';
// rediss:// with a private CA: the bridge verifies the server against redis_ca_file and
// publishes over TLS; without the CA it refuses the connection (and publishes nothing).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { RedisServer, Pm2Daemon, BridgeProcess, freePort, waitFor, sleep } = require('./servers');

const NS = 'tls:';
let redis;
let pm2;
let rc;
let certs;
let tlsPort;
const bridges = [];

function makeCerts(dir) {
  const o = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=switchboard test CA',
    '-keyout', 'ca.key', '-out', 'ca.pem');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
    '-extfile', 'ext.cnf', '-out', 'server.pem');
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
}

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbb-certs-'));
  certs = { dir, ...makeCerts(dir) };
  tlsPort = await freePort();
  // A plain port for the test's own reads, a TLS port for the bridge.
  redis = new RedisServer(['--tls-port', String(tlsPort), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key,
    '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no']);
  await redis.start();
  rc = redis.client();
  pm2 = new Pm2Daemon();
  await pm2.start();
  await pm2.startApps([{ name: 'tls-agent', script: path.join(__dirname, 'fixtures', 'agent.js') }]);
});

after(async () => {
  for (const b of bridges) await b.stop();
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (redis) await redis.destroy();
  if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
});

test('over rediss:// the bridge verifies the server with the configured CA', async () => {
  const uri = `rediss://127.0.0.1:${tlsPort}`;
  const untrusting = new BridgeProcess({ pm2Home: pm2.home,
    settings: { redis_uri: uri, namespace: NS, host: 'untrusting', heartbeat_ms: 300 } }).start();
  bridges.push(untrusting);
  const trusting = new BridgeProcess({ pm2Home: pm2.home,
    settings: { redis_uri: uri, redis_ca_file: certs.ca, namespace: NS, host: 'trusting', heartbeat_ms: 300 } }).start();
  bridges.push(trusting);

  await waitFor('TLS bridge publishes', async () => (await rc.zscore(`${NS}procs`, 'trusting:tls-agent:0')) !== null, 20000);
  const clients = await rc.call('CLIENT', 'LIST');
  assert.match(clients, /name=switchboard-bridge:trusting/, 'the trusting bridge is connected');
  await sleep(1500);
  assert.equal(await rc.zscore(`${NS}procs`, 'untrusting:tls-agent:0'), null, 'no CA: nothing published');
  assert.doesNotMatch(clients, /name=switchboard-bridge:untrusting/);
  assert.match(untrusting.log(), /self[- ]signed certificate|unable to verify|certificate/i, untrusting.log());
});
