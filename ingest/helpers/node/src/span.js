'use strict';
// Span helpers: what an agent adds to its OpenTelemetry spans so the Switchboard receiver can
// fill the recovery-event stream, the fill level and the context composition
// (docs/contract.md, "Agent helpers"). Only @opentelemetry/api, a peer dependency: the span
// is the agent's own (its SDK, its exporter). Each helper validates what it is given and
// returns { recorded: true } or { recorded: false, error }; it never throws into the agent.

let api = null;
function otel() {
  if (!api) api = require('@opentelemetry/api'); // a peer dependency, loaded on first use
  return api;
}

const ATTR = Object.freeze({
  recoveryEvent: 'agentops.recovery',
  kind: 'agentops.recovery.kind',
  strategy: 'agentops.recovery.strategy',
  outcome: 'agentops.recovery.outcome',
  attempt: 'agentops.recovery.attempt',
  recoverable: 'agentops.recovery.recoverable',
  message: 'agentops.recovery.message',
  detail: 'agentops.recovery.detail',
  windowSize: 'gen_ai.context.window_size',
  promptVersion: 'agentops.prompt.version',
  segments: 'agentops.context.segments',
});

// docs/contract.md, "Enumerations".
const RECOVERY_KINDS = ['tool_error', 'tool_timeout', 'invalid_json', 'context_overflow', 'model_timeout', 'rate_limited', 'provider_error', 'content_filter', 'other'];
const RECOVERY_STRATEGIES = ['alternative_tool', 'stricter_prompt_retry', 'retry', 'summarize', 'ask_user', 'fallback_model', 'abort'];
const RECOVERY_OUTCOMES = ['recovered', 'failed', 'in_progress'];
const SEGMENT_KINDS = ['system', 'summary', 'message', 'tool_result', 'retrieval'];
const SEGMENT_ROLES = ['system', 'user', 'assistant', 'tool'];

const MESSAGE_CAP = 16 * 1024;
const DETAIL_CAP = 64 * 1024;
const MAX_SEGMENTS = 10000;
const SEGMENTS_CAP = 8 * 1024 * 1024; // the composition's cap (N session:{id}:ctx)

function fail(error) {
  return { recorded: false, error };
}

function resolveSpan(span) {
  try {
    const s = span || otel().trace.getActiveSpan();
    if (!s || typeof s.isRecording !== 'function') return null;
    return s;
  } catch (e) {
    return null;
  }
}

function isCount(v, min) {
  return Number.isSafeInteger(v) && v >= min;
}

// JSON text of a plain object, at most 64 levels deep and DETAIL_CAP bytes; or an error.
function detailJson(detail) {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { error: 'detail must be a plain object' };
  const depth = (v, d) => {
    if (d > 64) return false;
    if (v && typeof v === 'object') return Object.values(v).every((x) => depth(x, d + 1));
    return true;
  };
  let text;
  try {
    if (!depth(detail, 1)) return { error: 'detail is nested deeper than 64 levels' };
    text = JSON.stringify(detail);
  } catch (e) {
    return { error: `detail is not serialisable: ${e.message}` };
  }
  if (Buffer.byteLength(text) > DETAIL_CAP) return { error: `detail is ${Buffer.byteLength(text)} bytes of JSON, over the ${DETAIL_CAP}-byte cap` };
  return { text };
}

// A span event `agentops.recovery` on span (default: the active span). event: { kind,
// strategy, outcome, attempt = 1, recoverable = true, message?, detail? }; detail is a plain
// object (tool, error, fallback_model, tokens_before, tokens_after, retry_after_ms,
// raw_excerpt, …), sent as JSON text.
function recordRecovery(event, span) {
  try {
    const s = resolveSpan(span);
    if (!s) return fail('no active span');
    if (!event || typeof event !== 'object') return fail('event must be an object');
    const { kind, strategy, outcome, attempt = 1, recoverable = true, message, detail } = event;
    if (!RECOVERY_KINDS.includes(kind)) return fail(`kind must be one of ${RECOVERY_KINDS.join('|')}`);
    if (!RECOVERY_STRATEGIES.includes(strategy)) return fail(`strategy must be one of ${RECOVERY_STRATEGIES.join('|')}`);
    if (!RECOVERY_OUTCOMES.includes(outcome)) return fail(`outcome must be one of ${RECOVERY_OUTCOMES.join('|')}`);
    if (!isCount(attempt, 1)) return fail('attempt must be an integer ≥ 1');
    if (typeof recoverable !== 'boolean') return fail('recoverable must be a boolean');
    const attrs = {
      [ATTR.kind]: kind,
      [ATTR.strategy]: strategy,
      [ATTR.outcome]: outcome,
      [ATTR.attempt]: attempt,
      [ATTR.recoverable]: recoverable,
    };
    if (message !== undefined && message !== null) {
      if (typeof message !== 'string') return fail('message must be a string');
      if (Buffer.byteLength(message) > MESSAGE_CAP) return fail(`message is over the ${MESSAGE_CAP}-byte cap`);
      if (message.includes('\0')) return fail('message contains a NUL byte');
      attrs[ATTR.message] = message;
    }
    if (detail !== undefined && detail !== null) {
      const d = detailJson(detail);
      if (d.error) return fail(d.error);
      attrs[ATTR.detail] = d.text;
    }
    s.addEvent(ATTR.recoveryEvent, attrs);
    return { recorded: true };
  } catch (e) {
    return fail(`could not record: ${e && e.message ? e.message : String(e)}`);
  }
}

// `gen_ai.context.window_size` on span (default: the active span): the model's context
// window in tokens. Without it the receiver uses its model table, or shows "window unknown".
function setContextWindow(tokens, span) {
  try {
    const s = resolveSpan(span);
    if (!s) return fail('no active span');
    if (!isCount(tokens, 1)) return fail('tokens must be an integer ≥ 1');
    s.setAttribute(ATTR.windowSize, tokens);
    return { recorded: true };
  } catch (e) {
    return fail(`could not record: ${e && e.message ? e.message : String(e)}`);
  }
}

// `agentops.prompt.version` on span (default: the active span): the prompt version the agent
// used, e.g. followPrompt's current.version, so the console links the session to it.
function setPromptVersion(version, span) {
  try {
    const s = resolveSpan(span);
    if (!s) return fail('no active span');
    if (!isCount(version, 1) || version > 2147483647) return fail('version must be an integer from 1 to 2147483647');
    s.setAttribute(ATTR.promptVersion, version);
    return { recorded: true };
  } catch (e) {
    return fail(`could not record: ${e && e.message ? e.message : String(e)}`);
  }
}

// The context composition of a model call, in prompt order: `agentops.context.segments`, JSON
// text of [{ kind, role?, tokens, text? }] (OpenTelemetry attributes hold no objects), the
// shape of the composition in `N session:{id}:ctx`. With it the console shows exact
// per-segment tokens; without it the receiver estimates them from gen_ai.input.messages.
function setContextSegments(segments, span) {
  try {
    const s = resolveSpan(span);
    if (!s) return fail('no active span');
    if (!Array.isArray(segments) || segments.length === 0) return fail('segments must be a non-empty array');
    if (segments.length > MAX_SEGMENTS) return fail(`more than ${MAX_SEGMENTS} segments`);
    const out = [];
    for (let i = 0; i < segments.length; ++i) {
      const g = segments[i];
      if (!g || typeof g !== 'object') return fail(`segment ${i} must be an object`);
      if (!SEGMENT_KINDS.includes(g.kind)) return fail(`segment ${i}: kind must be one of ${SEGMENT_KINDS.join('|')}`);
      if (g.role !== undefined && g.role !== null && !SEGMENT_ROLES.includes(g.role)) return fail(`segment ${i}: role must be one of ${SEGMENT_ROLES.join('|')}`);
      if (!isCount(g.tokens, 0)) return fail(`segment ${i}: tokens must be an integer ≥ 0`);
      if (g.text !== undefined && g.text !== null && typeof g.text !== 'string') return fail(`segment ${i}: text must be a string`);
      const seg = { kind: g.kind };
      if (g.role) seg.role = g.role;
      seg.tokens = g.tokens;
      if (typeof g.text === 'string') seg.text = g.text;
      out.push(seg);
    }
    const json = JSON.stringify(out);
    const bytes = Buffer.byteLength(json);
    if (bytes > SEGMENTS_CAP) return fail(`segments are ${bytes} bytes of JSON, over the ${SEGMENTS_CAP}-byte cap`);
    s.setAttribute(ATTR.segments, json);
    return { recorded: true };
  } catch (e) {
    return fail(`could not record: ${e && e.message ? e.message : String(e)}`);
  }
}

module.exports = {
  recordRecovery,
  setContextWindow,
  setContextSegments,
  setPromptVersion,
  ATTR,
  RECOVERY_KINDS,
  RECOVERY_STRATEGIES,
  RECOVERY_OUTCOMES,
  SEGMENT_KINDS,
  SEGMENT_ROLES,
};
