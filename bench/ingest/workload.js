'use strict';
// The receiver bench's spans: the simulator's turn shape (sim/TurnGenerator.cpp) as an
// OpenTelemetry-instrumented agent would export it, serialized by the official
// @opentelemetry/otlp-transformer (ProtobufTraceSerializer, what exporter-trace-otlp-proto
// sends).
//
// Sizes and shapes follow the simulator: agents and windows from sim/Agents.h, ~8 turns per
// session, a turn = a root (invoke_agent, the user message in, the reply out), a retrieval
// 40 % of the time (a policy document of ~2.5 KB, log-normal), a summarize span past 70 %
// of the window, a prompt span carrying the whole rendered prompt (the context: system
// prompt, history, tool results), one model call (two with tools; failure modes with their
// recovery events), 0-2 tool calls (JSON results ~1.5 KB, 1 % of 300 KB), an output span.
//
// Sessions run in continuous time: a turn starts after the previous one plus a think time,
// every span is exported after it ends (as a BatchSpanProcessor does), so a request holds
// the children of turns whose root comes in a later request.
const path = require('path');

const INGEST = path.resolve(__dirname, '..', '..', 'ingest', 'node_modules');
const { ProtobufTraceSerializer } = require(path.join(INGEST, '@opentelemetry', 'otlp-transformer'));
const { resourceFromAttributes } = require(path.join(INGEST, '@opentelemetry', 'resources'));

// mulberry32: small, seeded, deterministic.
class Rng {
  constructor(seed) {
    this.s = seed >>> 0;
  }

  unit() {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p) {
    return this.unit() < p;
  }

  range(lo, hi) {
    return lo + Math.floor(this.unit() * (hi - lo + 1));
  }

  pick(a) {
    return a[Math.floor(this.unit() * a.length)];
  }

  normal() {
    const u = Math.max(this.unit(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.unit());
  }

  logNormalInt(median, sigma, lo, hi) {
    return Math.max(lo, Math.min(hi, Math.round(median * Math.exp(this.normal() * sigma))));
  }

  hex(n) {
    let s = '';
    while (s.length < n) s += Math.floor(this.unit() * 4294967296).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
}

const SENTENCES = [
  'The customer reports that the invoice for March was charged twice to the same card.',
  'I checked the order history and the second charge is still pending with the bank.',
  'Our refund policy allows a full refund within thirty days of the original purchase.',
  'The router firmware was updated last night and the connection drops every few minutes.',
  'Please confirm the last four digits of the account number before we continue.',
  'According to the knowledge base article, the reset requires holding the button for ten seconds.',
  'The shipment left the warehouse on Tuesday and is expected to arrive by Friday.',
  'The caller asked to speak to a supervisor about the cancellation fee.',
  'Escalation is required when the outstanding balance is above five hundred euros.',
  'The appointment can be moved to any free slot in the next two weeks.',
  'Error code E-4012 means the payment provider declined the transaction for risk reasons.',
  'The previous agent promised a callback that never happened, which the customer mentions twice.',
  'Summarise the conversation so far, keeping names, amounts, dates and open questions.',
  "Respond in the customer's language and keep answers under three sentences on voice calls.",
  'The plan includes unlimited calls, 20 GB of data and roaming in the European Union.',
  'Tool output was truncated because the upstream service returned more than 500 rows.',
  'The user uploaded a photo of the damaged package; the label is partly unreadable.',
  'Retrieval found three relevant policy sections; the newest one supersedes the others.',
  "Never reveal internal notes, credentials or other customers' data in a reply.",
  'The ticket was merged with an earlier one opened by the same email address.',
];
const USER = [
  'Hi, I was charged twice for my order, can you fix that?',
  'My internet keeps dropping since yesterday evening.',
  'I want to cancel my subscription but keep my number.',
  'Where is my package? It was supposed to arrive on Monday.',
  'Can I move my appointment to next Thursday afternoon?',
  'Why did my payment fail? The card works everywhere else.',
  "I need an invoice with my company's VAT number on it.",
  'The app says my account is locked, what do I do?',
  'Please send me the contract terms again, I lost the email.',
  'Is roaming included when I travel to Switzerland?',
];
const TOOLS = ['lookup_order', 'refund_payment', 'search_kb', 'get_customer', 'schedule_callback', 'check_line_status', 'create_ticket', 'send_email', 'get_invoice', 'track_shipment'];
const AGENTS = [
  { name: 'support-agent', channel: 'chat', model: 'gpt-3.5-turbo-0125', window: 16385, weight: 0.4 },
  { name: 'billing-agent', channel: 'email', model: 'mistral-small-2409', window: 32768, weight: 0.2 },
  { name: 'research-agent', channel: 'chat', model: 'gpt-4-0613', window: 8192, weight: 0.15 },
  { name: 'voice-agent', channel: 'voice', model: 'llama-3.1-8b-instruct', window: 16384, weight: 0.25 },
];
const HOSTS = Array.from({ length: 12 }, (_, i) => `agent-host-${i + 1}`);
const RISK = { invalidJson: 0.02, recoverOk: 0.9, toolError: 0.05, overflow: 0.01, timeout: 0.01, rateLimited: 0.01, providerError: 0.003 };
const tokensFor = (bytes) => Math.floor(bytes / 4) + 1;

class Text {
  constructor() {
    const rng = new Rng(0x5eed);
    let c = '';
    while (c.length < 256 * 1024) c += rng.pick(SENTENCES) + (rng.chance(0.15) ? '\n\n' : ' ');
    this.corpus = c;
  }

  prose(rng, bytes) {
    let out = '';
    while (out.length < bytes) {
      let from = this.corpus.indexOf('. ', rng.range(0, this.corpus.length - 1));
      from = from < 0 ? 0 : from + 2;
      out += this.corpus.slice(from, from + Math.min(bytes - out.length, this.corpus.length - from));
    }
    return out;
  }

  user(rng) {
    let m = rng.pick(USER);
    if (rng.chance(0.3)) m += ` ${this.prose(rng, rng.range(40, 400))}`;
    return m;
  }

  reply(rng, bytes) {
    return `Thanks for your patience. ${this.prose(rng, bytes)}`;
  }

  system(agent, version, rng) {
    return `You are ${agent} (prompt v${version}), a production support agent.\nRules:\n- Answer only from tool results and retrieved policy.\n`
      + '- Reply with JSON {"reply": string, "tool_calls": [...]} and nothing else.\n- Escalate to a human when unsure.\n\n'
      + this.prose(rng, rng.range(1500, 6000));
  }

  toolArgs(tool, rng) {
    const j = { tool, customer_id: `C${rng.range(10000, 99999)}` };
    if (rng.chance(0.5)) j.order_id = `O-${rng.hex(8)}`;
    if (rng.chance(0.3)) j.query = rng.pick(USER);
    return JSON.stringify(j);
  }

  toolResult(tool, rng, bytes) {
    const rows = [];
    let size = 0;
    while (size < bytes) {
      const note = this.prose(rng, rng.range(60, 240));
      size += note.length + 60;
      rows.push({ id: rng.hex(8), amount: rng.range(1, 90000) / 100, note });
    }
    return JSON.stringify({ tool, ok: true, rows });
  }
}

const SCOPE = { name: 'switchboard-bench-agent', version: '1.0.0' };
const hr = (ms) => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

// A ReadableSpan as the SDK hands it to an exporter (what the serializer reads).
function readable(s, traceId, resource) {
  return {
    name: s.name,
    kind: s.kind === 'llm' || s.kind === 'tool' || s.kind === 'retrieval' ? 2 : 0, // CLIENT / INTERNAL
    spanContext: () => ({ traceId, spanId: s.spanId, traceFlags: 1 }),
    parentSpanContext: s.parentId ? { traceId, spanId: s.parentId, traceFlags: 1, isRemote: false } : undefined,
    startTime: hr(s.startMs),
    endTime: hr(s.endMs),
    status: s.error ? { code: 2, message: s.error } : { code: 0 },
    attributes: s.attrs,
    links: [],
    events: s.events.map((e) => ({ name: e.name, time: hr(e.atMs), attributes: e.attrs })),
    duration: hr(s.endMs - s.startMs),
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

class Workload {
  // sessions: how many run at once (each ends after its planned turns and is replaced).
  constructor({ seed = 16, sessions = 1000, thinkMs = 4000, startMs = Date.now() } = {}) {
    this.rng = new Rng(seed);
    this.text = new Text();
    this.thinkMs = thinkMs;
    this.resources = new Map();
    this.heap = []; // pending spans by endMs
    this.sessions = []; // by nextAt
    this.serial = 0;
    this.stats = { turns: 0, spans: 0, sessions: 0, bytes: 0 };
    for (let i = 0; i < sessions; i++) this.pushSession(this.newSession(startMs + this.rng.range(0, thinkMs * 2)));
  }

  resource(agent, host) {
    const k = `${agent}@${host}`;
    let r = this.resources.get(k);
    if (!r) {
      r = resourceFromAttributes({ 'service.name': agent, 'host.name': host, 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry' });
      this.resources.set(k, r);
    }
    return r;
  }

  newSession(at) {
    const rng = this.rng;
    let r = rng.unit();
    let spec = AGENTS[0];
    for (const a of AGENTS) {
      spec = a;
      if (r < a.weight) break;
      r -= a.weight;
    }
    this.stats.sessions++;
    return {
      id: `s-${rng.hex(8)}-${rng.hex(4)}-${rng.hex(12)}`, agent: spec.name, channel: spec.channel, model: spec.model, window: spec.window,
      host: rng.pick(HOSTS), promptVersion: 1 + (this.serial++ % 3), plannedTurns: rng.logNormalInt(8, 0.7, 1, 60), turns: 0, segments: [], failed: false, nextAt: at,
    };
  }

  pushSession(s) {
    const h = this.sessions;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].nextAt <= h[i].nextAt) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  popSession() {
    return heapPop(this.sessions, 'nextAt');
  }

  pushSpan(x) {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].endMs <= h[i].endMs) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  // Every span that ended before `untilMs` (turns started as needed), in end order.
  // `drain`: start no new turn, return everything still pending. After stop(), no turn
  // starts: the turns under way finish.
  take(untilMs, drain = false) {
    if (!drain && !this.stopped) {
      while (this.sessions.length && this.sessions[0].nextAt < untilMs) {
        const s = this.popSession();
        const end = this.turn(s, s.nextAt);
        if (s.turns >= s.plannedTurns || (s.failed && this.rng.chance(0.5))) this.pushSession(this.newSession(end + this.rng.logNormalInt(this.thinkMs, 0.5, 200, 60000)));
        else {
          s.nextAt = end + this.rng.logNormalInt(this.thinkMs, 0.5, 200, 60000);
          this.pushSession(s);
        }
      }
    }
    const out = [];
    while (this.heap.length && (drain || this.heap[0].endMs < untilMs)) out.push(heapPop(this.heap, 'endMs').span);
    return out;
  }

  stop() {
    this.stopped = true;
  }

  pending() {
    return this.heap.length;
  }

  // One turn of session s starting at t0: its spans go to the heap; returns its end.
  turn(s, t0) {
    const rng = this.rng;
    const text = this.text;
    const traceId = rng.hex(32);
    const spans = [];
    const resource = this.resource(s.agent, s.host);
    s.turns++;
    this.stats.turns++;
    if (!s.segments.length) s.segments.push(seg('system', 'system', text.system(s.agent, s.promptVersion, rng)));
    const add = (parent, kind, name, startMs, durMs, attrs = {}) => {
      const x = { spanId: rng.hex(16), parentId: parent ? parent.spanId : null, kind, name, startMs, durMs, attrs, events: [], error: null };
      spans.push(x);
      return x;
    };
    const event = (sp, kind, strategy, recoverable, ok, attempt, message, detail) => {
      sp.events.push({ name: 'agentops.recovery', atMs: sp.startMs + sp.durMs, attrs: {
        'agentops.recovery.kind': kind, 'agentops.recovery.strategy': strategy, 'agentops.recovery.outcome': ok ? 'recovered' : 'failed',
        'agentops.recovery.attempt': attempt, 'agentops.recovery.recoverable': recoverable, 'agentops.recovery.message': message,
        'agentops.recovery.detail': JSON.stringify(detail) } });
      s.failed = s.failed || !ok;
    };
    let now = t0;
    const user = text.user(rng);
    const root = add(null, 'turn', `invoke_agent ${s.agent}`, t0, 0, {
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': s.agent, 'gen_ai.conversation.id': s.id, 'input.value': user });
    s.segments.push(seg('message', 'user', user));

    if (rng.chance(0.4) || rng.chance(RISK.overflow)) {
      const huge = rng.chance(RISK.overflow * 20);
      const bytes = huge ? s.window * 5 : rng.logNormalInt(2500, 0.6, 300, 20000);
      const d = rng.logNormalInt(120, 0.5, 10, 3000);
      const doc = `[policy/${rng.hex(6)}.md]\n${text.prose(rng, bytes)}`;
      add(root, 'retrieval', 'search_policies', now, d, { 'gen_ai.operation.name': 'retrieval', 'input.value': JSON.stringify({ query: user, k: 4 }),
        'output.value': doc, 'retrieval.documents': 4 });
      s.segments.push(seg('retrieval', 'tool', doc));
      now += d;
    }

    let ctx = ctxTokens(s);
    if (ctx > (s.window * 7) / 10) {
      const overflow = ctx > s.window;
      const d = rng.logNormalInt(1800, 0.4, 200, 20000);
      const summary = `Summary of the conversation so far: ${text.prose(rng, Math.floor(s.window / 3))}`;
      const sm = add(root, 'summarize', 'summarize history', now, d, { 'agentops.span.kind': 'summarize', 'gen_ai.request.model': s.model,
        'gen_ai.usage.input_tokens': ctx, 'gen_ai.usage.output_tokens': tokensFor(summary.length),
        'input.value': JSON.stringify({ segments: s.segments.length, ctx_tokens: ctx }), 'output.value': summary });
      const kept = [s.segments[0], seg('summary', 'system', summary), s.segments[s.segments.length - 1]];
      if (kept[2].tokens > s.window / 2) kept[2] = seg(kept[2].kind, kept[2].role, kept[2].text.slice(0, s.window));
      s.segments = kept;
      if (overflow) {
        const ok = rng.chance(RISK.recoverOk);
        if (!ok) {
          sm.error = 'context still over the window after summarising';
          sm.attrs['error.type'] = 'context_overflow';
        }
        event(sm, 'context_overflow', 'summarize', true, ok, 1, `context ${ctx} tokens over the ${s.window}-token window`,
          { ctx_tokens: ctx, ctx_limit: s.window, after_tokens: ctxTokens(s) });
      }
      now += d;
      ctx = ctxTokens(s);
    }

    const prompt = s.segments.map((g) => `<|${g.role}:${g.kind}|>\n${g.text}\n`).join('');
    const pr = add(root, 'prompt', `render prompt v${s.promptVersion}`, now, rng.range(1, 8), { 'agentops.span.kind': 'prompt',
      'agentops.prompt.version': s.promptVersion, 'input.value': JSON.stringify({ template: `${s.agent}@v${s.promptVersion}`, segments: s.segments.length }),
      'output.value': prompt });
    now += pr.durMs;
    const systemTokens = s.segments[0].tokens;

    const llm = (parent, model, at, error, errorType, errorText) => {
      const ttft = rng.logNormalInt(450, 0.5, 80, 15000);
      const outTok = rng.logNormalInt(160, 0.7, 5, 1500);
      const dur = ttft + outTok * rng.range(12, 30);
      const cached = s.turns > 1 && rng.chance(0.8);
      const output = error && errorType === 'invalid_json'
        ? `{"reply": "${text.prose(rng, 120)}", "tool_calls": [{"name": `
        : JSON.stringify({ reply: text.reply(rng, outTok * 4) });
      const sp = add(parent, 'llm', `chat ${model}`, at, dur, {
        'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': s.id, 'gen_ai.system': model.startsWith('gpt') ? 'openai' : 'self-hosted',
        'gen_ai.request.model': model, 'gen_ai.response.model': model, 'gen_ai.usage.input_tokens': ctx,
        'gen_ai.usage.output_tokens': outTok, 'gen_ai.usage.cache_read.input_tokens': cached ? systemTokens : 0,
        'gen_ai.usage.cache_creation.input_tokens': cached ? 0 : systemTokens, 'gen_ai.response.time_to_first_chunk': ttft / 1000,
        'gen_ai.context.window_size': s.window, 'agentops.prompt.version': s.promptVersion,
        // The composition without the texts (they are on the prompt span, as in the simulator).
        'agentops.context.segments': JSON.stringify(s.segments.map((g) => ({ kind: g.kind, role: g.role, tokens: g.tokens }))),
        'input.value': JSON.stringify({ prompt_span_id: pr.spanId, messages: s.segments.length }), 'output.value': output });
      if (error) {
        sp.error = errorText;
        sp.attrs['error.type'] = errorType;
      }
      return sp;
    };

    let last;
    if (rng.chance(RISK.invalidJson)) {
      last = llm(root, s.model, now, true, 'invalid_json', 'model output is not valid JSON: unexpected end of input');
      now += last.durMs;
      const ok = rng.chance(RISK.recoverOk);
      const retry = add(root, 'retry', 'retry with stricter prompt', now, 0, { 'agentops.span.kind': 'retry' });
      const again = llm(retry, s.model, now, !ok, 'invalid_json', 'retry still not valid JSON');
      retry.durMs = again.durMs;
      if (!ok) retry.error = 'retry failed';
      now += again.durMs;
      event(last, 'invalid_json', 'stricter_prompt_retry', true, ok, 2, 'model returned invalid JSON; retried with a stricter prompt',
        { excerpt: last.attrs['output.value'].slice(0, 80), retry_span_id: again.spanId });
    } else if (rng.chance(RISK.timeout + RISK.rateLimited)) {
      const timeout = rng.chance(RISK.timeout / (RISK.timeout + RISK.rateLimited));
      const f = llm(root, s.model, now, true, timeout ? 'model_timeout' : 'rate_limited', timeout ? 'request timed out after 30000 ms' : '429 Too Many Requests');
      f.durMs = timeout ? 30000 : rng.range(50, 400);
      f.attrs['gen_ai.usage.output_tokens'] = 0;
      now += f.durMs;
      const ok = rng.chance(RISK.recoverOk);
      last = llm(root, 'gpt-4o-mini-2024-07-18', now, !ok, 'provider_error', 'fallback model failed too');
      now += last.durMs;
      event(f, timeout ? 'model_timeout' : 'rate_limited', 'fallback_model', true, ok, 1,
        timeout ? 'primary model timed out; used the fallback model' : 'rate limited; used the fallback model', { fallback_model: 'gpt-4o-mini-2024-07-18' });
    } else if (rng.chance(RISK.providerError)) {
      last = llm(root, s.model, now, true, 'provider_error', '502 Bad Gateway from provider');
      now += last.durMs;
      event(last, 'provider_error', 'abort', false, false, 1, 'provider error; turn aborted', { status: 502 });
    } else {
      last = llm(root, s.model, now, false, '', '');
      now += last.durMs;
    }

    const tools = rng.range(0, 2);
    for (let k = 0; k < tools; k++) {
      const tool = rng.pick(TOOLS);
      const d = rng.logNormalInt(250, 0.8, 5, 20000);
      const veryLarge = rng.chance(0.01);
      const ti = add(root, 'tool', `execute_tool ${tool}`, now, d, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool,
        'gen_ai.tool.call.id': `call_${rng.hex(12)}`, 'gen_ai.tool.call.arguments': text.toolArgs(tool, rng) });
      now += d;
      if (rng.chance(RISK.toolError)) {
        ti.error = `${tool}: upstream returned 503`;
        ti.attrs['error.type'] = 'ToolError';
        ti.attrs['gen_ai.tool.call.result'] = '{"error": "503 Service Unavailable"}';
        const ok = rng.chance(RISK.recoverOk);
        event(ti, 'tool_error', ok ? 'alternative_tool' : 'ask_user', true, ok, 1, `${tool} failed: 503`, { tool, alternative: ok ? 'search_kb' : '' });
        continue;
      }
      const result = text.toolResult(tool, rng, veryLarge ? 300000 : rng.logNormalInt(1500, 0.9, 100, 30000));
      ti.attrs['gen_ai.tool.call.result'] = result;
      s.segments.push(seg('tool_result', 'tool', result));
    }
    if (tools > 0) {
      ctx = ctxTokens(s);
      last = llm(root, s.model, now, false, '', '');
      now += last.durMs;
    }
    const reply = text.reply(rng, rng.logNormalInt(300, 0.6, 40, 3000));
    const out = add(root, 'output', 'reply', now, rng.range(1, 5), { 'agentops.span.kind': 'output', 'input.value': last.attrs['output.value'].slice(0, 2000), 'output.value': reply });
    now += out.durMs;
    s.segments.push(seg('message', 'assistant', reply));
    root.durMs = now - t0;
    root.attrs['output.value'] = reply;
    root.attrs['session.turn'] = s.turns;
    root.attrs['user.channel'] = s.channel;

    for (const x of spans) {
      x.endMs = x.startMs + x.durMs;
      if (x.kind === 'turn') x.endMs += 1; // the root ends last (children end first, as an agent's spans do)
      this.stats.spans++;
      this.pushSpan({ endMs: x.endMs, span: { s: x, traceId, resource, session: s.id, turnStart: t0 } });
    }
    return now;
  }
}

function heapPop(h, key) {
  const top = h[0];
  const lastEl = h.pop();
  if (h.length) {
    h[0] = lastEl;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l][key] < h[m][key]) m = l;
      if (r < h.length && h[r][key] < h[m][key]) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
  return top;
}

function seg(kind, role, text) {
  return { kind, role, text, tokens: tokensFor(text.length) };
}

function ctxTokens(s) {
  return s.segments.reduce((a, g) => a + g.tokens, 0);
}

// Spans (from take()) -> an OTLP/protobuf ExportTraceServiceRequest body.
function serialize(items) {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(items.map((x) => readable(x.s, x.traceId, x.resource))));
}

// The spans' own shift in time (for bodies generated ahead and sent later).
function shift(items, ms) {
  for (const x of items) {
    x.s.startMs += ms;
    x.s.endMs += ms;
    for (const e of x.s.events) e.atMs += ms;
  }
}

module.exports = { Workload, serialize, shift, Rng, AGENTS };
