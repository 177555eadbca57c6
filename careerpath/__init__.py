"""careerpath project package. The task queue app is loaded with Django, so that
`shared_task`s bind to it and `celery -A careerpath` finds it."""

from __future__ import annotations

from careerpath.celery import app as celery_app

__all__ = ("celery_app",)
