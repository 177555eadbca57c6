"""Reads for coaching, each in a fixed number of queries, access checked in the query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assessments.models import Assessment
from coaching.models import (
    Calibration,
    CoachNote,
    CoachRelationship,
    Invitation,
)
from roles.models import Role

DASHBOARD_SORTS = {
    "name": ("client__email",),
    "-name": ("-client__email",),
    "readiness": (F("latest_readiness").asc(nulls_last=True), "client__email"),
    "-readiness": (F("latest_readiness").desc(nulls_last=True), "client__email"),
    "change": (F("change").asc(nulls_last=True), "client__email"),
    "-change": (F("change").desc(nulls_last=True), "client__email"),
    "activity": (F("last_activity").asc(nulls_first=True), "client__email"),
    "-activity": (F("last_activity").desc(nulls_last=True), "client__email"),
}


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


def clients_dashboard(
    coach: AbstractBaseUser,
    *,
    sort: str = "name",
    role: int | None = None,
    verdict: str = "",
    inactive_days: int | None = None,
) -> QuerySet[CoachRelationship]:
    """The coach's active clients with their latest shared result, in one query: the
    results are columns of the relationship (kept by RelationshipQuerySet.refresh_results),
    so any sort or filter is on the coach's rows alone."""
    clients = (
        CoachRelationship.objects.active()
        .filter(coach=coach)
        .select_related("client")
        .annotate(
            latest_id=F("latest_assessment_id"),
            latest_role_title=F("latest_role__title"),
            change=F("latest_readiness") - F("previous_readiness"),
        )
    )
    if role:
        clients = clients.filter(latest_role_id=role)
    if verdict:
        clients = clients.filter(latest_verdict=verdict)
    if inactive_days is not None:
        since = timezone.now() - timedelta(days=inactive_days)
        clients = clients.filter(Q(last_activity__lt=since) | Q(last_activity__isnull=True))
    return clients.order_by(*DASHBOARD_SORTS.get(sort, DASHBOARD_SORTS["name"]))


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


def pending_invitations(coach: AbstractBaseUser) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            coach=coach, status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
        )
    )


def coaches_of(client: AbstractBaseUser) -> list[CoachRelationship]:
    return list(
        CoachRelationship.objects.active()
        .filter(client=client)
        .select_related("coach")
        .prefetch_related("shares")
    )


@dataclass(frozen=True)
class CalibrationRow:
    slug: str
    name: str
    self_level: int
    coach_level: int | None
    coach_name: str

    @property
    def difference(self) -> int | None:
        return None if self.coach_level is None else self.coach_level - self.self_level

    @property
    def flagged(self) -> bool:
        """Two levels or more apart, either way: worth talking through."""
        return self.difference is not None and abs(self.difference) >= 2


def calibration_rows(
    assessment: Assessment, *, coach: AbstractBaseUser | None = None
) -> list[CalibrationRow]:
    """Self level against the coach's level for each skill of the report. For the owner
    (coach None) every coach's calibrations; for a coach, their own."""
    calibrations = Calibration.objects.filter(assessment=assessment).select_related("coach")
    if coach is not None:
        calibrations = calibrations.filter(coach=coach)
    by_skill: dict[str, list[Calibration]] = {}
    for item in calibrations:
        by_skill.setdefault(item.skill, []).append(item)
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
                    coach_name="" if item is None else _name(item.coach),
                )
            )
    return rows


def notes_for_owner(assessment: Assessment) -> list[CoachNote]:
    return list(
        CoachNote.objects.filter(
            assessment=assessment, visibility=CoachNote.Visibility.SHARED
        ).select_related("coach")
    )


def notes_for_coach(assessment: Assessment, coach: AbstractBaseUser) -> list[CoachNote]:
    return list(CoachNote.objects.filter(assessment=assessment, coach=coach))


def _name(user: Any) -> str:
    return user.get_full_name() or user.email or user.get_username()
