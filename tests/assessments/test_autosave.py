"""Autosave after the first answer of a draft.

The first save of a draft tells the process its role; from then on, on PostgreSQL, a level,
years or education is saved in one statement (assessments.services.answer_autosave). Each
test here first saves one answer, so the save under test takes that path on PostgreSQL;
on SQLite the same contract holds through the transaction.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, ExperienceAnswer, SkillAnswer
from assessments.questionnaire import questionnaire_of_role
from assessments.selectors import draft_progress
from assessments.services import Owner, answer_autosave, assessment_submit
from roles.models import EducationLevel
from tests.factories import make_category, make_role, make_skill, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def role() -> Any:
    """Two skills, two experience questions and education: 5 questions."""
    category = make_category()
    return make_role(
        skills=[
            (make_skill(category=category, slug="python"), 3, 3, True),
            (make_skill(category=category, slug="sql"), 2, 2, False),
        ],
        experience=[("ml-work", "ML work", 3, 4, True), ("mgmt", "Management", 1, 2, False)],
        education=(EducationLevel.MASTER, 2, False),
    )


@pytest.fixture
def ann(client: Client) -> Any:
    user = make_user(email="ann@example.com", password=PASSWORD)
    client.force_login(user)
    return user


@pytest.fixture
def draft(client: Client, ann: Any, role: Any) -> Assessment:
    """Ann's draft with its first answer saved: python at 2."""
    draft = Assessment.objects.create(role=role, owner=ann)
    assert _post(client, draft, "skill-python", "2").status_code == 200
    return draft


def _post(client: Client, draft: Assessment, key: str, value: str) -> Any:
    return client.post(
        reverse("assessments:answer", args=[draft.pk]),
        {key: value},
        headers={"HX-Request": "true"},
    )


def _count(body: str) -> str:
    return re.search(r'data-testid="progress-count">([^<]*)<', body).group(1)


def _submitted_meanwhile(client: Client, draft: Assessment) -> None:
    """Every question answered, then submitted (as another tab would)."""
    for key, value in [
        ("skill-sql", "2"),
        ("exp-ml-work", "3"),
        ("exp-mgmt", "1"),
        ("education", "master"),
    ]:
        assert _post(client, draft, key, value).status_code == 200
    assessment_submit(assessment_id=draft.pk)


def _row(draft: Assessment) -> tuple[Any, ...]:
    draft.refresh_from_db()
    return (draft.status, draft.education, draft.last_question, draft.updated_at)


def test_a_changed_level_is_saved_and_the_progress_counts_it_once(client, draft):
    response = _post(client, draft, "skill-python", "4")

    assert response.status_code == 200
    assert 'data-state="saved"' in response.content.decode()
    assert _count(response.content.decode()) == "1 of 5 answered"
    assert SkillAnswer.objects.get(assessment=draft).level == 4
    draft.refresh_from_db()
    assert draft.last_question == "skill-python"


def test_a_new_level_appears_in_the_progress_it_is_sent_with(client, draft):
    response = _post(client, draft, "skill-sql", "1")

    assert _count(response.content.decode()) == "2 of 5 answered"
    assert sorted(SkillAnswer.objects.values_list("skill__slug", "level")) == [
        ("python", 2),
        ("sql", 1),
    ]


def test_new_years_are_saved_and_counted(client, draft):
    response = _post(client, draft, "exp-ml-work", "2.5")

    assert _count(response.content.decode()) == "2 of 5 answered"
    assert ExperienceAnswer.objects.get(assessment=draft, slug="ml-work").years == Decimal("2.5")
    draft.refresh_from_db()
    assert draft.last_question == "exp-ml-work"


def test_changed_years_replace_the_old_ones(client, draft):
    _post(client, draft, "exp-mgmt", "1")
    response = _post(client, draft, "exp-mgmt", "0.5")

    assert _count(response.content.decode()) == "2 of 5 answered"
    assert list(ExperienceAnswer.objects.values_list("slug", "years")) == [("mgmt", Decimal("0.5"))]


def test_education_is_saved_on_the_assessment_and_counted(client, draft):
    response = _post(client, draft, "education", "phd")

    assert _count(response.content.decode()) == "2 of 5 answered"
    draft.refresh_from_db()
    assert draft.education == EducationLevel.PHD


def test_the_section_badge_follows_the_answers(client, draft):
    body = _post(client, draft, "skill-sql", "3").content.decode()

    badge = re.search(
        r'id="progress-(?!overall)[^"]+" class="badge ([^"]+)"[^>]*>(\d+) / (\d+)', body
    )
    assert badge.groups() == ("text-bg-success", "2", "2")


def test_a_draft_submitted_meanwhile_refuses_the_save_and_keeps_its_answers(client, draft):
    _submitted_meanwhile(client, draft)
    before = _row(draft)

    response = _post(client, draft, "skill-python", "5")

    assert response.status_code == 409
    assert "submitted" in response.content.decode()
    assert SkillAnswer.objects.get(assessment=draft, skill__slug="python").level == 2
    assert _row(draft) == before


def test_a_submitted_draft_outranks_a_bad_answer(client, draft):
    _submitted_meanwhile(client, draft)

    assert _post(client, draft, "skill-python", "7").status_code == 409


@pytest.mark.parametrize(
    ("key", "value"),
    [("skill-python", "7"), ("skill-rust", "3"), ("exp-ml-work", "-1"), ("education", "x")],
)
def test_a_refused_answer_changes_nothing(client, draft, key, value):
    before = _row(draft)

    response = _post(client, draft, key, value)

    assert response.status_code == 422
    assert "Not saved" in response.content.decode()
    assert SkillAnswer.objects.get(assessment=draft).level == 2
    assert not ExperienceAnswer.objects.exists()
    assert _row(draft) == before


def test_evidence_before_a_level_is_refused_and_changes_nothing(client, draft):
    before = _row(draft)

    response = _post(client, draft, "evidence-sql", "Built the warehouse")

    assert response.status_code == 422
    assert "Choose a level" in response.content.decode()
    assert _row(draft) == before


def test_someone_else_gets_404_for_a_draft_whose_role_is_known(client, draft):
    client.force_login(make_user(email="bob@example.com"))
    before = _row(draft)

    response = _post(client, draft, "skill-python", "5")

    assert response.status_code == 404
    assert SkillAnswer.objects.get(assessment=draft).level == 2
    assert _row(draft) == before


def test_a_deleted_draft_is_404(client, draft):
    Assessment.objects.filter(pk=draft.pk).delete()

    assert _post(client, draft, "skill-python", "5").status_code == 404


def test_the_returned_progress_equals_the_progress_read_afterwards(ann, draft):
    owner = Owner(user=ann)
    for key, raw in [("skill-sql", "1"), ("exp-mgmt", "2"), ("education", "master")]:
        saved, progress = answer_autosave(owner=owner, assessment_id=draft.pk, key=key, raw=raw)
        assert progress == draft_progress(saved, questionnaire_of_role(draft.role_id))
    assert progress["answered"] == 4


def test_only_an_autosave_commits_without_waiting_for_the_wal_flush(client, draft):
    """docs/operations.md, "Durability": on PostgreSQL an autosave of a level, years or
    education commits asynchronously; evidence, the submission and every other write
    wait for the flush as usual."""

    def statements(write: Any) -> list[str]:
        # Read at once: a later request outside a capture empties Django's query log.
        with CaptureQueriesContext(connection) as queries:
            write()
        return [q["sql"] for q in queries.captured_queries]

    level = statements(lambda: _post(client, draft, "skill-python", "4"))
    evidence = statements(lambda: _post(client, draft, "evidence-python", "Shipped a model"))
    for key, value in [("skill-sql", "2"), ("exp-ml-work", "3"), ("exp-mgmt", "1")]:
        _post(client, draft, key, value)
    _post(client, draft, "education", "master")
    submission = statements(lambda: assessment_submit(assessment_id=draft.pk))

    relaxed = "set_config('synchronous_commit', 'off', true)"
    assert any(relaxed in sql for sql in level) == (connection.vendor == "postgresql")
    for other in (evidence, submission):
        assert other and not any("synchronous_commit" in sql for sql in other)
