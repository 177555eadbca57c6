"""The id of the request being served, for every log line written while serving it.

Kept apart from the middleware: logging is configured before the apps load, and this
module imports nothing from Django."""

from __future__ import annotations

import logging
from contextvars import ContextVar

# "-" outside a request: start-up, management commands, worker threads.
request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True
