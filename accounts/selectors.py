"""Reads across apps for one person's own account: everything they can take with them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from assessments.models import Assessment
from coaching.models import ActionItem, Calibration, CoachNote, CoachRelationship, Invitation

EXPORT_FORMAT = "careerpath-account-export/1"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _note(note: CoachNote) -> dict[str, Any]:
    return {
        "assessment": str(note.assessment_id),
        "text": note.text,
        "visibility": note.visibility,
        "created_at": _iso(note.created_at),
    }


def _calibration(calibration: Calibration) -> dict[str, Any]:
    return {
        "assessment": str(calibration.assessment_id),
        "skill": calibration.skill,
        "level": calibration.level,
        "updated_at": _iso(calibration.updated_at),
    }


def _relationship(relationship: CoachRelationship, *, other: Any) -> dict[str, Any]:
    return {
        "email": other.email or other.get_username(),
        "scope": relationship.scope,
        "created_at": _iso(relationship.created_at),
        "revoked_at": _iso(relationship.revoked_at),
        "shared_assessments": [str(share.assessment_id) for share in relationship.shares.all()],
        "action_items": [
            {
                "text": item.text,
                "due_date": item.due_date.isoformat() if item.due_date else None,
                "done_at": _iso(item.done_at),
                "created_at": _iso(item.created_at),
            }
            for item in relationship.action_items.all()
        ],
    }


def _assessment(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": str(assessment.pk),
        "role": assessment.role.slug,
        "role_title": assessment.role.title,
        "status": assessment.status,
        "created_at": _iso(assessment.created_at),
        "updated_at": _iso(assessment.updated_at),
        "submitted_at": _iso(assessment.submitted_at),
        "retake_of": str(assessment.retake_of_id) if assessment.retake_of_id else None,
        "answers": {
            "skills": [
                {"skill": a.skill.slug, "level": a.level, "evidence": a.evidence}
                for a in assessment.skill_answers.all()
            ],
            "experience": [
                {"slug": a.slug, "years": str(a.years)} for a in assessment.experience_answers.all()
            ],
            "education": (
                assessment.get_education_display() if assessment.education is not None else None
            ),
        },
        "answers_frozen": assessment.answers_frozen,
        "report": assessment.report,
        "share_links": [
            {
                "url": link.get_absolute_url(),
                "created_at": _iso(link.created_at),
                "expires_at": _iso(link.expires_at),
                "revoked_at": _iso(link.revoked_at),
            }
            for link in assessment.share_links.all()
        ],
        # What the person's coaches told them or recorded about them; a coach's private
        # notes stay the coach's own.
        "coach_notes": [
            _note(note) | {"coach": note.coach.email or note.coach.get_username()}
            for note in assessment.coach_notes.all()
            if note.visibility == CoachNote.Visibility.SHARED
        ],
        "coach_calibrations": [
            _calibration(c) | {"coach": c.coach.email or c.coach.get_username()}
            for c in assessment.calibrations.all()
        ],
    }


def account_export(*, user: Any) -> dict[str, Any]:
    """One person's data as a JSON-ready document: their account, their assessments with
    answers, reports and share links, their coaching relationships on both sides, and the
    notes and calibrations they wrote as a coach. A fixed number of queries, however much
    there is."""
    assessments = (
        Assessment.objects.filter(owner=user)
        .select_related("role")
        .prefetch_related(
            "skill_answers__skill",
            "experience_answers",
            "share_links",
            Prefetch("coach_notes", queryset=CoachNote.objects.select_related("coach")),
            Prefetch("calibrations", queryset=Calibration.objects.select_related("coach")),
        )
        .order_by("created_at")
    )
    relationships = CoachRelationship.objects.prefetch_related(
        "shares", Prefetch("action_items", queryset=ActionItem.objects.order_by("created_at"))
    ).order_by("created_at")
    as_client = relationships.filter(client=user).select_related("coach")
    as_coach = relationships.filter(coach=user).select_related("client")
    email = user.email or user.get_username()
    invitations = (
        Invitation.objects.filter(Q(coach=user) | Q(client=user) | Q(email__iexact=email))
        .select_related("coach")
        .order_by("created_at")
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "assessments": [_assessment(a) for a in assessments],
        "coaching": {
            "my_coaches": [_relationship(r, other=r.coach) for r in as_client],
            "my_clients": [_relationship(r, other=r.client) for r in as_coach],
            "invitations": [
                {
                    "direction": "sent" if inv.coach_id == user.pk else "received",
                    "coach": inv.coach.email or inv.coach.get_username(),
                    "email": inv.email,
                    "status": inv.status,
                    "created_at": _iso(inv.created_at),
                    "expires_at": _iso(inv.expires_at),
                }
                for inv in invitations
            ],
            "notes_written": [
                _note(n) for n in CoachNote.objects.filter(coach=user).order_by("created_at")
            ],
            "calibrations_written": [
                _calibration(c) for c in Calibration.objects.filter(coach=user).order_by("pk")
            ],
        },
    }
