#!/usr/bin/env node
'use strict';
// A demo agent that reaches Switchboard only through OpenTelemetry: `otel-concierge`, a
// hotel-booking concierge, talks to guests in a loop and exports its spans with the
// official SDK (sdk-trace-node + OTLP/protobuf) to the receiver (ingest/src/main.js). The
// receiver turns them into the contract's session hashes, composition, recovery events and
// span rows, so the console shows this agent like any other (scripts/demo.sh runs it).
//
//   node ingest/demo/agent.js [--endpoint URL] [--token-file FILE] [--conversations N]
//        [--lanes N] [--turns N] [--speed X] [--seed N] [--record FILE] [--quiet]
//
// --endpoint     OTLP/HTTP traces URL (default $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else
//                http://127.0.0.1:4318/v1/traces)
// --token-file   the receiver's bearer token, read from this file (else
//                $SWITCHBOARD_INGEST_TOKEN); never printed, never in argv
// --conversations N  stop after N conversations (default 0: until SIGTERM / SIGINT)
// --lanes N      conversations at the same time (default 2). Lane 0 talks to a self-hosted
//                model and tells the receiver its context window and the exact composition
//                (the span helpers); lane 1 uses a hosted model and sends neither: its window
//                is unknown to the receiver (the console shows "window unknown") and its
//                composition is the receiver's estimate from the input messages.
// --turns N      turns per conversation (default: 5 to 8, seeded)
// --speed X      time runs X times faster (default 1: a turn every few seconds); every
//                timestamp is still the real clock's, only the waits are shorter
// --record FILE  also write every span as it ends, one JSON object a line (what was sent:
//                ids, parent, name, times, attributes, events, status), for tests
//
// Per turn: an `invoke_agent` root span; below it a `chat` span (gen_ai.* model, tokens with
// cache, conversation id, input/output messages) that asks for a tool, the `execute_tool`
// span (sometimes a timeout, retried), and a second `chat` span that answers. Now and then a
// recovery event (agentops.recovery via recordRecovery): broken JSON from the model, a tool
// timeout, and on lane 0 a context overflow that makes it summarise (a summarize span).
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { trace, context, SpanStatusCode } = require('@opentelemetry/api');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { recordRecovery, setContextWindow, setContextSegments } = require(path.join(__dirname, '..', 'helpers', 'node'));

const AGENT = 'otel-concierge';
const HOST = 'otel-demo-host';
const LANES = [
  // Self-hosted (vLLM-style prefix cache): the agent knows the window and says so.
  { model: 'qwen2.5-32b-instruct', provider: 'vllm', window: 32768, segments: true },
  // Hosted: the agent does not send the window, the receiver's settings do not know it.
  { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', window: null, segments: false },
];
const SUMMARIZE_AT = 0.72; // lane 0 summarises when the next call would pass this fill

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node ingest/demo/agent.js [--endpoint URL] [--token-file FILE] [--conversations N] [--lanes N] [--turns N] [--speed X] [--seed N] [--record FILE] [--quiet]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || 'http://127.0.0.1:4318/v1/traces', tokenFile: '', conversations: 0, lanes: 2, turns: 0, speed: 1, seed: 0, record: '', quiet: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const int = (v, min) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < min) usage(`${a} must be an integer >= ${min}`);
      return n;
    };
    if (a === '--endpoint') o.endpoint = next();
    else if (a === '--token-file') o.tokenFile = next();
    else if (a === '--conversations') o.conversations = int(next(), 0);
    else if (a === '--lanes') o.lanes = Math.min(int(next(), 1), LANES.length);
    else if (a === '--turns') o.turns = int(next(), 1);
    else if (a === '--speed') {
      o.speed = Number(next());
      if (!(o.speed >= 1)) usage('--speed must be a number >= 1');
    } else if (a === '--seed') o.seed = int(next(), 0);
    else if (a === '--record') o.record = next();
    else if (a === '--quiet') o.quiet = true;
    else usage(`unknown argument ${a}`);
  }
  if (!o.seed) o.seed = crypto.randomInt(1, 2 ** 31);
  return o;
}

// mulberry32: the conversation content is reproducible from --seed.
function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (xs) => xs[Math.floor(next() * xs.length)], chance: (p) => next() < p };
}

const SYSTEM = 'You are the concierge of the Harbour Hotels group. You help guests with bookings, '
  + 'changes, cancellations and questions about the hotels. Use the tools to look things up; never '
  + 'invent a booking, a price or a policy. Answer in the guest\'s language, briefly.';
const QUESTIONS = [
  ['Can I move my booking HB-{n} to the weekend after?', 'change_booking'],
  ['Is breakfast included in booking HB-{n}?', 'get_booking'],
  ['What is the cancellation policy for the Lisbon hotel?', 'search_policies'],
  ['Do you have a room with two beds in Porto on the 14th?', 'search_availability'],
  ['Can I bring my dog to the Harbour Madrid?', 'search_policies'],
  ['My invoice for HB-{n} shows the city tax twice.', 'get_invoice'],
  ['Is there parking at the Seville hotel, and what does it cost?', 'search_policies'],
  ['Please add a late check-out to HB-{n}.', 'change_booking'],
];
const SNIPPETS = [
  'Guests may cancel free of charge up to 48 hours before arrival; later cancellations are charged one night.',
  'Pets up to 15 kg are welcome in rooms on the ground floor for a fee of 20 EUR per night.',
  'Breakfast is served from 07:00 to 10:30 and is included in flexible rates.',
  'The city tax of 2 EUR per person and night is collected at the hotel, not at booking.',
  'Late check-out until 14:00 is free for members and 30 EUR otherwise, subject to availability.',
  'The garage has 40 places, 18 EUR per 24 hours, reservable through the front desk.',
  'Rooms with two beds are category DBL-T; connecting rooms can be requested but not guaranteed.',
  'Changes to prepaid bookings are possible if the new stay is of equal or greater value.',
];

// Text of about `tokens` tokens (~4 characters each), from the snippets.
function textOf(r, tokens) {
  const out = [];
  let chars = 0;
  while (chars < tokens * 4) {
    const s = r.pick(SNIPPETS);
    out.push(s);
    chars += s.length + 1;
  }
  return out.join(' ');
}
const tokensOf = (text) => Math.max(1, Math.round(text.length / 4));

class Clock {
  constructor(speed) {
    this.speed = speed;
    this.timers = new Set();
    this.stopping = false;
  }

  // Waits ms of demo time (ms / speed of real time); at once when stopping.
  wait(ms) {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(entry);
        resolve();
      }, Math.round(ms / this.speed));
      const entry = { t, resolve };
      this.timers.add(entry);
    });
  }

  stop() {
    this.stopping = true;
    for (const { t, resolve } of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
  }
}

// Writes each ended span as JSON (what the exporter sends), for --record.
class RecordingProcessor {
  constructor(file) {
    this.fd = fs.openSync(file, 'a');
  }

  onStart() {}

  onEnd(span) {
    // Times exactly as exported: Unix nanoseconds, as decimal strings (beyond 2^53).
    const ns = ([sec, nanos]) => String(BigInt(sec) * 1000000000n + BigInt(nanos));
    const row = {
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext ? span.parentSpanContext.spanId : '',
      name: span.name,
      startNs: ns(span.startTime),
      endNs: ns(span.endTime),
      status: span.status.code,
      attributes: span.attributes,
      events: span.events.map((e) => ({ name: e.name, timeNs: ns(e.time), attributes: e.attributes || {} })),
    };
    fs.writeSync(this.fd, `${JSON.stringify(row)}\n`);
  }

  forceFlush() {
    return Promise.resolve();
  }

  shutdown() {
    fs.closeSync(this.fd);
    return Promise.resolve();
  }
}

// The exporter, with failed exports counted and reported by their message (never the
// request's headers: the bearer token is one).
class ReportingExporter {
  constructor(inner, onFailure) {
    this.inner = inner;
    this.onFailure = onFailure;
  }

  export(spans, done) {
    this.inner.export(spans, (result) => {
      if (result.code !== 0) this.onFailure(spans.length, result.error);
      done(result);
    });
  }

  forceFlush() {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }

  shutdown() {
    return this.inner.shutdown();
  }
}

function messagesAttr(msgs) {
  return JSON.stringify(msgs.map((m) => {
    if (m.toolCall) return { role: m.role, parts: [{ type: 'tool_call', id: m.toolCall.id, name: m.toolCall.name, arguments: m.toolCall.arguments }] };
    if (m.toolResult) return { role: 'tool', parts: [{ type: 'tool_call_response', id: m.toolResult.id, response: m.text }] };
    return { role: m.role, parts: [{ type: 'text', content: m.text }] };
  }));
}

const KIND_OF_ROLE = { system: 'system', user: 'message', assistant: 'message', tool: 'tool_result' };

class Conversation {
  constructor(agent, lane, index) {
    this.agent = agent;
    this.lane = lane;
    this.spec = LANES[lane];
    this.r = rng(agent.opts.seed * 31 + index * 7919 + lane);
    this.id = `concierge-${crypto.randomBytes(6).toString('hex')}`;
    this.turns = agent.opts.turns || this.r.int(5, 8);
    this.index = index;
    this.history = []; // {role, text, tokens, kind, toolCall?, toolResult?}
    this.system = { role: 'system', text: SYSTEM, tokens: 1150, kind: 'system' };
    this.summary = null;
    this.prefixTokens = 0; // what the provider's cache holds from the previous call
  }

  promptMessages() {
    return [this.system, ...(this.summary ? [this.summary] : []), ...this.history];
  }

  promptTokens() {
    return this.promptMessages().reduce((a, m) => a + m.tokens, 0);
  }

  // One model call as a `chat` span under the turn; returns its output message.
  async chat(tracer, ctx, { output, finish, ttftMs, durationMs, recovery }) {
    const { spec } = this;
    const msgs = this.promptMessages();
    const input = this.promptTokens();
    const outTokens = output.tokens;
    // The provider's prompt cache: the previous call's prompt is a prefix of this one.
    let cacheRead = Math.min(this.prefixTokens, input);
    if (spec.provider === 'openai') cacheRead = cacheRead >= 1024 ? Math.floor(cacheRead / 128) * 128 : 0;
    const span = tracer.startSpan(`chat ${spec.model}`, { attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': spec.provider,
      'gen_ai.conversation.id': this.id,
      'gen_ai.request.model': spec.model.replace(/-\d{4}-\d\d-\d\d$/, ''),
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 1024,
    } }, ctx);
    await this.agent.clock.wait(durationMs);
    span.setAttributes({
      'gen_ai.response.model': spec.model,
      'gen_ai.response.id': `resp_${crypto.randomBytes(8).toString('hex')}`,
      'gen_ai.response.finish_reasons': [finish],
      'gen_ai.response.time_to_first_chunk': ttftMs / 1000,
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': outTokens,
      'gen_ai.usage.cache_read.input_tokens': cacheRead,
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: this.system.text }]),
      'gen_ai.input.messages': messagesAttr(msgs.slice(1)),
      'gen_ai.output.messages': JSON.stringify([output.toolCall
        ? { role: 'assistant', parts: [{ type: 'tool_call', id: output.toolCall.id, name: output.toolCall.name, arguments: output.toolCall.arguments }], finish_reason: finish }
        : { role: 'assistant', parts: [{ type: 'text', content: output.text }], finish_reason: finish }]),
    });
    if (spec.window) this.agent.must(setContextWindow(spec.window, span), 'setContextWindow');
    if (spec.segments) {
      this.agent.must(setContextSegments(msgs.map((m) => ({ kind: m.kind, role: m.role, tokens: m.tokens, text: m.text.slice(0, 2000) })), span), 'setContextSegments');
    }
    if (recovery) this.agent.must(recordRecovery(recovery, span), 'recordRecovery');
    span.end();
    this.prefixTokens = input + outTokens;
    return output;
  }

  async summarize(tracer, ctx) {
    const before = this.promptTokens();
    const keep = this.history.slice(-2);
    const dropped = this.history.slice(0, -2);
    const span = tracer.startSpan('summarize conversation', { attributes: {
      'agentops.span.kind': 'summarize', 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': this.id,
      'gen_ai.request.model': this.spec.model, 'gen_ai.response.model': this.spec.model,
      'gen_ai.usage.input_tokens': dropped.reduce((a, m) => a + m.tokens, 0) + this.system.tokens,
      'gen_ai.usage.output_tokens': 320,
    } }, ctx);
    await this.agent.clock.wait(this.r.int(900, 1600));
    const text = `Summary of the conversation so far: the guest asked ${dropped.filter((m) => m.role === 'user').length} questions; `
      + 'bookings and policies looked up are in the tool results that follow.';
    this.summary = { role: 'system', kind: 'summary', text, tokens: 320 };
    this.history = keep;
    this.prefixTokens = 0; // a new prompt: nothing cached
    const after = this.promptTokens();
    this.agent.must(recordRecovery({ kind: 'context_overflow', strategy: 'summarize', outcome: 'recovered', attempt: 1,
      message: `context at ${Math.round((100 * before) / this.spec.window)} % of the window: summarised ${dropped.length} messages`,
      detail: { tokens_before: before, tokens_after: after } }, span), 'recordRecovery');
    span.end();
    return { before, after };
  }

  async turn(t) {
    const { r, spec } = this;
    const tracer = this.agent.tracer;
    const [q, tool] = r.pick(QUESTIONS);
    const question = q.replace('{n}', String(r.int(10000, 99999)));
    const root = tracer.startSpan(`invoke_agent ${AGENT}`, { attributes: {
      'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': AGENT, 'gen_ai.conversation.id': this.id,
      'gen_ai.provider.name': spec.provider,
    } });
    const ctx = trace.setSpan(context.active(), root);
    const notes = [];
    this.history.push({ role: 'user', kind: 'message', text: question, tokens: tokensOf(question) + 8 });

    if (spec.window && this.promptTokens() + 6000 > SUMMARIZE_AT * spec.window) {
      const s = await this.summarize(tracer, ctx);
      notes.push(`summarised ${s.before} -> ${s.after} tokens`);
    }

    // 1. The model asks for a tool. The first conversation's second turn always gets broken
    // JSON once (the demo's recovery story); later ones now and then.
    const callId = `call_${crypto.randomBytes(5).toString('hex')}`;
    const args = JSON.stringify({ query: question.slice(0, 60) });
    const brokenJson = (this.index < LANES.length && t === 1) || r.chance(0.12);
    const ask = await this.chat(tracer, ctx, {
      output: { role: 'assistant', kind: 'message', text: '', tokens: r.int(30, 70), toolCall: { id: callId, name: tool, arguments: args } },
      finish: 'tool_call', ttftMs: r.int(250, 700), durationMs: r.int(700, 1600),
      recovery: brokenJson ? { kind: 'invalid_json', strategy: 'stricter_prompt_retry', outcome: 'recovered', attempt: 2,
        message: `the tool call's arguments were not valid JSON; retried with a stricter prompt`, detail: { tool, raw_excerpt: args.slice(0, 20) } } : null,
    });
    if (brokenJson) notes.push('invalid_json recovered');
    this.history.push({ ...ask, text: args });

    // 2. The tool (sometimes it times out once and is retried).
    const resultTokens = r.int(1500, 5000);
    const result = textOf(r, resultTokens);
    const timeout = r.chance(0.15);
    const runTool = async (attempt, fails) => {
      const span = tracer.startSpan(`execute_tool ${tool}`, { attributes: {
        'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool, 'gen_ai.tool.call.id': callId, 'gen_ai.tool.type': 'function',
        'gen_ai.conversation.id': this.id, 'gen_ai.tool.call.arguments': args, ...(attempt > 1 ? { 'agentops.retry_of': callId } : {}),
      } }, ctx);
      await this.agent.clock.wait(fails ? 5000 : r.int(150, 900));
      if (fails) {
        span.recordException({ name: 'TimeoutError', message: `${tool} did not answer within 5 s` });
        span.setAttribute('error.type', 'TimeoutError');
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${tool} did not answer within 5 s` });
        this.agent.must(recordRecovery({ kind: 'tool_timeout', strategy: 'retry', outcome: 'recovered', attempt,
          message: `${tool} timed out; retrying once`, detail: { tool, error: 'TimeoutError' } }, span), 'recordRecovery');
      } else {
        span.setAttribute('gen_ai.tool.call.result', result.slice(0, 4000));
      }
      span.end();
    };
    if (timeout) {
      await runTool(1, true);
      notes.push('tool_timeout retried');
    }
    await runTool(timeout ? 2 : 1, false);
    this.history.push({ role: 'tool', kind: 'tool_result', text: result, tokens: resultTokens, toolResult: { id: callId } });

    // 3. The answer.
    const answerText = `${r.pick(['Certainly.', 'Thank you for waiting.', 'Good news:', 'I checked for you:'])} ${textOf(r, r.int(40, 140))}`;
    const answer = await this.chat(tracer, ctx, {
      output: { role: 'assistant', kind: 'message', text: answerText, tokens: tokensOf(answerText) },
      finish: 'stop', ttftMs: r.int(300, 900), durationMs: r.int(900, 2400),
    });
    this.history.push(answer);
    root.setAttribute('agentops.turn', t);
    root.end();
    const fill = spec.window ? `${Math.round((100 * this.prefixTokens) / spec.window)} % of ${spec.window}` : 'window unknown';
    this.agent.log(`${this.id} turn ${t + 1}/${this.turns} (${spec.model}, ${this.prefixTokens} tokens, ${fill})${notes.length ? `: ${notes.join(', ')}` : ''}`);
  }
}

class Agent {
  constructor(opts) {
    this.opts = opts;
    this.clock = new Clock(opts.speed);
    this.started = 0;
    this.errors = 0;
    let token = process.env.SWITCHBOARD_INGEST_TOKEN || '';
    if (opts.tokenFile) token = fs.readFileSync(opts.tokenFile, 'utf8').trim();
    const exporter = new ReportingExporter(
      new OTLPTraceExporter({ url: opts.endpoint, headers: token ? { Authorization: `Bearer ${token}` } : {}, timeoutMillis: 10000 }),
      (n, e) => {
        this.errors += 1;
        process.stderr.write(`${new Date().toISOString()} export of ${n} spans failed: ${e && e.message ? e.message : 'unknown error'}\n`);
      });
    const processors = [new BatchSpanProcessor(exporter, { scheduledDelayMillis: Math.max(50, Math.round(1000 / opts.speed)), maxExportBatchSize: 512 })];
    if (opts.record) processors.unshift(new RecordingProcessor(opts.record));
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': AGENT, 'service.version': '1.4.0', 'host.name': HOST, 'deployment.environment.name': 'demo' }),
      spanProcessors: processors,
    });
    this.tracer = this.provider.getTracer('switchboard-demo-agent', '1.0.0');
  }

  log(msg) {
    if (!this.opts.quiet) process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
  }

  must(result, what) {
    if (!result.recorded) {
      this.errors += 1;
      process.stderr.write(`${what}: ${result.error}\n`);
    }
  }

  // Conversations on each lane, one after another, until --conversations or a signal.
  async lane(lane) {
    while (!this.clock.stopping) {
      if (this.opts.conversations && this.started >= this.opts.conversations) return;
      const c = new Conversation(this, lane, this.started++);
      this.log(`${c.id} started on ${c.spec.model} (${c.turns} turns)`);
      for (let t = 0; t < c.turns && !this.clock.stopping; ++t) {
        await c.turn(t);
        if (t + 1 < c.turns) await this.clock.wait(c.r.int(2000, 5000)); // the guest types
      }
      await this.clock.wait(c.r.int(1000, 3000));
    }
  }

  async run() {
    const lanes = [];
    for (let l = 0; l < this.opts.lanes; ++l) {
      lanes.push(this.lane(l));
      await this.clock.wait(1500); // the lanes do not start in step
    }
    await Promise.all(lanes);
    // Everything exported before exit (a failed export was reported above).
    await this.provider.shutdown().catch(() => {});
  }
}

const opts = parseArgs(process.argv.slice(2));
const agent = new Agent(opts);
const stop = () => agent.clock.stop(); // the turn under way ends at once, then exit
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
agent.log(`${AGENT}: exporting to ${opts.endpoint} (seed ${opts.seed}, ${opts.lanes} lanes, speed ${opts.speed})`);
agent.run().then(() => {
  agent.log(`${AGENT}: stopped after ${agent.started} conversations`);
  process.exit(agent.errors ? 1 : 0);
}, (e) => {
  process.stderr.write(`${AGENT}: ${e && e.stack ? e.stack : String(e)}\n`);
  process.exit(1);
});
