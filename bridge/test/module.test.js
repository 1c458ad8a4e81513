'use strict';
// The shipping path: `pm2 package` makes a tarball, `pm2 install <tarball>` runs it as a
// PM2 module, `pm2 set <module>:<key>` configures it. The module must publish the apps of
// its daemon (not itself) and its settings must never be published.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { RedisServer, Pm2Daemon, waitFor, ROOT } = require('./servers');

const NS = 'mod:';
const HOST = 'modhost';
const MODULE = 'switchboard-pm2-bridge';
const PASSWORD = 'module-redis-password-42';

let redis;
let pm2;
let rc;
let workDir;

before(async () => {
  redis = new RedisServer();
  await redis.start();
  rc = redis.client();
  // The module authenticates as an ACL user: proves redis_user/redis_password reach it.
  await rc.call('ACL', 'SETUSER', 'bridge', 'on', `>${PASSWORD}`, '~*', '&*', '+@all');
  pm2 = new Pm2Daemon();
  await pm2.start();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbb-pkg-'));
});

after(async () => {
  if (rc) rc.disconnect();
  if (pm2) await pm2.destroy();
  if (redis) await redis.destroy();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('pm2 package + pm2 install <tarball> + pm2 set: the module publishes the daemon\'s apps', async () => {
  // Package a copy of the module folder (what a release would ship, node_modules included).
  const src = path.join(workDir, 'bridge');
  fs.cpSync(ROOT, src, { recursive: true, filter: (p) => !p.includes(`${path.sep}test${path.sep}`) && !p.endsWith(`${path.sep}test`) });
  const out = await new Promise((resolve, reject) => {
    require('child_process').execFile(process.execPath, [path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2'), 'package', src],
      { cwd: workDir, env: pm2.env(), timeout: 60000 }, (e, so, se) => (e ? reject(new Error(`${e.message}${se}`)) : resolve(so)));
  });
  const tarball = fs.readdirSync(workDir).find((f) => f.endsWith('.tar.gz'));
  assert.ok(tarball, `pm2 package made a tarball: ${out}`);

  for (const [k, v] of Object.entries({ redis_uri: redis.uri, redis_user: 'bridge', redis_password: PASSWORD,
    namespace: NS, host: HOST, heartbeat_ms: '500' })) {
    await pm2.cli(['set', `${MODULE}:${k}`, v]);
  }
  await pm2.startApps([{ name: 'sample-agent', script: path.join(__dirname, 'fixtures', 'agent.js') }]);
  await pm2.cli(['install', path.join(workDir, tarball)]);

  const list = await pm2.jlist();
  const mod = list.find((p) => p.name === MODULE);
  assert.ok(mod, `module process exists: ${list.map((p) => p.name)}`);
  assert.equal(mod.pm2_env.pmx_module, true);
  const agent = list.find((p) => p.name === 'sample-agent');
  const member = `${HOST}:sample-agent:${agent.pm_id}`;
  await waitFor('module publishes', async () => (await rc.zscore(`${NS}procs`, member)) !== null, 20000);
  assert.equal(await rc.hget(`${NS}proc:${member}`, 'status'), 'online');
  assert.equal(await rc.zscore(`${NS}procs`, `${HOST}:${MODULE}:${mod.pm_id}`), null, 'the module does not list itself');
  const clients = await rc.call('CLIENT', 'LIST');
  assert.match(clients, /user=bridge .*name=switchboard-bridge:modhost|name=switchboard-bridge:modhost.*user=bridge/, 'connected as the ACL user');
  const hash = await rc.hgetall(`${NS}proc:${member}`);
  assert.ok(!JSON.stringify(hash).includes(PASSWORD), 'the module\'s own settings are not published');
});
