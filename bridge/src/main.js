#!/usr/bin/env node
'use strict';
// Standalone entry (tests, the packaged service, or a host that runs the bridge outside
// PM2's module system). Settings: a JSON file (--config FILE), else JSON in
// SWITCHBOARD_BRIDGE_CONFIG; SWITCHBOARD_BRIDGE_<KEY> variables override single keys.
process.env.PM2_SILENT = process.env.PM2_SILENT || 'true'; // PM2's CLI chatter, not our log
const fs = require('fs');
const { parseConfig, DEFAULTS } = require('./config');

const USAGE = `usage: switchboard-bridge [--config FILE]
  Publishes this host's PM2 processes to Redis and runs the console's reload/restart
  commands (docs/contract.md). FILE: a JSON object of the settings in README.md (secrets
  such as redis_password and pg_dsn belong in this file, readable by the bridge only).
  --version  print the version and exit`;

function rawSettings(env, argv = []) {
  const i = argv.indexOf('--config');
  let raw = {};
  if (i >= 0) raw = JSON.parse(fs.readFileSync(argv[i + 1], 'utf8'));
  else if (env.SWITCHBOARD_BRIDGE_CONFIG) raw = JSON.parse(env.SWITCHBOARD_BRIDGE_CONFIG);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('bridge settings: expected a JSON object');
  for (const key of Object.keys(DEFAULTS)) {
    const v = env[`SWITCHBOARD_BRIDGE_${key.toUpperCase()}`];
    if (v !== undefined) raw[key] = v;
  }
  return raw;
}

async function run(raw) {
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    await bridge.stop();
    process.exit(code);
  };
  // Exit codes: 3 the PM2 daemon went away, 4 another bridge took this host's lease.
  const { Bridge } = require('./bridge');
  const bridge = new Bridge(parseConfig(raw), undefined, () => stop(3), () => stop(4));
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  try {
    await bridge.start();
  } catch (e) {
    if (stopping) return;
    process.stderr.write(`bridge failed to start: ${bridge.scrub(e.stack || e)}\n`);
    process.exit(1);
  }
}

function cli(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`switchboard-bridge ${require('../package.json').version}\n`);
    return;
  }
  const unknown = argv.filter((a, i) => !(a === '--config' || argv[i - 1] === '--config'));
  if (unknown.length > 0 || (argv.includes('--config') && !argv[argv.indexOf('--config') + 1])) {
    process.stderr.write(`switchboard-bridge: bad arguments: ${argv.join(' ')}\n${USAGE}\n`);
    process.exit(2);
  }
  let raw;
  try {
    raw = rawSettings(process.env, argv);
  } catch (e) {
    process.stderr.write(`switchboard-bridge: ${e.message}\n`); // JSON and fs errors quote no content
    process.exit(2);
  }
  run(raw);
}

if (require.main === module) cli(process.argv.slice(2));

module.exports = { run, rawSettings };
