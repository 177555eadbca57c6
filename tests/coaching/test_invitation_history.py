"""The coach's invitations with their history: open, expired, accepted by whom, declined,
cancelled, and a consent revoked later; "Resend" mails an unanswered invitation again
through the task queue and extends it."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import INVITATION_DAYS, Invitation
from coaching.services import (
    invitation_accept,
    invitation_cancel,
    invitation_decline,
    relationship_revoke,
)
from tests.factories import make_coach, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cora() -> SimpleNamespace:
    coach = make_coach(email="cora@example.com", first_name="Cora")
    browser = Client()
    browser.force_login(coach)
    return SimpleNamespace(coach=coach, browser=browser)


def _rows(browser: Client) -> list[dict[str, str]]:
    """Each invitation row: its state, the state cell's text, and its history's text."""
    page = browser.get(reverse("coaching:invite")).content.decode()
    rows = []
    for state, body in re.findall(
        r'<tr data-testid="invitation" data-state="(\w+)">(.*?)</tr>', page, flags=re.S
    ):
        cell = body.split('data-testid="invitation-state">', 1)[1].split("</td>", 1)[0]
        history = body.split('data-testid="invitation-history">', 1)[1].split("</ul>", 1)[0]
        rows.append({"state": state, "cell": _text(cell), "history": _text(history), "html": body})
    return rows


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _send_again(browser: Client, invitation: Invitation) -> Any:
    return browser.post(reverse("coaching:invitation_send_again", args=[invitation.pk]))


def test_every_invitation_shows_where_it_stands_and_who_answered(
    cora: SimpleNamespace,
) -> None:
    coach = cora.coach
    ana = make_user(email="ana@example.com", first_name="Ana Silva")
    ben = make_user(email="ben@example.com", first_name="Ben")
    rui = make_user(email="rui@example.com", first_name="Rui")
    accepted = Invitation.objects.create(coach=coach, email="ana@example.com")
    invitation_accept(invitation_id=accepted.pk, client=ana, scope="all")
    declined = Invitation.objects.create(coach=coach)
    invitation_decline(invitation_id=declined.pk, client=ben)
    revoked = Invitation.objects.create(coach=coach)
    relationship = invitation_accept(invitation_id=revoked.pk, client=rui, scope="all")
    relationship_revoke(relationship=relationship)
    cancelled = Invitation.objects.create(coach=coach)
    invitation_cancel(invitation=cancelled, coach=coach)
    expired = Invitation.objects.create(coach=coach, expires_at=timezone.now() - timedelta(days=1))
    open_ = Invitation.objects.create(coach=coach, email="dee@example.com")
    Invitation.objects.create(coach=make_coach())  # another coach's: never listed

    rows = _rows(cora.browser)

    # Newest first.
    assert [r["state"] for r in rows] == [
        "pending",
        "expired",
        "cancelled",
        "revoked",
        "declined",
        "accepted",
    ]
    by_state = {r["state"]: r for r in rows}
    assert by_state["accepted"]["cell"] == "Accepted Ana Silva"
    accepted.refresh_from_db()
    ana_page = reverse("coaching:client", args=[accepted.relationship_id])
    assert f'href="{ana_page}"' in by_state["accepted"]["html"]
    assert "Accepted by Ana Silva" in by_state["accepted"]["history"]
    assert "Declined by Ben" in by_state["declined"]["history"]
    today = f"{timezone.now():%-d %b %Y}"
    assert by_state["revoked"]["cell"] == f"Revoked Rui, {today}"
    assert "Accepted by Rui" in by_state["revoked"]["history"]
    assert "Consent revoked by Rui" in by_state["revoked"]["history"]
    assert "Cancelled" in by_state["cancelled"]["history"]
    assert "Expired" in by_state["expired"]["history"]
    assert by_state["pending"]["cell"].startswith("Open until")
    # Only an open invitation shows its code, and can be cancelled.
    assert open_.code in by_state["pending"]["html"]
    for row in rows[1:]:
        assert "invitation-code" not in row["html"] and ">Cancel<" not in row["html"]
    assert expired.code not in by_state["expired"]["html"]


def test_resend_mails_the_same_invitation_again_and_extends_it(
    cora: SimpleNamespace, mailoutbox: list
) -> None:
    cora.browser.post(reverse("coaching:invite"), {"email": "cleo@example.com"})
    invitation = Invitation.objects.get()
    # Two days before it expires.
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(days=2)
    )

    before = timezone.now()
    response = _send_again(cora.browser, invitation)

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)][-1].startswith(
        "Sending the invitation to cleo@example.com again"
    )
    invitation.refresh_from_db()
    # Sent by the mail task, which counts its attempts and records the sending.
    assert invitation.mail_status == Invitation.MailStatus.SENT
    assert invitation.mail_attempts == 2
    assert invitation.resent_count == 1
    assert invitation.expires_at >= before + timedelta(days=INVITATION_DAYS)
    _first, second = mailoutbox
    assert second.to == ["cleo@example.com"]
    assert invitation.code in second.body
    assert reverse("coaching:invitation", args=[invitation.token]) in second.body
    assert Invitation.objects.count() == 1
    [row] = _rows(cora.browser)
    assert "Sent again, expiry extended" in row["history"]


def test_an_expired_emailed_invitation_can_be_resent_and_then_accepted(
    cora: SimpleNamespace, mailoutbox: list
) -> None:
    cleo = make_user(email="cleo@example.com")
    invitation = Invitation.objects.create(
        coach=cora.coach,
        email="cleo@example.com",
        mail_status=Invitation.MailStatus.SENT,
        expires_at=timezone.now() - timedelta(days=3),
    )

    _send_again(cora.browser, invitation)
    _send_again(cora.browser, invitation)

    invitation.refresh_from_db()
    assert invitation.is_usable
    assert invitation.resent_count == 2
    assert len(mailoutbox) == 2
    [row] = _rows(cora.browser)
    assert row["state"] == "pending"
    assert "Sent again (2 times), expiry extended" in row["history"]
    client = Client()
    client.force_login(cleo)
    accepted = client.post(
        reverse("coaching:invitation", args=[invitation.token]),
        {"decision": "accept", "scope": "all"},
    )
    assert accepted.status_code == 302


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"email": ""}, "has no email address"),
        ({"email": "a@example.com", "status": "accepted"}, "already accepted"),
        ({"email": "a@example.com", "status": "cancelled"}, "already cancelled"),
        ({"email": "a@example.com", "mail_status": "sending"}, "on its way already"),
    ],
    ids=["code-only", "accepted", "cancelled", "still-sending"],
)
def test_resend_is_refused_in_words_when_it_cannot_apply(
    cora: SimpleNamespace, mailoutbox: list, setup: dict[str, str], message: str
) -> None:
    invitation = Invitation.objects.create(coach=cora.coach, **setup)
    before = Invitation.objects.values().get()

    response = _send_again(cora.browser, invitation)

    assert response.status_code == 302
    assert message in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert Invitation.objects.values().get() == before
    assert mailoutbox == []


def test_resend_is_offered_only_for_unanswered_emailed_invitations(
    cora: SimpleNamespace,
) -> None:
    emailed = Invitation.objects.create(
        coach=cora.coach, email="a@example.com", mail_status=Invitation.MailStatus.SENT
    )
    Invitation.objects.create(coach=cora.coach)  # a code alone
    Invitation.objects.create(coach=cora.coach, email="b@example.com", status="declined")

    page = cora.browser.get(reverse("coaching:invite")).content.decode()

    forms = re.findall(r'action="(/coaching/invitations/\d+/send-again/)"', page)
    assert forms == [reverse("coaching:invitation_send_again", args=[emailed.pk])]


# The invitation page: 1 session, 2 user, 3 coach check, 4 the number of invitations,
# 5 one page of them with who answered and the consent each became.
INVITE_PAGE_QUERIES = 5


@pytest.mark.parametrize("count", [3, 60])
def test_the_invitation_page_queries_do_not_grow_with_invitations(
    cora: SimpleNamespace, count: int
) -> None:
    for n in range(count):
        client = make_user(email=f"c{n}@example.com", first_name=f"Client {n}")
        invitation = Invitation.objects.create(coach=cora.coach)
        relationship = invitation_accept(invitation_id=invitation.pk, client=client, scope="all")
        if n % 2:
            relationship_revoke(relationship=relationship)

    with CaptureQueriesContext(connection) as queries:
        response = cora.browser.get(reverse("coaching:invite"))

    assert response.status_code == 200
    assert len(queries) == INVITE_PAGE_QUERIES
    assert len(_rows(cora.browser)) == min(count, 25)
