"""Logs, error pages and health endpoints, in process (the server tests run them too)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from django.test import Client

from tests.production.servers import ROOT

pytestmark = pytest.mark.django_db


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "careerpath.request"]


def test_each_request_is_logged_once_with_its_id_and_status(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/assessments/00000000-0000-0000-0000-000000000000/result/")

    assert response.status_code == 404
    (line,) = _request_lines(caplog)
    assert line.getMessage().startswith("GET /assessments/00000000-0000-0000-0000-000000000000/")
    assert " 404 " in line.getMessage()
    assert line.request_id == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    # The 404 is not logged a second time by Django.
    assert [r for r in caplog.records if r.name == "django.request"] == []


def test_the_proxys_request_id_is_kept_and_returned(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/healthz", headers={"X-Request-ID": "edge-4f2a.17"})

    assert response["X-Request-ID"] == "edge-4f2a.17"
    assert _request_lines(caplog)[0].request_id == "edge-4f2a.17"


def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "x\nERROR forged line"})

    assert "forged" not in response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32


def test_the_query_string_stays_out_of_the_request_log(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/healthz?token=secret-value")

    assert "secret-value" not in _request_lines(caplog)[0].getMessage()


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.production.urls_with_failures"


def test_a_crash_is_logged_with_its_traceback_and_the_page_shows_none(failing_urls, caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/crash/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "secret-looking" not in response.content.decode()
    (error,) = [r for r in caplog.records if r.name == "django.request"]
    assert error.levelname == "ERROR"
    assert error.exc_info[0] is RuntimeError
    assert error.request_id == response["X-Request-ID"]


def test_a_lost_database_answers_the_friendly_503_page_not_a_500(failing_urls, caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/database-gone/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "unavailable for a moment" in page
    assert "Connection refused" not in page
    (error,) = [r for r in caplog.records if r.name == "django.request"]
    assert "OperationalError" in error.exc_info[0].__name__


def test_development_logs_print_each_line_once():
    # Django's default logging adds a console handler of its own to "django" under DEBUG;
    # the record then reached the root handler as well and showed twice.
    script = (
        "import django, logging; django.setup();"
        "logging.getLogger('django.request').error('one line only');"
        "logging.getLogger('django.db.backends').warning('and this one once')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "careerpath.settings", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("one line only") == 1
    assert result.stderr.count("and this one once") == 1
    assert "[-] one line only" in result.stderr  # outside a request, the id is "-"


def test_healthz_touches_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200


def test_readyz_answers_200_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/readyz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_answers_503_naming_redis_and_the_broker_when_they_do_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "redis": "failed: ConnectionError",
            "broker": "failed: ConnectionError",
        },
    }
