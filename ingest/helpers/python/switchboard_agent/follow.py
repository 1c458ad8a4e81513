"""follow_prompt(agent): keeps an agent on the prompt version Switchboard says is active.

Same semantics as the Node helper (ingest/helpers/node/src/follow.js). The hash
`N prompt:{agent}` is the truth; `N prompt-activated` is a hint to read it again (pub/sub
loses what is published while a connection is down). A background thread subscribes, reads
the hash once the subscription is confirmed (at start and after every reconnect), on every
message naming its agent and every `refresh_s`. It only moves forward: a hash whose
deployment_id is not newer than the one followed is ignored ("Redis never goes
backwards"). A bad record, a stale hash or a lost connection goes to on_error; the agent
keeps the last good prompt, and nothing is ever raised into it.

Needs Debian's python3-redis (redis-py 4.3) and nothing else.
"""

import os
import random
import threading
import time

import redis

from .record import FIELDS, SCALAR_CAP, parse_activation, parse_prompt_fields

# One read-only script: each field's value, or its size when it is over the cap (never the
# bytes). EVAL_RO needs Redis >= 7.0. Same script as the Node helper.
READ_SCRIPT = """
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'none'} end
if t ~= 'hash' then return {'wrongtype', t} end
local cap = tonumber(ARGV[1])
local out = {'hash'}
for i = 2, #ARGV do
  local n = redis.call('HSTRLEN', KEYS[1], ARGV[i])
  if n > cap then
    out[#out + 1] = 'over'; out[#out + 1] = tostring(n)
  else
    local v = redis.call('HGET', KEYS[1], ARGV[i])
    if v then out[#out + 1] = 'value'; out[#out + 1] = v
    else out[#out + 1] = 'missing'; out[#out + 1] = '' end
  end
end
return out"""

_REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


class PromptProblem(Exception):
    """What on_error receives. code: bad_record, stale, bad_message, redis, degraded,
    callback."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class _BadRecord(Exception):
    pass


def _kind(msg):
    t = msg.get("type")
    return t.decode("ascii", "replace") if isinstance(t, bytes) else t


def _default_retry(attempt):
    # Reconnect fast: a rollback must reach the agent within a second of Redis coming back,
    # and the rollback may come the moment it is back. 0.1 s doubling to 0.5 s, less up to
    # 20 % so a fleet's reconnects spread out.
    return min(0.05 * 2**attempt, 0.5) * (0.8 + 0.2 * random.random())


class PromptFollower:
    def __init__(self, agent, *, url=None, connection=None, namespace="agentops:", on_change=None,
                 on_error=None, refresh_s=30.0, retry_delay=None, timeout_s=5.0):
        if not isinstance(agent, str) or not agent or "\0" in agent or len(agent.encode()) > SCALAR_CAP:
            raise TypeError("follow_prompt: agent must be a non-empty str of at most 4 KiB without NUL")
        if not isinstance(namespace, str) or "\0" in namespace:
            raise TypeError("follow_prompt: bad namespace")
        self.agent = agent
        self.key = namespace + "prompt:" + agent
        self.channel = namespace + "prompt-activated"
        self._url = url
        self._connection = dict(connection or {})
        self._on_change = on_change
        self._on_error = on_error
        self._refresh_s = refresh_s
        self._retry_delay = retry_delay or _default_retry
        self._timeout_s = timeout_s
        self._current = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._scriptless = False
        self._last_redis_error = ""
        self._stale_reported = None
        self.connected = False  # True while subscribed and reading
        self.connected_at = 0  # Unix ms of the latest confirmed subscription
        self.last_info = None
        self._thread = threading.Thread(target=self._run, name="follow_prompt:" + agent, daemon=True)
        self._thread.start()

    @property
    def current(self):
        """The ActivePrompt the agent must use, or None before the first good read."""
        with self._cond:
            return self._current

    def wait_for(self, pred=lambda p: p is not None, timeout=10.0):
        """The first prompt (now or later) for which pred(prompt) is true, or None after
        timeout seconds."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                if self._current is not None and pred(self._current):
                    return self._current
                left = end - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    return None
                self._cond.wait(left)

    def close(self, timeout=5.0):
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # -- the follower thread -------------------------------------------------------------

    def _error(self, code, message):
        if self._on_error is None:
            return
        try:
            self._on_error(PromptProblem(code, message))
        except Exception:  # the agent's callback must not stop the follower
            pass

    def _redis_error(self, where, e):
        msg = "redis (%s): %s" % (where, e)
        if msg != self._last_redis_error:  # once per outage, not once per retry
            self._last_redis_error = msg
            self._error("redis", msg)

    def _client(self):
        kw = dict(self._connection)
        kw.update(decode_responses=False, socket_timeout=self._timeout_s,
                  socket_connect_timeout=self._timeout_s, retry_on_timeout=False)
        if self._url:
            return redis.Redis.from_url(self._url, **kw)
        return redis.Redis(**kw)

    def _run(self):
        attempt = 0
        while not self._stop.is_set():
            client = pubsub = None
            try:
                client = self._client()
                pubsub = client.pubsub()
                pubsub.subscribe(self.channel)
                self._await_subscribed(pubsub)
                attempt = 0
                self.connected_at = int(time.time() * 1000)
                self.connected = True
                self._last_redis_error = ""
                self._read(client, "reconnect")
                next_refresh = time.monotonic() + self._refresh_s if self._refresh_s else None
                ping_sent = None
                while not self._stop.is_set():
                    msg = pubsub.get_message(timeout=0.2)
                    # What is already waiting is taken in one go (at most 1000), and costs one
                    # read however many hints it holds: a flood of messages is not a flood
                    # of reads.
                    wanted = False
                    for _ in range(1000):
                        if msg is None:
                            break
                        kind = _kind(msg)
                        if kind == "message":
                            wanted = self._wants_read(msg.get("data")) or wanted
                        elif kind == "pong":
                            ping_sent = None
                        msg = pubsub.get_message(timeout=0)
                    if wanted:
                        self._read(client, "message")
                    now = time.monotonic()
                    if ping_sent is not None and now - ping_sent > self._timeout_s:
                        # A half-open subscriber hears nothing and errors on nothing.
                        raise redis.TimeoutError("the subscriber did not answer PING within %.1f s" % self._timeout_s)
                    if next_refresh is not None and now >= next_refresh:
                        self._read(client, "refresh")
                        if ping_sent is None:
                            pubsub.ping()
                            ping_sent = time.monotonic()
                        next_refresh = time.monotonic() + self._refresh_s
            except _REDIS_ERRORS as e:
                self._redis_error("subscriber" if client is not None else "connect", e)
            except redis.RedisError as e:  # e.g. NOPERM on SUBSCRIBE: said, then retried
                self._redis_error("subscriber", e)
            except Exception as e:  # never let the thread die
                self._error("redis", "follower: %s: %s" % (type(e).__name__, e))
            finally:
                self.connected = False
                for c in (pubsub, client):
                    try:
                        if c is not None:
                            c.close()
                    except Exception:
                        pass
            attempt += 1
            self._stop.wait(self._retry_delay(attempt))

    def _await_subscribed(self, pubsub):
        end = time.monotonic() + self._timeout_s
        while time.monotonic() < end:
            msg = pubsub.get_message(timeout=0.1)
            if msg is not None and _kind(msg) == "subscribe":
                return
        raise redis.TimeoutError("no SUBSCRIBE confirmation within %.1f s" % self._timeout_s)

    def _wants_read(self, data):
        """Whether a message calls for a read: one naming this agent, or a broken one
        (reported; the hash is the truth, so a broken hint still costs a read)."""
        if not isinstance(data, (bytes, bytearray)):
            data = str(data).encode("utf-8", "replace")
        agent, err = parse_activation(bytes(data))
        if err:
            self._error("bad_message", err)
            return True
        return agent == self.agent

    def _describe(self):
        c = self._current
        return "version %d (deployment #%d)" % (c.version, c.deployment_id) if c else "no prompt yet"

    def _read(self, client, reason):
        # Redis errors propagate: the thread reconnects, and reads again after that.
        try:
            fields, sizes = self._fetch(client)
        except _BadRecord as e:
            self._error("bad_record", "%s; keeping %s" % (e, self._describe()))
            return
        if fields is None:
            return  # no hash (yet, or a Redis that lost it): keep what we have
        prompt, err = parse_prompt_fields(self.agent, fields, sizes)
        if err:
            self._error("bad_record", "%s; keeping %s" % (err, self._describe()))
            return
        changed = stale = False
        with self._cond:
            cur = self._current
            if cur is not None and prompt.deployment_id <= cur.deployment_id:
                stale = prompt.deployment_id < cur.deployment_id and self._stale_reported != prompt.deployment_id
                if stale:
                    self._stale_reported = prompt.deployment_id
            else:
                changed = True
                self._stale_reported = None
                self._current = prompt
                self.last_info = {"reason": reason, "seen_at": int(time.time() * 1000)}
                self._cond.notify_all()
        if stale:
            self._error("stale", "prompt %s: Redis has deployment #%d, older than #%d: kept #%d"
                        % (self.agent, prompt.deployment_id, cur.deployment_id, cur.deployment_id))
        if changed and self._on_change is not None:
            try:
                self._on_change(prompt, cur, dict(self.last_info))
            except Exception as e:
                self._error("callback", "on_change raised: %s: %s" % (type(e).__name__, e))

    def _fetch(self, client):
        if not self._scriptless:
            try:
                reply = client.execute_command("EVAL_RO", READ_SCRIPT, 1, self.key, SCALAR_CAP, *FIELDS)
                return self._from_script(reply)
            except redis.ResponseError as e:
                text = str(e)
                if not ("unknown command" in text or "NOPERM" in text or "no permissions" in text
                        or isinstance(e, redis.exceptions.NoPermissionError)):
                    raise  # a server error: reported as redis, read again after a reconnect
                # Redis < 7.0, or an ACL user without +eval_ro: once said, read without the
                # script (WATCH, then MULTI/EXEC).
                self._scriptless = True
                self._error("degraded", "prompt %s: EVAL_RO refused (%s); reading with WATCH, HSTRLEN and MULTI/HMGET"
                            % (self.agent, text[:200]))
        return self._fetch_plain(client)

    def _from_script(self, reply):
        tag = reply[0]
        if tag == b"none":
            return None, {}
        if tag == b"wrongtype":
            raise _BadRecord("prompt %s: key %s is a %s, not a hash"
                             % (self.agent, self.key, reply[1].decode("ascii", "replace")))
        fields, sizes = {}, {}
        for i, f in enumerate(FIELDS):
            kind, v = reply[1 + 2 * i], reply[2 + 2 * i]
            if kind == b"value":
                fields[f] = v
            elif kind == b"over":
                sizes[f] = int(v)
        return fields, sizes

    def _fetch_plain(self, client):
        # Without the script: WATCH the key, look at the sizes, then HMGET the fields within
        # the cap in MULTI/EXEC, which Redis aborts (nothing read) if the key changed.
        for _ in range(3):
            with client.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(self.key)
                    t = pipe.type(self.key)
                    t = t.decode("ascii", "replace") if isinstance(t, bytes) else str(t)
                    if t == "none":
                        return None, {}
                    if t != "hash":
                        raise _BadRecord("prompt %s: key %s is a %s, not a hash" % (self.agent, self.key, t))
                    sizes = {}
                    for f in FIELDS:
                        n = pipe.hstrlen(self.key, f)
                        if n > SCALAR_CAP:
                            sizes[f] = n
                    wanted = [f for f in FIELDS if f not in sizes]
                    if not wanted:
                        return {}, sizes
                    pipe.multi()
                    pipe.hmget(self.key, wanted)
                    values = pipe.execute()[0]
                except redis.WatchError:
                    continue  # written meanwhile: nothing was read, look again
            return {f: v for f, v in zip(wanted, values) if v is not None}, sizes
        raise redis.ResponseError("prompt %s: the hash changed during three reads in a row" % self.agent)


def follow_prompt(agent, **options):
    """Start following `N prompt:{agent}`. Options: url (redis:// or rediss://, without a
    password: use connection={'password': ...} or SWITCHBOARD_REDIS_PASSWORD), connection
    (redis.Redis keyword arguments), namespace, on_change(prompt, previous, info),
    on_error(PromptProblem), refresh_s (0 = never), retry_delay(attempt) -> seconds,
    timeout_s. Returns a running PromptFollower; close() stops it."""
    password = os.environ.get("SWITCHBOARD_REDIS_PASSWORD")
    if password and "password" not in (options.get("connection") or {}):
        options["connection"] = dict(options.get("connection") or {}, password=password)
    return PromptFollower(agent, **options)
