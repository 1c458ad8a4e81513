#!/usr/bin/env node
'use strict';
// Standalone entry (tests, or a host that runs the bridge outside PM2's module system).
// Settings: JSON in SWITCHBOARD_BRIDGE_CONFIG and/or SWITCHBOARD_BRIDGE_<KEY> variables.
process.env.PM2_SILENT = process.env.PM2_SILENT || 'true'; // PM2's CLI chatter, not our log
const { parseConfig, DEFAULTS } = require('./config');
const { Bridge } = require('./bridge');

function rawSettings(env) {
  const raw = env.SWITCHBOARD_BRIDGE_CONFIG ? JSON.parse(env.SWITCHBOARD_BRIDGE_CONFIG) : {};
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

if (require.main === module) run(rawSettings(process.env));

module.exports = { run, rawSettings };
