"""Reads for coaching, each in a fixed number of queries, access checked in the query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.utils import timezone

from assessments.models import Assessment
from assessments.scoring import LEVEL_NAMES
from coaching.models import (
    Calibration,
    ClientTag,
    CoachNote,
    CoachRelationship,
    Invitation,
    RelationshipQuerySet,
    SharedAssessment,
)
from roles.models import Role

# By the name people see (the display name, else the email), then the email: one order
# whatever the database's collation of mixed case.
DASHBOARD_SORTS = {
    "name": ("sort_name", "client__email"),
    "-name": ("-sort_name", "-client__email"),
    "readiness": (F("latest_readiness").asc(nulls_last=True), "sort_name", "client__email"),
    "-readiness": (F("latest_readiness").desc(nulls_last=True), "sort_name", "client__email"),
    "change": (F("change").asc(nulls_last=True), "sort_name", "client__email"),
    "-change": (F("change").desc(nulls_last=True), "sort_name", "client__email"),
    "activity": (F("last_activity").asc(nulls_first=True), "sort_name", "client__email"),
    "-activity": (F("last_activity").desc(nulls_last=True), "sort_name", "client__email"),
}


def _display_name_expression() -> Any:
    """get_full_name() in SQL, lower-cased, the email where it is empty."""
    full = Trim(Concat("client__first_name", Value(" "), "client__last_name"))
    return Lower(Coalesce(NullIf(full, Value("")), "client__email", output_field=CharField()))


def shared_assessment_for_coach(coach: AbstractBaseUser, pk: object) -> Assessment | None:
    """A submitted assessment the coach may see now: shared with them, consent active."""
    return (
        Assessment.objects.submitted()
        .filter(
            pk=pk,
            coach_shares__relationship__coach=coach,
            coach_shares__relationship__revoked_at__isnull=True,
        )
        .select_related("role__track", "owner")
        .first()
    )


def relationship_for_coach(coach: AbstractBaseUser, pk: int) -> CoachRelationship | None:
    return (
        CoachRelationship.objects.active()
        .select_related("client")
        .filter(pk=pk, coach=coach)
        .first()
    )


def relationship_for_client(client: AbstractBaseUser, pk: int) -> CoachRelationship | None:
    return (
        CoachRelationship.objects.active()
        .select_related("coach")
        .filter(pk=pk, client=client)
        .first()
    )


class DashboardRows(RelationshipQuerySet):
    """The dashboard's rows: read as a page, each comes with its tags (one query for the
    page, prefetched); streamed with iterator() (the CSV, which shows no tags) they come
    without, so the stream needs no chunks and runs one query however long it is."""

    def iterator(self, chunk_size: int | None = None) -> Iterator[CoachRelationship]:
        return QuerySet.iterator(self.prefetch_related(None), chunk_size)


# The first requirement of a report is its top gap: the report lists requirements in the
# order of gaps, met ones last (DESIGN.md, "The report as data").
TOP_GAP = "latest_assessment__report__requirements__0__"


def clients_dashboard(
    coach: AbstractBaseUser,
    *,
    sort: str = "name",
    role: int | None = None,
    verdict: str = "",
    inactive_days: int | None = None,
    q: str = "",
    tag: int | None = None,
) -> QuerySet[CoachRelationship]:
    """The coach's active clients with their latest shared result, in one query: the
    results are columns of the relationship (kept by RelationshipQuerySet.refresh_results),
    so any sort or filter is on the coach's rows alone. The top gap is read from the latest
    report's first requirement, for the rows fetched only. `q` matches every word against
    the name or the email; `tag` is one of the coach's tags (ClientFilterForm offers no
    other). Rows read as a page come with their tags in one more query (DashboardRows)."""
    clients = (
        DashboardRows(CoachRelationship)
        .active()
        .filter(coach=coach)
        .select_related("client")
        .annotate(
            latest_id=F("latest_assessment_id"),
            latest_role_title=F("latest_role__title"),
            change=F("latest_readiness") - F("previous_readiness"),
            sort_name=_display_name_expression(),
            top_gap_kind=F(f"{TOP_GAP}kind"),
            top_gap_name=F(f"{TOP_GAP}name"),
            top_gap_size=F(f"{TOP_GAP}gap"),
        )
    )
    for word in q.split():
        clients = clients.filter(
            Q(client__first_name__icontains=word)
            | Q(client__last_name__icontains=word)
            | Q(client__email__icontains=word)
        )
    if role:
        clients = clients.filter(latest_role_id=role)
    if verdict:
        clients = clients.filter(latest_verdict=verdict)
    if tag is not None:
        clients = clients.filter(tags__pk=tag)
    if inactive_days is not None:
        since = timezone.now() - timedelta(days=inactive_days)
        clients = clients.filter(Q(last_activity__lt=since) | Q(last_activity__isnull=True))
    tags = Prefetch("tags", queryset=ClientTag.objects.order_by(Lower("name"), "pk"))
    return clients.prefetch_related(tags).order_by(
        *DASHBOARD_SORTS.get(sort, DASHBOARD_SORTS["name"])
    )


def dashboard_roles(coach: AbstractBaseUser) -> QuerySet[Role]:
    """The roles the coach's clients target in their latest shared assessment: what the
    dashboard's role filter can match."""
    latest = CoachRelationship.objects.active().filter(coach=coach).values("latest_role_id")
    return Role.objects.filter(pk__in=latest).order_by("title")


def client_shared_assessments(relationship: CoachRelationship) -> list[Assessment]:
    return list(
        Assessment.objects.submitted()
        .filter(coach_shares__relationship=relationship)
        .select_related("role")
        .defer("snapshot", "report", "answers_frozen")
        .order_by("submitted_at")
    )


def invitation_history(coach: AbstractBaseUser) -> QuerySet[Invitation]:
    """Every invitation of the coach's, newest first, with who answered it and the consent
    it became (Invitation.state and .history read them)."""
    return Invitation.objects.filter(coach=coach).select_related("client", "relationship")


def coaches_of(client: AbstractBaseUser) -> list[CoachRelationship]:
    return list(
        CoachRelationship.objects.active()
        .filter(client=client)
        .select_related("coach")
        .prefetch_related("shares")
    )


def level_named(level: int | None) -> str:
    """A level by its name and number, "Advanced (4)"; "" for none."""
    return "" if level is None else f"{LEVEL_NAMES[level]} ({level})"


@dataclass(frozen=True)
class CalibrationRow:
    slug: str
    name: str
    self_level: int
    coach_level: int | None
    coach_name: str
    required_level: int | None = None
    # The coach's calibrations of this skill on the client's earlier shared reports, oldest
    # first, in words: "Working (12 Mar 2026), Practitioner (2 Jun 2026)".
    earlier: str = ""

    @property
    def difference(self) -> int | None:
        return None if self.coach_level is None else self.coach_level - self.self_level

    @property
    def flagged(self) -> bool:
        """Two levels or more apart, either way: worth talking through."""
        return self.difference is not None and abs(self.difference) >= 2

    @property
    def self_named(self) -> str:
        return level_named(self.self_level)

    @property
    def required_named(self) -> str:
        return level_named(self.required_level)

    @property
    def coach_named(self) -> str:
        return level_named(self.coach_level)


def calibration_rows(
    assessment: Assessment, *, coach: AbstractBaseUser | None = None
) -> list[CalibrationRow]:
    """Self level against the coach's level for each skill of the report. For the owner
    (coach None) every coach's calibrations; for a coach, their own, each row with the
    coach's calibrations of the client's earlier shared reports (`calibration_history`)."""
    calibrations = Calibration.objects.filter(assessment=assessment).select_related("coach")
    if coach is not None:
        calibrations = calibrations.filter(coach=coach)
    by_skill: dict[str, list[Calibration]] = {}
    for item in calibrations:
        by_skill.setdefault(item.skill, []).append(item)
    history = calibration_history(assessment, coach=coach) if coach is not None else {}
    rows = []
    for requirement in assessment.report["requirements"]:
        if requirement["kind"] != "skill":
            continue
        items = by_skill.get(requirement["slug"]) or [None]
        for item in items:
            rows.append(
                CalibrationRow(
                    slug=requirement["slug"],
                    name=requirement["name"],
                    self_level=requirement["self"],
                    coach_level=None if item is None else item.level,
                    coach_name="" if item is None else display_name(item.coach),
                    required_level=requirement["required"],
                    earlier=history.get(requirement["slug"], ""),
                )
            )
    return rows


def calibration_row(assessment: Assessment, *, slug: str, level: int | None) -> CalibrationRow:
    """One skill's row of the coach's table with `level` as their view, without a query:
    what an autosave answers with (the difference as it now stands)."""
    requirement = next(
        r for r in assessment.report["requirements"] if r["kind"] == "skill" and r["slug"] == slug
    )
    return CalibrationRow(
        slug=slug,
        name=requirement["name"],
        self_level=requirement["self"],
        coach_level=level,
        coach_name="",
        required_level=requirement["required"],
    )


def calibration_history(assessment: Assessment, *, coach: AbstractBaseUser) -> dict[str, str]:
    """Skill slug → the coach's calibrations of it on the client's earlier reports, in one
    query: reports submitted before this one that the client shares with the coach now
    (a report no longer shared is not the coach's to read), oldest first."""
    shared_now = SharedAssessment.objects.filter(
        assessment=OuterRef("assessment"),
        relationship__coach=coach,
        relationship__revoked_at__isnull=True,
    )
    earlier = (
        Calibration.objects.filter(
            coach=coach,
            assessment__owner_id=assessment.owner_id,
            assessment__status=Assessment.Status.SUBMITTED,
            assessment__submitted_at__lt=assessment.submitted_at,
        )
        .filter(Exists(shared_now))
        .order_by("assessment__submitted_at", "assessment_id")
        .values_list("skill", "level", "assessment__submitted_at")
    )
    history: dict[str, list[str]] = {}
    for skill, level, submitted_at in earlier:
        when = timezone.localtime(submitted_at)
        history.setdefault(skill, []).append(f"{LEVEL_NAMES[level]} ({when.day} {when:%b %Y})")
    return {skill: ", ".join(items) for skill, items in history.items()}


def notes_for_owner(assessment: Assessment) -> list[CoachNote]:
    return list(
        CoachNote.objects.filter(
            assessment=assessment, visibility=CoachNote.Visibility.SHARED
        ).select_related("coach")
    )


def notes_for_coach(assessment: Assessment, coach: AbstractBaseUser) -> list[CoachNote]:
    return list(CoachNote.objects.filter(assessment=assessment, coach=coach))


def display_name(user: Any) -> str:
    """What people see of a person: their name, else their email."""
    return user.get_full_name() or user.email or user.get_username()
