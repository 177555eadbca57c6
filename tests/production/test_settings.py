"""The production configuration as an operator meets it: the documented environment,
manage.py on a server, HTTPS behind a proxy, and static files under gunicorn."""

from __future__ import annotations

import re
import secrets
import shlex

import pytest

from tests.production.servers import ROOT, Browser, app_env, database_url, manage

pytestmark = pytest.mark.production

# Values the documentation leaves for the operator to fill in.
_FILLED_IN = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "EMAIL_HOST_PASSWORD": "a-password",
}


def documented_environment() -> dict[str, str]:
    """The production environment block of docs/operations.md, as NAME=value pairs."""
    text = (ROOT / "docs" / "operations.md").read_text()
    block = re.search(
        r"<!-- production environment: start -->\n```sh\n(.*?)```\n"
        r"<!-- production environment: end -->",
        text,
        re.S,
    )
    assert block, "docs/operations.md has lost its production environment block"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        env[name] = _FILLED_IN.get(name) or " ".join(shlex.split(value))
    return env


@pytest.fixture(scope="module")
def production_env(database_name, redis_url, static_root) -> dict[str, str]:
    """The documented environment, on this machine: its database and Redis, served as
    127.0.0.1 by gunicorn behind an imaginary HTTPS proxy."""
    return app_env(
        **documented_environment()
        | {
            "DATABASE_URL": database_url(database_name),
            "REDIS_URL": redis_url,
            "STATIC_ROOT": str(static_root),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CELERY_TASK_ALWAYS_EAGER": "1",  # no worker in this module
        }
    )


def test_check_deploy_reports_nothing_with_the_documented_environment(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_names_what_is_missing_without_the_https_settings(production_env):
    env = production_env | {"SECURE_HSTS_SECONDS": "0", "SECURE_SSL_REDIRECT": "0"}
    result = manage(env, "check", "--deploy")

    assert "security.W004" in result.stderr  # HSTS
    assert "security.W008" in result.stderr  # SSL redirect


def test_manage_py_without_debug_and_secret_key_stops_with_a_message():
    env = app_env()
    del env["DEBUG"], env["SECRET_KEY"]
    result = manage(env, "check")

    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_py_defaults_to_debug_off():
    env = app_env()
    del env["DEBUG"]
    result = manage(
        env, "shell", "-v", "0", "-c", "from django.conf import settings; print(settings.DEBUG)"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_manage_py_with_debug_off_never_uses_the_development_key():
    env = app_env()
    result = manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
    )

    assert result.stdout.strip() == env["SECRET_KEY"]


@pytest.fixture(scope="module")
def behind_proxy(production_env, start_server):
    """gunicorn with the documented environment: the proxy's header trusted."""
    return start_server("trusting", production_env, workers=1)


def _https(port: int) -> Browser:
    """A browser whose requests come through the HTTPS proxy."""
    return Browser(
        port, headers={"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{port}"}
    )


def test_behind_a_trusted_proxy_https_pages_and_form_posts_work(behind_proxy):
    browser = _https(behind_proxy.port)
    page = browser.get("/accounts/login/")
    assert page.status == 200, behind_proxy.log[-3000:]
    assert "max-age=31536000; includeSubDomains; preload" in page.header(
        "Strict-Transport-Security"
    )

    posted = browser.post("/accounts/login/", {"username": "nobody@example.com", "password": "x"})
    # The form is answered (wrong password), not refused as a cross-site post.
    assert posted.status == 200
    assert "Please enter a correct" in posted.text or "not correct" in posted.text.lower()


def test_behind_a_trusted_proxy_plain_http_is_redirected_but_probes_are_not(behind_proxy):
    browser = Browser(behind_proxy.port)
    redirected = browser.get("/roles/")
    assert redirected.status == 301
    assert redirected.header("Location") == f"https://127.0.0.1:{behind_proxy.port}/roles/"
    assert browser.get("/healthz").status == 200
    assert browser.get("/readyz").status == 200


def test_the_forwarded_proto_header_is_ignored_unless_trusted(production_env, start_server):
    env = production_env | {"TRUST_X_FORWARDED_PROTO": "0"}
    server = start_server("distrusting", env, workers=1)
    browser = _https(server.port)

    # A client claiming HTTPS is still on plain HTTP: redirected, and no HSTS.
    page = browser.get("/roles/")
    assert page.status == 301
    assert page.header("Strict-Transport-Security") == ""


def test_html_pages_carry_the_security_headers_and_a_request_id(behind_proxy):
    page = _https(behind_proxy.port).get("/accounts/login/", **{"X-Request-ID": "probe-1"})

    assert page.header("X-Request-ID") == "probe-1"
    assert page.header("X-Content-Type-Options") == "nosniff"
    assert page.header("X-Frame-Options") == "DENY"
    assert page.header("Referrer-Policy") == "same-origin"
    assert "Secure" in page.header("Set-Cookie")
    assert re.search(
        r"INFO careerpath.request \[probe-1\] GET /accounts/login/ 200", behind_proxy.log
    )


def test_static_files_have_hashed_names_long_cache_headers_and_compression(behind_proxy):
    browser = _https(behind_proxy.port)
    page = browser.get("/accounts/login/").text
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
    bootstrap = next(href for href in stylesheets if "bootstrap" in href)
    assert re.search(r"\.[0-9a-f]{12}\.css$", bootstrap), stylesheets

    css = browser.get(bootstrap, **{"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.header("Cache-Control") == "max-age=315360000, public, immutable"
    assert css.header("Content-Encoding") == "gzip"
    assert css.header("Content-Type").startswith("text/css")

    # The same file under its plain name is there too, cached briefly, since it may change.
    plain = re.sub(r"\.[0-9a-f]{12}\.css$", ".css", bootstrap)
    assert "immutable" not in browser.get(plain).header("Cache-Control")
