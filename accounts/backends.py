"""The signed-in person, read from the shared cache instead of the database on each request.

Django loads the user on every request of a signed-in person (to check that the session is
still theirs: the session hash comes from their password). On the busiest requests, the
questionnaire's autosave above all, that query was the largest single cost. The user is
kept in the shared cache for USER_CACHE_SECONDS and dropped whenever the user row is saved
or deleted through the ORM (a password change, a new name, a deactivation, a login), so the
session check still sees a new password on the next request. A change made by a bulk
UPDATE, which sends no signal, shows within USER_CACHE_SECONDS.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

USER_CACHE_SECONDS = 60


def _user_cache_key(user_id: object) -> str:
    return f"user:{user_id}"


class CachedModelBackend(ModelBackend):
    """Django's model backend, with `get_user` served from the shared cache."""

    def get_user(self, user_id: Any) -> Any:
        key = _user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            # add, not set: a save that dropped the entry meanwhile is never overwritten
            # by this older copy.
            cache.add(key, user, timeout=USER_CACHE_SECONDS)
            return user
        return user if self.user_can_authenticate(user) else None


def user_cache_forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Drop the kept copy now, and again at commit, so a request that read the old row
    before the commit cannot keep it."""
    key = _user_cache_key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def connect_user_cache_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    user_model = get_user_model()
    post_save.connect(user_cache_forget, sender=user_model, dispatch_uid="user-cache-save")
    post_delete.connect(user_cache_forget, sender=user_model, dispatch_uid="user-cache-delete")
