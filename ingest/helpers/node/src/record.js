'use strict';
// Validation of `N prompt:{agent}` and of `N prompt-activated` messages (docs/contract.md).
// Everything read from Redis is untrusted: these functions never throw on bad input, they
// return { ok: false, error } with a short, escaped reason in the console's words.

const SCALAR_CAP = 4 * 1024; // any scalar field (docs/contract.md, "Caps")
const MESSAGE_CAP = 64 * 1024; // the prompt-activated message
const FIELDS = ['version', 'model', 'deployment_id', 'deployed_at'];
const INT64_MAX = 9223372036854775807n;

const utf8 = new TextDecoder('utf-8', { fatal: true });

// At most 40 bytes of a bad value, escaped, as the console quotes it.
function quote(buf) {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf));
  const head = b.subarray(0, 40);
  let out = '';
  for (const c of head) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `'${out}${b.length > 40 ? '…' : ''}'`;
}

function decodeText(buf) {
  try {
    const s = utf8.decode(buf);
    if (s.includes('\0')) return { error: 'contains a NUL byte' };
    return { value: s };
  } catch (e) {
    return { error: 'is not valid UTF-8' };
  }
}

// A decimal integer as the contract writes it (no sign, spaces or '+'); returns a BigInt.
function decimal(buf, min) {
  if (buf.length === 0 || buf.length > 20) return null;
  const s = buf.toString('latin1');
  if (!/^[0-9]+$/.test(s)) return null;
  const v = BigInt(s);
  if (v < min || v > INT64_MAX) return null;
  return v;
}

// fields: { name: Buffer | undefined } as read from the hash (undefined = missing).
// sizes: { name: byteLength } for fields that were over the cap and not read.
function parsePromptFields(agent, fields, sizes = {}) {
  const errors = [];
  const what = `prompt ${agent}`;
  const raw = {};
  for (const f of FIELDS) {
    if (sizes[f] !== undefined) {
      errors.push(`${what}: field ${f} is ${sizes[f]} bytes, over the ${SCALAR_CAP}-byte cap`);
      continue;
    }
    const b = fields[f];
    if (b === undefined || b === null) errors.push(`${what}: field ${f} is missing`);
    else if (b.length === 0) errors.push(`${what}: field ${f} is empty`);
    else if (b.length > SCALAR_CAP) errors.push(`${what}: field ${f} is ${b.length} bytes, over the ${SCALAR_CAP}-byte cap`);
    else raw[f] = b;
  }
  const out = {};
  if (raw.version) {
    const v = decimal(raw.version, 1n);
    if (v === null) errors.push(`${what}: field version = ${quote(raw.version)} is not an integer ≥ 1`);
    else if (v > BigInt(Number.MAX_SAFE_INTEGER)) errors.push(`${what}: field version = ${quote(raw.version)} is beyond 2^53`);
    else out.version = Number(v);
  }
  if (raw.model) {
    const t = decodeText(raw.model);
    if (t.error) errors.push(`${what}: field model ${t.error}`);
    else out.model = t.value;
  }
  if (raw.deployment_id) {
    // Compared as decimal strings, like the activation script (ids beyond 2^53 too).
    const s = raw.deployment_id.toString('latin1');
    if (!/^[1-9][0-9]*$/.test(s) || decimal(raw.deployment_id, 1n) === null) {
      errors.push(`${what}: field deployment_id = ${quote(raw.deployment_id)} is not a positive integer`);
    } else out.deploymentId = s;
  }
  if (raw.deployed_at) {
    const v = decimal(raw.deployed_at, 0n);
    if (v === null || v > BigInt(Number.MAX_SAFE_INTEGER)) errors.push(`${what}: field deployed_at = ${quote(raw.deployed_at)} is not a timestamp (Unix ms)`);
    else out.deployedAt = Number(v);
  }
  if (errors.length) return { ok: false, error: errors.join('; ') };
  return { ok: true, value: { agent, ...out } };
}

// True when deployment id a (decimal string, no leading zeros) is newer than b.
function newer(a, b) {
  if (!b) return true;
  if (a.length !== b.length) return a.length > b.length;
  return a > b;
}

// The prompt-activated message is only a hint: all a follower needs is whether it names
// this agent. Returns { ok, agent } or { ok: false, error }.
function parseActivation(buf) {
  if (buf.length > MESSAGE_CAP) return { ok: false, error: `prompt-activated message is ${buf.length} bytes, over the ${MESSAGE_CAP}-byte cap` };
  const t = decodeText(buf);
  if (t.error) return { ok: false, error: `prompt-activated message ${t.error}` };
  let j;
  try {
    j = JSON.parse(t.value);
  } catch (e) {
    return { ok: false, error: `prompt-activated message is not JSON: ${quote(buf)}` };
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return { ok: false, error: 'prompt-activated message is not a JSON object' };
  if (typeof j.agent !== 'string' || j.agent === '') return { ok: false, error: 'prompt-activated message: field agent is missing' };
  return { ok: true, agent: j.agent };
}

module.exports = { parsePromptFields, parseActivation, newer, quote, FIELDS, SCALAR_CAP, MESSAGE_CAP };
