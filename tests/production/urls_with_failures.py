"""The app's URLs plus two views that fail, to see what a failure looks like."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from careerpath.urls import handler500
from careerpath.urls import urlpatterns as app_urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug with a secret-looking detail")


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


urlpatterns = [path("crash/", crash), path("database-gone/", database_gone), *app_urlpatterns]

__all__ = ["handler500", "urlpatterns"]
