"""Validation of `N prompt:{agent}` and of `N prompt-activated` messages (docs/contract.md).

Everything read from Redis is untrusted: these functions never raise on bad input; they
return (value, None) or (None, reason) with a short, escaped reason in the console's words.
"""

import json
import re
from dataclasses import dataclass

SCALAR_CAP = 4 * 1024  # any scalar field (docs/contract.md, "Caps")
MESSAGE_CAP = 64 * 1024  # the prompt-activated message
FIELDS = ("version", "model", "deployment_id", "deployed_at")
INT64_MAX = 2**63 - 1

_DIGITS = re.compile(rb"[0-9]{1,20}")
_ID = re.compile(rb"[1-9][0-9]{0,18}")


@dataclass(frozen=True)
class ActivePrompt:
    """The prompt version an agent must use, with its pinned model."""

    agent: str
    version: int
    model: str
    deployment_id: int
    deployed_at: int  # Unix ms


def quote(raw: bytes) -> str:
    """At most 40 bytes of a bad value, escaped, as the console quotes it."""
    out = []
    for c in raw[:40]:
        if c == 0x5C:
            out.append("\\\\")
        elif c == 0x27:
            out.append("\\'")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "'" + "".join(out) + ("…" if len(raw) > 40 else "") + "'"


def _text(raw: bytes):
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "is not valid UTF-8"
    if "\0" in s:
        return None, "contains a NUL byte"
    return s, None


def _integer(raw: bytes, minimum: int):
    if not _DIGITS.fullmatch(raw):
        return None
    v = int(raw)
    return v if minimum <= v <= INT64_MAX else None


def parse_prompt_fields(agent: str, fields: dict, sizes: dict = None):
    """fields: {name: bytes} as read from the hash (a missing field is absent); sizes:
    {name: byte length} of fields over the cap that were not read."""
    sizes = sizes or {}
    what = "prompt %s" % agent
    errors = []
    raw = {}
    for f in FIELDS:
        if f in sizes:
            errors.append("%s: field %s is %d bytes, over the %d-byte cap" % (what, f, sizes[f], SCALAR_CAP))
            continue
        b = fields.get(f)
        if b is None:
            errors.append("%s: field %s is missing" % (what, f))
        elif not isinstance(b, (bytes, bytearray)):
            errors.append("%s: field %s is not a string" % (what, f))
        elif len(b) == 0:
            errors.append("%s: field %s is empty" % (what, f))
        elif len(b) > SCALAR_CAP:
            errors.append("%s: field %s is %d bytes, over the %d-byte cap" % (what, f, len(b), SCALAR_CAP))
        else:
            raw[f] = bytes(b)
    out = {}
    if "version" in raw:
        v = _integer(raw["version"], 1)
        if v is None:
            errors.append("%s: field version = %s is not an integer ≥ 1" % (what, quote(raw["version"])))
        else:
            out["version"] = v
    if "model" in raw:
        s, err = _text(raw["model"])
        if err:
            errors.append("%s: field model %s" % (what, err))
        else:
            out["model"] = s
    if "deployment_id" in raw:
        # No leading zeros: the activation script compares ids as decimal strings.
        b = raw["deployment_id"]
        if not _ID.fullmatch(b) or _integer(b, 1) is None:
            errors.append("%s: field deployment_id = %s is not a positive integer" % (what, quote(b)))
        else:
            out["deployment_id"] = int(b)
    if "deployed_at" in raw:
        v = _integer(raw["deployed_at"], 0)
        if v is None:
            errors.append("%s: field deployed_at = %s is not a timestamp (Unix ms)" % (what, quote(raw["deployed_at"])))
        else:
            out["deployed_at"] = v
    if errors:
        return None, "; ".join(errors)
    return ActivePrompt(agent=agent, **out), None


def parse_activation(raw: bytes):
    """The prompt-activated message is only a hint: all a follower needs is the agent it
    names. Returns (agent, None) or (None, reason)."""
    if len(raw) > MESSAGE_CAP:
        return None, "prompt-activated message is %d bytes, over the %d-byte cap" % (len(raw), MESSAGE_CAP)
    s, err = _text(raw)
    if err:
        return None, "prompt-activated message " + err
    try:
        j = json.loads(s)
    except (ValueError, RecursionError):
        return None, "prompt-activated message is not JSON: " + quote(raw)
    if not isinstance(j, dict):
        return None, "prompt-activated message is not a JSON object"
    agent = j.get("agent")
    if not isinstance(agent, str) or agent == "":
        return None, "prompt-activated message: field agent is missing"
    return agent, None
