"""Throttles for what guesses at a secret or sends mail: the login (through django-axes),
password reset requests and coach join codes (through the cache, below).

The cache is Django's: with REDIS_URL set every process counts in the same place, so
a second worker is no way around a limit. See docs/operations.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def normalize_username(value: str) -> str:
    # As accounts.forms does: "Ann@Example.com " and "ann@example.com" are one account.
    return value.strip().lower()


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The account a login attempt is for, as axes counts it (site and admin logins alike)."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return normalize_username(str(raw))


def request_address(request: HttpRequest) -> str | None:
    """The browser's address: behind a trusted proxy (TRUST_X_FORWARDED_FOR), the last
    X-Forwarded-For entry, which the proxy itself appended; otherwise the peer address.
    None when there is none (a login made in code): axes stores it in an address column,
    which takes no placeholder. axes counts login failures by it (AXES_CLIENT_IP_CALLABLE)."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if _is_address(forwarded):
            return forwarded
    return request.META.get("REMOTE_ADDR") or None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def client_address(request: HttpRequest) -> str:
    return request_address(request) or "unknown"


@dataclass(frozen=True)
class Throttle:
    """At most `limit` counted events per subject (an address, an email, a user) within
    `window_seconds` of the first; reaching it locks that subject for `cooloff_seconds`."""

    scope: str
    limit: int
    window_seconds: int
    cooloff_seconds: int

    def _key(self, kind: str, subject: str) -> str:
        # Hashed: keys stay short and no address or email sits in the cache in clear.
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{kind}:{digest}"

    def is_locked(self, subjects: Iterable[str]) -> bool:
        keys = [self._key("lock", subject) for subject in subjects]
        return any(cache.get_many(keys).values())

    def count(self, subjects: Iterable[str]) -> bool:
        """Count one event for each subject; True when that locked any of them."""
        locked = False
        for subject in subjects:
            key = self._key("count", subject)
            # add() starts the window only when none is running; incr() is atomic in Redis.
            cache.add(key, 0, timeout=self.window_seconds)
            try:
                total = cache.incr(key)
            except ValueError:  # the window ended between add() and incr()
                cache.set(key, 1, timeout=self.window_seconds)
                total = 1
            if total >= self.limit:
                cache.set(self._key("lock", subject), True, timeout=self.cooloff_seconds)
                cache.delete(key)
                locked = True
        return locked


def _throttle(scope: str) -> Throttle:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    return Throttle(
        scope=scope,
        limit=settings.LOGIN_FAILURE_LIMIT,
        window_seconds=minutes * 60,
        cooloff_seconds=minutes * 60,
    )


def password_reset_throttle() -> Throttle:
    """Every reset request counts, per address and per email asked for: each one mails."""
    return _throttle("password-reset")


def join_code_throttle() -> Throttle:
    """Wrong join codes count, per address and per account: codes are short."""
    return _throttle("join-code")


def throttled_response(request: HttpRequest) -> HttpResponse:
    """429 with a page that says what happened and when to try again."""
    minutes = settings.LOGIN_COOLOFF_MINUTES
    response = render(request, "accounts/throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
