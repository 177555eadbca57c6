"""The coach's attention queue: what happened among their clients and invitations that
asks for a look or a step, in groups, each item in one sentence with its date and what to
do about it.

Read afresh on every request, in one query per kind whatever the number of clients: unlike
the dashboard (kept whole under the coach's data version, careerpath/page_cache.py), the
queue follows things that bump no version of the coach's: a client's draft being worked on,
and time passing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import dateformat, timezone

from assessments.models import Assessment, ReportSkillGap
from coaching.models import Calibration, CoachRelationship, Invitation
from coaching.selectors import display_name
from coaching.services import NUDGE_DAYS
from coaching.session import DISAGREEMENT_LEVELS

QUIET_DAYS_CHOICES = (7, 14, 30, 60, 90)
QUIET_DAYS_DEFAULT = 30
# Answers to invitations and revoked consents are news this long; older ones are history
# (the invitations page keeps it).
NEWS_DAYS = 30
# Items per group on the dashboard (kept short: the client list is what the page is for);
# the full page lists up to FULL_LIMIT a group, the most recent first, and says how many
# more there are ("Mark all seen" and "Dismiss all" clear them at once).
PREVIEW = 3
FULL_LIMIT = 100


def quiet_days_from(raw: object) -> int:
    """The coach's choice of "quiet for N days", the default for anything not offered."""
    try:
        days = int(str(raw))
    except (TypeError, ValueError):
        return QUIET_DAYS_DEFAULT
    return days if days in QUIET_DAYS_CHOICES else QUIET_DAYS_DEFAULT


def _day(moment: datetime) -> str:
    return dateformat.format(timezone.localtime(moment), "j M Y")


@dataclass(frozen=True)
class AttentionItem:
    """One thing to look at: `lead`, the person's name in bold, then `text` make its
    sentence. `pk` is the relationship's (or, for invitations, the invitation's) id."""

    kind: str  # submission, quiet, disagreement, accepted, declined, expired, revoked
    pk: int
    who: str
    text: str
    when: datetime
    lead: str = ""
    relationship_id: int | None = None
    email: str = ""  # an invitation's address: "Invite again" and "Resend" use it
    nudged_on: str = ""  # the day of the last nudge, for a quiet client
    can_nudge: bool = False


@dataclass
class AttentionGroup:
    slug: str
    title: str
    count: int
    items: list[AttentionItem] = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many are not listed (the dashboard shows a few of each group)."""
        return self.count - len(self.items)


@dataclass
class AttentionQueue:
    groups: list[AttentionGroup]
    quiet_days: int
    full: bool  # every item (FULL_LIMIT a group), or a few per group (the dashboard)
    # When it was read: "Mark all seen" and "Dismiss all" clear what happened by then, so
    # nothing that arrived after the coach saw the list is cleared unseen.
    read_at: datetime | None = None

    @property
    def read_at_iso(self) -> str:
        return self.read_at.isoformat() if self.read_at else ""

    @property
    def news_days(self) -> int:
        return NEWS_DAYS

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def shown(self) -> list[AttentionGroup]:
        return [group for group in self.groups if group.count]


def _counted(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The rows (the first `limit` of them) and how many there are in all, in one query:
    the count is a window over the whole filtered set, computed before the LIMIT."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:limit])
    return rows, (rows[0].total if rows else 0)


def attention_queue(
    coach: AbstractBaseUser,
    *,
    quiet_days: int = QUIET_DAYS_DEFAULT,
    full: bool = False,
    now: datetime | None = None,
) -> AttentionQueue:
    """The coach's queue in five queries (new submissions, quiet clients, disagreements,
    answered or expired invitations, revoked consents): PREVIEW items a group for the
    dashboard, FULL_LIMIT for the full page."""
    now = now or timezone.now()
    limit = FULL_LIMIT if full else PREVIEW
    active = CoachRelationship.objects.active().filter(coach=coach).select_related("client")
    news_since = now - timedelta(days=NEWS_DAYS)
    submissions = _new_submissions(active, limit)
    quiet = _quiet_clients(active, limit, now=now, days=quiet_days)
    disagreements = _disagreements(active, coach, limit)
    invitations, invitations_count = _invitation_news(coach, limit, now=now, since=news_since)
    revoked, revoked_count = _revocations(coach, limit, since=news_since)
    answers = sorted(invitations + revoked, key=lambda item: item.when, reverse=True)
    groups = [
        submissions,
        quiet,
        disagreements,
        AttentionGroup(
            "invitations",
            "Invitations and consent",
            invitations_count + revoked_count,
            answers[:limit],
        ),
    ]
    return AttentionQueue(groups=groups, quiet_days=quiet_days, full=full, read_at=now)


def _new_submissions(active: QuerySet, limit: int) -> AttentionGroup:
    # Opening the client (their session view or a report) sets coach_seen_at; a client
    # never opened counts from the day they accepted.
    rows, count = _counted(
        active.filter(last_activity__gt=Coalesce("coach_seen_at", "created_at"))
        .annotate(role_title=F("latest_role__title"))
        .order_by("-last_activity", "pk"),
        limit,
    )
    items = [
        AttentionItem(
            kind="submission",
            pk=r.pk,
            relationship_id=r.pk,
            who=display_name(r.client),
            text=f"shared a new report on {_day(r.last_activity)}"
            + (f" ({r.role_title})." if r.role_title else "."),
            when=r.last_activity,
        )
        for r in rows
    ]
    return AttentionGroup("submissions", "New submissions", count, items)


def _quiet_clients(active: QuerySet, limit: int, *, now: datetime, days: int) -> AttentionGroup:
    # Any assessment of the client's counts, drafts included and whatever they share: a
    # client answering a draft is not quiet. Only the date is read, never what it is about
    # (drafts are private).
    last_edit = (
        Assessment.objects.filter(owner_id=OuterRef("client_id"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    activity = Greatest(
        "created_at",
        Coalesce(Subquery(last_edit), "created_at"),
        output_field=DateTimeField(),
    )
    rows, count = _counted(
        active.annotate(activity_at=activity)
        .filter(activity_at__lt=now - timedelta(days=days))
        .order_by("activity_at", "pk"),
        limit,
    )
    nudge_again = now - timedelta(days=NUDGE_DAYS)
    items = []
    for r in rows:
        idle = (now - r.activity_at).days
        items.append(
            AttentionItem(
                kind="quiet",
                pk=r.pk,
                relationship_id=r.pk,
                who=display_name(r.client),
                text=f"has shown no activity since {_day(r.activity_at)} ({idle} days).",
                when=r.activity_at,
                nudged_on=_day(r.nudged_at) if r.nudged_at else "",
                can_nudge=r.nudged_at is None or r.nudged_at <= nudge_again,
            )
        )
    return AttentionGroup("quiet", f"Quiet for {days} days or more", count, items)


def _disagreements(active: QuerySet, coach: AbstractBaseUser, limit: int) -> AttentionGroup:
    # Per skill of the latest shared report: this coach's calibration of it, two levels
    # or more from the client's own level (coaching/session.py lists them by name).
    far_apart = Calibration.objects.filter(
        assessment_id=OuterRef("assessment_id"), coach=coach, skill=OuterRef("slug")
    ).filter(
        Q(level__gte=OuterRef("self_level") + DISAGREEMENT_LEVELS)
        | Q(level__lte=OuterRef("self_level") - DISAGREEMENT_LEVELS)
    )
    skills = (
        ReportSkillGap.objects.filter(assessment_id=OuterRef("latest_assessment_id"))
        .filter(Exists(far_apart))
        .order_by()
        .values("assessment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows, count = _counted(
        active.exclude(latest_assessment=None)
        .annotate(far=Coalesce(Subquery(skills, output_field=IntegerField()), Value(0)))
        .filter(far__gt=0)
        .order_by("-far", "-last_activity", "pk"),
        limit,
    )
    items = [
        AttentionItem(
            kind="disagreement",
            pk=r.pk,
            relationship_id=r.pk,
            lead="You and ",
            who=display_name(r.client),
            text=f"differ by {DISAGREEMENT_LEVELS} levels or more on {r.far} "
            f"skill{'s' if r.far != 1 else ''} of the report of {_day(r.last_activity)}.",
            when=r.last_activity,
        )
        for r in rows
    ]
    return AttentionGroup("disagreements", "Disagreements", count, items)


def _invitation_news(
    coach: AbstractBaseUser, limit: int, *, now: datetime, since: datetime
) -> tuple[list[AttentionItem], int]:
    """Invitations accepted, declined or expired since `since`, not cleared since. An
    accepted one whose consent was revoked since is told as the revocation instead."""
    pending = Invitation.Status.PENDING
    happened = Case(
        When(status=pending, then=F("expires_at")),
        default=F("responded_at"),
        output_field=DateTimeField(),
    )
    invitations = (
        Invitation.objects.filter(coach=coach)
        .filter(
            Q(status__in=[Invitation.Status.ACCEPTED, Invitation.Status.DECLINED])
            | Q(status=pending, expires_at__lte=now)
        )
        .exclude(status=Invitation.Status.ACCEPTED, relationship__revoked_at__isnull=False)
        .annotate(happened_at=happened)
        .filter(happened_at__gte=since)
        # Cleared before it happened (dismissed when it expired, then resent and expired
        # again) is not cleared.
        .filter(Q(coach_seen_at__isnull=True) | Q(coach_seen_at__lt=F("happened_at")))
        .select_related("client")
        .order_by("-happened_at", "-pk")
    )
    rows, count = _counted(invitations, limit)
    return [_invitation_item(i) for i in rows], count


def _invitation_item(invitation: Invitation) -> AttentionItem:
    day = _day(invitation.happened_at)
    common = {"pk": invitation.pk, "when": invitation.happened_at, "email": invitation.email}
    if invitation.status == Invitation.Status.PENDING:
        who = invitation.email or f"with code {invitation.code}"
        return AttentionItem(
            kind="expired",
            lead="Your invitation to " if invitation.email else "Your invitation ",
            who=who,
            text=f"expired unanswered on {day}.",
            **common,
        )
    who = display_name(invitation.client) if invitation.client else "A deleted account"
    if invitation.status == Invitation.Status.DECLINED:
        return AttentionItem(
            kind="declined", who=who, text=f"declined your invitation on {day}.", **common
        )
    return AttentionItem(
        kind="accepted",
        who=who,
        text=f"accepted your invitation on {day}.",
        relationship_id=invitation.relationship_id,
        **common,
    )


def _revocations(
    coach: AbstractBaseUser, limit: int, *, since: datetime
) -> tuple[list[AttentionItem], int]:
    # The client is no longer this coach's to read about, but their name in "X revoked
    # their consent" is what keeps them from silently leaving the dashboard.
    rows, count = _counted(
        CoachRelationship.objects.filter(
            coach=coach, revoked_at__gte=since, revocation_seen_at__isnull=True
        )
        .select_related("client")
        .order_by("-revoked_at", "-pk"),
        limit,
    )
    items = [
        AttentionItem(
            kind="revoked",
            pk=r.pk,
            who=display_name(r.client),
            text=f"revoked their consent on {_day(r.revoked_at)}: you no longer see "
            "anything of theirs.",
            when=r.revoked_at,
        )
        for r in rows
    ]
    return items, count
