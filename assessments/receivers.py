"""Auth hooks: a visitor's work follows them into the account they sign up or log in with."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from assessments.services import assessments_claim
from assessments.views import VISITOR_SESSION_KEY


def claim_visitor_assessments(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    token = request.session.pop(VISITOR_SESSION_KEY, "")
    claimed = assessments_claim(user=user, visitor_token=token)
    if claimed:
        messages.info(
            request,
            f"The assessment{'s' if claimed > 1 else ''} you started in this browser "
            f"{'are' if claimed > 1 else 'is'} now in your account.",
        )
