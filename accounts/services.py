"""Account workflows that span apps."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models import Q

from careerpath.page_cache import coach_key, data_changed
from coaching.models import CoachRelationship, Invitation


@transaction.atomic
def account_name_set(*, user: Any, name: str) -> None:
    """Set the name people see of this person (empty: they see the email). Kept in
    `first_name` alone, so get_full_name() gives it exactly as typed."""
    user.first_name = name.strip()
    user.last_name = ""
    user.save(update_fields=["first_name", "last_name"])
    # Their coaches' dashboards show the name at once, not when their kept page ages out.
    coaches = CoachRelationship.objects.active().filter(client=user).values_list("coach_id")
    data_changed(*(coach_key(coach_id) for (coach_id,) in coaches))


@transaction.atomic
def account_delete(*, user: Any) -> None:
    """Delete a person and everything about them.

    The database cascades from the user: their assessments (with answers, share links,
    and every coach's notes, calibrations and shares of them), their coaching
    relationships on both sides, and the notes and calibrations they wrote as a coach.
    Invitations addressed to them only lose their client (SET_NULL) and keep the email,
    and the login records keep the username, so both are deleted here by hand.
    """
    email = user.email or user.get_username()
    Invitation.objects.filter(Q(client=user) | Q(email__iexact=email)).delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=user.get_username()).delete()
    user.delete()
