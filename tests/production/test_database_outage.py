"""The database goes away and comes back: gunicorn reaches PostgreSQL through a TCP proxy
that the test cuts and restores, and is never restarted."""

from __future__ import annotations

import json

import pytest

from tests.production.conftest import ROLE
from tests.production.servers import Browser, app_env, database_url, location_path

pytestmark = pytest.mark.production


def test_pages_answer_503_while_the_database_is_away_and_recover_without_restart(
    database_name, static_root, tcp_proxy, start_server
):
    env = app_env(
        DATABASE_URL=database_url(database_name, port=tcp_proxy.port),
        STATIC_ROOT=str(static_root),
    )
    server = start_server("outage", env, workers=2)
    browser = Browser(server.port)
    # A visitor's draft: its page reads the database on every request (public pages may
    # come from the cache).
    browser.get(f"/roles/{ROLE}/assess/")
    page = location_path(browser.post(f"/roles/{ROLE}/assess/", {}))
    # Both workers hold a connection to the database before it goes.
    for _ in range(4):
        assert browser.get(page).status == 200

    tcp_proxy.cut()
    for _ in range(4):
        response = browser.get(page)
        assert response.status == 503, server.log[-3000:]
        assert "unavailable for a moment" in response.text
        assert response.header("Retry-After") == "30"
    ready = browser.get("/readyz")
    assert ready.status == 503
    assert json.loads(ready.body)["checks"]["database"].startswith("failed")
    assert browser.get("/healthz").status == 200

    tcp_proxy.restore()
    # Every worker's next request works: dead connections are noticed before use.
    for _ in range(6):
        assert browser.get(page).status == 200, server.log[-3000:]
    ready = browser.get("/readyz")
    assert ready.status == 200
    assert json.loads(ready.body) == {"status": "ready", "checks": {"database": "ok"}}
    assert server.process.poll() is None
    # The outage is in the log, with a traceback, and was not reported as a crash page.
    assert "OperationalError" in server.log
    assert "Traceback" in server.log
