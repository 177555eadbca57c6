"""Invitations answered twice at once: one client, one coach, one relationship.

Every worker runs in its own thread, so on its own database connection (closed when the
thread ends, so PostgreSQL can drop the test database). The workers of one round wait on a
Barrier and then go at once, as in tests/assessments/test_concurrency.py. On SQLite the
tests use a file database (see settings), so the threads really contend for its lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coaching.models import CoachRelationship, Invitation, SharedAssessment
from coaching.services import CoachingError, invitation_accept, invitation_cancel
from tests.concurrency import run_together
from tests.factories import (
    make_category,
    make_coach,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)

ROUNDS = 5  # several attempts, so that at least some really overlap


def _accept(invitation: Invitation, client: Any) -> Callable[[threading.Barrier], Any]:
    def run(barrier: threading.Barrier) -> CoachRelationship | CoachingError:
        barrier.wait()
        try:
            return invitation_accept(invitation_id=invitation.pk, client=client, scope="all")
        except CoachingError as exc:
            return exc

    return run


def _submitted_for(client: Any) -> None:
    role = make_role(skills=[(make_skill(category=make_category()), 3, 3, False)])
    make_submitted_assessment(role=role, owner=client, levels={})


# --- threads, on the real database ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_of_two_invitations_from_one_coach_make_one_relationship() -> None:
    coach = make_coach()
    for _ in range(ROUNDS):
        client = make_user()
        _submitted_for(client)
        first, second = (Invitation.objects.create(coach=coach) for _ in range(2))

        outcomes = run_together([_accept(first, client), _accept(second, client)])

        relationship = CoachRelationship.objects.get(coach=coach, client=client)
        assert [o.pk for o in outcomes] == [relationship.pk, relationship.pk]
        statuses = Invitation.objects.filter(pk__in=[first.pk, second.pk])
        assert set(statuses.values_list("status", flat=True)) == {Invitation.Status.ACCEPTED}
        assert SharedAssessment.objects.filter(relationship=relationship).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_of_one_invitation_accept_it_once_and_refuse_the_other() -> None:
    coach = make_coach()
    for _ in range(ROUNDS):
        client = make_user()
        invitation = Invitation.objects.create(coach=coach)

        outcomes = run_together([_accept(invitation, client), _accept(invitation, client)])

        refused = [str(o) for o in outcomes if isinstance(o, CoachingError)]
        assert refused == ["This invitation was already used. Ask your coach for a new one."]
        assert CoachRelationship.objects.filter(coach=coach, client=client).count() == 1


@pytest.mark.django_db(transaction=True)
def test_cancel_and_accept_at_once_end_either_accepted_or_cancelled_never_both() -> None:
    coach = make_coach()
    for _ in range(ROUNDS):
        client = make_user()
        invitation = Invitation.objects.create(coach=coach)

        def cancel(barrier: threading.Barrier, invitation: Invitation = invitation) -> Any:
            barrier.wait()
            try:
                return invitation_cancel(invitation=invitation, coach=coach)
            except CoachingError as exc:
                return exc

        cancelled, accepted = run_together([cancel, _accept(invitation, client)])

        invitation.refresh_from_db()
        related = CoachRelationship.objects.filter(coach=coach, client=client).exists()
        if invitation.status == Invitation.Status.ACCEPTED:
            assert related and isinstance(accepted, CoachRelationship)
            assert str(cancelled) == (
                "This invitation was already accepted; there is nothing to cancel."
            )
        else:
            assert invitation.status == Invitation.Status.CANCELLED
            assert not related and isinstance(accepted, CoachingError)


# --- one after the other, through the pages -------------------------------------------


@pytest.mark.django_db
def test_accepting_a_second_invitation_from_the_same_coach_keeps_one_relationship() -> None:
    coach, client = make_coach(), make_user()
    _submitted_for(client)
    first, second = (Invitation.objects.create(coach=coach) for _ in range(2))
    browser = Client()
    browser.force_login(client)

    for invitation in (first, second):
        response = browser.post(
            reverse("coaching:invitation", args=[invitation.token]),
            {"decision": "accept", "scope": "all"},
            follow=True,
        )
        assert response.redirect_chain == [(reverse("coaching:my_coaches"), 302)]
        page = response.content.decode()
        assert page.count("Accepted: your coach can now see what you chose.") == 1

    relationship = CoachRelationship.objects.get(coach=coach, client=client)
    assert relationship.shares.count() == 1
    assert set(Invitation.objects.values_list("status", flat=True)) == {"accepted"}


@pytest.mark.django_db
def test_accepting_the_same_invitation_twice_says_it_was_used() -> None:
    coach, client = make_coach(), make_user()
    invitation = Invitation.objects.create(coach=coach)
    browser = Client()
    browser.force_login(client)
    url = reverse("coaching:invitation", args=[invitation.token])

    assert browser.post(url, {"decision": "accept", "scope": "all"}).status_code == 302
    again = browser.post(url, {"decision": "accept", "scope": "all"})

    assert again.status_code == 200
    assert "This invitation was already used." in again.content.decode()
    assert CoachRelationship.objects.filter(coach=coach, client=client).count() == 1
