'use strict';
// Hand-built OTLP/JSON requests for the cases a real SDK never sends (out of order, late,
// malformed). Ids are hex, times ns as strings.
const crypto = require('crypto');

const hexId = (bytes) => crypto.randomBytes(bytes).toString('hex');
const attr = (key, v) => ({ key, value: typeof v === 'number' ? (Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v }) : typeof v === 'boolean' ? { boolValue: v } : { stringValue: String(v) } });

function span({ traceId, spanId = hexId(8), parentSpanId = '', name = 'span', startMs, endMs, attrs = {}, events = [], status }) {
  return {
    traceId, spanId, parentSpanId, name, kind: 1,
    startTimeUnixNano: `${startMs}000000`, endTimeUnixNano: `${endMs}000000`,
    attributes: Object.entries(attrs).map(([k, v]) => attr(k, v)),
    events: events.map((e) => ({ name: e.name, timeUnixNano: `${e.atMs}000000`, attributes: Object.entries(e.attrs || {}).map(([k, v]) => attr(k, v)) })),
    status: status || { code: 0 },
  };
}

function request(spans, resource = { 'service.name': 'json-agent' }) {
  return { resourceSpans: [{ resource: { attributes: Object.entries(resource).map(([k, v]) => attr(k, v)) }, scopeSpans: [{ scope: { name: 'hand' }, spans }] }] };
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, retryAfter: res.headers.get('retry-after'), json: (() => { try { return JSON.parse(text); } catch (e) { return null; } })() };
}

module.exports = { hexId, span, request, post, attr };
