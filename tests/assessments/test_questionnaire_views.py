"""The questionnaire (issue 3): starting, autosave, full-form save, submission, retake, delete."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat

from assessments.models import Assessment, ExperienceAnswer, SkillAnswer
from careerpath.page_cache import forget_kept_pages
from roles.models import EducationLevel, SkillRequirement
from tests.factories import (
    make_assessment,
    make_category,
    make_ladder,
    make_role,
    make_skill,
    make_track,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SUBMITTED_MESSAGE = "This assessment was submitted and can no longer be changed."


@pytest.fixture
def ladder() -> SimpleNamespace:
    """Junior → lead on one track, and a catalogue skill neither rung asks for.

    junior: python 2 (w3), sql 2 (w2); ml-work 1 year (w3)
    lead:   python 4 (w2, essential), leadership 4 (w5); ml-work 5 years (w4, essential),
            mgmt 2 years (w3); master (w2)
    The questionnaire: python, sql (Technical), leadership (Leadership), ml-work, mgmt,
    education: 6 questions.
    """
    track = make_track(slug="ml", name="Machine Learning")
    technical = make_category(slug="technical", name="Technical", order=1)
    people = make_category(slug="leadership", name="Leadership", order=2)
    python = make_skill(
        slug="python",
        name="Python",
        category=technical,
        **{f"level_{n}": f"Python looks like step {n} here." for n in range(1, 6)},
    )
    sql = make_skill(slug="sql", name="SQL", category=technical)
    leadership = make_skill(slug="people-leadership", name="People leadership", category=people)
    rust = make_skill(slug="rust", name="Rust", category=technical)
    junior = make_role(
        slug="junior",
        title="Junior ML Engineer",
        track=track,
        rank=1,
        skills=[(python, 2, 3, False), (sql, 2, 2, False)],
        experience=[("ml-work", "Professional ML work", 1, 3, False)],
    )
    lead = make_role(
        slug="lead",
        title="ML Team Lead",
        track=track,
        rank=2,
        skills=[(python, 4, 2, True), (leadership, 4, 5, False)],
        experience=[
            ("ml-work", "Professional ML work", 5, 4, True),
            ("mgmt", "People management", 2, 3, False),
        ],
        education=(EducationLevel.MASTER, 2, False),
    )
    junior.next_roles.add(lead)
    return SimpleNamespace(
        junior=junior, lead=lead, python=python, sql=sql, leadership=leadership, rust=rust
    )


# Hand-computed against the lead rung (sql is asked for the junior rung only):
#   python 2/4·2 = 1, leadership 1/4·5 = 1.25, ml-work 5/5·4 = 4, mgmt 2/2·3 = 3,
#   master ≥ master: 2 → 11.25 / 16 = 0.703125 → 70.3, "developing".
#   Gaps by priority: leadership 5·3 = 15, then python 2·2 = 4.
COMPLETE_ANSWERS = {
    "skill-python": "2",
    "skill-sql": "3",
    "skill-people-leadership": "1",
    "exp-ml-work": "5",
    "exp-mgmt": "2",
    "education": "master",
}


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"assessments:{name}", args=[assessment.pk])


def _start(client: Client, role: Any) -> Assessment:
    response = client.post(reverse("roles:assess", args=[role.slug]))
    assert response.status_code == 302
    assessment = Assessment.objects.get(pk=response["Location"].split("/")[-2])
    assert response["Location"] == _url("questionnaire", assessment)
    return assessment


def _answer(client: Client, assessment: Assessment, key: str, value: str, **headers: str):
    return client.post(
        _url("answer", assessment), {key: value}, headers={"HX-Request": "true", **headers}
    )


def _answer_all(client: Client, assessment: Assessment, answers: dict[str, str]) -> None:
    for key, value in answers.items():
        assert _answer(client, assessment, key, value).status_code == 200


def _levels(assessment: Assessment) -> dict[str, int]:
    return {
        row.skill.slug: row.level
        for row in SkillAnswer.objects.filter(assessment=assessment).select_related("skill")
    }


def _evidence(assessment: Assessment) -> dict[str, str]:
    return {
        row.skill.slug: row.evidence
        for row in SkillAnswer.objects.filter(assessment=assessment).select_related("skill")
    }


def _years(assessment: Assessment) -> dict[str, Decimal]:
    return {row.slug: row.years for row in ExperienceAnswer.objects.filter(assessment=assessment)}


def _block(body: str, element_id: str) -> str:
    """The markup of one question, from its id to the start of the next question."""
    start = body.index(f'id="{element_id}"')
    end = body.find('class="mb-', start + 1)
    return body[start : end if end != -1 else len(body)]


def _card(body: str, heading_id: str) -> str:
    start = body.index(f'id="{heading_id}"')
    return body[start : body.index("</section>", start)]


def _submitted(client: Client, ladder: SimpleNamespace) -> Assessment:
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, COMPLETE_ANSWERS)
    response = client.post(_url("submit", assessment))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert not assessment.is_draft
    return assessment


# --- start ----------------------------------------------------------------------------


def test_start_page_shows_the_intro_and_a_start_button(client, ladder):
    response = client.get(reverse("roles:assess", args=["lead"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Assess yourself as ML Team Lead" in body
    assert "Start the assessment" in body
    assert 'data-testid="resume-offer"' not in body
    assert not Assessment.objects.exists()


def test_start_post_creates_a_visitor_draft_and_redirects_to_the_questionnaire(client, ladder):
    assessment = _start(client, ladder.lead)
    assert assessment.is_draft
    assert assessment.role == ladder.lead
    assert assessment.owner is None
    assert assessment.visitor_token
    assert client.get(_url("questionnaire", assessment)).status_code == 200


def test_start_post_by_a_user_creates_a_draft_they_own(client, django_user_model, ladder):
    user = django_user_model.objects.create_user(username="ann@example.com", password=PASSWORD)
    client.force_login(user)
    assessment = _start(client, ladder.lead)
    assert (assessment.owner, assessment.visitor_token) == (user, "")


def test_second_start_post_resumes_the_same_draft_with_welcome_back(client, ladder):
    first = _start(client, ladder.lead)
    response = client.post(reverse("roles:assess", args=["lead"]), follow=True)
    assert response.redirect_chain == [(_url("questionnaire", first), 302)]
    assert "Welcome back" in response.content.decode()
    assert Assessment.objects.count() == 1


def test_start_page_offers_to_resume_an_existing_draft(client, ladder):
    draft = _start(client, ladder.lead)
    body = client.get(reverse("roles:assess", args=["lead"])).content.decode()
    assert 'data-testid="resume-offer"' in body
    assert f'href="{_url("questionnaire", draft)}"' in body
    assert "Start the assessment" not in body


@pytest.mark.parametrize("method", ["get", "post"])
def test_start_of_an_unknown_or_unpublished_role_is_404(client, ladder, method):
    hidden = make_role(slug="hidden", is_published=False)
    for slug in ("no-such-role", hidden.slug):
        response = getattr(client, method)(reverse("roles:assess", args=[slug]))
        assert response.status_code == 404
    assert not Assessment.objects.exists()


# --- the questionnaire page -----------------------------------------------------------


def test_questionnaire_lists_every_skill_of_the_ladder_grouped_by_category(client, ladder):
    assessment = _start(client, ladder.lead)
    body = client.get(_url("questionnaire", assessment)).content.decode()

    technical = body.index('id="section-technical"')
    people = body.index('id="section-leadership"')
    background = body.index('id="section-background"')
    assert technical < people < background
    # sql is only asked on the junior rung, and still appears.
    for slug in ("python", "sql"):
        assert technical < body.index(f'id="q-skill-{slug}"') < people
    assert people < body.index('id="q-skill-people-leadership"') < background
    assert 'id="q-skill-rust"' not in body
    for key in ("exp-ml-work", "exp-mgmt", "education"):
        assert background < body.index(f'id="q-{key}"')


def test_questionnaire_shows_six_levels_with_the_skills_own_descriptions(client, ladder):
    assessment = _start(client, ladder.lead)
    body = client.get(_url("questionnaire", assessment)).content.decode()
    python = _block(body, "q-skill-python")
    assert re.findall(r'name="skill-python"[^>]*value="(\d)"', python.replace("\n", " ")) == [
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    for level, name in enumerate(
        ["None", "Awareness", "Working", "Practitioner", "Advanced", "Expert"]
    ):
        assert f"{level} · {name}" in python
    assert "No exposure" in python
    for level in range(1, 6):
        assert f"Python looks like step {level} here." in python
    assert ladder.sql.level_3 in _block(body, "q-skill-sql")
    assert ladder.sql.level_3 not in python
    # where the description comes from (the factory's skills are editorial)
    assert "(Editorial)" in python


def test_questionnaire_does_not_show_the_required_level(client, ladder):
    # Python is required at 4 (Advanced) with weight 2: neither may leak while rating.
    assessment = _start(client, ladder.lead)
    body = client.get(_url("questionnaire", assessment)).content.decode()
    assert "required" not in body.lower()
    assert "checked" not in _block(body, "q-skill-python")
    assert "weight" not in body.lower()
    assert "essential" not in body.lower()


def test_questionnaire_progress_starts_at_zero_and_counts_answers(client, ladder):
    assessment = _start(client, ladder.lead)
    body = client.get(_url("questionnaire", assessment)).content.decode()
    assert "0 of 6 answered" in body

    _answer_all(client, assessment, {"skill-python": "3", "exp-mgmt": "1", "education": "phd"})
    body = client.get(_url("questionnaire", assessment)).content.decode()
    assert "3 of 6 answered" in body
    assert re.search(r'id="id-skill-python-3" value="3"\s*checked', body)
    assert len(re.findall(r"\bchecked\b", _block(body, "q-skill-python"))) == 1
    assert 'value="1"' in _block(body, "q-exp-mgmt")
    assert '<option value="phd" selected>' in body


# --- autosave -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "answered"),
    [
        ("skill-python", "3", 1),
        ("exp-ml-work", "4.5", 1),
        ("education", "master", 1),
    ],
)
def test_autosave_saves_one_answer_and_returns_saved_with_progress(
    client, ladder, key, value, answered
):
    assessment = _start(client, ladder.lead)
    response = _answer(client, assessment, key, value)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Saved" in body
    assert f"{answered} of 6 answered" in body
    assert 'hx-swap-oob="true"' in body
    # the phone's sticky bar follows too
    assert (
        f'<span id="progress-count-mobile" class="small" hx-swap-oob="true">'
        f"{answered} of 6 answered</span>"
    ) in body
    assessment.refresh_from_db()
    assert assessment.last_question == key


def test_questionnaire_states_its_size_and_time_and_leads_to_review(client, ladder):
    # 3 skills on the ladder (python, sql, people leadership), 2 kinds of experience and
    # education: 6 questions, 20 seconds each → 2 minutes
    assessment = _start(client, ladder.lead)
    body = client.get(_url("questionnaire", assessment)).content.decode()
    assert "6 questions, about 2 minutes." in body
    counts = re.findall(r'data-testid="section-count">([^<]+)<', body)
    assert counts == ["2 questions", "1 question", "3 questions"]  # technical, people, background
    submit = _url("submit", assessment)
    # "Review and submit" is the main button and the same words everywhere on the page
    assert body.count(">Review and submit<") == 3  # sidebar, end of the form, phone bar
    assert f'<a class="btn btn-primary w-100" href="{submit}">Review and submit</a>' in body
    assert '<button type="submit" class="btn btn-primary" name="then" value="review">' in body
    assert "Save and review" not in body


def test_autosave_stores_level_evidence_years_and_education(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(
        client,
        assessment,
        {
            "skill-python": "3",
            "evidence-python": "Shipped a feature store in Python.",
            "exp-ml-work": "4.5",
            "education": "master",
        },
    )
    assessment.refresh_from_db()
    assert _levels(assessment) == {"python": 3}
    assert _evidence(assessment) == {"python": "Shipped a feature store in Python."}
    assert _years(assessment) == {"ml-work": Decimal("4.5")}
    assert assessment.education == EducationLevel.MASTER


def test_autosave_progress_counts_each_question_once(client, ladder):
    assessment = _start(client, ladder.lead)
    assert "1 of 6 answered" in _answer(client, assessment, "skill-sql", "1").content.decode()
    assert "1 of 6 answered" in _answer(client, assessment, "skill-sql", "2").content.decode()
    body = _answer(client, assessment, "evidence-sql", "Reports").content.decode()
    assert "1 of 6 answered" in body
    assert "2 of 6 answered" in _answer(client, assessment, "exp-mgmt", "0").content.decode()


def test_autosave_last_answer_wins(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(
        client,
        assessment,
        {
            "skill-python": "1",
            "evidence-python": "first",
            "exp-mgmt": "1",
            "education": "bachelor",
        },
    )
    _answer_all(
        client,
        assessment,
        {
            "skill-python": "4",
            "evidence-python": "second",
            "exp-mgmt": "2.5",
            "education": "none",
        },
    )
    assessment.refresh_from_db()
    assert _levels(assessment) == {"python": 4}
    assert _evidence(assessment) == {"python": "second"}
    assert _years(assessment) == {"mgmt": Decimal("2.5")}
    assert assessment.education == EducationLevel.NONE
    assert SkillAnswer.objects.count() == 1
    assert ExperienceAnswer.objects.count() == 1


def test_autosave_evidence_before_a_level_is_refused(client, ladder):
    assessment = _start(client, ladder.lead)
    response = _answer(client, assessment, "evidence-python", "A project")
    assert response.status_code == 422
    assert (
        "Not saved: Choose a level for this skill before adding evidence."
        in response.content.decode()
    )
    assert not SkillAnswer.objects.exists()


@pytest.mark.parametrize("value", ["7", "-1", "2.5", "abc", "", "6"])
def test_autosave_refuses_a_bad_level_and_keeps_the_saved_one(client, ladder, value):
    assessment = _start(client, ladder.lead)
    _answer(client, assessment, "skill-python", "3")
    response = _answer(client, assessment, "skill-python", value)
    assert response.status_code == 422
    assert "Not saved: Choose a level from 0 (None) to 5 (Expert)." in response.content.decode()
    assert _levels(assessment) == {"python": 3}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Years cannot be negative."),
        ("61", "Enter at most 60 years."),
        ("abc", "Enter years as a number, for example 3 or 4.5."),
        ("NaN", "Enter years as a number, for example 3 or 4.5."),
        ("Infinity", "Enter years as a number, for example 3 or 4.5."),
        ("2.3", "Use whole or half years, for example 2 or 2.5."),
    ],
)
def test_autosave_refuses_bad_years_and_keeps_the_saved_ones(client, ladder, value, message):
    assessment = _start(client, ladder.lead)
    _answer(client, assessment, "exp-ml-work", "4.5")
    response = _answer(client, assessment, "exp-ml-work", value)
    assert response.status_code == 422
    assert f"Not saved: {message}" in response.content.decode()
    assert _years(assessment) == {"ml-work": Decimal("4.5")}


def test_autosave_refuses_an_unknown_education(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer(client, assessment, "education", "bachelor")
    response = _answer(client, assessment, "education", "doctor")
    assert response.status_code == 422
    assert "Not saved: Choose your highest education from the list." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.education == EducationLevel.BACHELOR


@pytest.mark.parametrize("key", ["skill-rust", "evidence-rust"])
def test_autosave_refuses_a_skill_outside_the_questionnaire(client, ladder, key):
    assessment = _start(client, ladder.lead)
    response = _answer(client, assessment, key, "3")
    assert response.status_code == 422
    assert "Not saved: That skill is not part of this assessment." in response.content.decode()
    assert not SkillAnswer.objects.exists()


@pytest.mark.parametrize("key", ["exp-rust-years", "then", "owner"])
def test_autosave_refuses_a_field_that_is_no_question(client, ladder, key):
    assessment = _start(client, ladder.lead)
    response = _answer(client, assessment, key, "3")
    assert response.status_code == 422
    assert "Not saved: That" in response.content.decode()
    assert not ExperienceAnswer.objects.exists()


def test_autosave_refuses_evidence_over_2000_characters_and_keeps_the_old(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, {"skill-python": "3", "evidence-python": "Kept"})
    response = _answer(client, assessment, "evidence-python", "x" * 2001)
    assert response.status_code == 422
    assert (
        "Not saved: Keep evidence to 2,000 characters; this has 2,001." in response.content.decode()
    )
    assert _evidence(assessment) == {"python": "Kept"}


def test_autosave_accepts_evidence_of_exactly_2000_characters(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, {"skill-python": "3", "evidence-python": "x" * 2000})
    assert _evidence(assessment) == {"python": "x" * 2000}


@pytest.mark.parametrize("data", [{}, {"skill-python": "3", "skill-sql": "2"}])
def test_autosave_needs_exactly_one_field(client, ladder, data):
    assessment = _start(client, ladder.lead)
    response = client.post(_url("answer", assessment), data)
    assert response.status_code == 400
    assert response.content.decode() == "Send exactly one answer."
    assert not SkillAnswer.objects.exists()


def test_autosave_of_a_10_mb_field_is_refused_and_loses_nothing(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, {"skill-python": "3", "evidence-python": "Kept"})
    response = client.post(_url("answer", assessment), {"evidence-python": "x" * 10_000_000})
    assert response.status_code == 400
    assert _levels(assessment) == {"python": 3}
    assert _evidence(assessment) == {"python": "Kept"}


def test_autosave_url_refuses_get(client, ladder):
    assessment = _start(client, ladder.lead)
    assert client.get(_url("answer", assessment)).status_code == 405


# --- full form post (no JavaScript) ---------------------------------------------------


def test_full_form_post_saves_every_answer_at_once(client, ladder):
    assessment = _start(client, ladder.lead)
    data = COMPLETE_ANSWERS | {"evidence-python": "Notebooks", "evidence-sql": ""}
    response = client.post(_url("questionnaire", assessment), data, follow=True)
    assert response.redirect_chain == [(_url("questionnaire", assessment), 302)]
    assert "Your answers are saved." in response.content.decode()
    assert "6 of 6 answered" in response.content.decode()
    assert SkillAnswer.objects.filter(assessment=assessment).count() == 3
    assert ExperienceAnswer.objects.filter(assessment=assessment).count() == 2
    assessment.refresh_from_db()
    assert _levels(assessment) == {"python": 2, "sql": 3, "people-leadership": 1}
    assert _evidence(assessment)["python"] == "Notebooks"
    assert _years(assessment) == {"ml-work": Decimal(5), "mgmt": Decimal(2)}
    assert assessment.education == EducationLevel.MASTER


def test_full_form_post_saves_the_valid_and_shows_errors_beside_the_invalid(client, ladder):
    assessment = _start(client, ladder.lead)
    data = {
        "skill-python": "3",
        "evidence-python": "Notebooks",
        "skill-sql": "9",
        "exp-ml-work": "abc",
        "exp-mgmt": "1.5",
        "education": "doctor",
    }
    response = client.post(_url("questionnaire", assessment), data)
    body = response.content.decode()
    assert response.status_code == 422
    assert "Some answers need another look; the others are saved." in body
    assert _levels(assessment) == {"python": 3}
    assert _evidence(assessment) == {"python": "Notebooks"}
    assert _years(assessment) == {"mgmt": Decimal("1.5")}
    assessment.refresh_from_db()
    assert assessment.education is None

    sql = _block(body, "q-skill-sql")
    assert "Not saved: Choose a level from 0 (None) to 5 (Expert)." in sql
    assert "Not saved" not in _block(body, "q-skill-python")
    assert "Not saved: Enter years as a number, for example 3 or 4.5." in _block(
        body, "q-exp-ml-work"
    )
    assert "Not saved" not in _block(body, "q-exp-mgmt")
    assert "Not saved: Choose your highest education from the list." in _block(body, "q-education")
    assert "2 of 6 answered" in body


def test_full_form_post_shows_evidence_without_level_beside_its_question(client, ladder):
    assessment = _start(client, ladder.lead)
    response = client.post(_url("questionnaire", assessment), {"evidence-sql": "Dashboards"})
    assert response.status_code == 422
    assert "Choose a level for this skill before adding evidence." in _block(
        response.content.decode(), "q-skill-sql"
    )
    assert not SkillAnswer.objects.exists()


def test_full_form_post_keeps_a_level_given_with_its_evidence(client, ladder):
    assessment = _start(client, ladder.lead)
    data = {"evidence-sql": "Dashboards", "skill-sql": "2"}
    response = client.post(_url("questionnaire", assessment), data)
    assert response.status_code == 302
    assert _evidence(assessment) == {"sql": "Dashboards"}


def test_full_form_post_then_review_redirects_to_the_submit_page(client, ladder):
    assessment = _start(client, ladder.lead)
    data = {"skill-python": "3", "then": "review"}
    response = client.post(_url("questionnaire", assessment), data)
    assert response.status_code == 302
    assert response["Location"] == _url("submit", assessment)
    assert _levels(assessment) == {"python": 3}


# --- submit ---------------------------------------------------------------------------


def test_submit_page_lists_unanswered_questions_with_links(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, {"skill-python": "3", "exp-mgmt": "1"})
    body = client.get(_url("submit", assessment)).content.decode()
    assert "4 questions still need an answer" in body
    page = _url("questionnaire", assessment)
    for key, name in [
        ("skill-sql", "SQL"),
        ("skill-people-leadership", "People leadership"),
        ("exp-ml-work", "Professional ML work"),
        ("education", "Highest education"),
    ]:
        assert f'<a href="{page}#q-{key}">{name}</a>' in body
    assert "#q-skill-python" not in body
    assert "#q-exp-mgmt" not in body
    assert "Submit my assessment" not in body


def test_submit_is_refused_while_anything_is_unanswered(client, ladder):
    assessment = _start(client, ladder.lead)
    incomplete = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "exp-mgmt"}
    _answer_all(client, assessment, incomplete)
    response = client.post(_url("submit", assessment))
    body = response.content.decode()
    assert response.status_code == 422
    assert "1 question still needs an answer before you submit." in body
    assert '#q-exp-mgmt">People management</a>' in body
    assessment.refresh_from_db()
    assert assessment.is_draft
    assert (assessment.snapshot, assessment.report, assessment.answers_frozen) == (None,) * 3
    assert (assessment.readiness, assessment.verdict, assessment.submitted_at) == (None, "", None)


def test_submit_freezes_the_assessment_and_shows_the_result(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, COMPLETE_ANSWERS)
    body = client.get(_url("submit", assessment)).content.decode()
    assert "Submit my assessment" in body

    response = client.post(_url("submit", assessment), follow=True)
    assert response.redirect_chain == [(_url("result", assessment), 302)]
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_at is not None
    assert assessment.readiness == Decimal("70.3")
    assert assessment.verdict == "developing"
    assert assessment.report["readiness"] == 70.3
    assert [rung["slug"] for rung in assessment.snapshot["ladder"]] == ["junior", "lead"]
    assert assessment.answers_frozen == {
        "skills": {"python": 2, "sql": 3, "people-leadership": 1},
        "experience": {"ml-work": 5.0, "mgmt": 2.0},
        "education": "master",
        "evidence": {},
    }

    body = response.content.decode()
    assert "Submitted. Here is where you stand." in body
    assert re.search(r'data-testid="readiness">\s*70\.3\s*<', body)
    assert re.search(r'data-testid="verdict">\s*Developing\s*<', body)
    start = body.index('data-testid="gaps"')
    gaps = body[start : body.index("</table>", start)]
    # Python is essential and unmet, so it leads although leadership's shortfall
    # (5·3/4 = 3.75) is larger than Python's (2·2/4 = 1)
    assert gaps.index("Python") < gaps.index("People leadership")
    assert "Awareness → Advanced" in gaps  # leadership 1 → 4
    assert "Working → Advanced" in gaps  # python 2 → 4
    assert "SQL" not in gaps  # asked for the junior rung, not required by the lead
    assert "Professional ML work" not in gaps  # 5 of 5 years: met


def test_second_submit_redirects_to_the_same_result_and_changes_nothing(client, ladder):
    assessment = _submitted(client, ladder)
    frozen = (assessment.submitted_at, assessment.report, assessment.snapshot)
    response = client.post(_url("submit", assessment))
    assert response.status_code == 302
    assert response["Location"] == _url("result", assessment)
    assert Assessment.objects.count() == 1
    assessment.refresh_from_db()
    assert (assessment.submitted_at, assessment.report, assessment.snapshot) == frozen


def test_submit_over_htmx_answers_with_a_client_redirect(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, COMPLETE_ANSWERS)
    response = client.post(_url("submit", assessment), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("result", assessment)
    assessment.refresh_from_db()
    assert not assessment.is_draft


def test_result_of_a_draft_redirects_to_its_questionnaire(client, ladder):
    assessment = _start(client, ladder.lead)
    response = client.get(_url("result", assessment))
    assert response.status_code == 302
    assert response["Location"] == _url("questionnaire", assessment)


# --- after submission -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [("skill-python", "5"), ("evidence-python", "Later"), ("exp-mgmt", "3"), ("education", "phd")],
)
def test_autosave_after_submission_is_a_conflict_and_changes_nothing(client, ladder, key, value):
    assessment = _submitted(client, ladder)
    before = (_levels(assessment), _evidence(assessment), _years(assessment))
    response = _answer(client, assessment, key, value)
    body = response.content.decode()
    assert response.status_code == 409
    assert f"Not saved: {SUBMITTED_MESSAGE}" in body
    assert f'href="{reverse("assessments:mine")}"' in body
    assert (_levels(assessment), _evidence(assessment), _years(assessment)) == before
    updated_at = assessment.updated_at
    assessment.refresh_from_db()
    assert (assessment.updated_at, assessment.education) == (updated_at, EducationLevel.MASTER)


def test_autosave_of_a_bad_value_after_submission_is_still_a_conflict(client, ladder):
    assessment = _submitted(client, ladder)
    response = _answer(client, assessment, "skill-python", "9")
    assert response.status_code == 409
    assert _levels(assessment)["python"] == 2


def test_full_form_post_after_submission_redirects_to_the_result(client, ladder):
    assessment = _submitted(client, ladder)
    response = client.post(
        _url("questionnaire", assessment), {"skill-python": "5", "education": "phd"}, follow=True
    )
    assert response.redirect_chain == [(_url("result", assessment), 302)]
    assert "This assessment is submitted; here is its result." in response.content.decode()
    assert _levels(assessment)["python"] == 2
    assessment.refresh_from_db()
    assert assessment.education == EducationLevel.MASTER


def test_questionnaire_after_submission_redirects_to_the_result(client, ladder):
    assessment = _submitted(client, ladder)
    response = client.get(_url("questionnaire", assessment), follow=True)
    assert response.redirect_chain == [(_url("result", assessment), 302)]
    assert "This assessment is submitted; here is its result." in response.content.decode()


def test_submit_page_after_submission_redirects_to_the_result(client, ladder):
    assessment = _submitted(client, ladder)
    response = client.get(_url("submit", assessment))
    assert response.status_code == 302
    assert response["Location"] == _url("result", assessment)


def _report_numbers(body: str) -> dict[str, str]:
    """The result page's readiness, verdict and gaps table, as shown."""
    start = body.index('data-testid="gaps"')
    return {
        "readiness": re.search(r'data-testid="readiness">\s*([^<]*?)\s*<', body).group(1),
        "verdict": re.search(r'data-testid="verdict">\s*([^<]*?)\s*<', body).group(1),
        "gaps": body[start : body.index("</table>", start)],
    }


def test_editing_the_role_after_submission_changes_neither_report_nor_result(client, ladder):
    assessment = _submitted(client, ladder)
    report = assessment.report
    before = _report_numbers(client.get(_url("result", assessment)).content.decode())
    assert (before["readiness"], before["verdict"]) == ("70.3", "Developing")

    SkillRequirement.objects.filter(role=ladder.lead, skill=ladder.python).update(level=5)
    SkillRequirement.objects.filter(role=ladder.lead, skill=ladder.leadership).delete()
    kubernetes = make_skill(slug="kubernetes", name="Kubernetes")
    SkillRequirement.objects.create(role=ladder.lead, skill=kubernetes, level=3, weight=5)

    assessment.refresh_from_db()
    assert assessment.report == report
    assert (assessment.readiness, assessment.verdict) == (Decimal("70.3"), "developing")
    after = _report_numbers(client.get(_url("result", assessment)).content.decode())
    assert after == before
    assert "People leadership" in after["gaps"]
    assert "Working → Advanced" in after["gaps"]  # python still against the frozen 4
    assert "Kubernetes" not in after["gaps"]


# --- retake ---------------------------------------------------------------------------


def test_retake_creates_a_draft_prefilled_with_the_last_answers(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, COMPLETE_ANSWERS | {"evidence-python": "Notebooks"})
    _answer(client, assessment, "exp-mgmt", "2.5")
    client.post(_url("submit", assessment))

    response = client.post(_url("retake", assessment), follow=True)
    retake = Assessment.objects.drafts().get()
    assert response.redirect_chain == [(_url("questionnaire", retake), 302)]
    assert "A new assessment, filled in with your last answers." in response.content.decode()
    assert retake.pk != assessment.pk
    assert retake.retake_of == assessment
    assert retake.visitor_token == assessment.visitor_token
    assert _levels(retake) == {"python": 2, "sql": 3, "people-leadership": 1}
    assert _evidence(retake)["python"] == "Notebooks"
    assert _years(retake) == {"ml-work": Decimal(5), "mgmt": Decimal("2.5")}
    assert retake.education == EducationLevel.MASTER
    assert "6 of 6 answered" in response.content.decode()
    # The submitted one is untouched.
    assert _levels(assessment) == {"python": 2, "sql": 3, "people-leadership": 1}


def test_second_retake_resumes_the_open_draft(client, ladder):
    assessment = _submitted(client, ladder)
    client.post(_url("retake", assessment))
    retake = Assessment.objects.drafts().get()
    _answer(client, retake, "skill-python", "4")

    response = client.post(_url("retake", assessment), follow=True)
    assert response.redirect_chain == [(_url("questionnaire", retake), 302)]
    assert "You already have a draft for this role: here it is." in response.content.decode()
    assert Assessment.objects.drafts().count() == 1
    assert Assessment.objects.count() == 2
    assert _levels(retake)["python"] == 4


def test_retake_of_a_draft_redirects_to_its_questionnaire(client, ladder):
    assessment = _start(client, ladder.lead)
    response = client.post(_url("retake", assessment))
    assert response["Location"] == _url("questionnaire", assessment)
    assert Assessment.objects.count() == 1


# --- delete and my assessments --------------------------------------------------------


def test_delete_asks_for_confirmation_first(client, ladder):
    assessment = _start(client, ladder.lead)
    response = client.get(_url("delete", assessment))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Delete your draft for ML Team Lead?" in body
    assert f'action="{_url("delete", assessment)}"' in body
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_delete_removes_a_draft_and_its_answers(client, ladder):
    assessment = _start(client, ladder.lead)
    _answer_all(client, assessment, {"skill-python": "3", "exp-mgmt": "1"})
    response = client.post(_url("delete", assessment), follow=True)
    assert response.redirect_chain == [(reverse("assessments:mine"), 302)]
    assert "Your assessment for ML Team Lead is deleted." in response.content.decode()
    assert not Assessment.objects.exists()
    assert not SkillAnswer.objects.exists()
    assert not ExperienceAnswer.objects.exists()
    assert client.get(_url("questionnaire", assessment)).status_code == 404


def test_delete_removes_a_submitted_assessment(client, ladder):
    assessment = _submitted(client, ladder)
    body = client.get(_url("delete", assessment)).content.decode()
    assert "Delete your assessment for ML Team Lead?" in body
    assert client.post(_url("delete", assessment)).status_code == 302
    assert not Assessment.objects.exists()
    assert client.get(_url("result", assessment)).status_code == 404


def test_my_assessments_lists_drafts_and_submissions_by_role(client, ladder):
    submitted = _submitted(client, ladder)
    client.post(_url("retake", submitted))
    retake = Assessment.objects.drafts().get()
    junior_draft = _start(client, ladder.junior)

    body = client.get(reverse("assessments:mine")).content.decode()
    lead = _card(body, "role-lead")
    junior = _card(body, "role-junior")
    assert "ML Team Lead" in lead
    assert "Draft, last saved" in lead
    assert f'href="{_url("questionnaire", retake)}"' in lead
    date = dateformat.format(submitted.submitted_at, "j M Y")
    assert re.search(
        rf'<a href="{_url("result", submitted)}">{date}</a></th>'
        rf"<td>70\.3</td><td>Developing</td>",
        lead,
    )
    assert "Junior ML Engineer" in junior
    assert f'href="{_url("questionnaire", junior_draft)}"' in junior
    assert "<table" not in junior


def test_my_assessments_is_empty_for_a_new_visitor(client, ladder):
    body = client.get(reverse("assessments:mine")).content.decode()
    assert "No assessments yet." in body


# --- query counts ---------------------------------------------------------------------


def _ladder_with_answers(user: Any, *, rungs: int, skills_per_rung: int) -> Assessment:
    roles = make_ladder(rungs, skills_per_rung=skills_per_rung)
    target = roles[-1]
    for role in roles:
        for slug, name in (("ml-work", "ML work"), ("mgmt", "Management")):
            role.experience_requirements.create(slug=slug, name=name, years=2)
    skills = [r.skill for role in roles for r in role.skill_requirements.all()]
    return make_assessment(
        role=target,
        owner=user,
        levels={skill: 3 for skill in skills},
        evidence={skill: "Some evidence" for skill in skills},
        years={"ml-work": 1, "mgmt": "2.5"},
        education=EducationLevel.BACHELOR,
    )


def _count_queries(client: Client, method: str, url: str, data: dict | None = None) -> int:
    """Queries of a request, rendered: a page kept whole for this viewer is dropped first
    (tests/perf/test_private_page_cache.py counts a kept page)."""
    forget_kept_pages()
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.fixture
def small_and_large(client, django_user_model) -> tuple[Assessment, Assessment]:
    user = django_user_model.objects.create_user(username="ann@example.com", password=PASSWORD)
    client.force_login(user)
    small = _ladder_with_answers(user, rungs=1, skills_per_rung=3)
    large = _ladder_with_answers(user, rungs=4, skills_per_rung=10)
    assert (small.skill_answers.count(), large.skill_answers.count()) == (3, 40)
    return small, large


# The questionnaire page, once its questionnaire is cached (the first view of a role under
# a catalogue version builds it, in a fixed number of queries):
#   1 session, 2 user, 3 the assessment with role and track,
#   4 the skill answers, 5 the experience answers, 6 whether the user is a coach.
QUESTIONNAIRE_QUERIES = 6


def test_questionnaire_queries_do_not_grow_with_skills_or_answers(client, small_and_large):
    for assessment in small_and_large:
        client.get(_url("questionnaire", assessment))  # builds and caches the questionnaire
    counts = [_count_queries(client, "get", _url("questionnaire", a)) for a in small_and_large]
    assert counts == [QUESTIONNAIRE_QUERIES] * 2


# An autosave of one level over an existing answer (tests/perf pins more cases), once the
# draft's role is known to the process (its first save):
#   PostgreSQL: 1 session, 2 user, 3 one statement: the assessment, owned, locked and its
#   last question updated, the answer's upsert, and the answered skills and experience.
#   SQLite: 1 session, 2 user, 3 savepoint, 4 the assessment, owned, locked and its last
#   question updated (one UPDATE ... RETURNING), 5 the answer's upsert, 6 release
#   savepoint, 7 the answered skills and experience (the progress).
def _autosave_queries() -> int:
    return 3 if connection.vendor == "postgresql" else 7


def test_autosave_queries_do_not_grow_with_skills_or_answers(client, small_and_large):
    expected = _autosave_queries()
    counts = []
    for assessment in small_and_large:
        slug = assessment.skill_answers.select_related("skill").first().skill.slug
        url = _url("answer", assessment)
        client.post(url, {f"skill-{slug}": "3"})  # builds and caches the questionnaire
        counts.append(_count_queries(client, "post", url, {f"skill-{slug}": "4"}))
    assert counts == [expected] * 2


# --- page weight ----------------------------------------------------------------------


def test_a_54_skill_questionnaire_carries_its_htmx_once_per_question_and_comes_compressed(
    client, django_user_model
):
    """At 54 skills the page once weighed 341 KB, 29 % of it htmx attributes repeated on
    every radio button. Each question's attributes now sit once, on its fieldset (a
    change bubbles up to it), and the page is served gzipped."""
    import gzip

    user = django_user_model.objects.create_user(username="ann@example.com", password=PASSWORD)
    client.force_login(user)
    assessment = _ladder_with_answers(user, rungs=6, skills_per_rung=9)
    url = _url("questionnaire", assessment)

    body = client.get(url).content.decode()
    compressed = client.get(url, headers={"Accept-Encoding": "gzip"})

    fieldsets = re.findall(r"<fieldset class=\"question\"[^>]*>", body)
    radios = re.findall(r"<input[^>]*type=\"radio\"[^>]*>", body)
    assert (len(fieldsets), len(radios)) == (54, 54 * 6)
    assert all("hx-post=" in f and 'hx-trigger="change"' in f for f in fieldsets)
    assert not any("hx-" in radio for radio in radios)
    # Each skill's fieldset and evidence box, the two kinds of experience and education.
    assert body.count("hx-post=") == 54 * 2 + 2 + 1
    assert len(body.encode()) < 250_000
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert len(compressed.content) < len(body.encode()) / 5
    plain = gzip.decompress(compressed.content).decode()
    assert re.sub(r"csrf[^\"]*\"[^\"]*\"", "", plain).count("<fieldset") == 54
