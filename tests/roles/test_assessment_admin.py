"""Assessments in the admin: a submitted one is read-only, a draft can still be corrected."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, SkillAnswer
from tests.factories import make_assessment, make_ladder, make_role, make_submitted_assessment

pytestmark = pytest.mark.django_db


def _change_url(assessment: Assessment) -> str:
    return reverse("admin:assessments_assessment_change", args=[assessment.pk])


def _edited_form(assessment: Assessment, *, level: int) -> dict[str, Any]:
    """The change form as a browser would post it, with every skill answer set to `level`,
    education raised to PhD and the status set to submitted."""
    answers = list(assessment.skill_answers.order_by("pk"))
    data: dict[str, Any] = {
        "role": str(assessment.role_id),
        "visitor_token": assessment.visitor_token,
        "education": "3",
        "last_question": "tampered",
        "status": "submitted",
        "skill_answers-TOTAL_FORMS": str(len(answers)),
        "skill_answers-INITIAL_FORMS": str(len(answers)),
        "skill_answers-MIN_NUM_FORMS": "0",
        "skill_answers-MAX_NUM_FORMS": "1000",
        "experience_answers-TOTAL_FORMS": "0",
        "experience_answers-INITIAL_FORMS": "0",
        "experience_answers-MIN_NUM_FORMS": "0",
        "experience_answers-MAX_NUM_FORMS": "1000",
    }
    for i, answer in enumerate(answers):
        data |= {
            f"skill_answers-{i}-id": str(answer.pk),
            f"skill_answers-{i}-assessment": str(assessment.pk),
            f"skill_answers-{i}-skill": str(answer.skill_id),
            f"skill_answers-{i}-level": str(level),
            f"skill_answers-{i}-evidence": "tampered",
        }
    return data


def _frozen_state(assessment: Assessment) -> tuple[Any, ...]:
    assessment.refresh_from_db()
    answers = list(
        SkillAnswer.objects.filter(assessment=assessment).values_list("level", "evidence")
    )
    return (
        assessment.status,
        assessment.education,
        assessment.last_question,
        assessment.snapshot,
        assessment.answers_frozen,
        assessment.report,
        answers,
    )


def test_staff_post_to_a_submitted_assessment_changes_nothing(admin_client: Client) -> None:
    submitted = make_submitted_assessment(role=make_ladder(2)[-1], levels={})
    before = _frozen_state(submitted)

    response = admin_client.post(_change_url(submitted), _edited_form(submitted, level=5))

    assert response.status_code == 403
    assert _frozen_state(submitted) == before


def test_submitted_assessment_shows_read_only_in_the_admin(admin_client: Client) -> None:
    submitted = make_submitted_assessment(role=make_ladder(2)[-1])

    response = admin_client.get(_change_url(submitted))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="_save"' not in body
    assert 'name="skill_answers-0-level"' not in body
    assert 'name="education"' not in body


def test_staff_can_still_correct_a_draft(admin_client: Client) -> None:
    rung = make_ladder(1)[0]
    skill = rung.skill_requirements.first().skill
    draft = make_assessment(role=rung, levels={skill: 1})

    response = admin_client.post(_change_url(draft), _edited_form(draft, level=4))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.education == 3
    assert draft.skill_answers.get().level == 4
    # Submitting freezes a snapshot and a report: only the submission itself may do it.
    assert draft.is_draft


def test_a_drafts_role_is_searched_not_listed_among_every_role(admin_client: Client) -> None:
    rung = make_ladder(1)[0]
    draft = make_assessment(role=rung)
    for n in range(30):
        make_role(title=f"Imported occupation {n:02d}")

    body = admin_client.get(_change_url(draft)).content.decode()

    # The role picker holds the draft's role only; the others are found by typing.
    assert "admin-autocomplete" in body
    assert f'<option value="{rung.pk}" selected>{rung.title}</option>' in body
    assert "Imported occupation" not in body
