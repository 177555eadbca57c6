"""Invitation mail through the task queue: an SMTP server that is down never fails the
coach's request nor makes a second invitation; the coach sees the mail's state and can
send it again (issues "Production" and "Correctness")."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from coaching.models import Invitation
from tests.factories import make_coach
from tests.tasks.conftest import Broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach() -> Client:
    client = Client()
    client.force_login(make_coach(email="cora@example.com", first_name="Cora", last_name="Coach"))
    return client


def _invite(coach: Client, email: str = "cleo@example.com") -> Any:
    return coach.post(reverse("coaching:invite"), {"email": email})


def _status_cell(coach: Client) -> str:
    page = coach.get(reverse("coaching:invite")).content.decode()
    start = page.index('data-testid="mail-status"')
    return page[start : page.index("</td>", start)]


def _resend(coach: Client, invitation: Invitation) -> Any:
    return coach.post(reverse("coaching:invitation_resend", args=[invitation.pk]))


def test_invitation_to_a_mail_server_that_is_down_is_kept_once_and_shown_as_not_sent(
    coach: Client, smtp_down: None
) -> None:
    response = _invite(coach)

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.mail_status == Invitation.MailStatus.FAILED
    assert invitation.mail_attempts == 1 + settings.MAIL_RETRIES
    assert "ConnectionRefusedError" in invitation.mail_error
    cell = _status_cell(coach)
    assert "not sent" in cell
    assert reverse("coaching:invitation_resend", args=[invitation.pk]) in cell


def test_retry_once_the_server_is_back_mails_the_same_invitation(
    coach: Client, smtp_down: None, settings: Any, mailoutbox: list
) -> None:
    _invite(coach)
    invitation = Invitation.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = _resend(coach, invitation)

    assert response.status_code == 302
    assert Invitation.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.SENT
    assert invitation.mail_sent_at is not None
    assert invitation.mail_error == ""
    [mail] = mailoutbox
    assert mail.to == ["cleo@example.com"]
    assert invitation.code in mail.body
    assert reverse("coaching:invitation", args=[invitation.token]) in mail.body
    assert "sent" in _status_cell(coach)


def test_a_mail_that_went_out_shows_sent_and_cannot_be_resent(
    coach: Client, mailoutbox: list
) -> None:
    _invite(coach)
    invitation = Invitation.objects.get()
    assert invitation.mail_status == Invitation.MailStatus.SENT
    assert invitation.mail_attempts == 1
    assert ">sent<" in _status_cell(coach)

    response = _resend(coach, invitation)

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert Invitation.objects.count() == 1


def test_an_invitation_without_email_has_no_mail_status(coach: Client, mailoutbox: list) -> None:
    _invite(coach, email="")

    invitation = Invitation.objects.get()
    assert invitation.mail_status == Invitation.MailStatus.NONE
    assert mailoutbox == []
    assert "not sent" not in _status_cell(coach)


def test_retrying_another_coachs_invitation_is_a_404_and_sends_nothing(
    coach: Client, smtp_down: None, settings: Any, mailoutbox: list
) -> None:
    _invite(coach)
    invitation = Invitation.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    other = Client()
    other.force_login(make_coach())

    response = _resend(other, invitation)

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.FAILED
    assert mailoutbox == []


def test_retry_is_a_post(coach: Client, smtp_down: None) -> None:
    _invite(coach)
    invitation = Invitation.objects.get()

    response = coach.get(reverse("coaching:invitation_resend", args=[invitation.pk]))

    assert response.status_code == 405


def test_with_a_broker_the_mail_is_queued_after_commit_and_sent_by_the_worker(
    coach: Client, broker: Broker, mailoutbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _invite(coach)

    invitation = Invitation.objects.get()
    assert mailoutbox == []  # nothing was sent in the request
    assert invitation.mail_status == Invitation.MailStatus.SENDING
    assert broker.names() == ["coaching.tasks.send_invitation_mail"]
    assert "sending…" in _status_cell(coach)

    broker.deliver()

    invitation.refresh_from_db()
    assert invitation.mail_status == Invitation.MailStatus.SENT
    assert [m.to for m in mailoutbox] == [["cleo@example.com"]]


def test_with_a_broker_a_failed_attempt_is_retried_later_with_a_growing_wait(
    coach: Client, broker: Broker, smtp_down: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _invite(coach)
    waits = []
    for attempt in range(1, settings.MAIL_RETRIES + 1):
        broker.deliver_one()  # refused: queued again for later

        invitation = Invitation.objects.get()
        assert invitation.mail_status == Invitation.MailStatus.SENDING
        assert invitation.mail_attempts == attempt
        assert "sending…" in _status_cell(coach)
        [retry] = broker.queued
        waits.append(retry.options["countdown"])

    broker.deliver_one()  # the last retry

    first = settings.MAIL_RETRY_BACKOFF_SECONDS
    assert waits == [first * 2**n for n in range(settings.MAIL_RETRIES)]
    assert broker.queued == []
    invitation = Invitation.objects.get()
    assert invitation.mail_status == Invitation.MailStatus.FAILED
    assert invitation.mail_attempts == 1 + settings.MAIL_RETRIES
    assert "not sent" in _status_cell(coach)


def test_with_the_broker_down_the_invitation_says_not_sent_and_the_page_works(
    coach: Client, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from careerpath.celery import app
    from tests.tasks.conftest import closed_port

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/0")
    # Connections are pooled per app: start from none, so the closed port is the one used.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(coach)

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.mail_status == Invitation.MailStatus.FAILED
    assert invitation.mail_error.startswith("Could not be queued")
    assert "not sent" in _status_cell(coach)
