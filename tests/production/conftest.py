"""Real servers for the production tests: gunicorn with production settings (DEBUG off,
collected static files) against a PostgreSQL database of their own and Redis.

They need PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379, which .ci/run starts.
Without them these tests skip on a developer's machine, and fail under CI (CI=true), where
they must run. Whatever the suite's own database is (SQLite or PostgreSQL), the servers use
a database created here, migrated and loaded with the catalogue as a deployment would be.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.production.servers import (
    BIN,
    POSTGRES,
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    ROOT,
    Browser,
    Server,
    TcpProxy,
    app_env,
    database_url,
    free_port,
    is_listening,
    manage,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "production: starts gunicorn (and a Celery worker) against PostgreSQL and Redis",
    )


def _unavailable(what: str) -> None:
    message = f"{what} is not running; .ci/run starts it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres() -> None:
    if not is_listening(*POSTGRES):
        _unavailable("PostgreSQL on 127.0.0.1:5432")


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        _unavailable("Redis on 127.0.0.1:6379")
    return REDIS_URL


# One published role to assess, built with the suite's factories.
ROLE = "production-test-role"
_ROLE_SETUP = f"""
from tests.factories import make_role, make_skill
skills = [make_skill() for _ in range(3)]
make_role(
    slug="{ROLE}",
    is_published=True,
    skills=[(skill, 3, 3, False) for skill in skills],
    experience=[("ml-work", "Professional ML work", 2, 3, False)],
)
"""


@pytest.fixture(scope="session")
def database_name(postgres: None) -> Iterator[str]:
    """A PostgreSQL database for the servers, migrated and loaded as a deployment would be."""
    import psycopg

    name = f"careerpath_production_test_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        env = app_env(DATABASE_URL=database_url(name))
        for command in (["migrate", "--noinput"], ["shell", "-c", _ROLE_SETUP]):
            result = manage(env, *command)
            assert result.returncode == 0, result.stderr
        yield name
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`collectstatic` as a build does, into a folder of the tests' own."""
    root = tmp_path_factory.mktemp("static")
    result = manage(app_env(STATIC_ROOT=str(root)), "collectstatic", "--noinput")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Starts gunicorn with gunicorn.conf.py and `env`, and waits until /healthz answers.
    The servers of a module are stopped after its last test."""
    servers: list[Server] = []
    tmp_path = tmp_path_factory.mktemp("servers")

    def start(name: str, env: Mapping[str, str], *, workers: int = 2) -> Server:
        port = free_port()
        log_path = tmp_path / f"{name}.log"
        env = dict(env) | {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "careerpath.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Server(name, process, log_path, port)
        servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn {name} exited at start:\n{server.log}")
            try:
                if Browser(port).get("/healthz").status == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"gunicorn {name} did not answer in time:\n{server.log}")

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def start_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Starts one Celery worker of `careerpath.celery:app` with `env`, once it is ready."""
    workers: list[Server] = []
    tmp_path = tmp_path_factory.mktemp("worker")

    def start(env: Mapping[str, str]) -> Server:
        log_path = tmp_path / "worker.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(BIN / "celery"), "-A", "careerpath", "worker", "--pool=solo", "-l", "INFO"],
                cwd=ROOT,
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Server("worker", process, log_path)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the worker exited at start:\n{worker.log}")
            if " ready." in worker.log:
                return worker
            time.sleep(0.2)
        pytest.fail(f"the worker was not ready in time:\n{worker.log}")

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def tcp_proxy() -> Iterator[TcpProxy]:
    proxy = TcpProxy(POSTGRES)
    proxy.restore()
    yield proxy
    proxy.cut()
