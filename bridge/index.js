'use strict';
// PM2 module entry. `pm2 set switchboard-pm2-bridge:<key> <value>` stores settings in
// PM2_HOME/module_conf.json; PM2 hands them to the module as a JSON string in the
// environment variable named after the module (and as one variable per key).
process.env.PM2_SILENT = process.env.PM2_SILENT || 'true';
const { run, rawSettings } = require('./src/main');

const name = process.env.name || 'switchboard-pm2-bridge';
let moduleConf = {};
try {
  moduleConf = JSON.parse(process.env[name] || '{}');
} catch (e) {
  process.stderr.write(`ignoring unreadable module settings: ${e.message}\n`);
}
run({ ...moduleConf, ...rawSettings(process.env) });
