#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from
docs/contract.md: every record table (field, type, required/null) becomes valid records in
Redis and Postgres form, plus a few bad ones; the contract's JSON examples (context
composition, activation message) and the README's connection strings become seeds too.
It also writes libFuzzer dictionaries (tests/fuzz/<target>.dict): the contract's field names
and enum values, RESP, URI and DSN syntax.
Idempotent: rewrites the generated files (named gen-*), leaves other files alone (crash
reproducers and hand-written seeds live next to them, named otherwise).

    python3 tests/fuzz/make_corpus.py            # rewrites the generated seeds and dictionaries
    python3 tests/fuzz/make_corpus.py --check    # fails when the checked-in ones differ
                                                 # (the ctest fuzz_corpus_check)
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
CONTRACT = os.path.join(ROOT, "docs", "contract.md")

# Parser (as the contract names it) -> the record name in fuzz_records' header line.
RECORDS = {
    "ProcessRecord": "process", "SessionRecord": "session", "RecoveryEvent": "event",
    "ProcessEvent": "process_event", "ControlCommand": "command", "ControlResult": "result",
    "ActivePrompt": "active_prompt", "PromptVersion": "prompt_version",
    "PromptDeployment": "deployment", "OperatorAction": "operator_action", "Span": "span",
    "SessionSummary": "session_summary",
}

T0_MS = "1795735767123"
T0_PG = "2026-11-26 23:29:27.123+00"


def read_contract():
    text = open(CONTRACT, encoding="utf-8").read()
    enums = {}
    for m in re.finditer(r"^\| ([a-z ]+) \| (`[^|]+`.*?) \|$", text, re.M):
        values = re.findall(r"`([a-z_]+)`", m.group(2))
        if values:
            enums[m.group(1).strip()] = values
    sections = []
    for m in re.finditer(r"^### (Hash|Stream|Table|View|String|Channel) `([^`]+)`\n(.*?)(?=^### |^## |\Z)",
                         text, re.M | re.S):
        kind, name, body = m.groups()
        parser = re.search(r"Parser: `(\w+)`", body)
        rows = []
        in_table = False
        for line in body.splitlines():
            if not line.startswith("|"):
                if in_table:
                    break
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0] in ("field", "column"):
                in_table = True
                continue
            if in_table and not cells[0].startswith("---") and len(cells) >= 4:
                rows.append(cells)
        sections.append({"kind": kind, "name": name, "parser": parser.group(1) if parser else None,
                         "rows": rows, "body": body})
    return enums, sections


def enum_for(type_, meaning, enums):
    for source in (type_, meaning):
        m = re.search(r"enum ([a-z ]+)", source)
        if m:
            key = m.group(1).strip()
            for name, values in enums.items():
                if key.startswith(name):
                    return values
    return None


def value_for(field, type_, meaning, pg, enums):
    """A valid value of a field as the contract describes it, in Redis or Postgres text."""
    values = enum_for(type_, meaning, enums)
    if values:
        return values[-1] if field in ("status",) and "span" not in meaning else values[0]
    t = type_.lower()
    if field in ("cmd_id",):
        return "0b3c1f7e-4d2a-4b8e-9f10-1234567890ab"
    if t.startswith("ms") or t == "timestamptz":
        return T0_PG if pg else T0_MS
    if "integer or" in t:
        return "all"
    if t.startswith("integer") or t in ("bigint",):
        return "2" if field in ("version", "attempt", "prompt_version") else "42"
    if "number" in t or t == "double precision":
        return "12.5"
    if t in ("1/0",):
        return "1"
    if t == "boolean":
        return "t"
    if "json" in t:
        return '{"exit_code":1,"signal":"SIGKILL","message":"boom"}'
    if field == "path":
        return "20261126T232927123Zsp-9"
    samples = {"host": "h1", "app": "voice-gw", "agent": "triage", "model": "claude-sonnet-4",
               "session_id": "s-1", "span_id": "sp-9", "trace_id": "tr-1", "name": "chat claude-sonnet-4",
               "reason": "memory leak", "message": "model returned invalid JSON",
               "body": "You are a triage agent. ünïcødé", "layer": "voice", "channel": "phone",
               "requested_by": "ann", "operator": "ann", "created_by": "ann", "deployed_by": "bob",
               "client_host": "laptop", "target": "proc:h1:voice-gw:3", "input": "<|system:system|> You are …",
               "output": '{"ok":true}', "error": "tool timed out", "error_type": "timeout"}
    return samples.get(field, "x")


def record_files(enums, sections):
    out = {}
    for s in sections:
        if s["parser"] not in RECORDS or not s["rows"]:
            continue
        name = RECORDS[s["parser"]]
        pg = s["kind"] in ("Table", "View")
        if s["parser"] == "ActivePrompt":
            pg = False
        rows = []
        for cells in s["rows"]:
            field, type_, flag, meaning = cells[0], cells[1], cells[2], cells[3]
            required = flag == "yes" if not pg else flag == "no"
            rows.append((field, type_, required, meaning))
        header = name + ("/pg" if pg else "")
        tag = s["name"].split()[-1].strip("`").replace(":", "_").replace("{", "").replace("}", "").replace(".", "_")

        def body(fields):
            return header + "\n" + "\n".join(fields)

        full = [f"{f}={value_for(f, t, m, pg, enums)}" for f, t, _, m in rows]
        out[f"fuzz_records/gen-{name}-{tag}-full"] = body(full)
        required = [f"{f}={value_for(f, t, m, pg, enums)}" for f, t, r, m in rows if r]
        out[f"fuzz_records/gen-{name}-{tag}-required"] = body(required)
        if pg:  # optional columns NULL, as Postgres returns them
            nulls = [f"{f}={value_for(f, t, m, pg, enums)}" if r else f for f, t, r, m in rows]
            out[f"fuzz_records/gen-{name}-{tag}-nulls"] = body(nulls)
        else:  # the Redis form of a Postgres-read record is the ms/1|0 one, and a dangling name
            out[f"fuzz_records/gen-{name}-{tag}-odd"] = (header + "/odd\n" + "\n".join(required))
        # Bad: the first required field missing, an enum value unknown, a number that is not.
        bad = required[1:] + [f"{rows[0][0]}=\xff\xfe" if rows[0][2] else "zzz=1"]
        out[f"fuzz_records/gen-{name}-{tag}-bad"] = body(bad)
    return out


def resp(value):
    """RESP2 encoding of str/bytes (bulk), int, None (nil), list, or ('+'|'-', text)."""
    if value is None:
        return b"$-1\r\n"
    if isinstance(value, int):
        return b":%d\r\n" % value
    if isinstance(value, tuple):
        return value[0].encode() + value[1].encode() + b"\r\n"
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"$%d\r\n%s\r\n" % (len(value), value)
    return b"*%d\r\n" % len(value) + b"".join(resp(v) for v in value)


def resp_files(enums, sections):
    event = next(s for s in sections if s["parser"] == "RecoveryEvent" and s["kind"] == "Stream")
    fields = []
    for cells in event["rows"]:
        fields += [cells[0], value_for(cells[0], cells[1], cells[3], False, enums)]
    bad = list(fields)
    bad[bad.index("kind") + 1] = "meltdown"
    entries = [["1795735767123-0", fields], ["1795735767124-0", bad], ["1795735767125-0", fields[:-1]]]
    proc = next(s for s in sections if s["parser"] == "ProcessRecord")
    hgetall = []
    for cells in proc["rows"]:
        hgetall += [cells[0], value_for(cells[0], cells[1], cells[3], False, enums)]
    # Header bytes: chunking (0 = all at once), budgets (high nibble tree size, low element
    # count), replies held before release.
    big = b"\x00\xff\x00"
    return {
        "fuzz_resp/gen-xread": big + resp([["agentops:events", entries]]),
        "fuzz_resp/gen-xread-chunked": b"\x05\xff\x02" + resp([["agentops:events", entries]]),
        "fuzz_resp/gen-xrange": b"\x11\xf3\x01" + resp(entries),
        "fuzz_resp/gen-hgetall-pipeline": b"\x07\xff\x03" + resp(hgetall) + resp(hgetall[:-2]) + resp([]),
        "fuzz_resp/gen-scalars": big + resp(("+", "OK")) + resp(("-", "WRONGTYPE Operation")) + resp(7)
        + resp(None) + b"*-1\r\n" + resp([1, [2, [3, None]], "x"]),
        "fuzz_resp/gen-over-budget": b"\x00\x00\x00" + b"*1000000000\r\n",
        "fuzz_resp/gen-tree-budget": b"\x00\x01\x00" + resp(["x" * 3000]),
    }


def json_examples(sections):
    ctx = next(s for s in sections if s["name"].endswith(":ctx"))
    ctx_json = re.search(r"```json\n(.*?)```", ctx["body"], re.S).group(1)
    channel = next(s for s in sections if s["kind"] == "Channel")
    activation = re.search(r"`(\{\"agent\".*?\})`", channel["body"]).group(1)
    return ctx_json, activation


def text_files(sections):
    ctx_json, activation = json_examples(sections)
    spans = next(s for s in sections if s["parser"] == "Span")
    otel = re.findall(r"`((?:gen_ai|error|server|agentops)\.[a-z_.]+)`", spans["body"])
    attrs = {k: (1200 if "tokens" in k else "chat") for k in otel}
    ctx = json.loads(ctx_json)
    out = {
        "fuzz_context/gen-example": ctx_json,
        "fuzz_context/gen-compact": json.dumps(ctx, ensure_ascii=False, separators=(",", ":")),
        "fuzz_context/gen-every-kind": json.dumps({"limit": 200000, "model": "m", "updated_at": 1795735767123,
                                                   "segments": [{"kind": k, "role": "user", "tokens": 9007199254740992 if i == 0 else i, "text": "t"}
                                                                for i, k in enumerate(["system", "summary", "message", "tool_result", "retrieval"])]}),
        "fuzz_context/gen-bad-kind": '{"limit":1,"segments":[{"kind":"memory","tokens":-1}]}',
        # At the edge: 1 023 segments of 2^53 tokens (each exact in a double), together
        # 2^63 - 2^53; the contract caps the text at 8 MiB, not the number of segments.
        "fuzz_context/gen-edge-of-int64": json.dumps({"limit": 200000, "segments": [
            {"kind": "message", "tokens": 2 ** 53} for _ in range(1023)]}, separators=(",", ":")),
        "fuzz_records/gen-activation": "activation\n" + activation,
        "fuzz_json/gen-attrs": json.dumps(attrs),
        "fuzz_json/gen-detail": '{"tool":"search_orders","error":"timeout","fallback_model":"m","tokens_before":180000,'
                                '"tokens_after":40000,"retry_after_ms":1500,"raw_excerpt":"{\\"a\\":"}',
        "fuzz_json/gen-params": '{"temperature":0.2,"max_tokens":1024,"stop":["\\n\\n"],"x":null,"y":true,"z":1e308}',
        "fuzz_json/gen-ctx": ctx_json,
        "fuzz_json/gen-activation": activation,
        "fuzz_json/gen-depth-64": "[" * 64 + "]" * 64,
        "fuzz_json/gen-depth-65": "[" * 65 + "]" * 65,
        "fuzz_json/gen-strings": '["\\u0000", "\\ud83d\\ude00", "\\\\\\"[{", "<img src=\\"/dev/zero\\">"]',
    }
    # README: connection strings as operators type them.
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    for i, uri in enumerate(sorted(set(re.findall(r"rediss?://[^\s`\"]+", readme)))):
        out[f"fuzz_redis_uri/gen-readme-{i}"] = uri
    out.update({
        "fuzz_redis_uri/gen-full": "redis://user:p%40ss@[::1]:6380/2?timeout=250ms&connect_timeout=5s&client_name=sb",
        "fuzz_redis_uri/gen-legacy": "rediss://:secret@redis.internal/0",
        "fuzz_redis_uri/gen-bad": "redis://h:99999/x?timeout=5m",
        "fuzz_pg_dsn/gen-service": "service=agentops sslmode=verify-full",
        "fuzz_pg_dsn/gen-keywords": "host=db.internal dbname=agentops user=owner",
        "fuzz_pg_dsn/gen-quoted": "host='db 1' password='a\\'b\\\\c' application_name=x connect_timeout=3",
        "fuzz_pg_dsn/gen-uri": "postgresql://viewer@db.internal:5432/agentops?sslmode=require&sslrootcert=/etc/ca.pem",
        "fuzz_pg_dsn/gen-uri-password": "postgres://u:s3cr3t@[::1]/db?password=other&keepalives=0",
        "fuzz_pg_dsn/gen-multi-host": "host=a,b port=5432,5433 target_session_attrs=read-write",
    })
    return out


def export_files(enums, sections):
    span = {"span_id": "sp-9", "trace_id": "tr-1", "parent_id": None, "turn": 0, "kind": "llm",
            "name": "chat claude-sonnet-4", "agent": "triage", "host": "h1", "model": "claude-sonnet-4",
            "prompt_version": 4, "started_at": T0_PG, "started_ms": int(T0_MS), "duration_ms": 812.25,
            "first_token_at": T0_PG, "input_tokens": 1200, "output_tokens": 80, "cache_read_tokens": 10000,
            "status": "ok", "error": None, "path": "20261126T232927123Zsp-9", "depth": 0,
            "attrs": {"gen_ai.operation.name": "chat", "user.email": "ann@example.com"},
            "input": json.dumps([{"role": "system", "kind": "system", "text": "You are a triage agent."},
                                 {"role": "user", "kind": "message", "text": "my card is 4111111111111111"}]),
            "output": "{\"ok\":true}"}
    child = dict(span, span_id="sp-10", parent_id="sp-9", kind="tool", status="error",
                 error="<b>timeout</b> calling ann@example.com", error_type="timeout", duration_ms="Infinity",
                 depth=1, started_ms=int(T0_MS) + 900)
    bundle = {
        "session_id": "s-1", "exported_by": "ann", "exported_at": "2026-11-27T00:00:00.000Z",
        "exported_from": "laptop",
        "session": {"session_id": "s-1", "agent": "triage", "started_at": T0_PG, "turns": 3,
                    "outcome": "failed", "max_fill_pct": 81.5, "had_recovery_events": True,
                    "recovery_event_count": 1},
        "spans": [span, child],
        "recovery_events": [{"id": 1, "at": T0_PG, "session_id": "s-1", "agent": "triage", "kind": "tool_timeout",
                             "recoverable": True, "strategy": "retry", "outcome": "failed", "attempt": 1,
                             "span_id": "sp-10", "message": "retry \"quoted\" <script>", "detail": {"tool": "search"}}],
        "prompt_versions": [{"agent": "triage", "version": 4, "model": "claude-sonnet-4", "params": {"temperature": 0.2},
                             "created_at": T0_PG, "created_by": "ann", "body": "<|system|> be 'nice' & brief"}],
        "process_events": [{"id": 7, "at": T0_PG, "host": "h1", "app": "voice-gw", "pm_id": 3, "event": "exit",
                            "detail": {"exit_code": 137}}],
    }
    return {
        "fuzz_export/gen-bundle": "ann@example.com\n" + json.dumps(bundle, ensure_ascii=False),
        "fuzz_export/gen-literal": "sk-live-SECRET\n" + json.dumps({"spans": [dict(span, input="key sk-live-SECRET here")]}),
        "fuzz_export/gen-empty": "\n{}",
        # The simulator's and the receiver's assembled prompt, JSON of its own inside the text.
        "fuzz_export/gen-prompt-messages": "4111111111111111\n" + json.dumps({"spans": [dict(span, kind="prompt",
            input=None, output=json.dumps([{"role": "system", "kind": "system", "text": "<|a:b|> x"},
                                           {"role": "user", "text": "card 4111111111111111\n<|user:message|>"},
                                           {"role": 3, "kind": "memo", "text": "bad role"}]))]}),
    }


def dict_line(token):
    escaped = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % b
                      for c, b in ((chr(b), b) for b in token.encode("utf-8")))
    return f'"{escaped}"'


def dictionaries(enums, sections):
    fields = sorted({cells[0] for s in sections if s["parser"] for cells in s["rows"]})
    values = sorted({v for vs in enums.values() for v in vs})
    records = ([f"\n{f}=" for f in fields] + values + [f"{n}\n" for n in RECORDS.values()]
               + ["/pg", "/odd", "activation\n", T0_MS, T0_PG, "-0", "9223372036854775807", "1e308", "t", "f"])
    resp_tokens = ["\r\n", "*2\r\n", "*-1\r\n", "$-1\r\n", "+OK\r\n", "-ERR\r\n", ":0\r\n",
                   "$0\r\n\r\n", "1795735767123-0"] + fields
    return {
        "fuzz_records": records,
        "fuzz_resp": resp_tokens,
        "fuzz_context": ['"limit":', '"model":', '"updated_at":', '"segments":[', '{"kind":', '"role":',
                         '"tokens":', '"text":', "9007199254740992", "1e308", "-1", "null", "true"]
                        + [f'"{v}"' for v in enums.get("context segment kind", [])],
        "fuzz_json": ["{", "}", "[", "]", '"', "\\u0000", "\\ud800", "1e999", "-0", "null", '":'],
        "fuzz_redis_uri": ["redis://", "rediss://", "@", ":", "[::1]", "%40", "%3A", "/0", "?timeout=",
                           "&connect_timeout=", "client_name=", "ms", "s", "2147483648", "65536"],
        "fuzz_pg_dsn": ["host=", "hostaddr=", "port=", "dbname=", "user=", "password=", "sslpassword=",
                        "service=", "sslmode=", "application_name=", "connect_timeout=", "options=",
                        "keepalives=", "postgresql://", "postgres://", "?password=", "&", "'", "\\'",
                        "\\\\", "%20", "@", ":"],
        "fuzz_export": ["<|", "|>", '"spans":[{', '[{\\"role\\":', '\\"kind\\":', '\\"text\\":', '"input":"', '"attrs":{', '"status":"error"',
                        '"outcome":"failed"', '"recovery_events":[{', '"prompt_versions":[{', '"body":"',
                        '"process_events":[{', '"parent_id":null', '"duration_ms":"Infinity"', "@example.com",
                        "<script>", '\\"', "&#39;", "</pre>"],
    }


def generated():
    """Every generated file: {path relative to ROOT: bytes}."""
    enums, sections = read_contract()
    files = {}
    files.update(record_files(enums, sections))
    files.update(resp_files(enums, sections))
    files.update(text_files(sections))
    files.update(export_files(enums, sections))
    out = {}
    for rel, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogateescape")
        out[os.path.join("tests", "fuzz", "corpus", rel)] = data
    for target, tokens in dictionaries(enums, sections).items():
        text = "# Generated by tests/fuzz/make_corpus.py: edit it there.\n"
        text += "".join(dict_line(t) + "\n" for t in tokens)
        out[os.path.join("tests", "fuzz", f"{target}.dict")] = text.encode("ascii")
    return out


def checked_in():
    """The generated files in the repository: gen-* seeds and the dictionaries."""
    out = {}
    for target in sorted(os.listdir(CORPUS)):
        d = os.path.join(CORPUS, target)
        for name in sorted(os.listdir(d)):
            if name.startswith("gen-"):
                out[os.path.join("tests", "fuzz", "corpus", target, name)] = None
    for name in os.listdir(os.path.join(ROOT, "tests", "fuzz")):
        if name.endswith(".dict"):
            out[os.path.join("tests", "fuzz", name)] = None
    for rel in out:
        with open(os.path.join(ROOT, rel), "rb") as f:
            out[rel] = f.read()
    return out


def check():
    """0 when the checked-in seeds and dictionaries are exactly this script's output."""
    want, have = generated(), checked_in()
    bad = sorted(rel for rel in set(want) | set(have) if want.get(rel) != have.get(rel))
    for rel in bad:
        what = "missing" if rel not in have else "not generated" if rel not in want else "differs"
        print(f"make_corpus: {rel}: {what}")
    if bad:
        print(f"make_corpus: {len(bad)} file(s) differ from the generator's output: run "
              "python3 tests/fuzz/make_corpus.py (hand-written seeds must not be named gen-*)")
        return 1
    print(f"make_corpus: {len(want)} generated files match")
    return 0


def main():
    files = generated()
    for target in {rel.split(os.sep)[3] for rel in files if rel.startswith(os.path.join("tests", "fuzz", "corpus"))}:
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            if old.startswith("gen-"):
                os.remove(os.path.join(d, old))
    total = 0
    seeds = 0
    for rel, data in sorted(files.items()):
        with open(os.path.join(ROOT, rel), "wb") as f:
            f.write(data)
        if rel.endswith(".dict"):
            continue
        seeds += 1
        total += len(data)
    print(f"make_corpus: {seeds} seed files, {total} bytes, in {os.path.relpath(CORPUS, ROOT)}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    if sys.argv[1:]:
        sys.exit("usage: make_corpus.py [--check]")
    sys.exit(main())
