"""Throttles on what guesses at a secret or sends mail: the login and the admin login
(django-axes), password reset requests and coach join codes (the cache)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts.throttling import Throttle
from coaching.models import Invitation
from tests.factories import make_coach, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def ann():
    return make_user(email="ann@example.com", password=PASSWORD)


def _login(client: Client, password: str, email: str = "ann@example.com", url: str = ""):
    return client.post(url or reverse("login"), {"username": email, "password": password})


def _client(address: str = "10.0.0.1") -> Client:
    return Client(REMOTE_ADDR=address)


def _fail_logins(client: Client, times: int, **kwargs) -> list[int]:
    return [_login(client, "wrong-password", **kwargs).status_code for _ in range(times)]


def test_repeated_failed_logins_lock_the_account_from_that_address(ann):
    client = _client()
    statuses = _fail_logins(client, LIMIT)
    assert statuses[:-1] == [200] * (LIMIT - 1)  # the form with its error
    locked = _login(client, PASSWORD)  # even the right password now
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many attempts" in body
    assert f"{settings.LOGIN_COOLOFF_MINUTES} minutes" in body
    assert locked["Retry-After"] == str(settings.LOGIN_COOLOFF_MINUTES * 60)
    assert "_auth_user_id" not in client.session


def test_lock_is_per_address_and_account(ann):
    make_user(email="bob@example.com", password=PASSWORD)
    _fail_logins(_client("10.0.0.1"), LIMIT)
    # The same person from another address, and another account from the same address.
    assert _login(_client("10.0.0.2"), PASSWORD).status_code == 302
    assert _login(_client("10.0.0.1"), PASSWORD, email="bob@example.com").status_code == 302


def _proxied(client_address: str) -> Client:
    # Every request reaches the app from the proxy at 10.0.0.254, which appends the
    # browser's address to whatever X-Forwarded-For the browser sent.
    return Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_address}")


def test_behind_a_trusted_proxy_each_browser_has_its_own_lock(ann, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    _fail_logins(_proxied("198.51.100.7"), LIMIT)
    assert _login(_proxied("198.51.100.7"), PASSWORD).status_code == 429
    # Another browser behind the same proxy is not locked out with the first.
    assert _login(_proxied("203.0.113.9"), PASSWORD).status_code == 302


def test_a_forwarded_value_that_is_no_address_falls_back_to_the_peer(ann, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    _fail_logins(_proxied("not-an-address"), LIMIT)
    assert _login(_proxied("not-an-address"), PASSWORD).status_code == 429  # not a 500
    assert _login(_proxied("198.51.100.7"), PASSWORD).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(ann, settings):
    settings.TRUST_X_FORWARDED_FOR = False
    _fail_logins(_proxied("198.51.100.7"), LIMIT)
    # The header is the browser's own word here: a new value is no way around the lock.
    assert _login(_proxied("203.0.113.9"), PASSWORD).status_code == 429


def test_the_email_counts_whatever_its_case(ann):
    client = _client()
    for email in ["Ann@Example.com", "ANN@example.com ", "ann@example.com"][:LIMIT]:
        _login(client, "wrong-password", email=email)
    assert _login(client, PASSWORD).status_code == 429


def test_a_successful_login_resets_the_count(ann):
    client = _client()
    _fail_logins(client, LIMIT - 1)
    assert _login(client, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    _fail_logins(client, LIMIT - 1)
    assert _login(client, PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(ann, settings):
    from datetime import timedelta

    client = _client()
    _fail_logins(client, LIMIT)
    assert _login(client, PASSWORD).status_code == 429
    settings.AXES_COOLOFF_TIME = timedelta(seconds=0)
    assert _login(client, PASSWORD).status_code == 302


def test_the_admin_login_is_locked_too():
    get_user_model().objects.create_superuser(
        username="root@example.com", email="root@example.com", password=PASSWORD
    )
    client = _client()
    admin_login = reverse("admin:login")
    for _ in range(LIMIT):
        _login(client, "wrong-password", email="root@example.com", url=admin_login)
    response = _login(client, PASSWORD, email="root@example.com", url=admin_login)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def _reset(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_password_reset_requests_for_one_email_are_limited(ann, mailoutbox):
    statuses = [_reset(_client(f"10.0.1.{i}"), "Ann@example.com").status_code for i in range(5)]
    assert statuses[:LIMIT] == [302] * LIMIT
    assert statuses[LIMIT:] == [429] * (5 - LIMIT)
    assert len(mailoutbox) == LIMIT
    locked = _reset(_client("10.0.1.99"), "ann@example.com")
    assert "Too many attempts" in locked.content.decode()


def test_password_reset_requests_from_one_address_are_limited(mailoutbox):
    client = _client()
    emails = [make_user(password=PASSWORD).email for _ in range(LIMIT + 1)]
    statuses = [_reset(client, email).status_code for email in emails]
    assert statuses == [302] * LIMIT + [429]
    assert len(mailoutbox) == LIMIT
    # Another address is not held back by that one.
    assert _reset(_client("10.0.0.2"), emails[-1]).status_code == 302


def _join(client: Client, code: str):
    return client.post(reverse("coaching:join"), {"code": code})


def test_wrong_join_codes_lock_the_account_out_of_codes():
    invitation = Invitation.objects.create(coach=make_coach())
    client = _client()
    client.force_login(make_user())
    statuses = [_join(client, "ZZZZZZZZ").status_code for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    # Locked: the right code waits too, from this account and from this address.
    assert _join(client, invitation.code).status_code == 429
    other = _client()
    other.force_login(make_user())
    assert _join(other, invitation.code).status_code == 429
    # Someone else, elsewhere, is not held back.
    elsewhere = _client("10.0.0.2")
    elsewhere.force_login(make_user())
    response = _join(elsewhere, invitation.code)
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:invitation", args=[invitation.token])


def test_right_join_codes_are_not_counted():
    invitation = Invitation.objects.create(coach=make_coach())
    client = _client()
    client.force_login(make_user())
    assert [_join(client, invitation.code).status_code for _ in range(LIMIT + 2)] == [302] * (
        LIMIT + 2
    )


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_counts_are_shared_by_every_process_through_redis():
    """Two cache clients, as two app servers would have, see one count and one lock."""
    from django.core.cache.backends.redis import RedisCache

    prefix = f"test-{uuid.uuid4()}"
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": prefix,
    }
    throttle = Throttle(scope="demo", limit=3, window_seconds=60, cooloff_seconds=60)
    other_server = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": prefix})
    with override_settings(CACHES={"default": redis_cache}):
        assert throttle.count(["ip:10.0.0.1"]) is False
        # The other server counts the second event; alone, this one would count 2 of 3.
        other_server.incr(throttle._key("count", "ip:10.0.0.1"))
        assert throttle.count(["ip:10.0.0.1"]) is True
        assert other_server.get(throttle._key("lock", "ip:10.0.0.1")) is True
        assert throttle.is_locked(["ip:10.0.0.1"])
        cache.delete_many([throttle._key(kind, "ip:10.0.0.1") for kind in ("count", "lock")])
