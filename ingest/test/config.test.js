'use strict';
// Settings files: secrets come from the files the settings name (the installed service's
// way), never from the settings themselves.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { load } = require('../src/config');

test('secrets come from the files redis_password_file, pg_password_file and token_file name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbi-config-'));
  try {
    fs.writeFileSync(path.join(dir, 'redis'), 'r-secret\n');
    fs.writeFileSync(path.join(dir, 'pg'), 'p secret  ');
    fs.writeFileSync(path.join(dir, 'token'), 'tok\n');
    const conf = path.join(dir, 'ingest.json');
    fs.writeFileSync(conf, JSON.stringify({ pg_dsn: 'host=db user=ingest', redis_password_file: path.join(dir, 'redis'), pg_password_file: path.join(dir, 'pg'), token_file: path.join(dir, 'token') }));
    // The files win over the variables.
    const s = load(['--config', conf], { SWITCHBOARD_INGEST_REDIS_PASSWORD: 'from-env' });
    assert.strictEqual(s.redisPassword, 'r-secret'); // one trailing newline dropped
    assert.strictEqual(s.pgPassword, 'p secret  '); // nothing else trimmed
    assert.strictEqual(s.token, 'tok');
    // Without the files: the variables, and no Postgres password (PGPASSWORD / ~/.pgpass).
    fs.writeFileSync(conf, JSON.stringify({ pg_dsn: 'host=db user=ingest' }));
    const e = load(['--config', conf], { SWITCHBOARD_INGEST_REDIS_PASSWORD: 'from-env' });
    assert.strictEqual(e.redisPassword, 'from-env');
    assert.strictEqual(e.pgPassword, '');
    // A named file that is missing stops the start.
    fs.writeFileSync(conf, JSON.stringify({ pg_dsn: 'host=db user=ingest', pg_password_file: path.join(dir, 'absent') }));
    assert.throws(() => load(['--config', conf], {}), /ENOENT/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
