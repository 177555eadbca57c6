"""Housekeeping, run daily (docs/operations.md, "Scheduled cleanup"): expired sessions,
expired share links, and visitors' drafts nobody has touched for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import Assessment, ShareLink


@dataclass(frozen=True)
class PurgeCounts:
    sessions: int
    share_links: int
    visitor_drafts: int


@transaction.atomic
def expired_purge(*, now: datetime, draft_days: int) -> PurgeCounts:
    """Delete what has expired by `now`, and visitors' drafts (no account) last changed
    more than `draft_days` ago. Submitted assessments and account holders' drafts stay."""
    # Database-backed sessions (the db and cached_db engines); the cache expires its own.
    sessions = Session.objects.filter(expire_date__lt=now)
    share_links = ShareLink.objects.filter(expires_at__lt=now)
    visitor_drafts = Assessment.objects.drafts().filter(
        owner__isnull=True, updated_at__lt=now - timedelta(days=draft_days)
    )
    return PurgeCounts(
        sessions=_delete(sessions),
        share_links=_delete(share_links),
        visitor_drafts=_delete(visitor_drafts),
    )


def _delete(queryset: QuerySet) -> int:
    """How many rows of the queryset's own model went, not counting their answers."""
    _, by_model = queryset.delete()
    return by_model.get(queryset.model._meta.label, 0)


class Command(BaseCommand):
    help = (
        "Delete expired sessions, expired share links and visitors' drafts untouched for "
        "--days days (VISITOR_DRAFT_DAYS, 30 by default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.VISITOR_DRAFT_DAYS,
            help="age in days after which a visitor's untouched draft is deleted",
        )

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        if days < 1:
            raise CommandError(f"--days must be 1 or more, not {days}")
        counts = expired_purge(now=timezone.now(), draft_days=days)
        self.stdout.write(
            f"Deleted {counts.sessions} expired sessions, {counts.share_links} expired share "
            f"links, {counts.visitor_drafts} visitor drafts older than {days} days."
        )
