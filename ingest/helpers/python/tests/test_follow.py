"""follow_prompt against a real redis-server: everything it reads is untrusted. A bad record,
a stale hash, a broken message or a raising callback is reported to on_error, the agent
keeps its last good prompt, and nothing is raised into it."""

import json
import re
import sys
import time
import unittest

import redis

from switchboard_agent import follow_prompt
from switchboard_agent.record import parse_prompt_fields

from .support import RedisServer, wait_for

KEY = "agentops:prompt:triage"
CHANNEL = "agentops:prompt-activated"


def good(dep_id, version=None):
    v = dep_id if version is None else version
    return {"version": str(v), "model": "model-%d" % v, "deployment_id": str(dep_id), "deployed_at": str(1795735767000 + dep_id)}


class FollowerRobustness(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.redis.start()
        cls.w = redis.Redis(port=cls.redis.port, host="127.0.0.1")  # plays a buggy or hostile writer

    @classmethod
    def tearDownClass(cls):
        cls.w.close()
        cls.redis.destroy()

    def write(self, fields, publish=True):
        self.w.delete(KEY)
        if fields:
            self.w.hset(KEY, mapping=fields)
        if publish:
            self.w.publish(CHANNEL, json.dumps({"agent": "triage", "deployment_id": 0}))

    def net_output(self):
        return self.w.info("stats")["total_net_output_bytes"]

    def follow(self, **kw):
        errors, changes = [], []
        opts = dict(url=self.redis.url, refresh_s=0, on_error=errors.append, on_change=lambda p, prev, info: changes.append(p))
        opts.update(kw)
        f = follow_prompt("triage", **opts)
        f.errors, f.changes = errors, changes
        self.addCleanup(f.close)
        return f

    def next_error(self, f, code, start, pattern=None):
        return wait_for("an error %s %s" % (code, pattern or ""), lambda: next(
            (e for e in f.errors[start:] if e.code == code and (pattern is None or re.search(pattern, e.message))), None), 3)

    def test_bad_records_are_reported_and_the_last_good_prompt_kept(self):
        self.write(good(10, 4))
        f = self.follow()
        self.assertEqual(f.wait_for(lambda p: p.deployment_id == 10, 3).model, "model-4")
        base = {"version": "5", "model": "m", "deployment_id": "11", "deployed_at": "1"}
        cases = [
            (dict(base, version="lots"), r"field version = 'lots' is not an integer"),
            ({k: v for k, v in base.items() if k != "model"}, r"field model is missing"),
            (dict(base, model="x" * (10 * 1024 * 1024)), r"field model is 10485760 bytes, over the 4096-byte cap"),
            (dict(base, model=b"a\xffb"), r"field model is not valid UTF-8"),
            (dict(base, model="a\0b"), r"field model contains a NUL byte"),
            (dict(base, deployment_id="011"), r"field deployment_id = '011' is not a positive integer"),
            (dict(base, deployment_id="99999999999999999999"), r"deployment_id = '99999999999999999999' is not a positive"),
            (dict(base, version="-5"), r"field version = '-5' is not an integer"),
            (dict(base, deployed_at="yesterday"), r"deployed_at = 'yesterday' is not a timestamp"),
            (dict(base, model=""), r"field model is empty"),
        ]
        for fields, pattern in cases:
            start = len(f.errors)
            before = self.net_output()
            self.write(fields)
            e = self.next_error(f, "bad_record", start)
            self.assertRegex(e.message, pattern)
            self.assertIn("keeping version 4 (deployment #10)", e.message)
            sent = self.net_output() - before
            self.assertLess(sent, 64 * 1024, "Redis sent %d bytes for one bad record: the value over the cap was read" % sent)
            self.assertEqual(f.current.version, 4)
        start = len(f.errors)
        self.w.delete(KEY)
        self.w.set(KEY, "version 5")
        self.w.publish(CHANNEL, '{"agent":"triage"}')
        self.assertRegex(self.next_error(f, "bad_record", start).message, r"is a string, not a hash")
        self.write(good(11, 5))
        self.assertEqual(f.wait_for(lambda p: p.deployment_id == 11, 3).model, "model-5")
        self.assertEqual(len(f.changes), 2)
        self.assertEqual([e.message for e in f.errors if e.code != "bad_record"], [])

    def test_only_newer_deployments_move_the_agent(self):
        self.write(good(20, 7))
        f = self.follow()
        f.wait_for(lambda p: p.deployment_id == 20, 3)
        start = len(f.errors)
        self.write(good(19, 6))
        self.assertRegex(self.next_error(f, "stale", start).message, r"Redis has deployment #19, older than #20: kept #20")
        self.write({"version": "8", "model": "other", "deployment_id": "20", "deployed_at": "1"})
        time.sleep(0.3)
        self.assertEqual(f.current.model, "model-7", "an equal id is the deployment already followed")
        self.write(dict(good(20), deployment_id="9007199254740993"))
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 9007199254740993, 3))
        start = len(f.errors)
        self.write(dict(good(20), deployment_id="9007199254740992"))
        self.assertRegex(self.next_error(f, "stale", start).message, r"#9007199254740992, older than #9007199254740993")
        self.assertEqual(len(f.changes), 2)

    def test_messages_are_hints(self):
        self.write(good(30, 1))
        f = self.follow()
        f.wait_for(lambda p: p.deployment_id == 30, 3)
        self.write(good(31, 2), publish=False)
        self.w.publish(CHANNEL, json.dumps({"agent": "billing", "version": 2, "model": "m", "deployment_id": 31, "deployed_at": 1}))
        self.w.publish(CHANNEL, json.dumps({"agent": "triage2"}))
        time.sleep(0.3)
        self.assertEqual(f.current.deployment_id, 30, "another agent's activation does not make this one read")
        start = len(f.errors)
        self.w.publish(CHANNEL, "not json")
        self.assertRegex(self.next_error(f, "bad_message", start).message, r"is not JSON: 'not json'")
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 31, 3), "a broken hint still re-reads the hash")
        self.write(good(32, 3), publish=False)
        self.w.publish(CHANNEL, json.dumps({"agent": "triage", "version": 99, "model": "evil", "deployment_id": 999, "deployed_at": 1}))
        p = f.wait_for(lambda x: x.deployment_id == 32, 3)
        self.assertEqual((p.version, p.model), (3, "model-3"), "the message's own values are never used")
        for msg, pattern in (("x" * 70000, r"over the 65536-byte cap"), ("[1,2]", r"not a JSON object"),
                             ('{"agent":5}', r"field agent is missing"), ("[" * 60000, r"not JSON")):
            start = len(f.errors)
            self.w.publish(CHANNEL, msg)
            self.assertRegex(self.next_error(f, "bad_message", start).message, pattern)

    def test_a_message_too_large_for_redis_to_send_drops_the_subscriber(self):
        # Redis' client-output-buffer-limit for pub/sub (32 MB hard, by default) closes a
        # subscriber rather than queue such a message: the helper never reads it.
        self.write(good(35, 1))
        f = self.follow()
        f.wait_for(lambda p: p.deployment_id == 35, 3)
        self.write(good(36, 2), publish=False)
        self.w.publish(CHANNEL, "x" * (40 * 1024 * 1024))
        self.next_error(f, "redis", 0)
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 36, 3), "the re-read after the reconnect")
        self.assertEqual([e for e in f.errors if e.code == "bad_message"], [], "nothing of the message arrived")

    def test_a_flood_of_hints_is_not_a_flood_of_reads(self):
        self.write(good(37, 1))
        f = self.follow()
        f.wait_for(lambda p: p.deployment_id == 37, 3)
        time.sleep(0.2)
        before = int(self.w.info("commandstats").get("cmdstat_eval_ro", {}).get("calls", 0))
        pipe = self.w.pipeline(transaction=False)
        for _ in range(2000):
            pipe.publish(CHANNEL, '{"agent":"triage"}')
        pipe.execute()
        self.write(good(38, 2))
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 38, 5))
        time.sleep(0.3)
        reads = int(self.w.info("commandstats")["cmdstat_eval_ro"]["calls"]) - before
        print("# python: %d reads of the hash for 2001 messages" % reads, file=sys.stderr)
        self.assertLess(reads, 100, "%d reads for 2001 messages" % reads)
        self.assertGreaterEqual(reads, 1)

    def test_a_raising_callback_does_not_stop_the_follower(self):
        self.write(good(40, 1))
        calls = []

        def boom(p, prev, info):
            calls.append(p)
            raise RuntimeError("agent bug")

        f = self.follow(on_change=boom)
        f.wait_for(lambda p: p.deployment_id == 40, 3)
        self.write(good(41, 2))
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 41, 3))
        wait_for("two callback errors", lambda: len([e for e in f.errors if e.code == "callback"]) == 2, 3)
        self.assertEqual(len(calls), 2)
        self.assertIn("on_change raised: RuntimeError: agent bug", [e for e in f.errors if e.code == "callback"][0].message)

    def test_an_acl_user_without_eval_ro_still_follows(self):
        self.w.execute_command("ACL", "SETUSER", "agent-noscript", "on", ">agent-pw", "resetkeys", "~agentops:prompt:*",
                               "resetchannels", "&agentops:prompt-activated", "-@all", "+hget", "+hmget", "+hstrlen",
                               "+type", "+subscribe", "+ping", "+watch", "+unwatch",
                               "+multi", "+exec")
        self.write(good(50, 1))
        f = self.follow(connection={"username": "agent-noscript", "password": "agent-pw"})
        self.assertEqual(f.wait_for(lambda p: p.deployment_id == 50, 3).model, "model-1")
        self.assertRegex(next(e for e in f.errors if e.code == "degraded").message, r"EVAL_RO refused")
        start = len(f.errors)
        before = self.net_output()
        self.write({"version": "5", "model": "x" * (1024 * 1024), "deployment_id": "51", "deployed_at": "1"})
        self.next_error(f, "bad_record", start, r"field model is 1048576 bytes, over the 4096-byte cap")
        self.assertLess(self.net_output() - before, 64 * 1024, "the oversized model was not read")
        self.write(good(52, 2))
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 52, 3))
        # Big values written while reads are under way (the race HSTRLEN-then-HMGET alone
        # loses): a read whose key changed after WATCH reads nothing and looks again.
        big = "x" * (1024 * 1024)
        start = self.net_output()
        for i in range(30):
            self.w.publish(CHANNEL, '{"agent":"triage"}')
            time.sleep((i % 3) / 1000)
            self.w.hset(KEY, "model", big)
            time.sleep(0.001)
            self.w.hset(KEY, "model", "model-2")
        time.sleep(0.3)
        sent = self.net_output() - start
        self.assertLess(sent, 512 * 1024, "Redis sent %d bytes: a 1 MiB value was read" % sent)

    def test_the_periodic_refresh_reads_a_change_no_message_announced(self):
        self.write(good(60, 1))
        f = self.follow(refresh_s=0.2)
        f.wait_for(lambda p: p.deployment_id == 60, 3)
        self.write(good(61, 2), publish=False)
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 61, 2))

    def test_pings_are_answered_and_a_silent_server_is_left(self):
        self.write(good(70, 1))
        f = self.follow(refresh_s=0.2, timeout_s=1.0)
        f.wait_for(lambda p: p.deployment_id == 70, 3)
        time.sleep(1.5)  # several refreshes with a PING each, all answered
        self.assertEqual([e.message for e in f.errors], [])
        # The server stops answering (as behind a dead link): the follower gives up on the
        # connection within its timeout and reconnects; then it reads what changed.
        self.w.execute_command("CLIENT", "PAUSE", "2500", "ALL")
        self.next_error(f, "redis", 0, r"Timeout|timed out|did not answer")
        time.sleep(1.5)
        self.write(good(71, 2))
        self.assertIsNotNone(f.wait_for(lambda p: p.deployment_id == 71, 5))

    def test_bad_arguments_are_the_callers_error(self):
        for agent in ("", "a\0b", 42):
            with self.assertRaises(TypeError):
                follow_prompt(agent)

    def test_parser_agrees_with_the_node_helper_on_edge_values(self):
        p, err = parse_prompt_fields("a", {"version": b"007", "model": b"m", "deployment_id": b"9223372036854775807", "deployed_at": b"0"})
        self.assertIsNone(err)
        self.assertEqual((p.version, p.deployment_id, p.deployed_at), (7, 9223372036854775807, 0))
        _, err = parse_prompt_fields("a", {"version": b"1", "model": b"m", "deployment_id": b"9223372036854775808", "deployed_at": b"0"})
        self.assertRegex(err, r"deployment_id = '9223372036854775808' is not a positive integer")


if __name__ == "__main__":
    unittest.main()
