"""Account workflows that span apps."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models import Q

from coaching.models import Invitation


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
