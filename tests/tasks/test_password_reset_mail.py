"""Password-reset mail through the task queue: the page answers at once and the same for
every address, whatever the mail server does; failures are retried, then logged."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import make_user
from tests.tasks.conftest import Broker

pytestmark = pytest.mark.django_db


def _reset(client: Client, email: str) -> Any:
    return client.post(reverse("password_reset"), {"email": email})


def test_with_the_mail_server_down_the_reset_page_answers_as_usual_and_logs_it(
    client: Client, smtp_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(email="ann@example.com", password="an-old-passphrase")

    with caplog.at_level(logging.ERROR, logger="accounts.tasks"):
        known = _reset(client, "ann@example.com")
    unknown = _reset(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    [record] = [r for r in caplog.records if r.name == "accounts.tasks"]
    message = record.getMessage()
    assert f"not sent after {1 + settings.MAIL_RETRIES} attempts" in message
    assert "example.com" in message
    assert "ann@" not in message  # the log does not say who asked


def test_with_a_broker_the_reset_mail_is_queued_and_the_worker_sends_a_working_link(
    client: Client, broker: Broker, mailoutbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    ann = make_user(email="ann@example.com", password="an-old-passphrase")

    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client, "Ann@Example.com")

    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []  # nothing was sent in the request
    assert broker.names() == ["accounts.tasks.send_account_mail"]

    broker.deliver()

    [mail] = mailoutbox
    assert mail.to == ["ann@example.com"]
    assert "careerpath" in mail.subject
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body
    set_password_url = client.get(match.group(1))["Location"]
    new_password = "a-brand-new-passphrase"
    client.post(set_password_url, {"new_password1": new_password, "new_password2": new_password})
    ann.refresh_from_db()
    assert ann.check_password(new_password)


def test_with_a_broker_an_unknown_address_queues_nothing_and_looks_the_same(
    client: Client, broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    make_user(email="ann@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client, "nobody@example.com")

    assert response["Location"] == reverse("password_reset_done")
    assert broker.queued == []


def test_with_a_broker_a_refused_reset_mail_is_retried_with_a_growing_wait(
    client: Client, broker: Broker, smtp_down: None, django_capture_on_commit_callbacks: Any
) -> None:
    make_user(email="ann@example.com", password="an-old-passphrase")
    with django_capture_on_commit_callbacks(execute=True):
        _reset(client, "ann@example.com")

    broker.deliver_one()
    broker.deliver_one()

    [retry] = broker.queued
    assert retry.options["countdown"] == 2 * settings.MAIL_RETRY_BACKOFF_SECONDS
