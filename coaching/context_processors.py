from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from coaching.services import is_coach


def coaching(request: HttpRequest) -> dict[str, object]:
    # Lazy: the group query runs only on pages whose template asks.
    return {"is_coach": SimpleLazyObject(lambda: is_coach(request.user))}
