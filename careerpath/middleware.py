"""Project-wide middleware: the request log with its request id, messages for htmx, and a
refusal of null characters in query strings and form field names."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from careerpath import log

request_logger = logging.getLogger("careerpath.request")

# A proxy's id is kept only when it is short and plain, so it cannot forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestLogMiddleware:
    """One log line per request (method, path, status, duration), under a request id: the
    proxy's X-Request-ID when it sends a usable one, else a new one. The id goes back in
    the response's X-Request-ID and on every log line written while serving the request.
    First in MIDDLEWARE, so redirects, static files and error pages are logged too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = log.request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            # The path without its query string: a query may carry what a log must not.
            request_logger.info(
                "%s %s %s %dms",
                request.method,
                request.path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            return response
        finally:
            log.request_id.reset(token)


class HtmxMessagesMiddleware:
    """Messages for htmx responses: a swapped partial has no messages region of its own,
    so pending messages ride along as an out-of-band swap of the page's region."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or request.htmx.boosted:
            return response
        if response.streaming or "HX-Redirect" in response or "HX-Location" in response:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        storage = get_messages(request)
        if not storage:
            return response
        response.write(
            render_to_string("_messages.html", {"messages": storage, "oob": True}, request)
        )
        return response


class NullCharacterInRequest(SuspiciousOperation):
    """A null character where no person types one; Django answers 400 with our page."""


class NullCharacterMiddleware:
    """A backstop for query strings and form field names: PostgreSQL refuses null
    characters in text, so one reaching a query would be a 500. Field values are left to
    the forms, which answer a person with a message beside the field (every CharField
    refuses null characters), so this never replaces that message with a bare 400. Paths
    are left to the URL converters: an unknown address is a 404, whatever it holds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise NullCharacterInRequest("Null character in the query string")
        if request.method == "POST" and any("\x00" in key for key in request.POST):
            raise NullCharacterInRequest("Null character in a form field name")
        return self.get_response(request)
