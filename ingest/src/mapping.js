'use strict';
// One decoded OTLP span -> what the contract needs (docs/contract.md, "From OpenTelemetry"):
// the agentops.spans row without path/depth/subtree (the tree does those), the session it
// belongs to (when the span says), the live-state effect of an llm span, the recovery
// events of its `agentops.recovery` events. A span that cannot be mapped is a bad record:
// mapSpan throws BadRecord with a short reason, and the request's partial_success counts it.

const { RawText } = require('./otlp');

class BadRecord extends Error {}

const SPAN_KINDS = ['turn', 'prompt', 'llm', 'tool', 'retrieval', 'summarize', 'retry', 'output'];
const SEGMENT_KINDS = ['system', 'summary', 'message', 'tool_result', 'retrieval'];
const RECOVERY = {
  kind: ['tool_error', 'tool_timeout', 'invalid_json', 'context_overflow', 'model_timeout', 'rate_limited', 'provider_error', 'content_filter', 'other'],
  strategy: ['alternative_tool', 'stricter_prompt_retry', 'retry', 'summarize', 'ask_user', 'fallback_model', 'abort'],
  outcome: ['recovered', 'failed', 'in_progress'],
};

const OPERATION_KIND = {
  invoke_agent: 'turn',
  create_agent: 'turn',
  invoke_workflow: 'turn',
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  execute_tool: 'tool',
  retrieval: 'retrieval',
  embeddings: 'retrieval',
};
const OPENINFERENCE_KIND = {
  AGENT: 'turn',
  LLM: 'llm',
  TOOL: 'tool',
  RETRIEVER: 'retrieval',
  EMBEDDING: 'retrieval',
  RERANKER: 'retrieval',
};

const CAP_SCALAR = 4096;
const CAP_MESSAGE = 16 * 1024;
const CAP_DETAIL = 64 * 1024;
const CAP_ATTRS = 1024 * 1024;
const CAP_IO = 64 * 1024 * 1024;
const CAP_CTX = 8 * 1024 * 1024;

// Attributes that become the input/output columns (or the composition) instead of attrs.
const MOVED = new Set(['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'input.value', 'output.value',
  'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'agentops.context.segments', 'gen_ai.prompt', 'gen_ai.completion']);
const MOVED_PREFIX = ['llm.input_messages.', 'llm.output_messages.', 'gen_ai.prompt.', 'gen_ai.completion.'];

const noNul = (s) => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s); // text and jsonb refuse NUL

function text(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return noNul(v);
  if (v instanceof RawText) return noNul(v.toString());
  if (Buffer.isBuffer(v)) return '';
  return noNul(typeof v === 'object' ? JSON.stringify(jsonable(v)) : String(v));
}

function scalar(v, what) {
  const s = text(v);
  if (Buffer.byteLength(s) > CAP_SCALAR) throw new BadRecord(`${what} is ${Buffer.byteLength(s)} bytes, over the ${CAP_SCALAR}-byte cap`);
  return s;
}

function capped(s, cap) {
  if (Buffer.byteLength(s) <= cap) return s;
  const b = Buffer.from(s).subarray(0, cap);
  return b.toString('utf8').replace(/\uFFFD$/, '');
}

function jsonable(v) {
  if (v instanceof RawText) return noNul(v.toString());
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(jsonable);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[noNul(k)] = jsonable(v[k]);
    return o;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return noNul(v);
  return v;
}

// A non-negative integer token count, or null (absent); anything else is a bad record.
function tokens(v, what) {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'string' && /^[0-9]{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new BadRecord(`${what} = '${capped(text(v), 40)}' is not a non-negative integer`);
  return n;
}

function first(attrs, ...keys) {
  for (const k of keys) if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== '') return attrs[k];
  return undefined;
}

const nsToMs = (ns) => Number(ns / 1000000n);

function parseJsonAttr(v) {
  if (v === undefined || v === null) return undefined;
  if (v instanceof RawText) v = v.toString();
  if (typeof v !== 'string') return jsonable(v);
  try {
    return JSON.parse(v);
  } catch (e) {
    return undefined;
  }
}

// GenAI message parts -> plain text (text parts; tool calls and responses as JSON).
function partsText(msg) {
  if (!msg || typeof msg !== 'object') return text(msg);
  if (typeof msg.content === 'string') return msg.content;
  if (Array.isArray(msg.parts)) {
    return msg.parts.map((p) => {
      if (!p || typeof p !== 'object') return text(p);
      if (typeof p.content === 'string') return p.content;
      if (p.type === 'tool_call') return JSON.stringify({ tool_call: p.name, arguments: p.arguments, id: p.id });
      if (p.type === 'tool_call_response') return typeof p.response === 'string' ? p.response : JSON.stringify(p.response);
      return JSON.stringify(jsonable(p));
    }).join('\n');
  }
  return JSON.stringify(jsonable(msg));
}

// The input messages of an llm span in one form: [{role, text}] from the GenAI attributes
// (gen_ai.system_instructions + gen_ai.input.messages), else OpenInference's flattened
// llm.input_messages.{i}.message.{role,content}.
function inputMessages(attrs) {
  const out = [];
  const sys = parseJsonAttr(attrs['gen_ai.system_instructions']);
  if (Array.isArray(sys)) out.push({ role: 'system', text: sys.map((p) => (p && typeof p.content === 'string' ? p.content : text(p))).join('\n') });
  else if (typeof attrs['gen_ai.system_instructions'] === 'string' && sys === undefined) out.push({ role: 'system', text: attrs['gen_ai.system_instructions'] });
  const msgs = parseJsonAttr(attrs['gen_ai.input.messages']);
  if (Array.isArray(msgs)) {
    for (const m of msgs) out.push({ role: m && typeof m.role === 'string' ? m.role : 'user', text: partsText(m) });
    return out;
  }
  const oi = [];
  for (const k of Object.keys(attrs)) {
    const m = /^llm\.input_messages\.(\d{1,6})\.message\.(role|content)$/.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    oi[i] = oi[i] || { role: 'user', text: '' };
    if (m[2] === 'role') oi[i].role = text(attrs[k]);
    else oi[i].text = text(attrs[k]);
  }
  for (const m of oi) if (m) out.push(m);
  return out;
}

function outputText(attrs) {
  const msgs = parseJsonAttr(attrs['gen_ai.output.messages']);
  if (Array.isArray(msgs)) return JSON.stringify(msgs.map((m) => ({ role: m && m.role, text: partsText(m), finish_reason: m && m.finish_reason })));
  const oi = [];
  for (const k of Object.keys(attrs)) {
    const m = /^llm\.output_messages\.(\d{1,6})\.message\.(role|content)$/.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    oi[i] = oi[i] || {};
    oi[i][m[2] === 'role' ? 'role' : 'text'] = text(attrs[k]);
  }
  if (oi.length) return JSON.stringify(oi.filter(Boolean));
  const v = first(attrs, 'output.value', 'gen_ai.tool.call.result', 'gen_ai.completion');
  return v === undefined ? null : io(v);
}

// An input/output value: a RawText's bytes as they are (copy.js writes a Buffer as is),
// unless they hold a NUL (text refuses it); anything else as text.
function io(v) {
  if (v instanceof RawText && v.buf.indexOf(0) < 0) return v.buf;
  return text(v);
}

function ioBytes(v) {
  return Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v);
}

const ROLE_KIND = { system: 'system', developer: 'system', tool: 'tool_result', function: 'tool_result' };

// The context composition of an llm span: documented segments if the agent gave them
// (agentops.context.segments), else one segment per input message with the call's input
// tokens split by text size and marked estimated. null = nothing to show.
function composition(attrs, inputTotal, limit, model, atMs) {
  const given = parseJsonAttr(attrs['agentops.context.segments']);
  let segments = null;
  let estimated = false;
  if (Array.isArray(given) && given.length) {
    segments = [];
    for (const s of given) {
      if (!s || typeof s !== 'object' || !SEGMENT_KINDS.includes(s.kind) || !Number.isSafeInteger(s.tokens) || s.tokens < 0) {
        throw new BadRecord(`agentops.context.segments: a segment needs kind (one of ${SEGMENT_KINDS.join('|')}) and integer tokens`);
      }
      const seg = { kind: s.kind, tokens: s.tokens };
      if (typeof s.role === 'string') seg.role = s.role;
      if (typeof s.text === 'string') seg.text = s.text;
      segments.push(seg);
    }
  } else {
    const msgs = inputMessages(attrs);
    if (!msgs.length || inputTotal === null) return null;
    const sizes = msgs.map((m) => Math.max(1, Buffer.byteLength(m.text)));
    const total = sizes.reduce((a, b) => a + b, 0);
    let left = inputTotal;
    segments = msgs.map((m, i) => {
      const t = i === msgs.length - 1 ? left : Math.floor((inputTotal * sizes[i]) / total);
      left -= t;
      return { kind: ROLE_KIND[m.role] || 'message', role: m.role, tokens: t, text: m.text };
    });
    estimated = true;
  }
  const doc = { model, updated_at: atMs, segments };
  if (limit) doc.limit = limit;
  if (estimated) doc.estimated = true;
  let json = JSON.stringify(doc);
  if (Buffer.byteLength(json) > CAP_CTX) {
    // Over the 8 MiB cap: keep the tokens, shorten the texts.
    const each = Math.floor(CAP_CTX / 2 / segments.length);
    for (const s of segments) if (s.text) s.text = capped(s.text, each);
    json = JSON.stringify(doc);
  }
  return json;
}

function recoveryEvents(sp, ev0) {
  const out = [];
  for (let i = 0; i < sp.events.length; i++) {
    const ev = sp.events[i];
    if (ev.name !== 'agentops.recovery') continue;
    const a = ev.attrs;
    const get = (k) => text(a[`agentops.recovery.${k}`]);
    const rec = { index: i, at: ev.timeNs ? nsToMs(ev.timeNs) : ev0 };
    for (const k of ['kind', 'strategy', 'outcome']) {
      const v = get(k);
      if (!RECOVERY[k].includes(v)) throw new BadRecord(`agentops.recovery event: ${k} = '${capped(v, 40)}' is not one of ${RECOVERY[k].join('|')}`);
      rec[k] = v;
    }
    const attempt = a['agentops.recovery.attempt'] === undefined ? 1 : tokens(a['agentops.recovery.attempt'], 'agentops.recovery.attempt');
    if (!attempt || attempt > 2147483647) throw new BadRecord('agentops.recovery event: attempt must be an integer >= 1');
    rec.attempt = attempt;
    const rv = a['agentops.recovery.recoverable'];
    rec.recoverable = rv === undefined ? rec.outcome !== 'failed' : rv === true || rv === 1 || rv === 'true' || rv === '1';
    const msg = get('message');
    if (msg) rec.message = capped(msg, CAP_MESSAGE);
    const d = a['agentops.recovery.detail'];
    if (d !== undefined) {
      const obj = typeof d === 'string' ? parseJsonAttr(d) : jsonable(d);
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new BadRecord('agentops.recovery event: detail is not a JSON object');
      const js = JSON.stringify(obj);
      if (Buffer.byteLength(js) > CAP_DETAIL) throw new BadRecord(`agentops.recovery event: detail is over the ${CAP_DETAIL}-byte cap`);
      rec.detail = js;
    }
    out.push(rec);
  }
  return out;
}

function spanKind(attrs, isRoot) {
  const own = text(attrs['agentops.span.kind']);
  if (own) {
    if (!SPAN_KINDS.includes(own)) throw new BadRecord(`agentops.span.kind = '${capped(own, 40)}' is not one of ${SPAN_KINDS.join('|')}`);
    return own;
  }
  const op = OPERATION_KIND[text(attrs['gen_ai.operation.name'])];
  if (op) return op;
  const oi = OPENINFERENCE_KIND[text(attrs['openinference.span.kind']).toUpperCase()];
  if (oi) return oi;
  return isRoot ? 'turn' : 'prompt';
}

// settings: { windows: {model: tokens} }.
function mapSpan(sp, resource, settings) {
  if (!/^[0-9a-f]{32}$/.test(sp.traceId) || /^0+$/.test(sp.traceId)) throw new BadRecord('trace_id must be 16 bytes, not all zero');
  if (!/^[0-9a-f]{16}$/.test(sp.spanId) || /^0+$/.test(sp.spanId)) throw new BadRecord('span_id must be 8 bytes, not all zero');
  if (sp.parentSpanId && !/^[0-9a-f]{16}$/.test(sp.parentSpanId)) throw new BadRecord('parent_span_id must be 8 bytes or empty');
  if (!sp.startNs) throw new BadRecord('start_time_unix_nano is missing');
  if (sp.endNs < sp.startNs) throw new BadRecord('end_time_unix_nano is before start_time_unix_nano');
  const startMs = nsToMs(sp.startNs);
  if (startMs > 253402300799999) throw new BadRecord('start time after the year 9999');
  const a = sp.attrs;
  const parentId = sp.parentSpanId && !/^0+$/.test(sp.parentSpanId) ? sp.parentSpanId : null;
  const kind = spanKind(a, !parentId);

  const session = scalar(first(a, 'gen_ai.conversation.id', 'session.id') ?? first(resource, 'gen_ai.conversation.id', 'session.id') ?? '', 'gen_ai.conversation.id');
  const agentOwn = scalar(first(a, 'gen_ai.agent.name') ?? '', 'gen_ai.agent.name');
  const service = scalar(first(resource, 'service.name') ?? '', 'service.name');
  const host = scalar(first(a, 'host.name') ?? first(resource, 'host.name') ?? '', 'host.name');
  const model = scalar(first(a, 'gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name') ?? '', 'gen_ai.response.model');

  const inTotal = tokens(first(a, 'gen_ai.usage.input_tokens', 'llm.token_count.prompt'), 'gen_ai.usage.input_tokens');
  const out = tokens(first(a, 'gen_ai.usage.output_tokens', 'llm.token_count.completion'), 'gen_ai.usage.output_tokens');
  const cacheRead = tokens(first(a, 'gen_ai.usage.cache_read.input_tokens', 'llm.token_count.prompt_details.cache_read'), 'gen_ai.usage.cache_read.input_tokens');
  const cacheWrite = tokens(first(a, 'gen_ai.usage.cache_creation.input_tokens', 'llm.token_count.prompt_details.cache_write'), 'gen_ai.usage.cache_creation.input_tokens');
  // gen_ai.usage.input_tokens includes the cached tokens (semantic conventions); the
  // column is the non-cached part.
  const inputTokens = inTotal === null ? null : Math.max(0, inTotal - (cacheRead || 0) - (cacheWrite || 0));
  const promptVersion = tokens(first(a, 'agentops.prompt.version'), 'agentops.prompt.version');
  const turnAttr = tokens(first(a, 'agentops.turn'), 'agentops.turn');

  // Errors: status, error.type, exception events.
  let status = sp.status.code === 2 ? 'error' : 'ok';
  let error = sp.status.code === 2 ? text(sp.status.message) : '';
  let errorType = text(first(a, 'error.type') ?? '');
  const exc = sp.events.find((e) => e.name === 'exception');
  if (exc) {
    if (!errorType) errorType = text(exc.attrs['exception.type'] ?? '');
    if (!error && status === 'error') error = text(exc.attrs['exception.message'] ?? '');
  }
  if (errorType && status === 'ok' && sp.status.code !== 1) status = 'error';
  if (errorType === '_OTHER' && !error) error = 'error';
  if (text(a['agentops.span.status']) === 'cancelled') status = 'cancelled';

  // Time to first token: gen_ai.response.time_to_first_chunk (s), else OpenInference's
  // "First Token Stream Event".
  let firstTokenAt = null;
  const ttfc = a['gen_ai.response.time_to_first_chunk'];
  if (typeof ttfc === 'number' && Number.isFinite(ttfc) && ttfc >= 0) firstTokenAt = startMs + ttfc * 1000;
  else {
    const ft = sp.events.find((e) => e.name === 'First Token Stream Event' || e.name === 'gen_ai.first_token');
    if (ft && ft.timeNs) firstTokenAt = nsToMs(ft.timeNs);
  }

  // input/output
  let input = null;
  if (kind === 'llm' || kind === 'summarize') {
    const msgs = inputMessages(a);
    if (msgs.length) input = JSON.stringify(msgs.map((m) => ({ role: m.role, kind: ROLE_KIND[m.role] || 'message', text: m.text })));
  }
  if (input === null) {
    const v = first(a, 'input.value', 'gen_ai.tool.call.arguments', 'gen_ai.prompt');
    if (v !== undefined) input = io(v);
  }
  let output = outputText(a);
  if (input !== null && ioBytes(input) > CAP_IO) input = capped(input.toString(), CAP_IO);
  if (output !== null && ioBytes(output) > CAP_IO) output = capped(output.toString(), CAP_IO);

  // attrs: everything else, JSON; over 1 MiB is a bad record (the big values belong in
  // the messages attributes, which go to input/output).
  const attrs = {};
  for (const k of Object.keys(a)) {
    if (MOVED.has(k) || MOVED_PREFIX.some((p) => k.startsWith(p))) continue;
    attrs[noNul(k)] = jsonable(a[k]);
  }
  attrs['otel.scope'] = sp.scope || undefined;
  const attrsJson = JSON.stringify(attrs);
  if (Buffer.byteLength(attrsJson) > CAP_ATTRS) throw new BadRecord(`attributes are ${Buffer.byteLength(attrsJson)} bytes as JSON, over the ${CAP_ATTRS}-byte cap`);

  const endMs = nsToMs(sp.endNs);
  const windowAttr = tokens(first(a, 'gen_ai.context.window_size'), 'gen_ai.context.window_size');
  const limit = windowAttr || (model && settings.windows && Number.isSafeInteger(settings.windows[model]) ? settings.windows[model] : null);
  const fillTokens = inTotal === null ? null : inTotal; // input incl. cache
  const live = kind === 'llm' && fillTokens !== null
    ? { ctxTokens: fillTokens, limit, model: model || 'unknown', ctx: composition(a, fillTokens, limit, model, endMs) }
    : null;

  return {
    traceId: sp.traceId,
    spanId: sp.spanId,
    parentId,
    startMs,
    endMs,
    startNsFrac: Number(sp.startNs % 1000000n) / 1e6,
    durationMs: Number(sp.endNs - sp.startNs) / 1e6,
    kind,
    session, // '' = inherit from the parent
    agentOwn,
    service,
    host,
    turnAttr,
    // subtree_tokens counts input + output as the contract's columns do (input_tokens is the
    // non-cached part), like the simulator and the console's TraceLoader: cache apart.
    tokens: (inputTokens || 0) + (out || 0),
    isError: status === 'error',
    live,
    recovery: recoveryEvents(sp, endMs),
    row: {
      span_id: sp.spanId,
      trace_id: sp.traceId,
      parent_id: parentId,
      kind,
      name: capped(text(sp.name) || kind, CAP_SCALAR),
      model: model || null,
      prompt_version: promptVersion || null,
      started_at: startMs, // ms since the epoch (copy.js)
      duration_ms: Math.max(0, Number(sp.endNs - sp.startNs) / 1e6),
      first_token_at: firstTokenAt === null ? null : Math.round(firstTokenAt),
      input_tokens: inputTokens,
      output_tokens: out,
      cache_read_tokens: cacheRead,
      cache_write_tokens: cacheWrite,
      status,
      error: error ? capped(error, CAP_MESSAGE) : null,
      error_type: errorType ? capped(errorType, CAP_SCALAR) : null,
      attrs: attrsJson, // the JSON text (jsonb)
      input,
      output,
      input_bytes: input === null ? null : ioBytes(input),
      output_bytes: output === null ? null : ioBytes(output),
    },
  };
}

// `<start>Z<span_id>`, start as 20261126T232927123 (UTC, ms): Span::pathElement().
function pathElement(startMs, spanId) {
  const d = new Date(startMs);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}${p(d.getUTCMilliseconds(), 3)}Z${spanId}`;
}

module.exports = { mapSpan, pathElement, BadRecord, SPAN_KINDS };
