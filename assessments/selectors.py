"""Reads for assessments and their reports, with their queries kept flat."""

from __future__ import annotations

from assessments.models import Assessment, ShareLink
from assessments.scoring import RoleSpec
from roles.models import Role
from roles.selectors import load_with_requirements, role_spec


def previous_submission(assessment: Assessment) -> Assessment | None:
    """The owner's latest submission on the same track before this one, for progress."""
    if assessment.owner_id is None and not assessment.visitor_token:
        return None
    owner = (
        {"owner_id": assessment.owner_id}
        if assessment.owner_id
        else {"owner__isnull": True, "visitor_token": assessment.visitor_token}
    )
    return (
        Assessment.objects.submitted()
        .filter(
            **owner,
            role__track_id=assessment.role.track_id,
            submitted_at__lt=assessment.submitted_at,
        )
        .select_related("role")
        .only("answers_frozen", "submitted_at", "role__title")
        .order_by("-submitted_at")
        .first()
    )


def published_role_specs() -> list[RoleSpec]:
    roles = list(Role.objects.published().order_by("track__order", "rank", "title"))
    return [role_spec(role) for role in load_with_requirements(roles)]


def share_links_of(assessment: Assessment) -> list[ShareLink]:
    return list(assessment.share_links.all())


def shared_assessment(token: str) -> Assessment | None:
    link = (
        ShareLink.objects.active()
        .select_related("assessment__role__track")
        .filter(token=token)
        .first()
    )
    if link is None or link.assessment.is_draft:
        return None
    return link.assessment
