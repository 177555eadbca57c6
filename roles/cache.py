"""What is cached from the catalogue, and how a catalogue change is seen at once.

Everything derived from catalogue data (public pages, questionnaires, role specs) is
cached under the catalogue's *version*: a random token that any save, delete or
relation change of a catalogue model replaces (see `connect_catalogue_signals`). Nothing
is invalidated one key at a time: a new version makes every older key unreachable, and
those entries expire on their own.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from gzip import compress as gzip_compress
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
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


# The version as this process last read or wrote it, and when (time.monotonic()). A page
# served from the cache would otherwise spend most of its time asking the shared cache for
# the version. A change made in this process is seen here at once (the bump writes the
# memo too); one made in another process is seen here within VERSION_MEMO_SECONDS. That
# second is the staleness accepted for catalogue pages across app servers.
VERSION_MEMO_SECONDS = 1.0
_memo: tuple[str, float] | None = None


def catalogue_version() -> str:
    global _memo
    memo = _memo
    now = time.monotonic()
    if memo is not None and now - memo[1] < VERSION_MEMO_SECONDS:
        return memo[0]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    _memo = (str(version), now)
    return str(version)


def catalogue_version_bump() -> None:
    global _memo
    version = uuid.uuid4().hex
    cache.set(VERSION_KEY, version, timeout=None)
    _memo = (version, time.monotonic())


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


# Set while a block runs whose catalogue changes are rolled back at its end (an import's
# preview): they renew nothing, so the cached pages of the unchanged catalogue stay.
_changes_discarded: ContextVar[bool] = ContextVar("catalogue_changes_discarded", default=False)


@contextmanager
def catalogue_changes_discarded() -> Iterator[None]:
    """Around a transaction that will be rolled back: its catalogue changes make no new
    version. The caller must roll back what it wrote; nothing here checks that it does."""
    token = _changes_discarded.set(True)
    try:
        yield
    finally:
        _changes_discarded.reset(token)


def _catalogue_changed(**kwargs: Any) -> None:
    if _changes_discarded.get():
        return
    # Now, so this request and this test see the change (a test's transaction never
    # commits); and again at commit, so a page rendered by another request between the
    # two (still seeing the old rows) and cached under the new version is dropped too.
    # A change rolled back by an error still renews the version: a few pages are rendered
    # again, nothing stale is served.
    catalogue_version_bump()
    transaction.on_commit(catalogue_version_bump)


# Models of the roles app that no page is rendered from: saving them changes nothing cached.
NOT_CATALOGUE = frozenset({"roles.frameworkupload"})


def connect_catalogue_signals() -> None:
    """Any change to a catalogue model, from the admin, a service or `load_catalogue`,
    makes a new catalogue version. QuerySet.update() sends no signal: code that edits the
    catalogue that way calls `catalogue_version_bump()` itself."""
    for model in apps.get_app_config("roles").get_models():
        if model._meta.label_lower in NOT_CATALOGUE:
            continue
        uid = f"catalogue-version-{model._meta.label_lower}"
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _catalogue_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}-{field.name}",
            )
    setting_changed.connect(_cache_setting_changed, dispatch_uid="catalogue-cache-setting")


def forget_local_copies() -> None:
    """Drop what this process keeps of the shared cache: its version memo and copies."""
    global _memo
    _memo = None
    _local.clear()
    _public_pages.clear()


def _cache_setting_changed(*, setting: str, **kwargs: Any) -> None:
    # A test that swaps the cache for an empty one must not see this process's copies of
    # the previous one (its ids and versions may come again).
    if setting == "CACHES":
        forget_local_copies()


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
                response.public_page = stored  # type: ignore[attr-defined]
            patch_vary_headers(response, PAGE_VARY)
            return response
        content, compressed, content_type = stored
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response = HttpResponse(compressed, content_type=content_type)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(content, content_type=content_type)
        patch_vary_headers(response, (*PAGE_VARY, "Accept-Encoding"))
        response.public_page = stored  # type: ignore[attr-defined]
        return response

    return wrapper


# --- this process's copies of public pages ----------------------------------------------

# Whole responses to anonymous visitors, by catalogue version, path, query and htmx
# headers: what `cache_public_page` stored, with the headers the middleware below the
# PublicPageMiddleware added to it (CSP, X-Frame-Options and the like: the same for every
# visitor, no nonce in a shareable page). Bounded: a search can make any number of URLs.
PUBLIC_PAGE_ENTRIES = 512
_public_pages: dict[tuple[str, ...], tuple[bytes, bytes, list[tuple[str, str]]]] = {}
_public_pages_lock = threading.Lock()
# Set per response, not replayed: the encoding and length follow what the visitor accepts.
_NOT_REPLAYED = {"content-encoding", "content-length", "vary"}
_PUBLIC_VARY = ", ".join((*PAGE_VARY, "Accept-Encoding"))


def _public_page_key(request: HttpRequest) -> tuple[str, ...] | None:
    if request.method != "GET" or not _is_anonymous_visit(request):
        return None
    meta = request.META
    return (
        catalogue_version(),
        request.path_info,
        meta.get("QUERY_STRING", ""),
        meta.get("HTTP_HX_REQUEST", ""),
        meta.get("HTTP_HX_TARGET", ""),
    )


class PublicPageMiddleware:
    """Serve a catalogue page an anonymous visitor asked for from this process's memory,
    before sessions, CSRF, authentication and messages are set up: no round trip at all
    (the catalogue version comes from the memo, see `catalogue_version`). Placed after
    SecurityMiddleware (its HTTPS redirect and headers apply as usual) and the request log
    (every request keeps its log line and X-Request-ID). The first request for a page goes
    through the whole stack; `cache_public_page` marks what may be kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = _public_page_key(request)
        if key is None:
            return self.get_response(request)
        page = _public_pages.get(key)
        if page is None:
            response = self.get_response(request)
            stored = getattr(response, "public_page", None)
            if stored is not None and response.status_code == 200:
                headers = [(k, v) for k, v in response.items() if k.lower() not in _NOT_REPLAYED]
                with _public_pages_lock:
                    if len(_public_pages) >= PUBLIC_PAGE_ENTRIES:
                        _public_pages.clear()
                    _public_pages[key] = (stored[0], stored[1], headers)
            return response
        request.get_host()  # refuses a host outside ALLOWED_HOSTS, as the full stack does
        content, compressed, headers = page
        gzip_ok = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
        response = HttpResponse(compressed if gzip_ok else content)
        for name, value in headers:
            response[name] = value
        if gzip_ok:
            response["Content-Encoding"] = "gzip"
        response["Vary"] = _PUBLIC_VARY
        return response
