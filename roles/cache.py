"""What is cached from the catalogue, and how a catalogue change is seen at once.

Everything derived from catalogue data (public pages, questionnaires, role specs) is
cached under the catalogue's *version*: a random token that any save, delete or
relation change of a catalogue model replaces (see `connect_catalogue_signals`). Nothing
is invalidated one key at a time: a new version makes every older key unreachable, and
those entries expire on their own.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from gzip import compress as gzip_compress
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

T = TypeVar("T")

VERSION_KEY = "catalogue:version"
# Part of every key below: change it when what is cached changes shape, so a deploy never
# reads entries an older release wrote under the same catalogue version.
CACHE_FORMAT = "3"
# Entries of an old version are never read again; a day bounds the memory they hold.
CATALOGUE_TIMEOUT = 24 * 60 * 60
# Request headers a public page's content depends on (htmx asks for partials).
PAGE_VARY = ("HX-Request", "HX-Target")


def catalogue_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return str(version)


def catalogue_version_bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


# This process's copies of what it read from the shared cache, by key (the version is in
# the key, so a copy is never stale): a questionnaire is unpickled once, not per request.
# Values are shared between requests and must be treated as immutable.
_local: dict[str, Any] = {}
LOCAL_ENTRIES = 256


def cached_catalogue(name: str, build: Callable[[], T], *parts: object) -> T:
    """`build()`, kept under the current catalogue version until the catalogue changes."""
    key = ":".join(["catalogue", CACHE_FORMAT, catalogue_version(), name, *map(str, parts)])
    value = _local.get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=CATALOGUE_TIMEOUT)
    if len(_local) >= LOCAL_ENTRIES:
        _local.clear()
    _local[key] = value
    return value


def _catalogue_changed(**kwargs: Any) -> None:
    # Now, so this request and this test see the change; and again at commit, so a page
    # rendered by another request between the two (still seeing the old rows) and cached
    # under the new version is dropped too.
    catalogue_version_bump()
    transaction.on_commit(catalogue_version_bump)


def connect_catalogue_signals() -> None:
    """Any change to a catalogue model, from the admin, a service or `load_catalogue`,
    makes a new catalogue version. QuerySet.update() sends no signal: code that edits the
    catalogue that way calls `catalogue_version_bump()` itself."""
    for model in apps.get_app_config("roles").get_models():
        uid = f"catalogue-version-{model._meta.label_lower}"
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _catalogue_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}-{field.name}",
            )


# --- whole public pages ---------------------------------------------------------------


def _page_key(request: HttpRequest) -> str:
    varying = "|".join(request.headers.get(name, "") for name in PAGE_VARY)
    raw = f"{request.get_full_path()}|{varying}"
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"page:{CACHE_FORMAT}:{catalogue_version()}:{digest}"


def _is_anonymous_visit(request: HttpRequest) -> bool:
    """A GET with neither a session nor pending messages: the page is the same for all."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _is_shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """Only a page with nothing of this one visitor in it: no cookie set, no CSRF token
    and no CSP nonce written into it."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and getattr(request, "_csp_nonce", None) is None
        and not response.has_header("Cache-Control")
    )


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a catalogue page to anonymous visitors from the cache, rendered once per
    catalogue version, URL and htmx target. Everyone else gets it rendered as usual."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _is_anonymous_visit(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        stored = cache.get(key)
        if stored is None:
            response = view(request, *args, **kwargs)
            if _is_shareable(request, response):
                # Kept compressed too: the page holds no secret, so it needs no per-response
                # padding (GZipMiddleware's, against BREACH) and is compressed only once.
                content = response.content
                stored = (content, gzip_compress(content, mtime=0), response["Content-Type"])
                cache.set(key, stored, CATALOGUE_TIMEOUT)
            patch_vary_headers(response, PAGE_VARY)
            return response
        content, compressed, content_type = stored
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response = HttpResponse(compressed, content_type=content_type)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(content, content_type=content_type)
        patch_vary_headers(response, (*PAGE_VARY, "Accept-Encoding"))
        return response

    return wrapper
