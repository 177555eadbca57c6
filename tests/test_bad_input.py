"""Bad input gets a clear message or a 4xx, never a 500: null characters (PostgreSQL cannot
store them in text), numbers that are not plain decimals, tokens of the wrong shape,
oversized fields. Run on PostgreSQL too: there a null character reaching a query is a 500."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ExperienceAnswer, ShareLink, SkillAnswer
from coaching.models import CoachNote, CoachRelationship, Invitation
from tests.factories import (
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)

pytestmark = pytest.mark.django_db

NUL = "\x00"
NULL_MESSAGE = "This text holds an invisible null character, which cannot be saved."
YEARS_MESSAGE = "Enter years as a number, for example 3 or 4.5."


@pytest.fixture
def role() -> Any:
    """One rung: python (a skill), ml-work (years of experience) and education."""
    python = make_skill(slug="python", name="Python", category=make_category())
    return make_role(
        slug="lead",
        skills=[(python, 3, 3, True)],
        experience=[("ml-work", "Professional ML work", 3, 3, True)],
        education=(1, 2, False),
    )


@pytest.fixture
def draft(client: Client, role: Any) -> Assessment:
    """A visitor's draft with python at 3, evidence "Kept" and 4.5 years, saved through
    the autosave as a person would."""
    response = client.post(reverse("roles:assess", args=[role.slug]))
    assessment = Assessment.objects.get(pk=response["Location"].split("/")[-2])
    for key, value in {
        "skill-python": "3",
        "evidence-python": "Kept",
        "exp-ml-work": "4.5",
    }.items():
        assert _autosave(client, assessment, key, value).status_code == 200
    return assessment


@pytest.fixture
def coaching() -> SimpleNamespace:
    """A coach with consent to a client's submitted assessment."""
    coach, client = make_coach(), make_user()
    role = make_role(skills=[(make_skill(category=make_category()), 3, 3, False)])
    assessment = make_submitted_assessment(role=role, owner=client)
    make_relationship(coach=coach, client=client)
    return SimpleNamespace(coach=coach, client=client, assessment=assessment)


def _autosave(client: Client, assessment: Assessment, key: str, value: str) -> Any:
    return client.post(
        reverse("assessments:answer", args=[assessment.pk]),
        {key: value},
        headers={"HX-Request": "true"},
    )


def _full_form(client: Client, assessment: Assessment, data: dict[str, str]) -> Any:
    return client.post(reverse("assessments:questionnaire", args=[assessment.pk]), data)


def _saved(assessment: Assessment) -> tuple[dict[str, tuple[int, str]], dict[str, Decimal]]:
    skills = {
        row.skill.slug: (row.level, row.evidence)
        for row in SkillAnswer.objects.filter(assessment=assessment).select_related("skill")
    }
    years = {row.slug: row.years for row in ExperienceAnswer.objects.filter(assessment=assessment)}
    return skills, years


def _status(body: str, key: str) -> str:
    """The text of the save-status line beside one question of the full form."""
    match = re.search(rf'id="status-{key}"[^>]*>(.*?)</div>', body, re.DOTALL)
    assert match, f"no status line for {key}"
    return match.group(1)


def _logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- null characters in answers: a message beside the question, nothing lost -----------


@pytest.mark.parametrize("text", [NUL, f"Shipped a model{NUL}", f"{NUL}x{NUL}"])
def test_autosave_refuses_evidence_with_a_null_character_and_keeps_the_saved(client, draft, text):
    response = _autosave(client, draft, "evidence-python", text)

    assert response.status_code == 422
    assert f"Not saved: {NULL_MESSAGE}" in response.content.decode()
    assert _saved(draft) == ({"python": (3, "Kept")}, {"ml-work": Decimal("4.5")})


def test_full_form_shows_a_null_character_in_evidence_beside_it_and_saves_the_rest(client, draft):
    response = _full_form(
        client,
        draft,
        {"skill-python": "4", "evidence-python": f"Led{NUL}a team", "exp-ml-work": "2"},
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert f"Not saved: {NULL_MESSAGE}" in _status(body, "evidence-python")
    assert _saved(draft) == ({"python": (4, "Kept")}, {"ml-work": Decimal("2")})


@pytest.mark.parametrize(
    ("key", "value"), [("skill-python", f"3{NUL}"), ("education", f"master{NUL}")]
)
def test_autosave_refuses_a_level_or_education_with_a_null_character(client, draft, key, value):
    response = _autosave(client, draft, key, value)

    assert response.status_code == 422
    assert "Not saved: Choose" in response.content.decode()


def test_a_null_character_in_a_field_name_is_a_400_that_changes_nothing(client, draft):
    response = _autosave(client, draft, f"evidence-python{NUL}", "Replaced")

    assert response.status_code == 400
    assert "We could not accept that request" in response.content.decode()
    assert _saved(draft) == ({"python": (3, "Kept")}, {"ml-work": Decimal("4.5")})


# --- years: plain decimal numbers only --------------------------------------------------


REFUSED_YEARS = [
    "4_5",  # Decimal() reads 45
    "1E+1",  # Decimal() reads 10
    "1e-999999999",  # Decimal() reads a number that rounds to 0
    "1e999999999",
    "Infinity",
    "-Infinity",
    "NaN",
    "sNaN",
    "٤",  # an Arabic-Indic four
    "４",  # a fullwidth four
    "0x10",
    "+4",
    "4.5.1",
    f"4{NUL}",
    NUL,
    " ",
]


@pytest.mark.parametrize("value", REFUSED_YEARS)
def test_autosave_refuses_years_that_are_not_a_plain_number_and_keeps_the_saved(
    client, draft, value
):
    response = _autosave(client, draft, "exp-ml-work", value)

    assert response.status_code == 422
    assert f"Not saved: {YEARS_MESSAGE}" in response.content.decode()
    assert _saved(draft)[1] == {"ml-work": Decimal("4.5")}


@pytest.mark.parametrize("value", [v for v in REFUSED_YEARS if v.strip()])
def test_full_form_shows_years_that_are_not_a_plain_number_beside_them(client, draft, value):
    response = _full_form(client, draft, {"skill-python": "5", "exp-ml-work": value})

    assert response.status_code == 422
    assert f"Not saved: {YEARS_MESSAGE}" in _status(response.content.decode(), "exp-ml-work")
    assert _saved(draft) == ({"python": (5, "Kept")}, {"ml-work": Decimal("4.5")})


@pytest.mark.parametrize(
    ("value", "saved"),
    [
        (" 4.5 ", "4.5"),
        ("4,5", "4.5"),
        ("0", "0"),
        (".5", "0.5"),
        ("2.", "2"),
        ("60", "60"),
        ("007", "7"),
        ("3.50", "3.5"),
    ],
)
def test_autosave_accepts_plain_decimal_years(client, draft, value, saved):
    assert _autosave(client, draft, "exp-ml-work", value).status_code == 200
    assert _saved(draft)[1] == {"ml-work": Decimal(saved)}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Years cannot be negative."),
        ("-0.5", "Years cannot be negative."),
        ("60.5", "Enter at most 60 years."),
        ("9" * 5000, "Enter at most 60 years."),
        ("2.25", "Use whole or half years, for example 2 or 2.5."),
    ],
)
def test_autosave_keeps_years_between_0_and_60_in_halves(client, draft, value, message):
    response = _autosave(client, draft, "exp-ml-work", value)

    assert response.status_code == 422
    assert f"Not saved: {message}" in response.content.decode()
    assert _saved(draft)[1] == {"ml-work": Decimal("4.5")}


# --- oversized fields -----------------------------------------------------------------


def test_autosave_of_10_mb_of_evidence_over_htmx_is_a_clear_400_and_loses_nothing(client, draft):
    response = _autosave(client, draft, "evidence-python", "x" * 10_000_000)

    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert _saved(draft) == ({"python": (3, "Kept")}, {"ml-work": Decimal("4.5")})


def test_autosave_of_evidence_under_the_request_limit_but_too_long_says_how_long(client, draft):
    response = _autosave(client, draft, "evidence-python", "x" * 500_000)

    assert response.status_code == 422
    assert "Keep evidence to 2,000 characters; this has 500,000." in response.content.decode()
    assert _saved(draft)[0] == {"python": (3, "Kept")}


# --- tokens in URLs: the wrong shape is a 404 -------------------------------------------


def _share_link(owner: Any) -> ShareLink:
    role = make_role(skills=[(make_skill(category=make_category()), 3, 3, False)])
    assessment = make_submitted_assessment(role=role, owner=owner)
    return ShareLink.objects.create(
        assessment=assessment, expires_at=timezone.now() + timedelta(days=1)
    )


def _bad_tokens(token: str) -> list[str]:
    return [
        "%00",
        f"{token}%00",
        f"{token[:-1]}%00",
        f"%00{token}",
        f"{token[:20]}%00{token[21:]}",
        f"{token}é",
        token[:21],  # shorter than any token the site makes
        token * 2,  # longer than a token column holds
    ]


def test_a_share_link_token_with_a_null_character_or_the_wrong_shape_is_404(client):
    link = _share_link(make_user())
    assert client.get(f"/shared/{link.token}/").status_code == 200

    for bad in _bad_tokens(link.token):
        assert client.get(f"/shared/{bad}/").status_code == 404, bad


@pytest.mark.parametrize(
    "data", [{}, {"decision": "decline"}, {"decision": "accept", "scope": "all"}]
)
def test_an_invitation_token_with_a_null_character_or_the_wrong_shape_is_404(data):
    invitation = Invitation.objects.create(coach=make_coach())
    client = _logged_in(make_user())

    for bad in _bad_tokens(invitation.token):
        url = f"/coaching/invitation/{bad}/"
        response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 404, bad

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not CoachRelationship.objects.exists()


# --- null characters in coaching forms: a message beside the field ---------------------


@pytest.mark.parametrize("code", [NUL, f"ABCD{NUL}EFG", f"ABCDEFGH{NUL}"])
def test_a_join_code_with_a_null_character_gets_a_message_beside_the_field(code):
    Invitation.objects.create(coach=make_coach(), code="ABCDEFGH")

    response = _logged_in(make_user()).post(reverse("coaching:join"), {"code": code})

    assert response.status_code == 200
    assert NULL_MESSAGE in response.content.decode()


def test_an_invitation_email_with_a_null_character_gets_a_message_and_sends_nothing(mailoutbox):
    coach = make_coach()

    response = _logged_in(coach).post(
        reverse("coaching:invite"), {"email": f"client{NUL}@example.com"}
    )

    assert response.status_code == 200
    assert NULL_MESSAGE in response.content.decode()
    assert not Invitation.objects.filter(coach=coach).exists()
    assert mailoutbox == []


def test_a_coach_note_with_a_null_character_is_refused_with_a_message(coaching):
    response = _logged_in(coaching.coach).post(
        reverse("coaching:note_add", args=[coaching.assessment.pk]),
        {"text": f"Strong{NUL} on Python", "visibility": "private"},
    )

    assert response.status_code == 302
    assert any(NULL_MESSAGE in message for message in _messages(response))
    assert not CoachNote.objects.exists()


def test_a_calibration_level_with_a_null_character_is_refused_with_a_message(coaching):
    skill = coaching.assessment.report["requirements"][0]["slug"]

    response = _logged_in(coaching.coach).post(
        reverse("coaching:calibrate", args=[coaching.assessment.pk]), {f"level-{skill}": f"3{NUL}"}
    )

    assert response.status_code == 302
    assert "Choose a level from 0 (None) to 5 (Expert)." in _messages(response)


def test_a_consent_choice_with_a_null_character_is_refused_with_a_message(coaching):
    relationship = CoachRelationship.objects.get(client=coaching.client)

    response = _logged_in(coaching.client).post(
        reverse("coaching:coach_scope", args=[relationship.pk]),
        {f"r{relationship.pk}-scope": "chosen", f"r{relationship.pk}-assessments": [NUL]},
    )

    assert response.status_code == 302
    assert _messages(response)
    assert relationship.shares.count() == 1


# --- null characters in query strings: a 400, never a query -----------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"q": NUL},
        {"q": f"lead{NUL}"},
        {"category": NUL},
        {f"q{NUL}": "lead"},
    ],
)
def test_a_null_character_in_the_role_search_is_a_clear_400(client, role, query):
    response = client.get(reverse("roles:list"), query)

    assert response.status_code == 400
    assert "We could not accept that request" in response.content.decode()


@pytest.mark.parametrize("name", ["coaching:clients", "coaching:clients_csv"])
@pytest.mark.parametrize(
    "query", [{"q": NUL}, {"role": NUL}, {"verdict": NUL}, {"page": NUL}, {"sort": NUL}]
)
def test_a_null_character_in_the_coach_dashboard_query_is_a_400(coaching, name, query):
    response = _logged_in(coaching.coach).get(reverse(name), query)

    assert response.status_code == 400


def test_a_null_character_in_an_admin_search_is_a_400(role):
    staff = make_user(is_staff=True, is_superuser=True)

    response = _logged_in(staff).get(reverse("admin:roles_role_changelist"), {"q": NUL})

    assert response.status_code == 400


def test_a_login_next_with_a_null_character_is_a_400(client):
    assert client.get(reverse("login"), {"next": f"/roles/{NUL}"}).status_code == 400


# --- null characters in account forms ---------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"username": f"ann{NUL}@example.com", "password": "correct-horse-battery"},
        {"username": "ann@example.com", "password": f"correct{NUL}horse"},
    ],
)
def test_a_login_with_a_null_character_is_refused_on_the_page(client, data):
    make_user(email="ann@example.com", password="correct-horse-battery")

    response = client.post(reverse("login"), data)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_signup_email_with_a_null_character_is_refused_on_the_page(client):
    response = client.post(
        reverse("signup"),
        {
            "email": f"ann{NUL}@example.com",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
        },
    )

    assert response.status_code == 200
    assert "null characters" in response.content.decode().lower()
    assert not get_user_model().objects.exists()
