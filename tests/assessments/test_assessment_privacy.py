"""Who may reach an assessment (docs/permissions.md), and how a visitor's draft
follows them into their account."""

from __future__ import annotations

import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, ExperienceAnswer, SkillAnswer
from assessments.services import assessment_submit
from assessments.views import VISITOR_SESSION_KEY
from roles.models import EducationLevel
from tests.factories import make_assessment, make_category, make_role, make_skill, make_track

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"

# Every URL of one assessment, with the method and the data an intruder might send.
ENDPOINTS = [
    ("questionnaire", "get", None),
    ("questionnaire", "post", {"skill-python": "5", "education": "phd"}),
    ("answer", "post", {"skill-python": "5"}),
    ("submit", "get", None),
    ("submit", "post", None),
    ("result", "get", None),
    ("retake", "post", None),
    ("delete", "get", None),
    ("delete", "post", None),
]
ENDPOINT_IDS = [f"{method}-{name}" for name, method, _ in ENDPOINTS]


@pytest.fixture
def role() -> SimpleNamespace:
    """One role with two skills and one experience requirement: four questions."""
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    role = make_role(
        slug="lead",
        title="ML Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, True), (sql, 2, 2, False)],
        experience=[("ml-work", "Professional ML work", 3, 4, False)],
        education=(EducationLevel.BACHELOR, 2, False),
    )
    return SimpleNamespace(role=role, python=python, sql=sql)


def _url(name: str, pk: Any) -> str:
    return reverse(f"assessments:{name}", args=[pk])


def _user(django_user_model: Any, email: str) -> Any:
    return django_user_model.objects.create_user(username=email, email=email, password=PASSWORD)


def _as_visitor(client: Client, token: str) -> Client:
    session = client.session
    session[VISITOR_SESSION_KEY] = token
    session.save()
    return client


def _victim(role: SimpleNamespace, *, status: str, **owner: Any) -> Assessment:
    assessment = make_assessment(
        role=role.role,
        levels={role.python: 2, role.sql: 2},
        evidence={role.python: "Private note"},
        years={"ml-work": 1},
        education=EducationLevel.NONE,
        **owner,
    )
    if status == "submitted":
        assessment = assessment_submit(assessment_id=assessment.pk)
    return assessment


def _state() -> list[tuple]:
    """Everything an intruder could change, across every assessment."""
    assessments = [
        (
            a.pk,
            a.owner_id,
            a.visitor_token,
            a.status,
            a.education,
            a.last_question,
            a.updated_at,
            a.submitted_at,
            a.report,
        )
        for a in Assessment.objects.order_by("pk")
    ]
    skills = list(SkillAnswer.objects.order_by("pk").values_list("pk", "level", "evidence"))
    years = list(ExperienceAnswer.objects.order_by("pk").values_list("pk", "years"))
    return [assessments, skills, years]


def _hit(client: Client, name: str, method: str, data: dict | None, pk: Any):
    return getattr(client, method)(_url(name, pk), data or {})


def _intruder(kind: str, client: Client, django_user_model: Any, role: SimpleNamespace) -> Client:
    # The intruders have their own draft of the same role: owning one opens no other.
    if kind == "other user":
        mallory = _user(django_user_model, "mallory@example.com")
        client.force_login(mallory)
        make_assessment(role=role.role, owner=mallory)
    elif kind == "other visitor":
        _as_visitor(client, "mallory-browser")
        make_assessment(role=role.role, visitor_token="mallory-browser")
    elif kind == "new visitor":
        pass  # no session at all
    return client


# --- nobody but the owner reaches an assessment -------------------------------------


@pytest.mark.parametrize("status", ["draft", "submitted"])
@pytest.mark.parametrize("intruder", ["other user", "other visitor", "new visitor"])
@pytest.mark.parametrize(("name", "method", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_users_assessment_is_404_for_anyone_else_and_stays_unchanged(
    client, django_user_model, role, status, intruder, name, method, data
):
    owner = _user(django_user_model, "ann@example.com")
    assessment = _victim(role, status=status, owner=owner)
    _intruder(intruder, client, django_user_model, role)
    before = _state()

    response = _hit(client, name, method, data, assessment.pk)

    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize("status", ["draft", "submitted"])
@pytest.mark.parametrize("intruder", ["other user", "other visitor", "new visitor"])
@pytest.mark.parametrize(("name", "method", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_visitors_assessment_is_404_for_anyone_else_and_stays_unchanged(
    client, django_user_model, role, status, intruder, name, method, data
):
    assessment = _victim(role, status=status, visitor_token="ann-browser")
    _intruder(intruder, client, django_user_model, role)
    before = _state()

    response = _hit(client, name, method, data, assessment.pk)

    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize(("name", "method", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_the_owner_reaches_every_url_of_their_assessment(
    client, django_user_model, role, name, method, data
):
    # The counterpart of the 404s above: the same requests from the owner are not refused.
    owner = _user(django_user_model, "ann@example.com")
    status = "submitted" if name in ("result", "retake") else "draft"
    assessment = _victim(role, status=status, owner=owner)
    client.force_login(owner)
    response = _hit(client, name, method, data, assessment.pk)
    assert response.status_code in (200, 302, 422)


@pytest.mark.parametrize(
    "path",
    [
        "/assessments/123/",
        "/assessments/not-a-uuid/answer/",
        "/assessments/1' OR '1'='1/result/",
        "/assessments/00000000-0000-0000-0000-00000000000g/submit/",
    ],
)
def test_a_non_uuid_assessment_id_is_404(client, django_user_model, role, path):
    owner = _user(django_user_model, "ann@example.com")
    _victim(role, status="draft", owner=owner)
    client.force_login(owner)
    assert client.get(path).status_code == 404
    assert client.post(path, {"skill-python": "5"}).status_code == 404


@pytest.mark.parametrize(("name", "method", "data"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_random_uuid_is_404_even_for_an_owner_of_other_assessments(
    client, django_user_model, role, name, method, data
):
    owner = _user(django_user_model, "ann@example.com")
    _victim(role, status="draft", owner=owner)
    client.force_login(owner)
    before = _state()
    assert _hit(client, name, method, data, uuid.uuid4()).status_code == 404
    assert _state() == before


def test_my_assessments_lists_only_the_askers_own(client, django_user_model, role):
    ann = _user(django_user_model, "ann@example.com")
    _victim(role, status="submitted", owner=ann)
    _victim(role, status="draft", visitor_token="someone-else")
    client.force_login(_user(django_user_model, "mallory@example.com"))
    body = client.get(reverse("assessments:mine")).content.decode()
    assert "No assessments yet." in body
    assert "ML Team Lead" not in body


# --- a visitor's draft follows them into their account --------------------------------


def _visitor_draft(client: Client, role: SimpleNamespace) -> Assessment:
    response = client.post(reverse("roles:assess", args=[role.role.slug]))
    assert response.status_code == 302
    assessment = Assessment.objects.get(pk=response["Location"].split("/")[-2])
    for key, value in {
        "skill-python": "3",
        "evidence-python": "Built the training pipeline",
        "exp-ml-work": "2.5",
        "education": "master",
    }.items():
        assert client.post(_url("answer", assessment.pk), {key: value}).status_code == 200
    return assessment


def _answers(assessment: Assessment) -> dict[str, Any]:
    assessment.refresh_from_db()
    rows = SkillAnswer.objects.filter(assessment=assessment).select_related("skill")
    return {
        "levels": {row.skill.slug: row.level for row in rows},
        "evidence": {row.skill.slug: row.evidence for row in rows},
        "years": dict(
            ExperienceAnswer.objects.filter(assessment=assessment).values_list("slug", "years")
        ),
        "education": assessment.education,
    }


VISITOR_ANSWERS = {
    "levels": {"python": 3},
    "evidence": {"python": "Built the training pipeline"},
    "years": {"ml-work": Decimal("2.5")},
    "education": EducationLevel.MASTER,
}


def _signup(client: Client, email: str = "ann@example.com"):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("signup"), data, follow=True)


def _login(client: Client, email: str = "ann@example.com"):
    return client.post(reverse("login"), {"username": email, "password": PASSWORD}, follow=True)


def _assert_claimed(client: Client, draft: Assessment, user: Any) -> None:
    draft.refresh_from_db()
    assert (draft.owner, draft.visitor_token) == (user, "")
    assert draft.is_draft
    assert _answers(draft) == VISITOR_ANSWERS
    assert Assessment.objects.count() == 1
    body = client.get(reverse("assessments:mine")).content.decode()
    assert "ML Team Lead" in body
    assert f'href="{_url("questionnaire", draft.pk)}"' in body
    assert client.get(_url("questionnaire", draft.pk)).status_code == 200


def test_signing_up_attaches_the_visitors_draft_to_the_new_account(client, django_user_model, role):
    draft = _visitor_draft(client, role)
    response = _signup(client)
    assert "is now in your account" in response.content.decode()
    _assert_claimed(client, draft, django_user_model.objects.get(username="ann@example.com"))


def test_logging_in_attaches_the_visitors_draft_to_the_account(client, django_user_model, role):
    user = _user(django_user_model, "ann@example.com")
    draft = _visitor_draft(client, role)
    response = _login(client)
    assert response.context["user"] == user
    assert "is now in your account" in response.content.decode()
    _assert_claimed(client, draft, user)


def test_logging_in_attaches_a_visitors_submitted_assessment_too(client, django_user_model, role):
    user = _user(django_user_model, "ann@example.com")
    draft = _visitor_draft(client, role)
    client.post(_url("answer", draft.pk), {"skill-sql": "1"})
    assert client.post(_url("submit", draft.pk)).status_code == 302
    _login(client)
    draft.refresh_from_db()
    assert (draft.owner, draft.visitor_token, draft.is_draft) == (user, "", False)
    assert client.get(_url("result", draft.pk)).status_code == 200


def test_logging_in_merges_the_visitors_draft_into_the_accounts_draft(
    client, django_user_model, role
):
    user = _user(django_user_model, "ann@example.com")
    account_draft = make_assessment(
        role=role.role,
        owner=user,
        levels={role.python: 1, role.sql: 4},
        evidence={role.sql: "Wrote the reporting queries"},
        years={"ml-work": 6},
        education=EducationLevel.BACHELOR,
    )
    _visitor_draft(client, role)

    _login(client)

    drafts = Assessment.objects.drafts()
    assert drafts.count() == 1
    merged = drafts.get()
    assert (merged.owner, merged.visitor_token) == (user, "")
    assert merged.pk == account_draft.pk
    assert _answers(merged) == {
        # python, ml-work and education from the visitor (theirs win); sql from the account.
        "levels": {"python": 3, "sql": 4},
        "evidence": {"python": "Built the training pipeline", "sql": "Wrote the reporting queries"},
        "years": {"ml-work": Decimal("2.5")},
        "education": EducationLevel.MASTER,
    }
    body = client.get(reverse("assessments:mine")).content.decode()
    assert body.count("Draft, last saved") == 1


def test_claiming_leaves_another_visitors_drafts_alone(client, django_user_model, role):
    other = make_assessment(role=role.role, visitor_token="someone-else", levels={role.sql: 1})
    draft = _visitor_draft(client, role)
    _signup(client)
    other.refresh_from_db()
    assert (other.owner, other.visitor_token) == (None, "someone-else")
    draft.refresh_from_db()
    assert draft.owner is not None


def test_after_logout_the_claimed_draft_is_404_anonymously(client, django_user_model, role):
    draft = _visitor_draft(client, role)
    old_token = draft.visitor_token
    _signup(client)
    client.post(reverse("logout"))
    assert VISITOR_SESSION_KEY not in client.session
    # Neither this browser, now anonymous, nor one replaying the old visitor token.
    for browser in (client, _as_visitor(Client(), old_token)):
        for name, method, data in ENDPOINTS:
            response = _hit(browser, name, method, data, draft.pk)
            assert response.status_code == 404, name
    assert _answers(draft) == VISITOR_ANSWERS
    draft.refresh_from_db()
    assert draft.is_draft
