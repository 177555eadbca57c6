"""`make bench`: seed a dedicated PostgreSQL database, serve it as production does
(gunicorn, 2 sync workers, DEBUG off, Redis cache and sessions), drive each page with wrk,
and write bench-results.json with a table on standard output.

Each scenario runs ROUNDS times, each time right after a run of /healthz, and is reported
as the median of its ratio to that /healthz run: the ratio holds on a busy machine where
raw requests per second do not. Only 127.0.0.1 is ever sent a request. The server is
stopped whatever happens (finally, SIGINT, SIGTERM).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
RESULTS = ROOT / "bench-results.json"

PORT = int(os.environ.get("BENCH_PORT", "8201"))
BASE = f"http://127.0.0.1:{PORT}"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# BENCH_ONLY=autosave,report measures just those scenarios and prints their table without
# writing bench-results.json, which always holds a whole run.
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "8")
DATABASE = os.environ.get("BENCH_DATABASE", "careerpath_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")

ENV = os.environ | {
    "DEBUG": "0",
    "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-only-secret-key-not-for-production"),
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DATABASE_URL": f"{PG}/{DATABASE}",
    "REDIS_URL": REDIS,
    "DJANGO_SETTINGS_MODULE": "careerpath.settings",
    "LOG_LEVEL": "WARNING",
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    "GUNICORN_WORKERS": "2",
    # Plain HTTP on the loopback: the browser-only cookie and redirect rules stay off.
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
}


def manage(*args: str) -> None:
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=ENV, check=True)


def database_create() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
            print(f"created database {DATABASE}")


# --- what each scenario requests ------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    cookie: str = ""
    script: str = ""  # a wrk Lua script in bench/
    data: dict[str, str] | None = None  # the POST a test client sends to count queries
    headers: tuple[str, ...] = ()  # "Name: value", sent with every request (htmx's)


def scenarios() -> tuple[list[Scenario], dict[str, str]]:
    """The scenarios, with sessions made directly in the session store (as a login
    would), and the CSRF secret the autosave sends as cookie and header."""
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from assessments.management.commands.seed_bench import COACH_EMAIL, DRAFT_ROLE, OWNER_EMAIL
    from assessments.models import Assessment

    def session_for(user: Any) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.USER_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    users = get_user_model().objects
    coach, owner = users.get(username=COACH_EMAIL), users.get(username=OWNER_EMAIL)
    report = (
        Assessment.objects.submitted()
        .filter(owner__email__startswith="bench-", role__slug=DRAFT_ROLE)
        .select_related("owner")
        .order_by("owner__email", "-submitted_at")
        .first()
    )
    draft = Assessment.objects.drafts().get(owner=owner, role__slug=DRAFT_ROLE)
    skill = draft.role.skill_requirements.select_related("skill").first().skill.slug
    csrf = _get_new_csrf_string()
    owner_cookie = f"{session_for(owner)}; {settings.CSRF_COOKIE_NAME}={csrf}"
    report_cookie = session_for(report.owner)
    coach_cookie = session_for(coach)
    lua_env = {
        "BENCH_COOKIE": owner_cookie,
        "BENCH_CSRF": csrf,
        "BENCH_FIELD": f"skill-{skill}",
    }
    return [
        Scenario("catalogue", "/roles/"),
        Scenario("role", f"/roles/{DRAFT_ROLE}/"),
        Scenario("report", f"/assessments/{report.pk}/result/", report_cookie),
        Scenario(
            "autosave",
            f"/assessments/{draft.pk}/answer/",
            owner_cookie,
            script="autosave.lua",
            data={f"skill-{skill}": "3"},
        ),
        Scenario("questionnaire", f"/assessments/{draft.pk}/", owner_cookie),
        Scenario("coach", "/coaching/clients/", coach_cookie),
        Scenario("coach_sorted", "/coaching/clients/?sort=-change", coach_cookie),
        # Read afresh on every request, over the coach's 1,000 clients: no kept page. The
        # dashboard loads the queue's preview with htmx; the full page lists 100 a group.
        Scenario("attention", "/coaching/attention/", coach_cookie, headers=("HX-Request: true",)),
        Scenario("attention_page", "/coaching/attention/", coach_cookie),
        Scenario("cohort", "/coaching/cohort/", coach_cookie),
    ], lua_env


def queries_of(scenario: Scenario) -> int:
    """SQL queries of one request, in steady state (a first request warms the caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_COOKIE=scenario.cookie)
    csrf = re.search(r"csrftoken=(\w+)", scenario.cookie)
    headers = {"HTTP_X_CSRFTOKEN": csrf.group(1), "HTTP_HX_REQUEST": "true"} if csrf else {}
    for header in scenario.headers:
        name, value = (part.strip() for part in header.split(":", 1))
        headers[f"HTTP_{name.upper().replace('-', '_')}"] = value

    def request() -> Any:
        if scenario.data is not None:
            return client.post(scenario.path, scenario.data, **headers)
        return client.get(scenario.path)

    request()
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200, (scenario.name, response.status_code)
    return len(queries)


def bytes_served(scenario: Scenario) -> tuple[int, int]:
    """(bytes on the wire with gzip accepted, bytes once decompressed) from the server."""
    headers = {"Accept-Encoding": "gzip", "Cookie": scenario.cookie}
    headers |= dict((part.strip() for part in h.split(":", 1)) for h in scenario.headers)
    body = None
    if scenario.data is not None:
        csrf = re.search(r"csrftoken=(\w+)", scenario.cookie).group(1)  # type: ignore[union-attr]
        headers |= {"X-CSRFToken": csrf, "HX-Request": "true"}
        body = "&".join(f"{k}={v}" for k, v in scenario.data.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(BASE + scenario.path, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        encoded = response.headers.get("Content-Encoding") == "gzip"
    return len(raw), len(gzip.decompress(raw) if encoded else raw)


# --- wrk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(
    path: str,
    *,
    cookie: str = "",
    script: str = "",
    headers: tuple[str, ...] = (),
    env: dict[str, str],
    duration: str = DURATION,
) -> Run:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", "--timeout", "10s"]
    command += ["-H", "Accept-Encoding: gzip"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(BENCH / script)]
    command.append(BASE + path)
    out = subprocess.run(command, env=os.environ | env, capture_output=True, text=True, check=True)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    if errors:
        print(f"  wrk {path}: {errors.group(0)}")
    return Run(rps, p50, p99, int(bad.group(1)) if bad else 0)


# --- the server -----------------------------------------------------------------------


def server_start(log: Path) -> subprocess.Popen[bytes]:
    command = [str(GUNICORN), "-c", "gunicorn.conf.py", "careerpath.wsgi"]
    # No worker recycling mid-run: a restart would be measured as the page's slowness.
    command += ["--max-requests", "0", "--workers", "2", "--worker-class", "sync"]
    handle = log.open("wb")
    server = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=handle, stderr=handle)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up; see {log}")
        try:
            with urllib.request.urlopen(f"{BASE}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server_stop(server)
    raise SystemExit(f"gunicorn did not answer within a minute; see {log}")


def server_stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the run --------------------------------------------------------------------------


def main() -> None:
    started = time.monotonic()
    database_create()
    manage("migrate", "--noinput", "-v", "0")
    manage("load_catalogue")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_bench")
    plan, lua_env = scenarios()
    if ONLY:
        plan = [s for s in plan if s.name in ONLY]
    queries = {s.name: queries_of(s) for s in plan}

    log = Path(tempfile.gettempdir()) / f"careerpath-bench-{PORT}.log"
    server = server_start(log)

    def stop(signum: int, frame: Any) -> None:
        server_stop(server)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        sizes = {s.name: bytes_served(s) for s in plan}
        for s in plan:  # warm every worker's caches before measuring
            wrk(
                s.path,
                cookie=s.cookie,
                script=s.script,
                headers=s.headers,
                env=lua_env,
                duration="2s",
            )
        healthz: list[float] = []
        runs: dict[str, list[tuple[Run, float]]] = {s.name: [] for s in plan}
        for round_number in range(1, ROUNDS + 1):
            print(f"round {round_number} of {ROUNDS}")
            for s in plan:
                base = wrk("/healthz", env={})
                healthz.append(base.rps)
                run = wrk(s.path, cookie=s.cookie, script=s.script, headers=s.headers, env=lua_env)
                runs[s.name].append((run, run.rps / base.rps))
    finally:
        server_stop(server)

    results: dict[str, Any] = {"healthz_rps": [round(r, 1) for r in healthz], "scenarios": {}}
    for s in plan:
        measured = runs[s.name]
        results["scenarios"][s.name] = {
            "rps": round(statistics.median(r.rps for r, _ in measured), 1),
            "ratio": round(statistics.median(ratio for _, ratio in measured), 3),
            "ratios": [round(ratio, 3) for _, ratio in measured],
            "p50_ms": round(statistics.median(r.p50_ms for r, _ in measured), 2),
            "p99_ms": round(statistics.median(r.p99_ms for r, _ in measured), 2),
            "queries": queries[s.name],
            "bytes": sizes[s.name][0],
            "bytes_uncompressed": sizes[s.name][1],
            "non_2xx": sum(r.non_2xx for r, _ in measured),
        }
    table(results)
    if ONLY:
        print(f"\nBENCH_ONLY run: {RESULTS.name} left as it was")
        return
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\n{RESULTS.name} written in {time.monotonic() - started:.0f} s")


def table(results: dict[str, Any]) -> None:
    print(f"\nhealthz req/s (median): {statistics.median(results['healthz_rps']):.0f}")
    header = f"{'scenario':<16}{'req/s':>8}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}"
    print(header + f"{'queries':>9}{'bytes':>9}{'non-2xx':>9}")
    for name, r in results["scenarios"].items():
        print(
            f"{name:<16}{r['rps']:>8.0f}{r['ratio']:>8.3f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r['queries']:>9}{r['bytes']:>9}{r['non_2xx']:>9}"
        )


if __name__ == "__main__":
    main()
