"""Real servers for the helper tests: redis-server and PostgreSQL 15 on random loopback
ports in temp dirs (under TMPDIR, which scripts/test-agent-helpers.sh points at its run
directory), the schema applied by `switchboard db migrate`, and the real
`switchboard rollback` CLI. Nothing here stands in for a server."""

import os
import shutil
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SWITCHBOARD_BIN = os.environ.get("SWITCHBOARD_BIN") or os.path.join(REPO, "build", "ci", "app", "switchboard")
PG_BIN = os.environ.get("SB_PG_BIN", "/usr/lib/postgresql/15/bin")
IS_ROOT = os.getuid() == 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, fn, timeout=15.0, every=0.02):
    end = time.monotonic() + timeout
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            pass
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(every)


def _ping(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


class RedisServer:
    """redis-server without persistence: a restart loses every key, as a crashed cache would."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sbh-redis-")
        self.port = 0
        self.proc = None

    def start(self):
        if not self.port:
            self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--pidfile", os.path.join(self.dir, "redis.pid"), "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--loglevel", "warning"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        wait_for("redis-server", lambda: _ping(self.port))

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def destroy(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """PostgreSQL 15; as root its tools run as the postgres user (Postgres refuses root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sbh-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.port = 0

    def tool(self, name, args, stdin=None):
        cmd = [os.path.join(PG_BIN, name)] + args
        if IS_ROOT:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=self.dir, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("%s: %s\n%s%s" % (name, r.returncode, r.stdout, r.stderr))
        return r.stdout

    def start(self):
        self.port = free_port()
        os.mkdir(self.data)
        if IS_ROOT:
            subprocess.run(["chown", "-R", "postgres:postgres", self.dir], check=True)
        self.tool("initdb", ["-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        self.tool("pg_ctl", ["-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-t", "30", "-o",
                             "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (self.port, self.dir), "start"])
        self.psql("CREATE DATABASE agentops", db="postgres")
        # The schema, as an operator would apply it: the real CLI and its migrations.
        r = subprocess.run([SWITCHBOARD_BIN, "db", "migrate", "--pg", self.dsn()], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("switchboard db migrate: %s%s" % (r.stdout, r.stderr))
        # The operator who rolls back logs in with agentops_operator only (trust: no password).
        self.psql("CREATE ROLE helper_operator LOGIN IN ROLE agentops_operator;")

    def dsn(self, user="postgres"):
        return "host=127.0.0.1 port=%d user=%s dbname=agentops" % (self.port, user)

    def psql(self, sql, db="agentops"):
        return self.tool("psql", ["-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                                  "-v", "ON_ERROR_STOP=1", "-At", "-f", "-"],
                         stdin="SET statement_timeout = '10s';\n" + sql).strip()

    def seed_prompts(self, agent, count):
        """Versions 1..count (model-<v>, evaluated and passed), deployed in order through the
        deployer's functions: version count is active."""
        sql = ""
        for v in range(1, count + 1):
            sql += ("SELECT agentops.add_prompt_version('%s', %d, 'You are %s, version %d.', 'model-%d', '{}', "
                    "'author', 'v%d', 'golden', 0.9, true);\n" % (agent, v, agent, v, v, v))
            sql += "SELECT status FROM agentops.deploy_prompt('%s', %d, NULL, 'deploy %d', NULL, 'deployer', 'ci');\n" % (agent, v, v)
        return self.psql(sql)

    def latest_deployment(self, agent):
        """(id, deployed_at in Unix ms) of the agent's active deployment."""
        row = self.psql("SELECT id || '|' || floor(extract(epoch FROM deployed_at) * 1000)::bigint "
                        "FROM agentops.prompt_deployments WHERE agent = '%s' ORDER BY id DESC LIMIT 1" % agent)
        a, b = row.splitlines()[-1].split("|")
        return int(a), int(b)

    def destroy(self):
        try:
            self.tool("pg_ctl", ["-D", self.data, "-m", "immediate", "-w", "-t", "30", "stop"])
        except Exception:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def rollback(pg, redis_server, agent, to_version, reason):
    """`switchboard rollback`, the operator's command line, non-interactive."""
    started = time.time()
    r = subprocess.run([SWITCHBOARD_BIN, "rollback", "--pg", pg.dsn("helper_operator"), "--redis", redis_server.url,
                        "--operator", "helper-test", "--agent", agent, "--to", str(to_version), "--reason", reason],
                       capture_output=True, text=True, timeout=60)
    return r, int(started * 1000), int(time.time() * 1000)
