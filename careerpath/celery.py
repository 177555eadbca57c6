"""The task queue: mail and PDF rendering run in a worker, outside the request.

Configured from Django's settings (the CELERY_ ones, see "Task queue" in settings.py and
docs/operations.md). Without a broker, tasks run eagerly in the process that queues them, so
`make run` and `make test` need no worker.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")

app = Celery("careerpath")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args: Any, on_failure: Callable[[Exception], None] | None = None) -> None:
    """Queue `task` once the current transaction commits, so the worker finds the rows it
    was queued for. A broker that cannot be reached is logged and handed to `on_failure`
    (which records it where the user will see it), never raised into the request.

    Eagerly (no broker) the task runs at once, on this connection, which already sees the
    uncommitted rows: the test suite's enclosing transaction never commits."""

    def send() -> None:
        try:
            task.apply_async(args=args)
        except Exception as exc:
            logger.exception("Could not queue %s", task.name)
            if on_failure is not None:
                on_failure(exc)

    if app.conf.task_always_eager:
        send()
    else:
        transaction.on_commit(send)
