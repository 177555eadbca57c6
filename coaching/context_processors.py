from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from coaching.services import is_coach, unseen_notes_count


def coaching(request: HttpRequest) -> dict[str, object]:
    # Lazy: the query runs only on pages whose template asks, and once for both (the
    # navigation's "Clients" link and its count of new shared notes).
    return {
        "is_coach": SimpleLazyObject(lambda: is_coach(request.user)),
        "unseen_notes": SimpleLazyObject(lambda: unseen_notes_count(request.user)),
    }
