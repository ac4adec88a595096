"""pytest harness for chatd, after PgBouncer's test/conftest.py.

- `pg` (session): a private PostgreSQL 15 cluster on a free loopback port, database `chatd`.
- an autouse fixture empties every chatd table before each test (migrations stay applied).
- `own_pg` (module): a cluster of the module's own, for modules that stop or break PostgreSQL
  (they override `pg` with it).
- `chatd_factory(**keys)` starts build/chatd (or $CHATD_BIN; under $CHATD_WRAPPER if set, e.g.
  valgrind, the harness's deadlines then times $CHATD_TIMEOUT_SCALE) with a per-test config;
  `chatd` is one default instance, whose keys `@pytest.mark.chatd_config(key=value)` can
  change. At teardown each instance gets SIGTERM and must exit 0 with no sanitizer (or
  valgrind) report or assertion in its log.
- `chatd_of(**keys)`: the test module's shared instance for that config (`chatd_pool`). A module
  marked `pytestmark = pytest.mark.shared_chatd` gets its `chatd` from there: starting and
  stopping an ASan build per test would cost more than most tests.
- `rest`: a util.Rest client for the `chatd` instance.
- webhooks: `receiver` (a recording util.Receiver), `hooked(**keys)` (a chatd sending its
  webhooks there) and `ws(chatd, user)` (logged-in WebSocket clients, closed at teardown).

Test modules take fixtures from here and helpers from util.py, ws_client.py and expect.py, never
from another test module.
"""

import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
import requests

from expect import call_ok
from util import (ADMIN, REPO, SDKAPPID, SECRET_KEY, Receiver, Rest, chatd_binary, free_port,
                  hook_config, scaled)
from ws_client import WsClient, close_all

PG_BINDIR = Path(os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin"))
IS_ROOT = os.geteuid() == 0
LOG_ALARMS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer", "Assertion",
              # valgrind's memcheck (CHATD_WRAPPER), also for an instance killed before its exit
              "Invalid read of", "Invalid write of", "depends on uninitialised",
              "Use of uninitialised value", "Invalid free()", "Mismatched free()", "Syscall param",
              "are definitely lost in", "are possibly lost in")
# A command chatd runs under (make test-valgrind: valgrind's memcheck with --error-exitcode=99,
# so a memory error or a leak makes the exit status 99, which teardown reports); words split as
# a shell would. Empty: chatd runs by itself.
WRAPPER = shlex.split(os.environ.get("CHATD_WRAPPER", ""))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "chatd_config(**keys): config keys for the `chatd` fixture (None removes a key)"
    )
    config.addinivalue_line(
        "markers", "shared_chatd: `chatd` is the module's shared instance for the config (chatd_of)"
    )


def tail(path, lines=60):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


class Postgres:
    """A throw-away cluster. As root its files belong to, and its server runs as, `postgres`."""

    def __init__(self):
        # Not under pytest's basetemp: as root that is /tmp/pytest-of-root, closed to `postgres`.
        self.base = Path(tempfile.mkdtemp(prefix="chatd-e2e-pg-", dir="/tmp" if IS_ROOT else None))
        if IS_ROOT:
            shutil.chown(self.base, "postgres", "postgres")
        self.pgdata = self.base / "data"
        self.log_path = self.base / "postgres.log"
        self.port = free_port()
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/chatd"
        self.running = False

    def run(self, program, *args):
        cmd = [str(PG_BINDIR / program), *map(str, args)]
        if IS_ROOT:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, cwd=self.base, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}"
                               f"{done.stderr}\n{tail(self.log_path)}")

    def initdb(self):
        self.run("initdb", "-D", self.pgdata, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync", "--no-instructions")
        (self.pgdata / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.base}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )

    def start(self):
        self.run("pg_ctl", "-D", self.pgdata, "-l", self.log_path, "-w", "-t", "60", "start")
        self.running = True

    def stop(self):
        """Fast shutdown: chatd's connections are cut at once, as in a crash of the server."""
        self.run("pg_ctl", "-D", self.pgdata, "-m", "fast", "-w", "stop")
        self.running = False

    def sql(self, query, params=None, dbname="chatd"):
        """Runs one statement in autocommit; returns its rows, or None when it returns none."""
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def cleanup(self):
        if self.running:
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def postgres_cluster():
    """Yields a fresh running cluster with an empty database `chatd`; removes it afterwards."""
    pg = Postgres()
    try:
        pg.initdb()
        pg.start()
        pg.sql("CREATE DATABASE chatd", dbname="postgres")
        yield pg
    finally:
        pg.cleanup()


@pytest.fixture(scope="session")
def pg():
    """The PostgreSQL cluster shared by the whole session."""
    yield from postgres_cluster()


@pytest.fixture(scope="module")
def own_pg():
    """A cluster of the module's own, for a module that restarts or breaks PostgreSQL: it
    overrides `pg` with it (a module fixture `pg` returning `own_pg`), so the session's cluster
    is never left stopped or read-only for the modules after it."""
    yield from postgres_cluster()


@pytest.fixture(autouse=True)
def clean_tables(pg):
    """Every test starts with empty tables; `chatd_migrations` keeps the applied schema."""
    if not pg.running:  # a test stopped it and failed before starting it again
        pg.start()
    tables = pg.sql(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
        " WHERE schemaname = 'public' AND tablename <> 'chatd_migrations'"
    )
    if tables:
        # DELETE is ~10x faster than TRUNCATE on tiny tables; replica mode skips the foreign-key
        # triggers so the order of the tables does not matter.
        pg.sql("SET session_replication_role = replica; "
               + "; ".join(f"DELETE FROM {t}" for (t,) in tables)
               + "; SET session_replication_role = DEFAULT")


class Chatd:
    """One build/chatd process with its own config file and log file in the test's tmp_path."""

    def __init__(self, pg, workdir, name, overrides, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = {
            "listen": f"127.0.0.1:{self.port}",
            "database_url": pg.dsn,
            "db_pool_size": 2,
            "sdkappid": SDKAPPID,
            "secret_key": SECRET_KEY,
            "admin_identifier": ADMIN,
            "log_level": "debug",
            "schema_dir": REPO / "schema",
        }
        self.config.update(overrides)
        self.config = {k: v for k, v in self.config.items() if v is not None}
        self.config_path = workdir / f"{name}.conf"
        self.log_path = workdir / f"{name}.log"
        self.extra_env = env or {}
        self.proc = None
        self.returncode = None
        self.expect_exit_0 = True

    def rest(self, **kwargs):
        return Rest(self.url, **kwargs)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def spawn(self):
        """Writes the config file and starts the process; returns at once."""
        self.config_path.write_text("".join(f"{k} = {v}\n" for k, v in self.config.items()))
        # CHATD_* variables would override the file, so the test's environment passes none.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHATD_")}
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        env.update(self.extra_env)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*WRAPPER, str(chatd_binary()), "-c", str(self.config_path)], cwd=REPO, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        self.returncode = None
        self.expect_exit_0 = True

    def start(self, timeout=30):
        """Starts the process and returns self once GET /healthz answers 200."""
        self.spawn()
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                self.expect_exit_0 = False  # reported here already
                pytest.fail(f"chatd exited with status {self.returncode} before answering "
                            f"/healthz; log tail:\n{tail(self.log_path)}", pytrace=False)
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"chatd did not answer /healthz within {timeout} s; log tail:\n"
                            f"{tail(self.log_path)}", pytrace=False)
            time.sleep(0.02)

    def run_to_exit(self, timeout=10):
        """Runs chatd until it stops by itself (start-up failures); returns its exit status."""
        self.spawn()
        self.expect_exit_0 = False
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"chatd still running after {timeout} s") from None
        return self.returncode

    def stop(self, timeout=10):
        """SIGTERM, then waits for the exit; returns the exit status (0 is a clean shutdown)."""
        if self.proc is None or self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        timeout = scaled(timeout)
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"chatd did not exit within {timeout} s of SIGTERM") from None
        return self.returncode

    def kill(self):
        """SIGKILL, as in a crash; teardown then expects no particular exit status."""
        if self.proc is not None:
            self.proc.kill()
            self.returncode = self.proc.wait()
        self.expect_exit_0 = False

    def check_shutdown(self):
        """Stops the process if it still runs; raises if its exit or its log shows a problem."""
        if self.proc is None:
            return
        self.stop()
        problems = []
        if self.expect_exit_0 and self.returncode != 0:
            problems.append(f"chatd exited with status {self.returncode}, expected 0")
        log = self.log()
        for alarm in LOG_ALARMS:
            at = log.find(alarm)
            if at >= 0:
                start = log.rfind("\n", 0, at) + 1
                problems.append(f"chatd log shows {alarm!r}:\n" + "\n".join(
                    log[start:].splitlines()[:40]))
        if problems:
            raise AssertionError("\n".join(problems))


@pytest.fixture
def chatd_factory(pg, tmp_path):
    """chatd_factory(start=True, env=None, **keys) -> a Chatd; keys override the default config."""
    instances = []

    def factory(start=True, env=None, **overrides):
        instance = Chatd(pg, tmp_path, f"chatd-{len(instances) + 1}", overrides, env)
        instances.append(instance)
        return instance.start() if start else instance

    yield factory

    errors = []
    for instance in instances:
        try:
            instance.check_shutdown()
        except Exception as e:  # stop every instance before reporting
            errors.append(str(e))
        print(f"--- tail of {instance.log_path} ---\n{tail(instance.log_path)}")  # shown on failure
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


# ---- a chatd per config, shared by a module's tests ----

def ws_connections(instance):
    """chatd_ws_connections from /metrics."""
    page = requests.get(f"{instance.url}/metrics", timeout=5).text
    for line in page.splitlines():
        if line.startswith("chatd_ws_connections "):
            return int(line.split()[1])
    raise AssertionError("no chatd_ws_connections in /metrics")


class ChatdPool:
    """Running chatd instances keyed by their config overrides."""

    def __init__(self, pg, workdir):
        self.pg, self.workdir = pg, workdir
        self.instances = {}
        self.started = 0  # names are never reused: a replaced instance keeps its log

    def get(self, config):
        key = json.dumps(sorted(config.items()), default=str)
        if key not in self.instances:
            self.started += 1
            instance = Chatd(self.pg, self.workdir, f"shared-{self.started}",
                                      dict(config))
            self.instances[key] = instance.start()
        return self.instances[key]

    def discard(self, instance):
        self.instances = {k: v for k, v in self.instances.items() if v is not instance}

    def stop_all(self):
        errors = []
        for instance in self.instances.values():
            try:
                instance.check_shutdown()
            except Exception as e:
                errors.append(str(e))
        self.instances = {}
        return errors


@pytest.fixture(scope="module")
def chatd_pool(pg, tmp_path_factory):
    """The module's shared chatd instances; at the end each must stop cleanly (exit 0)."""
    pool = ChatdPool(pg, tmp_path_factory.mktemp("shared-chatd"))
    yield pool
    errors = pool.stop_all()
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


def _after_test(pool, instance, log_from):
    """After a test on a shared instance: no client left, still running, nothing alarming in the
    log since the test began. A broken instance leaves the pool. Returns problems."""
    problems = []
    alive = instance.proc.poll() is None
    if alive:
        try:
            deadline = time.monotonic() + 5
            while ws_connections(instance) != 0:
                if time.monotonic() > deadline:
                    problems.append("WebSocket connections still open 5 s after the test")
                    break
                time.sleep(0.01)
        except requests.RequestException as e:
            problems.append(f"/metrics failed: {e}")
    else:
        instance.returncode = instance.proc.returncode
        instance.expect_exit_0 = False
        problems.append(f"chatd exited with status {instance.returncode} during the test")
    log = instance.log()[log_from:]
    for alarm in LOG_ALARMS:
        at = log.find(alarm)
        if at >= 0:
            start = log.rfind("\n", 0, at) + 1
            problems.append(f"chatd log shows {alarm!r}:\n" +
                            "\n".join(log[start:].splitlines()[:40]))
    print(f"--- log of {instance.log_path} during the test (tail) ---\n" +
          "\n".join(log.splitlines()[-60:]))
    if problems:
        pool.discard(instance)
        try:
            instance.check_shutdown()
        except Exception:
            pass  # already reported
    return problems


@pytest.fixture
def chatd_of(chatd_pool):
    """chatd_of(**config) -> the module's shared chatd for that config. After the test every
    WebSocket client is closed, and the test fails if the instance died or logged a sanitizer
    report or an assertion meanwhile."""
    used = {}

    def get(**config):
        instance = chatd_pool.get(config)
        used.setdefault(id(instance), (instance, len(instance.log())))
        return instance

    yield get
    close_all()
    problems = []
    for instance, log_from in used.values():
        problems += _after_test(chatd_pool, instance, log_from)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def chatd(request):
    """A running chatd with the default test config, changed by @pytest.mark.chatd_config: the
    test's own (chatd_factory), or the module's shared one if the module is marked shared_chatd."""
    marker = request.node.get_closest_marker("chatd_config")
    keys = marker.kwargs if marker else {}
    if request.node.get_closest_marker("shared_chatd"):
        return request.getfixturevalue("chatd_of")(**keys)
    return request.getfixturevalue("chatd_factory")(**keys)


@pytest.fixture
def rest(chatd):
    """A REST client for `chatd`, signing as the app administrator by default."""
    return chatd.rest()


# ---- webhooks ----

@pytest.fixture
def receiver():
    """A recording webhook receiver (util.Receiver) on a free port, answering OK by default."""
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def hooked(chatd_factory, receiver):
    """hooked(**keys) -> a running chatd whose webhooks go to `receiver`; alice, bob, carol."""

    def start(**keys):
        instance = chatd_factory(**hook_config(receiver, **keys))
        call_ok(instance.rest(), "im_open_login_svc/multiaccount_import",
                {"Accounts": ["alice", "bob", "carol"]})
        return instance

    return start


@pytest.fixture
def ws():
    """ws(chatd, user, platform="Web") -> a WsClient logged in to that instance, closed at
    teardown."""
    clients = []

    def connect(chatd, user, platform="Web"):
        client = WsClient.login_as(chatd.url, user, platform=platform)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()
