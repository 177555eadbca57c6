"""Reads for assessments and their reports, with their queries kept flat."""

from __future__ import annotations

from typing import Any

from django.db import connection

from assessments.models import Assessment, ExperienceAnswer, ShareLink, SkillAnswer
from assessments.questionnaire import Questionnaire
from assessments.scoring import RoleSpec
from roles.cache import cached_catalogue
from roles.models import Role
from roles.selectors import load_with_requirements, role_spec


def published_role_specs(*, cached: bool = True) -> list[RoleSpec]:
    """Every published role's requirements, for closest roles: no query while the catalogue
    is unchanged (with `cached`), or read from the catalogue now."""
    if not cached:
        return _published_role_specs()
    return cached_catalogue("published-role-specs", _published_role_specs)


def _published_role_specs() -> list[RoleSpec]:
    roles = list(Role.objects.published().order_by("track__order", "rank", "title"))
    return [role_spec(role) for role in load_with_requirements(roles)]


def draft_progress(assessment: Assessment, questionnaire: Questionnaire) -> dict[str, Any]:
    """A draft's progress from the ids of what it answered: one small query (skill ids and
    experience slugs side by side), whatever the number of questions. Written as SQL: it
    runs after every autosave, and the ORM took longer to compile this union than the
    database to run it."""
    quote = connection.ops.quote_name
    assessment_id = Assessment._meta.pk.get_db_prep_value(assessment.pk, connection)
    sql = (
        f"SELECT {quote('skill_id')}, NULL FROM {quote(SkillAnswer._meta.db_table)} "
        f"WHERE {quote('assessment_id')} = %s UNION ALL "
        f"SELECT NULL, {quote('slug')} FROM {quote(ExperienceAnswer._meta.db_table)} "
        f"WHERE {quote('assessment_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [assessment_id, assessment_id])
        rows = cursor.fetchall()
    slugs = questionnaire.skill_slugs_by_id
    return questionnaire.progress(
        skills={slugs[skill_id] for skill_id, _ in rows if skill_id in slugs},
        experience={slug for skill_id, slug in rows if skill_id is None},
        education=assessment.education is not None,
    )


def earlier_submissions(assessment: Assessment) -> list[Assessment]:
    """The owner's submissions on the same track before this one, latest first, in one
    query: the first is what progress compares with, those of the same role draw the
    readiness trend. Their answers load only when the progress section is made (then
    kept)."""
    if assessment.owner_id is None and not assessment.visitor_token:
        return []
    owner = (
        {"owner_id": assessment.owner_id}
        if assessment.owner_id
        else {"owner__isnull": True, "visitor_token": assessment.visitor_token}
    )
    return list(
        Assessment.objects.submitted()
        .filter(
            **owner,
            role__track_id=assessment.role.track_id,
            submitted_at__lt=assessment.submitted_at,
        )
        .select_related("role")
        .only("submitted_at", "readiness", "role_id", "role__title")
        .order_by("-submitted_at")
    )


def share_links_of(assessment: Assessment) -> list[ShareLink]:
    return list(assessment.share_links.all())


def active_share_link(token: str) -> ShareLink | None:
    """The link, with its submitted assessment, while it works (not revoked, not expired)."""
    link = (
        ShareLink.objects.active()
        .select_related("assessment__role__track")
        .filter(token=token)
        .first()
    )
    if link is None or link.assessment.is_draft:
        return None
    return link


def current_rung_on_track(user: Any, track: Any) -> str | None:
    """The current rung of `user`'s latest submitted report on `track` (one query): what
    the track page marks "You are here"."""
    latest = (
        Assessment.objects.submitted()
        .filter(owner=user, role__track=track)
        .order_by("-submitted_at")
        .values_list("report", flat=True)
        .first()
    )
    return None if latest is None else latest.get("current_rung")
