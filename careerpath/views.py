from __future__ import annotations

import sys
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults

# Seconds a probe waits for Redis or the broker before calling it down.
PROBE_TIMEOUT = 2


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale form (an old tab, an expired session) explained in words, not Django's page."""
    return render(request, "403_csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler, except when the database cannot be reached: that is an outage, not
    a bug, so the page says so with a 503 and the next request tries the database again."""
    if _database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request)


def database_unavailable_response() -> HttpResponse:
    # Rendered without the request: context processors would query the missing database.
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


def _database_unavailable(exc: BaseException | None) -> bool:
    # Connection failures surface as OperationalError (cannot connect, connection lost) or
    # InterfaceError (the connection was already closed), possibly as the cause of another.
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: the database answers, and Redis and the task broker when configured.
    200 with each check's result, or 503 naming what failed. /healthz, by contrast, only
    says the process is up and touches nothing."""
    checks: dict[str, Callable[[], None]] = {"database": _database_check}
    if settings.REDIS_URL:
        checks["redis"] = lambda: _redis_check(settings.REDIS_URL)
    # Eager tasks (no broker configured) run in the request and need no broker.
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        checks["broker"] = lambda: _broker_check(settings.CELERY_BROKER_URL)
    results = {name: _run_check(check) for name, check in checks.items()}
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )


def _run_check(check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as exc:  # any failure means "not ready"; the name says which
        return f"failed: {type(exc).__name__}"
    return "ok"


def _database_check() -> None:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # Do not keep a broken connection for the next request.
        connection.close_if_unusable_or_obsolete()
        raise


def _redis_check(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def _broker_check(url: str) -> None:
    if urlsplit(url).scheme in {"redis", "rediss", "unix"}:
        _redis_check(url)
        return
    from kombu import Connection

    with Connection(url, connect_timeout=PROBE_TIMEOUT) as connection:
        connection.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT)
