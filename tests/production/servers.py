"""Real servers and a client for them, for the production tests (fixtures in conftest.py)."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES = ("127.0.0.1", 5432)
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# A Redis database of its own, so these tests and a development server do not meet.
REDIS_URL = "redis://127.0.0.1:6379/13"
# Ports of the servers these tests start (a range of their own on this machine).
PORTS = iter(range(8110, 8199))

# Every variable the settings read; a server gets only those the test gives it.
_APP_VARIABLES = re.compile(
    r"DEBUG|SECRET_KEY|ALLOWED_HOSTS|DATABASE_URL|REDIS_URL|CELERY_.*|STATIC_ROOT|EMAIL_.*|"
    r"SECURE_.*|SESSION_.*|CSRF_.*|TRUST_X_FORWARDED_.*|LOG_LEVEL|CONN_MAX_AGE|"
    r"GUNICORN_.*|FORWARDED_ALLOW_IPS|DJANGO_SETTINGS_MODULE|DEFAULT_FROM_EMAIL|"
    r"DATA_UPLOAD_MAX_MEMORY_SIZE|VISITOR_DRAFT_DAYS|LOGIN_.*|"
    # Set by the browser tests' conftest for Playwright's event loop; never on a server.
    r"DJANGO_ALLOW_ASYNC_UNSAFE"
)


def is_listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    for port in PORTS:
        if not is_listening("127.0.0.1", port):
            return port
    raise RuntimeError("no free port left in 8110-8198")


def app_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process: this one's, less every app setting, plus
    production values and `overrides`."""
    env = {key: value for key, value in os.environ.items() if not _APP_VARIABLES.fullmatch(key)}
    env |= {
        "DJANGO_SETTINGS_MODULE": "careerpath.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "CELERY_BROKER_URL": "",  # eager tasks unless a test brings a worker
    }
    return env | overrides


def manage(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def database_url(name: str, *, port: int = POSTGRES[1]) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{name}"


@dataclass
class Server:
    """A process started for a test, its output in a file, stopped by the test's end."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int = 0

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass
class Browser:
    """A client for a real server that keeps its cookies across servers, as a browser
    keeps them across the servers behind one address. Redirects are not followed."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def on(self, port: int) -> Browser:
        """The same browser, talking to the server on `port` (same cookies)."""
        other = Browser(port, self.cookies, self.headers)
        return other

    def request(
        self, method: str, path: str, *, body: bytes = b"", headers: Mapping[str, str] = {}
    ) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Host": f"127.0.0.1:{self.port}"} | self.headers | dict(headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body or None, headers=all_headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: Mapping[str, str], **headers: str) -> Response:

        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")} | dict(data)
        origin = self.headers.get("Origin", f"http://127.0.0.1:{self.port}")
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            }
            | headers,
        )


def location_path(response: Response) -> str:
    """Where a redirect points, without scheme and host."""
    return re.sub(r"^https?://[^/]+", "", response.header("Location"))


def form_fields(html: str) -> dict[str, list[str]]:
    """The names of a page's form controls and the values offered for each."""
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<(?:input|select|textarea|option)\b[^>]*>", html):
        name = re.search(r'\bname="([^"]+)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            fields.setdefault(unescape(name.group(1)), []).append(
                unescape(value.group(1)) if value else ""
            )
    return fields


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target, in threads; `cut()` drops every connection and
    stops listening (the database is gone), `restore()` listens again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def unique_email() -> str:
    return f"prod-{uuid.uuid4().hex[:12]}@example.com"
