"""Pages for one viewer, kept whole in this process while nothing they show has changed.

A page is kept under a key made of: the view and its arguments, the URL with its query,
the host and scheme, the htmx headers, the viewer's session, a hash of their CSRF cookie,
the catalogue version, and the *data versions* of what the page shows:

- ``a:<assessment id>``: the assessment, its answers, share links, coaches' notes and
  calibrations;
- ``p:u<user id>`` / ``p:v<visitor token>``: the person, their account (name, groups) and
  the set of their assessments;
- ``c:<coach id>``: a coach's clients (relationships, shares and their latest results,
  invitations).

A data version is a random token in the shared cache, replaced by `data_changed` on every
write to what it covers: by the signals below for saves and deletes through the ORM, and by
the services themselves where they write with upserts, bulk inserts or update(). Entries
are never invalidated one by one: a new version makes the old key unreachable.

Who may see a page is still settled on every request: the key holds the session, and the
entry the identity it was rendered for, so a page is served only to the session that
passed the view's access checks, and only while the versions it was rendered under stand.
Whatever changes access (an assessment deleted or handed to an account, a password or
group change, a coach's consent) bumps a version in the key; a logout or login replaces
the session. Pages showing the time (a share link that expires) are kept ENTRY_SECONDS at
most.

The CSRF token: a page's forms carry a masked token, which Django masks anew on every
response (against BREACH). A kept page keeps its text around each token, and every
response gets a token of its own, masked from the request's CSRF cookie (or a new one,
set as usual), exactly as a render would: so a kept page serves a browser that has no
CSRF cookie yet, and never hands out one request's token to another. The text is kept
compressed, in pieces that a token's few compressed bytes join (a deflate stream may be
cut into blocks compressed apart), so no response is compressed whole; the padding
GZipMiddleware adds against BREACH is drawn once per entry, and a guess sent in the
query string makes another entry with its own padding.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers

from roles.cache import catalogue_version

# Part of every key: change it when what is kept changes shape.
CACHE_FORMAT = "1"
# Versions live this long in the shared cache after their last change; a version that is
# gone is drawn afresh (`data_versions`), so a page kept under it is never reached again.
VERSION_TIMEOUT = 30 * 24 * 60 * 60
# A kept page is served this long at most: a share link's "works until" or "expired" and
# the like follow the clock, not a write.
ENTRY_SECONDS = 60
# This process's memory for kept pages: the oldest go first beyond either bound.
MAX_ENTRIES = 1024
MAX_BYTES = 64 * 1024 * 1024
# The htmx headers a view may answer differently to.
HTMX_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_BOOSTED", "HTTP_HX_TRIGGER")
VISITOR_SESSION_KEY = "careerpath_visitor"
MESSAGES_SESSION_KEY = "_messages"


# --- data versions ----------------------------------------------------------------------


def assessment_key(assessment_id: object) -> str:
    # One spelling whichever way the id came (a UUID, or its hex from a form or a row).
    if not isinstance(assessment_id, uuid.UUID):
        assessment_id = uuid.UUID(str(assessment_id))
    return f"a:{assessment_id}"


def person_key(*, user_id: object = None, visitor_token: str = "") -> str | None:
    if user_id is not None:
        return f"p:u{user_id}"
    return f"p:v{visitor_token}" if visitor_token else None


def coach_key(coach_id: object) -> str:
    return f"c:{coach_id}"


def _version_cache_key(key: str) -> str:
    return f"data-version:{key}"


def _bump(keys: Iterable[str]) -> None:
    cache.set_many({_version_cache_key(k): uuid.uuid4().hex for k in keys}, timeout=VERSION_TIMEOUT)


def data_changed(*keys: str | None) -> None:
    """New versions for `keys` (None ignored): now, so this transaction's own reads (the
    rest of the request, a test) see the change; and inside a transaction again at
    commit, so a page another request rendered meanwhile, still seeing the old rows under
    the new version, is dropped too."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return
    _bump(wanted)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _bump(wanted))


def data_versions(keys: list[str]) -> list[str]:
    """The current version of each key, in one round trip to the shared cache."""
    names = [_version_cache_key(k) for k in keys]
    found = cache.get_many(names)
    for name in names:
        if name not in found:
            cache.add(name, uuid.uuid4().hex, timeout=VERSION_TIMEOUT)
            found[name] = cache.get(name)
    return [str(found[name]) for name in names]


# --- kept pages -------------------------------------------------------------------------


# What {% csrf_token %} writes: the only place a page holds its token.
CSRF_FIELD = re.compile(rb'(?<=name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(?=")')
GZIP_LEVEL = 6  # GZipMiddleware's
# Random bytes of padding at most, as GZipMiddleware draws them.
PADDING_BYTES = 100


def _deflate(data: bytes, *, last: bool) -> bytes:
    """`data` as raw deflate blocks of their own: byte-aligned and not final unless
    `last`, so pieces compressed apart join into one stream."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH
    )


def _gzip_header() -> bytes:
    """A gzip member header (no time) with a random file name as padding."""
    padding = secrets.token_hex(secrets.randbelow(PADDING_BYTES) + 1)[:PADDING_BYTES].encode()
    return b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + padding + b"\x00"


@dataclass(frozen=True)
class Entry:
    """A kept page: its text cut where CSRF tokens go, plain and compressed."""

    identity: str
    pieces: tuple[bytes, ...]
    deflated: tuple[bytes, ...]
    gzip_header: bytes
    headers: tuple[tuple[str, str], ...]
    stored_at: float

    @classmethod
    def of(cls, content: bytes, *, identity: str, headers: tuple[tuple[str, str], ...]) -> Entry:
        pieces, start = [], 0
        for token in CSRF_FIELD.finditer(content):
            pieces.append(content[start : token.start()])
            start = token.end()
        pieces.append(content[start:])
        last = len(pieces) - 1
        return cls(
            identity=identity,
            pieces=tuple(pieces),
            deflated=tuple(_deflate(p, last=i == last) for i, p in enumerate(pieces)),
            gzip_header=_gzip_header(),
            headers=headers,
            stored_at=time.monotonic(),
        )

    @property
    def size(self) -> int:
        return sum(map(len, self.pieces)) + sum(map(len, self.deflated))

    def body(self, token: bytes, *, compressed: bool) -> bytes:
        if not compressed:
            return token.join(self.pieces)
        joint = _deflate(token, last=False)
        parts, crc, length = [self.gzip_header], 0, 0
        for i, piece in enumerate(self.pieces):
            if i:
                parts.append(joint)
                crc, length = zlib.crc32(token, crc), length + len(token)
            parts.append(self.deflated[i])
            crc, length = zlib.crc32(piece, crc), length + len(piece)
        parts.append(struct.pack("<II", crc, length & 0xFFFFFFFF))
        return b"".join(parts)


# Set per response: the length, and Vary (the middleware adds to it).
_NOT_KEPT = ("content-length", "vary")
_entries: dict[str, Entry] = {}
_entries_bytes = 0
_lock = threading.Lock()


def _keep(key: str, entry: Entry) -> None:
    global _entries_bytes
    with _lock:
        old = _entries.pop(key, None)
        if old is not None:
            _entries_bytes -= old.size
        while _entries and (
            len(_entries) >= MAX_ENTRIES or _entries_bytes + entry.size > MAX_BYTES
        ):
            _entries_bytes -= _entries.pop(next(iter(_entries))).size
        _entries[key] = entry
        _entries_bytes += entry.size


def forget_kept_pages() -> None:
    global _entries_bytes
    with _lock:
        _entries.clear()
        _entries_bytes = 0


def _cache_setting_changed(*, setting: str, **kwargs: Any) -> None:
    # A test's new, empty cache restarts every version: this process's pages go with it.
    if setting == "CACHES":
        forget_kept_pages()


setting_changed.connect(_cache_setting_changed, dispatch_uid="private-page-cache-setting")


def session_identity(request: HttpRequest) -> tuple[str, str | None]:
    """(identity, person version key) of the request's session: its user, else its
    visitor token, else ("", None). Read from the session, without loading the user."""
    session = request.session
    user_id = session.get(SESSION_KEY)
    if user_id is not None:
        return f"u{user_id}", person_key(user_id=user_id)
    token = session.get(VISITOR_SESSION_KEY, "")
    return (f"v{token}", person_key(visitor_token=token)) if token else ("", None)


Versions = Callable[[HttpRequest, dict[str, Any]], list[str]]


def _key(
    request: HttpRequest, view: str, kwargs: dict[str, Any], versions: Versions
) -> tuple[str, str] | None:
    """(key, identity) for a request whose page may be kept or served kept; else None."""
    if request.method != "GET":
        return None
    cookies = request.COOKIES
    # Pending messages (a cookie a browser drops once they are shown) are for a render.
    if settings.SESSION_COOKIE_NAME not in cookies or cookies.get("messages"):
        return None
    session = request.session
    if MESSAGES_SESSION_KEY in session or not session.session_key:
        return None
    identity, person = session_identity(request)
    if person is None:
        return None
    wanted = [person, *versions(request, kwargs)]
    meta = request.META
    parts = [
        CACHE_FORMAT,
        view,
        repr(sorted(kwargs.items())),
        request.path_info,
        meta.get("QUERY_STRING", ""),
        request.scheme,
        request.get_host(),
        *(meta.get(name, "") for name in HTMX_HEADERS),
        session.session_key,
        identity,
        catalogue_version(),
        *wanted,
        *data_versions(wanted),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest(), identity


def _is_keepable(request: HttpRequest, response: HttpResponse) -> bool:
    """Only a plain page of this viewer's: no cookie set or about to be (session written,
    messages shown or queued), no CSP nonce written into it. A new CSRF cookie is fine:
    the tokens are cut out, and each response gets its own."""
    messages = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Content-Encoding")
        and not request.session.modified
        and getattr(request, "_csp_nonce", None) is None
        and not (messages is not None and (messages.used or messages._queued_messages))
    )


def _served(entry: Entry, request: HttpRequest) -> HttpResponse:
    compressed = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
    # As {% csrf_token %} would: masked anew, from the request's cookie or a new one.
    token = get_token(request).encode() if len(entry.pieces) > 1 else b""
    response = HttpResponse(entry.body(token, compressed=compressed))
    for name, value in entry.headers:
        response[name] = value
    if compressed:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
    return response


def private_page(
    versions: Versions,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Keep a GET page per viewer (see the module's docstring). `versions(request, kwargs)`
    names the data versions the page shows beyond the viewer's own (`p:`), e.g.
    ``[assessment_key(kwargs["pk"])]``. Put it outside the view's access checks: a kept
    page is served only to the session it was rendered for, under the same versions."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            found = None if args else _key(request, name, kwargs, versions)
            if found is None:
                return view(request, *args, **kwargs)
            key, identity = found
            entry = _entries.get(key)
            if (
                entry is not None
                and entry.identity == identity
                and time.monotonic() - entry.stored_at < ENTRY_SECONDS
            ):
                return _served(entry, request)
            response = view(request, *args, **kwargs)
            if _is_keepable(request, response):
                headers = tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT)
                _keep(key, Entry.of(response.content, identity=identity, headers=headers))
            return response

        return wrapper

    return decorator


# --- what bumps which version -----------------------------------------------------------


def _loaded(instance: Any, field: str) -> Any:
    """A column's value if the instance has it, without loading a deferred one."""
    return instance.__dict__.get(field)


def _assessment_changed(instance: Any, **kwargs: Any) -> None:
    data_changed(
        assessment_key(instance.pk),
        person_key(
            user_id=_loaded(instance, "owner_id"),
            visitor_token=_loaded(instance, "visitor_token") or "",
        ),
    )


def _part_of_assessment_changed(instance: Any, **kwargs: Any) -> None:
    # Deleted with its assessment (or its account): that deletion bumps once for all.
    origin = kwargs.get("origin")
    if origin is not None and origin is not instance and not hasattr(origin, "model"):
        return
    data_changed(assessment_key(instance.assessment_id))


def _relationship_changed(instance: Any, **kwargs: Any) -> None:
    data_changed(coach_key(instance.coach_id), person_key(user_id=instance.client_id))


def _invitation_changed(instance: Any, **kwargs: Any) -> None:
    data_changed(coach_key(instance.coach_id))


def _user_changed(instance: Any, **kwargs: Any) -> None:
    # Name, email, password (a session then ends), activity and groups show on every page
    # of theirs. Their coaches' dashboards show their name too: kept ENTRY_SECONDS at most.
    data_changed(person_key(user_id=instance.pk), coach_key(instance.pk))


def _groups_changed(instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    user_ids = (pk_set or ()) if reverse else (instance.pk,)
    if reverse and action == "post_clear":
        user_ids = ()  # a group emptied: rare, and its members' pages age out
    keys = [k for pk in user_ids for k in (person_key(user_id=pk), coach_key(pk))]
    data_changed(*keys)


def connect_data_signals() -> None:
    """Saves and deletes through the ORM bump the versions of what they change. Bulk
    inserts, upserts and update() send no signal: the services that use them call
    `data_changed` themselves (assessments/services.py, coaching/services.py)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from assessments.models import Assessment, ExperienceAnswer, ShareLink, SkillAnswer
    from coaching.models import Calibration, CoachNote, CoachRelationship, Invitation

    user = get_user_model()
    receivers: list[tuple[Any, Callable[..., None]]] = [
        (Assessment, _assessment_changed),
        (SkillAnswer, _part_of_assessment_changed),
        (ExperienceAnswer, _part_of_assessment_changed),
        (ShareLink, _part_of_assessment_changed),
        (CoachNote, _part_of_assessment_changed),
        (Calibration, _part_of_assessment_changed),
        (CoachRelationship, _relationship_changed),
        (Invitation, _invitation_changed),
        (user, _user_changed),
    ]
    for model, receiver in receivers:
        uid = f"page-versions-{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
    m2m_changed.connect(
        _groups_changed, sender=user.groups.through, dispatch_uid="page-versions-groups"
    )
