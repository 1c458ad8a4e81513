#!/usr/bin/env python3
"""Bad-data bursts for scripts/soak.sh: what a broken or hostile agent could write, straight
into the soak's Redis (docs/contract.md keys), so the console must show it as bad rows or
plain text and keep going. Stdlib only (RESP over a socket).

    soak_burst.py PORT SEED KIND [N]  KIND: markup | malformed | oversized | fill

fill       N (default 5000) ordinary contract-valid events of the simulator's sizes (a
           message of 40-480 characters, a small detail), stamped over the last hour:
           what a fleet's stream holds when the console starts (scripts/soak.sh fills the
           console's live buffer with them before the run).

markup     200 contract-valid events and 20 live sessions whose text fields carry
           <img src="/dev/zero">, <b>, RTL overrides, zero-width and control characters;
           ctx JSON whose model is markup.
malformed  200 events and 20 sessions each missing a required field, with a mistyped or
           out-of-range value, an unknown enum, broken JSON, non-UTF-8 bytes.
oversized  1000 contract-valid events with a 16 KiB message and a 64 KiB detail (one
           XREAD COUNT 1000 of them is ~80 MiB, past the 64 MiB reply cap); one event
           with a 70 MiB message (past every cap); a session with a 5 MiB model and a
           9 MiB ctx (past the 8 MiB composition cap).
Prints one line: what was written.
"""
import json
import random
import socket
import sys
import time

NS = b"agentops:"


def enc(x):
    if isinstance(x, bytes):
        return x
    return str(x).encode("utf-8", "surrogateescape")


class Redis:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.f = self.s.makefile("rb")
        self.pending = 0

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = enc(a)
            out.append(b"$%d\r\n" % len(b))
            out.append(b)
            out.append(b"\r\n")
        self.s.sendall(b"".join(out))
        self.pending += 1
        if self.pending >= 100:
            self.drain()

    def reply(self):
        line = self.f.readline()
        t, rest = line[:1], line[1:-2]
        if t == b"-":
            return RuntimeError(rest.decode(errors="replace"))
        if t in (b"+", b":"):
            return rest
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if t == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError("bad reply %r" % line)

    def drain(self):
        errors = 0
        while self.pending:
            r = self.reply()
            self.pending -= 1
            if isinstance(r, RuntimeError):
                errors += 1
        return errors

    def call(self, *args):
        self.drain()
        self.send(*args)
        self.pending -= 1
        return self.reply()


NASTY = [
    '<img src="/dev/zero">',
    "<b>bold</b><font color=red>spoof</font>",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200d",
    "ctl\x01\x07\x1b[31m",
    "<a href='file:///etc/passwd'>x</a>",
]


def event_fields(rnd, now, **over):
    f = {
        "at": now,
        "session_id": "soak-%06d" % rnd.randrange(10**6),
        "agent": "support-agent",
        "host": "agent-host-01",
        "kind": rnd.choice(["tool_error", "invalid_json", "context_overflow", "timeout"]),
        "recoverable": "1",
        "strategy": "retry",
        "outcome": rnd.choice(["recovered", "failed", "in_progress"]),
        "attempt": "1",
        "message": "burst",
    }
    f.update(over)
    return f


def xadd(r, fields):
    args = ["XADD", NS + b"events", "MAXLEN", "~", "1000000", "*"]
    for k, v in fields.items():
        if v is not None:
            args += [k, v]
    r.send(*args)


def session(r, sid, now, **over):
    f = {
        "agent": "support-agent", "layer": "llm", "channel": "chat", "host": "agent-host-01",
        "started_at": now - 60000, "updated_at": now, "turns": 3, "ctx_tokens": 1000,
        "ctx_limit": 200000, "summaries": 0, "model": "claude-sonnet-4", "prompt_version": 1,
        "state": "active",
    }
    f.update(over)
    key = NS + b"session:" + enc(sid)
    args = ["HSET", key]
    for k, v in f.items():
        if v is not None:
            args += [k, v]
    r.send("DEL", key)
    r.send(*args)
    r.send("PEXPIRE", key, 3600000)
    r.send("ZADD", NS + b"sessions", now, sid)


def markup(r, rnd, now):
    for i in range(200):
        t = NASTY[i % len(NASTY)]
        xadd(r, event_fields(rnd, now, agent=t, host=t, message=t * 3,
                             detail=json.dumps({"tool": t, "error": t})))
    for i in range(20):
        t = NASTY[i % len(NASTY)]
        sid = "soak-markup-%d-%d" % (now, i)
        session(r, sid, now, agent=t, host=t, model=t, channel=t)
        ctx = {"limit": 1, "model": t, "updated_at": now,
               "segments": [{"kind": "system", "role": "system", "tokens": 1, "text": t}]}
        r.send("SET", NS + b"session:" + enc(sid) + b":ctx", json.dumps(ctx), "PX", 3600000)
    return "markup: 200 events, 20 sessions"


def malformed(r, rnd, now):
    bad_events = [
        {"at": None}, {"session_id": None}, {"kind": "meteor_strike"}, {"attempt": "lots"},
        {"at": "-1"}, {"recoverable": "maybe"}, {"detail": "{not json"},
        {"detail": "[1,2,3]"}, {"agent": b"\xff\xfe\x00bin"}, {"attempt": "99999999999999999999"},
    ]
    for i in range(200):
        xadd(r, event_fields(rnd, now, **bad_events[i % len(bad_events)]))
    bad_sessions = [
        {"agent": None}, {"ctx_limit": "0"}, {"ctx_tokens": "-5"}, {"turns": "lots"},
        {"state": "exploded"}, {"updated_at": "1e400"}, {"model": b"\xc3\x28"},
        {"ctx_tokens": "9223372036854775807", "ctx_limit": "1"},
    ]
    for i in range(20):
        sid = "soak-bad-%d-%d" % (now, i)
        session(r, sid, now, **bad_sessions[i % len(bad_sessions)])
        r.send("SET", NS + b"session:" + enc(sid) + b":ctx",
               ["{trunc", '{"limit":"x"}', "null", "[]"][i % 4], "PX", 3600000)
    r.send("HSET", NS + b"proc:agent-host-01:<b>evil</b>:0", "status", "exploded")
    r.send("ZADD", NS + b"procs", now, "agent-host-01:<b>evil</b>:0")
    return "malformed: 200 events, 20 sessions, 1 proc"


def oversized(r, rnd, now):
    msg = "m" * (16 * 1024)
    detail = json.dumps({"raw_excerpt": "d" * (64 * 1024 - 20)})
    for i in range(1000):
        xadd(r, event_fields(rnd, now, message=msg, detail=detail))
    r.drain()
    xadd(r, event_fields(rnd, now, message="x" * (70 << 20)))
    sid = "soak-big-%d" % now
    session(r, sid, now, model="M" * (5 << 20))
    ctx = {"limit": 200000, "model": "m", "updated_at": now,
           "segments": [{"kind": "system", "tokens": 1, "text": "t" * (9 << 20)}]}
    r.send("SET", NS + b"session:" + enc(sid) + b":ctx", json.dumps(ctx), "PX", 3600000)
    return "oversized: 1000 events of 80 KiB, 1 event of 70 MiB, a 5 MiB model, a 9 MiB ctx"


WORDS = ("tool call failed with a timeout after the upstream service stopped answering; "
         "retried with the stricter schema and a smaller page size, then fell back to the "
         "cached answer while the context was summarised to stay under the window").split()


def fill(r, rnd, now, n=5000):
    n = int(n)
    for i in range(n):
        words = [rnd.choice(WORDS) for _ in range(rnd.randrange(6, 80))]
        xadd(r, event_fields(rnd, now - (n - i) * 700, message=" ".join(words)[:480],
                             agent=rnd.choice(["support-agent", "billing-agent", "voice-agent"]),
                             host="agent-host-%02d" % rnd.randrange(1, 11),
                             detail=json.dumps({"tool": "search", "attempts": rnd.randrange(1, 4)})))
    return "fill: %d events" % n


def main():
    port, seed, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    r = Redis(port)
    now = int(time.time() * 1000)
    kinds = {"markup": markup, "malformed": malformed, "oversized": oversized, "fill": fill}
    what = kinds[kind](r, rnd, now, *sys.argv[4:])
    errors = r.drain()
    print("%s (%d write errors)" % (what, errors))


if __name__ == "__main__":
    main()
