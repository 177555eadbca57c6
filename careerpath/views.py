from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale form (an old tab, an expired session) explained in words, not Django's page."""
    return render(request, "403_csrf.html", status=403)
