'use strict';
// PM2 answers "success" to a reload even when the new worker never became ready
// (listen_timeout), so the bridge decides for itself: every targeted instance online,
// its restart count above what it was, and still so after a grace period.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 200;

function describe(procs) {
  return procs.map((p) => `${p.pm_id}:${p.pm2_env.status}/${p.pm2_env.restart_time}`).join(' ');
}

// before: Map pm_id -> restart_time; list: async () => target processes (fresh each call).
const SETTLE_MS = 10000;

async function judgeOutcome(args) {
  const state = { procs: [] };
  const verdict = await judge(args, state);
  if (!verdict.ok && verdict.unsettled) {
    // It crashed after coming up: a crash loop ends in `errored` once PM2 gives up, and the
    // operator should read that end state, not the moment we happened to look.
    const end = Date.now() + SETTLE_MS;
    // Not `stopped`: PM2 shows it for a moment between a crash and the automatic restart.
    while (Date.now() < end && !state.procs.some((p) => p.pm2_env.status === 'errored')) {
      await sleep(POLL_MS);
      state.procs = await args.list();
    }
    verdict.message += `; now ${describe(state.procs)} (pm_id:status/restarts)`;
  }
  return { ok: verdict.ok, message: verdict.message, procs: state.procs };
}

// readiness: optional async () => {ok, message}, started once every instance is back
// online (wait_ready's 'ready' message, a health URL); the verdict waits for it and for
// the grace period, whichever ends later.
async function judge({ list, before, timeoutMs, graceMs, readiness, now = Date.now }, state) {
  const deadline = now() + timeoutMs;
  let procs = [];
  // Phase 1: every instance back online with a higher restart count.
  for (;;) {
    procs = await list();
    state.procs = procs;
    const missing = [...before.keys()].filter((id) => !procs.some((p) => p.pm_id === id));
    if (missing.length > 0) return { ok: false, message: `instance(s) ${missing.join(',')} disappeared from PM2` };
    const errored = procs.find((p) => p.pm2_env.status === 'errored');
    if (errored) {
      return {
        ok: false,
        message: `instance ${errored.pm_id} is errored after ${errored.pm2_env.restart_time} restarts ` +
          `(${errored.pm2_env.unstable_restarts} unstable): it crashes on start`,
      };
    }
    const ready = procs.every((p) => p.pm2_env.status === 'online' && p.pm2_env.restart_time > before.get(p.pm_id));
    if (ready) break;
    if (now() >= deadline) {
      return { ok: false, message: `not back online with a new restart within ${timeoutMs} ms (${describe(procs)})` };
    }
    await sleep(POLL_MS);
  }
  // Phase 2: the grace period, so a worker that dies right after start is not a success.
  const settled = new Map(procs.map((p) => [p.pm_id, p.pm2_env.restart_time]));
  let ready = readiness ? null : { ok: true, message: '' };
  if (readiness) {
    readiness().then((r) => {
      ready = r;
    }, (e) => {
      ready = { ok: false, message: `readiness check failed: ${e.message}` };
    });
  }
  const graceEnd = now() + graceMs;
  while (now() < graceEnd || ready === null) {
    if (ready && !ready.ok) return { ok: false, message: ready.message };
    await sleep(now() < graceEnd ? Math.min(POLL_MS, Math.max(0, graceEnd - now())) : 50);
    procs = await list();
    state.procs = procs;
    for (const id of settled.keys()) {
      const p = procs.find((q) => q.pm_id === id);
      if (!p) return { ok: false, message: `instance ${id} disappeared during the ${graceMs} ms grace period` };
      if (p.pm2_env.status !== 'online' || p.pm2_env.restart_time !== settled.get(id)) {
        return {
          ok: false,
          unsettled: true,
          message: `instance ${id} did not stay online for the ${graceMs} ms grace period ` +
            (p.pm2_env.restart_time !== settled.get(id) ?
              `(it crashed: restarts ${settled.get(id)}→${p.pm2_env.restart_time})` : `(went ${p.pm2_env.status})`),
        };
      }
    }
  }
  const counts = procs
    .filter((p) => before.has(p.pm_id))
    .map((p) => `${p.pm_id}: ${before.get(p.pm_id)}→${p.pm2_env.restart_time}`)
    .join(', ');
  if (!ready.ok) return { ok: false, message: ready.message };
  return { ok: true, message: `online, restarts ${counts}, stable for ${graceMs} ms${ready.message ? `; ${ready.message}` : ''}` };
}

module.exports = { judgeOutcome, SETTLE_MS };
