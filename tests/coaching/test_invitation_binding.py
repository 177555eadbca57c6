"""An invitation sent by email is for that address alone (any case): another account is
refused in words, by link or by code, and nothing is shared. An invitation made without an
address stays open to whoever holds its code. The invitation records the consent it
became."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from coaching.models import CoachRelationship, Invitation, SharedAssessment
from coaching.services import NOT_YOURS
from tests.factories import (
    make_category,
    make_coach,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> SimpleNamespace:
    """Cora the coach; Cleo, invited by email; Max, another account; each with a report."""
    skill = make_skill(slug="python", name="Python", category=make_category())
    role = make_role(
        slug="lead", title="ML Team Lead", track=make_track(), skills=[(skill, 3, 3, True)]
    )
    cleo = make_user(email="cleo@example.com", first_name="Cleo")
    max_ = make_user(email="max@example.com")
    for person in (cleo, max_):
        make_submitted_assessment(role=role, owner=person, levels={"python": 2})
    return SimpleNamespace(coach=make_coach(email="cora@example.com"), cleo=cleo, max=max_)


def _browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _url(invitation: Invitation) -> str:
    return reverse("coaching:invitation", args=[invitation.token])


def _errors(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]


def _state() -> list[list[tuple]]:
    return [
        list(Invitation.objects.values_list("pk", "status", "client_id", "relationship_id")),
        list(CoachRelationship.objects.values_list("pk", "client_id", "revoked_at")),
        list(SharedAssessment.objects.values_list("relationship_id", "assessment_id")),
    ]


def test_another_account_sees_a_refusal_instead_of_the_consent_form(
    people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(coach=people.coach, email="cleo@example.com")

    response = _browser(people.max).get(_url(invitation))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="invitation-refused"' in page
    assert "sent to another email address" in page
    assert 'data-testid="consent-form"' not in page
    assert "cleo@example.com" not in page  # the address it was sent to is not revealed


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_another_account_can_neither_accept_nor_decline_and_nothing_changes(
    people: SimpleNamespace, decision: str
) -> None:
    invitation = Invitation.objects.create(coach=people.coach, email="cleo@example.com")
    before = _state()

    response = _browser(people.max).post(_url(invitation), {"decision": decision, "scope": "all"})

    assert response.status_code == 200
    assert "sent to another email address" in response.content.decode()
    assert _state() == before
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_the_code_of_an_emailed_invitation_leads_another_account_to_the_refusal(
    people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(coach=people.coach, email="cleo@example.com")
    max_ = _browser(people.max)

    joined = max_.post(reverse("coaching:join"), {"code": invitation.code}, follow=True)

    assert joined.status_code == 200
    assert NOT_YOURS in joined.content.decode()
    assert CoachRelationship.objects.count() == 0


@pytest.mark.parametrize("invited", ["cleo@example.com", "Cleo@Example.COM"])
def test_the_invited_address_accepts_whatever_its_case(
    people: SimpleNamespace, invited: str
) -> None:
    # Stored as the coach typed it here, as an admin or an older row might have it.
    invitation = Invitation.objects.create(coach=people.coach, email=invited)

    response = _browser(people.cleo).post(_url(invitation), {"decision": "accept", "scope": "all"})

    assert response.status_code == 302
    assert not _errors(response)
    relationship = CoachRelationship.objects.get()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert (invitation.client, invitation.relationship) == (people.cleo, relationship)


def test_an_account_whose_address_differs_only_in_case_accepts(people: SimpleNamespace) -> None:
    user = make_user(email="Dana.Doe@Example.com")
    invitation = Invitation.objects.create(coach=people.coach, email="dana.doe@example.com")

    response = _browser(user).post(_url(invitation), {"decision": "accept", "scope": "all"})

    assert response.status_code == 302
    assert CoachRelationship.objects.get().client == user


def test_an_invitation_without_an_address_is_open_to_whoever_holds_its_code(
    people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(coach=people.coach)
    max_ = _browser(people.max)

    joined = max_.post(reverse("coaching:join"), {"code": invitation.code})
    accepted = max_.post(_url(invitation), {"decision": "accept", "scope": "all"})

    assert joined.status_code == accepted.status_code == 302
    invitation.refresh_from_db()
    assert invitation.client == people.max
    assert invitation.relationship == CoachRelationship.objects.get(client=people.max)


def test_each_accepted_invitation_records_the_account_and_the_consent_it_became(
    people: SimpleNamespace,
) -> None:
    to_cleo = Invitation.objects.create(coach=people.coach, email="cleo@example.com")
    by_code = Invitation.objects.create(coach=people.coach)

    _browser(people.cleo).post(_url(to_cleo), {"decision": "accept", "scope": "all"})
    _browser(people.max).post(_url(by_code), {"decision": "accept", "scope": "all"})

    rows = set(Invitation.objects.values_list("pk", "client_id", "relationship__client_id"))
    assert rows == {
        (to_cleo.pk, people.cleo.pk, people.cleo.pk),
        (by_code.pk, people.max.pk, people.max.pk),
    }
