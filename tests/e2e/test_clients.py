"""The clients' own tests (clients/js/test, clients/web-demo/test), run with Node's test runner
against the real daemon and this session's PostgreSQL: each test file starts its own chatd
(clients/test-harness.mjs) on a database of its own. `make test` builds the clients first
(scripts/clients.sh); without Node or the built clients these tests fail, they do not skip."""

import pytest

from util import CLIENTS, node_suite


def test_sdk(pg):
    node_suite(pg, "clients/js/test", 300)


@pytest.mark.skipif(not (CLIENTS / "web-demo" / "test").exists(), reason="no web demo tests yet")
def test_web_demo_in_chromium(pg):
    node_suite(pg, "clients/web-demo/test", 300)
