'use strict';
// Redis connections from the settings: rediss:// with a custom CA (peer verified),
// optional client certificate, ACL user and password; reconnect with capped back-off.
const fs = require('fs');
const Redis = require('ioredis');

function redisOptions(cfg, { blocking }) {
  const opts = {
    // Connects at once and keeps retrying: Redis being away at start is no reason to exit
    // (as a PM2 module, repeated exits would end `errored`).
    lazyConnect: false,
    enableReadyCheck: true,
    connectionName: `switchboard-bridge:${cfg.host}`,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 8), 5000),
    // Commands of the control channel wait for Redis to come back instead of failing:
    // the state of a command must be written before PM2 is asked, whatever it takes.
    maxRetriesPerRequest: blocking ? null : 1,
    enableOfflineQueue: true,
  };
  if (cfg.redisUser) opts.username = cfg.redisUser;
  if (cfg.redisPassword) opts.password = cfg.redisPassword;
  if (cfg.redisUri.startsWith('rediss://')) {
    const tls = { rejectUnauthorized: true };
    if (cfg.redisCaFile) tls.ca = fs.readFileSync(cfg.redisCaFile);
    if (cfg.redisCertFile) tls.cert = fs.readFileSync(cfg.redisCertFile);
    if (cfg.redisKeyFile) tls.key = fs.readFileSync(cfg.redisKeyFile);
    opts.tls = tls;
  }
  return opts;
}

function createRedis(cfg, log, role) {
  const client = new Redis(cfg.redisUri, redisOptions(cfg, { blocking: role === 'control' }));
  let down = false;
  client.on('error', (e) => {
    if (!down) log('warn', `redis (${role}): ${e.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) log('info', `redis (${role}): connected again`);
    down = false;
  });
  return client;
}

module.exports = { createRedis, redisOptions };
