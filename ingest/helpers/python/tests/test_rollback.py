"""A rollback made with the real `switchboard rollback` CLI reaches a following agent within a
second: at once, after Redis was killed and restarted on the same port (losing every key),
and when the activation is published while the follower is still disconnected (the re-read
on reconnect covers the lost message). Real Redis, real Postgres, real CLI.

Latency is measured from the deployment's own time (deployed_at, Postgres' now() in the
rollback's transaction, written into the hash) to the follower's change: an upper bound on
the time from Redis' write to the agent, since the write comes after the commit."""

import json
import subprocess
import sys
import time
import unittest

from switchboard_agent import follow_prompt

from .support import PostgresServer, RedisServer, rollback, wait_for

AGENT = "triage"
# The contract's activation script (docs/contract.md): how a CI deployer sets the hash.
ACTIVATE = """local function valid(s) return s and string.match(s, '^[1-9][0-9]*$') ~= nil end
local function greater(a, b) if #a ~= #b then return #a > #b end return a > b end
local new = ARGV[3]
if not valid(new) then return redis.error_reply('deployment_id must be a positive integer') end
local stored = redis.call('HGET', KEYS[1], 'deployment_id')
if valid(stored) then
  if stored == new then return {'already', stored} end
  if greater(stored, new) then return {'newer', stored} end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PUBLISH', ARGV[1], ARGV[2])
return {'set', stored or ''}"""


class RollbackReachesTheAgent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.figures = []
        cls.pg = PostgresServer()
        cls.redis = RedisServer()
        try:
            cls.redis.start()
            cls.pg.start()
            cls.pg.seed_prompts(AGENT, 3)
            dep_id, at = cls.pg.latest_deployment(AGENT)
            msg = json.dumps({"agent": AGENT, "version": 3, "model": "model-3", "deployment_id": dep_id, "deployed_at": at})
            subprocess.run(["redis-cli", "-p", str(cls.redis.port), "EVAL", ACTIVATE, "1", "agentops:prompt:" + AGENT,
                            "agentops:prompt-activated", msg, str(dep_id), "version", "3", "model", "model-3",
                            "deployment_id", str(dep_id), "deployed_at", str(at)], check=True, capture_output=True)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for f in cls.figures:
            print("#", f, file=sys.stderr)
        cls.pg.destroy()
        cls.redis.destroy()

    def follow(self, **kw):
        errors = []
        opts = dict(url=self.redis.url, refresh_s=0, on_error=errors.append)
        opts.update(kw)
        f = follow_prompt(AGENT, **opts)
        f.errors = errors
        self.addCleanup(f.close)
        return f

    def expect_rollback(self, f, to_version, reason, label):
        r, started, exited = rollback(self.pg, self.redis, AGENT, to_version, reason)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Agents notified", r.stdout)
        p = f.wait_for(lambda x: x.version == to_version, 5)
        self.assertIsNotNone(p, "never saw version %d; has %r" % (to_version, f.current))
        self.assertEqual(p.model, "model-%d" % to_version, "the pinned model of the version rolled back to")
        dep_id, at = self.pg.latest_deployment(AGENT)
        self.assertEqual((p.deployment_id, p.deployed_at), (dep_id, at), "the deployment the CLI committed")
        info = f.last_info
        latency = info["seen_at"] - p.deployed_at
        self.figures.append("python, %s: version %d (%s, deployment #%d) reached the follower %d ms after the deployment "
                            "(via %s; the CLI ran %d ms)" % (label, to_version, p.model, dep_id, latency, info["reason"],
                                                            exited - started))
        self.assertLess(latency, 1000, "%s: not within a second" % label)
        return info

    def test_1_rollback_within_a_second_also_after_a_redis_restart(self):
        f = self.follow()
        first = f.wait_for(lambda p: p.version == 3, 5)
        self.assertIsNotNone(first, "the follower read the active version at start")
        self.assertEqual(first.model, "model-3")
        self.assertEqual(f.last_info["reason"], "reconnect")

        info = self.expect_rollback(f, 2, "v3 hallucinates", "connected")
        self.assertEqual(info["reason"], "message", "carried by prompt-activated")

        self.redis.kill()
        wait_for("the follower to notice", lambda: any(e.code == "redis" for e in f.errors), 5)
        self.redis.start()
        wait_for("the follower to reconnect", lambda: f.connected, 5)
        time.sleep(0.1)
        self.assertEqual(f.current.version, 2, "a Redis that lost the hash does not move the agent")
        self.expect_rollback(f, 1, "v2 too slow", "after a Redis restart")
        self.assertEqual([e.message for e in f.errors if e.code != "redis"], [])

    def test_2_published_while_disconnected_is_read_on_reconnect(self):
        delay = {"s": 0.05}
        f = self.follow(retry_delay=lambda attempt: delay["s"])
        self.assertIsNotNone(f.wait_for(lambda p: p.version == 1, 5), "the follower starts on version 1")
        delay["s"] = 2.0  # hold the follower off while the rollback publishes
        self.redis.kill()
        wait_for("the follower to lose Redis", lambda: not f.connected, 5)
        self.redis.start()
        r, _, exited = rollback(self.pg, self.redis, AGENT, 3, "back to 3")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(f.connected, "still disconnected when the activation was published (else this proves nothing)")
        self.assertEqual(f.current.version, 1)
        wait_for("the follower to reconnect", lambda: f.connected, 5)
        ready_at = f.connected_at
        p = f.wait_for(lambda x: x.version == 3, 5)
        self.assertIsNotNone(p, "never saw version 3: %r" % (f.current,))
        self.assertEqual(p.model, "model-3")
        self.assertEqual(f.last_info["reason"], "reconnect", "the message was lost: the re-read on reconnect covered it")
        since = f.last_info["seen_at"] - ready_at
        self.figures.append("python, published while disconnected: version 3 reached the follower %d ms after it "
                            "reconnected (via %s), %d ms after the CLI exited (reconnect delay 2 s)"
                            % (since, f.last_info["reason"], f.last_info["seen_at"] - exited))
        self.assertLess(since, 1000)

    def test_3_rollback_right_as_redis_comes_back(self):
        # The worst case of the default reconnect policy (0.1 s doubling to 0.5 s): Redis was
        # down long enough for the delay to reach 1 s, and the rollback comes as soon as it
        # is back.
        f = self.follow()
        self.assertIsNotNone(f.wait_for(lambda p: p.version == 3, 5), "the follower starts on version 3")
        self.redis.kill()
        time.sleep(2.5)
        self.redis.start()
        r, started, exited = rollback(self.pg, self.redis, AGENT, 2, "v3 again bad")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        p = f.wait_for(lambda x: x.version == 2, 5)
        self.assertIsNotNone(p, "never saw version 2: %r" % (f.current,))
        self.assertEqual(p.model, "model-2")
        latency = f.last_info["seen_at"] - p.deployed_at
        self.figures.append("python, rollback as Redis came back after 2.5 s down: version 2 reached the follower %d ms "
                            "after the deployment (via %s; the CLI ran %d ms)" % (latency, f.last_info["reason"], exited - started))
        self.assertLess(latency, 1000)


if __name__ == "__main__":
    unittest.main()
