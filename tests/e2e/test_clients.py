"""The clients' own tests (clients/js/test, clients/web-demo/test), run with Node's test runner
against the real daemon and this session's PostgreSQL: each test file starts its own chatd
(clients/test-harness.mjs) on a database of its own. `make test` builds the clients first
(scripts/clients.sh); without Node or the built clients these tests fail, they do not skip."""

import itertools
import os
import subprocess
from pathlib import Path

import pytest

from util import REPO, chatd_binary

CLIENTS = REPO / "clients"
_db = itertools.count(1)


def node_suite(pg, path, timeout):
    """Runs `node --test` over one test directory; its output is shown when it fails."""
    files = sorted(str(p) for p in (CLIENTS / path).glob("*.test.mjs"))
    assert files, f"no tests in clients/{path}"
    assert (CLIENTS / "js" / "dist" / "index.js").exists(), \
        "clients are not built: run scripts/clients.sh build (make test does)"
    name = f"chatd_clients_{os.getpid()}_{next(_db)}"
    pg.sql(f"CREATE DATABASE {name}", dbname="postgres")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATD_")}
    env.update(CHATD_BIN=str(chatd_binary()), CHATD_TEST_DSN=pg.dsn.rsplit("/", 1)[0] + f"/{name}",
               CHATD_ARTIFACTS=str(CLIENTS / "test-artifacts"))
    run = subprocess.run(["node", "--test", "--test-concurrency=1", *files], cwd=CLIENTS, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                         text=True)
    print(run.stdout[-4000:])  # the runner's summary, shown with -s or on failure
    if run.returncode != 0:
        pytest.fail(f"node --test clients/{path} failed:\n{run.stdout[-12000:]}", pytrace=False)


def test_sdk(pg):
    node_suite(pg, "js/test", 300)


@pytest.mark.skipif(not (CLIENTS / "web-demo" / "test").exists(), reason="no web demo tests yet")
def test_web_demo_in_chromium(pg):
    node_suite(pg, "web-demo/test", 300)
