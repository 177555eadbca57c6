"""Fixtures for work that leaves the request: a queue that records instead of a broker, and
an SMTP server that is down (a closed port on this machine)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from celery import Task
from celery.exceptions import Retry

from careerpath.celery import app


@dataclass
class Queued:
    task: Task
    args: tuple[Any, ...]
    options: dict[str, Any]


@dataclass
class Broker:
    """Stands in for the broker: what the app queues is kept here, and `deliver` runs it
    the way a worker would, in this process."""

    queued: list[Queued] = field(default_factory=list)

    def names(self) -> list[str]:
        return [q.task.name for q in self.queued]

    def deliver(self) -> None:
        """Run everything queued, retries included (their countdowns are not waited for)."""
        while self.queued:
            self.deliver_one()

    def deliver_one(self) -> None:
        item = self.queued.pop(0)
        # As a worker runs it: not eagerly, so a retry is queued here, not run at once.
        item.task.push_request(
            id=str(uuid.uuid4()),
            args=item.args,
            retries=item.options.get("retries", 0),
            is_eager=False,
            called_directly=False,
        )
        try:
            item.task.run(*item.args)
        except Retry:
            pass
        finally:
            item.task.pop_request()


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    """As in production: tasks are queued (after the commit), never run in the request."""
    queue = Broker()

    def apply_async(self: Task, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        queue.queued.append(Queued(self, tuple(args or ()), options))

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(Task, "apply_async", apply_async)
    return queue


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_down(settings: Any) -> Iterator[None]:
    """The real SMTP backend, pointed at a server that is not there."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield
