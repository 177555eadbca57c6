"""Messages for htmx responses: a swapped partial has no messages region of its own, so
pending messages ride along as an out-of-band swap of the page's region."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class HtmxMessagesMiddleware:
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
