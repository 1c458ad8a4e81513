#!/usr/bin/env python3
"""The fault soak's report (scripts/soak.sh, docs/soak.md): reads a soak directory
(probe.jsonl, faults.tsv, events.tsv, pm2.json, audit.json) and prints, as Markdown, the
table of faults and recovery times, RSS, the GUI thread's longest stalls and the
operator actions against PM2's counters. Exit status 1 when a criterion failed.
Stdlib only.

    scripts/soak_report.py DIR

Freshness: a view is fresh when the newest data it shows is at most FRESH_MS[view] old
(the writers' own rhythm plus the console's poll period: see docs/soak.md). Recovery of a
fault = from the fault's end (Redis back, SIGCONT sent, Postgres restarted, bridge
restarted, burst written) to the first second after which every view stayed fresh until
the next fault; 0 when no view ever went stale.
"""
import json
import statistics
import sys

# Each view's longest quiet spell with no fault, plus margin: sessions change when a turn
# ends (the calm fleet: up to ~15 s apart on one host's share), events come ~1 a second
# but in clumps, heartbeats every 2 s (bridge) and 1 s (simulator) read every 2 s,
# prompts reload every 10 s, traces are searched every 5 s by the probe. The report
# prints the longest age seen before the first fault next to each limit.
FRESH_MS = {
    "sessions": 20000,
    "events": 20000,
    "procs_bridge": 15000,
    "procs_sim": 15000,
    "prompts": 25000,
    "traces": 15000,
}
RSS_LIMIT = 0.10


def load(d):
    samples, actions, requests = [], [], []
    with open(d + "/probe.jsonl") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if "rss_kib" in o:
                samples.append(o)
            elif "action" in o:
                actions.append(o)
            else:
                requests.append(o)
    faults = []
    with open(d + "/faults.tsv") as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").split("\t")
            faults.append({"kind": p[0], "start": int(p[1]), "end": int(p[2]),
                           "note": p[3] if len(p) > 3 else ""})
    events = []
    try:
        with open(d + "/events.tsv") as f:
            events = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except OSError:
        pass
    pm2 = json.load(open(d + "/pm2.json")) if _exists(d + "/pm2.json") else []
    audit = json.load(open(d + "/audit.json")) if _exists(d + "/audit.json") else []
    return samples, actions, requests, faults, events, pm2, audit or []


def _exists(p):
    try:
        open(p).close()
        return True
    except OSError:
        return False


def stale_views(s):
    out = []
    for v, limit in FRESH_MS.items():
        a = s.get(v + "_age_ms", -1)
        if a < 0 or a > limit:
            out.append(v)
    return out


def fmt_ms(ms):
    return "%.1f s" % (ms / 1000.0)


def main():
    d = sys.argv[1]
    samples, actions, requests, faults, events, pm2, audit = load(d)
    ok = True
    if not samples:
        print("no probe samples: the console did not start (see probe.err)")
        return 1
    t0 = samples[0]["t"]
    t_end = samples[-1]["t"]
    print("# Fault soak: %s\n" % d)
    print("%d samples over %.1f min, %d faults, %d simulator restarts\n" % (
        len(samples), (t_end - t0) / 60000.0, len(faults),
        sum(1 for e in events if e[0] == "sim_exit")))

    # First second at which every view was fresh: the start of the measured run.
    first_fresh = next((s["t"] for s in samples if not stale_views(s)), None)
    if first_fresh is None:
        print("**FAIL**: the views were never all fresh at once")
        ok = False
        first_fresh = t0

    first_fault = faults[0]["start"] if faults else t_end
    warm = [s for s in samples if first_fresh <= s["t"] < first_fault]
    if warm:
        print("Freshness limits (longest age before the first fault): %s\n" % ", ".join(
            "%s %s (%s)" % (v, fmt_ms(lim), fmt_ms(max(s.get(v + "_age_ms", -1) for s in warm)))
            for v, lim in FRESH_MS.items()))
    print("## Faults and recovery\n")
    print("| # | at | fault | lasted | stale views | longest age (view) | recovery | note |")
    print("|---|---|---|---|---|---|---|---|")
    worst = 0
    for i, f in enumerate(faults):
        nxt = faults[i + 1]["start"] if i + 1 < len(faults) else t_end + 1
        window = [s for s in samples if f["start"] <= s["t"] < nxt]
        stale = [s for s in window if stale_views(s)]
        views = sorted({v for s in stale for v in stale_views(s)})
        if not stale:
            rec = 0
            rec_txt = "0 (never stale)"
        elif stale[-1] is window[-1]:
            rec = None
            rec_txt = "**not recovered** before the next fault / end"
            ok = False
        else:
            last = stale[-1]["t"]
            rec = max(0, last + 1000 - f["end"])
            rec_txt = fmt_ms(rec)
        if rec is not None:
            worst = max(worst, rec)
        longest = max(((s.get(v + "_age_ms", -1), v) for s in window for v in FRESH_MS),
                      default=(-1, "-"))
        print("| %d | +%d s | %s | %s | %s | %s (%s) | %s | %s |" % (
            i + 1, (f["start"] - t0) // 1000, f["kind"], fmt_ms(f["end"] - f["start"]),
            ", ".join(views) or "-", fmt_ms(longest[0]), longest[1], rec_txt,
            f["note"].replace("|", "/")))
    print("\nWorst recovery: %s\n" % fmt_ms(worst))

    # Sim restarts: when and why (the simulator does not reconnect).
    exits = [e for e in events if e[0] == "sim_exit"]
    if exits:
        print("Simulator restarts (exit status at +s): %s\n" % ", ".join(
            "%s at +%d" % (e[2], (int(e[1]) - t0) // 1000) for e in exits))

    # End state.
    last = samples[-5:]
    live_end = all(not stale_views(s) for s in last)
    print("## End state\n")
    print("Last 5 s: %s; ages at the end: %s\n" % (
        "every view fresh" if live_end else "**stale: %s**" % sorted(
            {v for s in last for v in stale_views(s)}),
        ", ".join("%s %s" % (v, fmt_ms(samples[-1].get(v + "_age_ms", -1)))
                  for v in FRESH_MS)))
    alive = [e for e in events if e[0] == "probe_alive"]
    if alive and alive[-1][2] != "1":
        print("**FAIL**: the console was not running at the end\n")
        ok = False
    if not live_end:
        ok = False

    # GUI thread.
    gaps = sorted((s["gap_ms"], s["t"]) for s in samples if s["t"] >= first_fresh)
    if gaps:
        p99 = gaps[int(len(gaps) * 0.99) - 1][0] if len(gaps) > 100 else gaps[-1][0]
        print("## GUI thread\n")
        print("Longest interval between two 20 ms ticks: max %d ms, p99 %d ms, median %d ms; "
              "the 3 longest at %s\n" % (
                  gaps[-1][0], p99, gaps[len(gaps) // 2][0],
                  ", ".join("+%d s (%d ms)" % ((t - t0) // 1000, g) for g, t in gaps[-3:][::-1])))

    # RSS.
    print("## Memory\n")

    def med(key, a, b):
        xs = [s[key] for s in samples if a <= s["t"] < b]
        return statistics.median(xs) if xs else float("nan")

    # The start point is the end of the warm-up (the 30 s before the first fault): the
    # console has read its backfill, the first malloc_trim has run, and with
    # scripts/soak.sh's --events-buffer the live events table is full. Start-up transients
    # (the backfill's batch, fonts paged in) are not growth.
    start_a = max(first_fresh, first_fault - 30000) if faults else first_fresh
    start_label = ("start (last 30 s of the warm-up, +%d s)" if faults and start_a > first_fresh
                   else "start (first 30 s all fresh, +%d s)") % ((start_a - t0) // 1000)
    rss_start = med("rss_kib", start_a, start_a + 30000)
    rss_end = med("rss_kib", t_end - 30000, t_end + 1)
    rss_max = max(s["rss_kib"] for s in samples)
    heap_start = med("heap_kib", start_a, start_a + 30000)
    heap_end = med("heap_kib", t_end - 30000, t_end + 1)
    print("| point | RSS | anon | file | malloc in use (main arena) | in use (all arenas) "
          "| free in arenas | arenas | sessions rows | events rows | proc instances |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    def mib(key, a, b):
        v = med(key, a, b) if any(key in s for s in samples) else float("nan")
        return "%.1f MiB" % (v / 1024) if v == v else "-"

    def row(name, a, b):
        arenas = med("arenas", a, b) if any("arenas" in s for s in samples) else float("nan")
        print("| %s | %.1f MiB | %s | %s | %.1f MiB | %s | %s | %s | %d | %d | %d |" % (
            name, med("rss_kib", a, b) / 1024, mib("rss_anon_kib", a, b),
            mib("rss_file_kib", a, b), med("heap_kib", a, b) / 1024,
            mib("all_heap_kib", a, b), mib("all_free_kib", a, b),
            "%d" % arenas if arenas == arenas else "-",
            med("sessions_rows", a, b), med("events_rows", a, b),
            med("procs_instances", a, b)))

    row(start_label, start_a, start_a + 30000)
    row("end (last 30 s)", t_end - 30000, t_end + 1)
    growth = rss_end / rss_start - 1
    print("\nRSS start -> end %+.1f %% (max %.1f MiB); malloc in use %+.1f %%" % (
        100 * growth, rss_max / 1024, 100 * (heap_end / heap_start - 1)))
    for key, label in (("rss_anon_kib", "anonymous"), ("rss_file_kib", "file-backed"),
                       ("all_heap_kib", "malloc in use, all arenas")):
        if any(key in x for x in samples):
            a0 = med(key, start_a, start_a + 30000)
            a1 = med(key, t_end - 30000, t_end + 1)
            print("%s: %.1f -> %.1f MiB (%+.1f MiB)" % (label, a0 / 1024, a1 / 1024,
                                                       (a1 - a0) / 1024))
    if growth > RSS_LIMIT:
        ok = False
    print("\nRSS criterion (growth at most %d %%): %s\n" % (
        100 * RSS_LIMIT, "pass" if growth <= RSS_LIMIT else "**FAIL**"))

    # Operator actions against PM2.
    print("## Operator actions\n")
    final = {}
    for a in actions:
        key = (a["channel"], a["action"])
        if a.get("final"):
            final[key] = a
        else:
            final.setdefault(key, None)
    asked = [r for r in requests if "requested" in r]
    skipped = [r for r in requests if "skipped" in r]
    states = {}
    for key, a in final.items():
        st = a["state"] if a else "no final state"
        states[st] = states.get(st, 0) + 1
    never = [r for r in asked if final.get((r["channel"], r["requested"])) is None]
    print("Asked through the console: %d (%s); not offered (no control channel): %d" % (
        len(asked), ", ".join("%s %d" % kv for kv in sorted(states.items())), len(skipped)))
    if never:
        print("\n**FAIL**: %d action(s) without a final state" % len(never))
        ok = False

    reqs = {a["id"]: a for a in audit if a["outcome"] == "requested"}
    outcomes = {}
    for a in audit:
        if a.get("ref_id") is not None:
            outcomes[a["ref_id"]] = a  # ordered by id: the last outcome wins
    audited_ids = {a.get("audit_id") for a in actions if a.get("audit_id", -1) >= 0}
    no_outcome = [i for i in reqs if i not in outcomes]
    print("\nAudit rows: %d requested, %d with an outcome row (%s); %d requests without one" % (
        len(reqs), len(outcomes), ", ".join("%s %d" % kv for kv in sorted(
            _count(o["outcome"] for o in outcomes.values()).items())), len(no_outcome)))
    if no_outcome:
        ok = False
    if set(reqs) != audited_ids:
        print("\n**FAIL**: audit requests %s vs the console's %s" % (
            sorted(set(reqs) - audited_ids), sorted(audited_ids - set(reqs))))
        ok = False
    # Actions the console finished without an audit row: refused before anything was sent.
    unaudited = [a for a in final.values() if a and a.get("audit_id", -1) < 0]
    if unaudited:
        print("\nRefused before an audit row could be written (nothing sent): %d (%s)" % (
            len(unaudited), "; ".join(sorted({a["message"][:80] for a in unaudited}))))

    print("\n| app | succeeded (audit) | PM2 restart_time per instance | match |")
    print("|---|---|---|---|")
    per_app = {}
    for rid, o in outcomes.items():
        if o["outcome"] == "succeeded":
            app = reqs[rid]["target"].split(":")[2] if rid in reqs else "?"
            per_app[app] = per_app.get(app, 0) + 1
    apps = sorted({p["name"] for p in pm2} | set(per_app))
    for app in apps:
        counts = [p["pm2_env"]["restart_time"] for p in pm2 if p["name"] == app]
        want = per_app.get(app, 0)
        match = all(c == want for c in counts) and counts
        if not match:
            ok = False
        print("| %s | %d | %s | %s |" % (app, want, counts, "yes" if match else "**NO**"))
    print("\nResult: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def _count(xs):
    out = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return out


if __name__ == "__main__":
    sys.exit(main())
