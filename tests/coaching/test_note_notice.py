"""The client is told of a note newly shared with them: a mail through the task queue,
with a link that leads to the report, and a count beside "My coaches" on every page until
they have seen it (on "My coaches", or by that link)."""

from __future__ import annotations

import logging
import re
import smtplib
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from coaching.models import CoachNote
from coaching.services import unseen_notes_count
from tests.factories import (
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
    make_user,
)

pytestmark = pytest.mark.django_db


def _browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def coached() -> SimpleNamespace:
    """Cora coaches Cleo, who shares two reports."""
    skill = make_skill(slug="python", name="Python", category=make_category())
    role = make_role(title="ML Team Lead", track=make_track(), skills=[(skill, 4, 3, True)])
    cleo = make_user(email="cleo@example.com", first_name="Cleo")
    first = make_submitted_assessment(role=role, owner=cleo, levels={"python": 2})
    second = make_submitted_assessment(role=role, owner=cleo, levels={"python": 3})
    cora = make_coach(email="cora@example.com", first_name="Cora", last_name="Coach")
    make_relationship(coach=cora, client=cleo)
    return SimpleNamespace(
        coach=_browser(cora),
        client=_browser(cleo),
        coach_user=cora,
        client_user=cleo,
        first=first,
        second=second,
    )


def _add(browser: Client, report: Any, visibility: str, text: str = "Plan Python first.") -> Any:
    url = reverse("coaching:note_add", args=[report.pk])
    return browser.post(url, {"text": text, "visibility": visibility})


def _edit(browser: Client, note: CoachNote, visibility: str, text: str = "Edited.") -> Any:
    url = reverse("coaching:note_edit", args=[note.assessment_id, note.pk])
    return browser.post(url, {"text": text, "visibility": visibility})


def _badge(html: str) -> str | None:
    """The count beside "My coaches", as the page shows it; None without one."""
    found = re.search(r'data-testid="unseen-notes">(\d+)<', html)
    return found.group(1) if found else None


def _page(browser: Client, report: Any) -> str:
    return browser.get(reverse("assessments:result", args=[report.pk])).content.decode()


# --- the mail ---------------------------------------------------------------------------


def test_a_shared_note_mails_the_client_a_link_to_read_it(
    coached: SimpleNamespace, mailoutbox: list
) -> None:
    response = _add(coached.coach, coached.first, "shared")

    assert response.status_code == 302
    note = CoachNote.objects.get()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["cleo@example.com"]
    assert mail.subject == "Cora Coach shared a note on your careerpath report"
    link = f"http://testserver{reverse('coaching:note_read', args=[note.pk])}"
    assert link in mail.body
    assert "ML Team Lead" in mail.body
    # The note stays behind the client's login.
    assert "Plan Python first." not in mail.body


def test_a_private_note_tells_the_client_nothing(
    coached: SimpleNamespace, mailoutbox: list
) -> None:
    _add(coached.coach, coached.first, "private")

    assert mailoutbox == []
    assert _badge(_page(coached.client, coached.first)) is None


def test_a_private_note_made_shared_is_news_and_a_shared_one_edited_is_not(
    coached: SimpleNamespace, mailoutbox: list
) -> None:
    _add(coached.coach, coached.first, "private")
    note = CoachNote.objects.get()

    _edit(coached.coach, note, "shared")
    assert len(mailoutbox) == 1
    assert _badge(_page(coached.client, coached.first)) == "1"

    _edit(coached.coach, note, "shared", text="Edited again.")
    assert len(mailoutbox) == 1


def test_a_note_seen_then_made_private_and_shared_again_is_news_again(
    coached: SimpleNamespace, mailoutbox: list
) -> None:
    _add(coached.coach, coached.first, "shared")
    note = CoachNote.objects.get()
    coached.client.get(reverse("coaching:my_coaches"))

    _edit(coached.coach, note, "private")
    assert _badge(_page(coached.client, coached.first)) is None
    _edit(coached.coach, note, "shared")

    assert len(mailoutbox) == 2
    assert _badge(_page(coached.client, coached.first)) == "1"


def test_a_mail_that_fails_is_logged_and_the_note_is_saved(
    coached: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(self: EmailMessage, fail_silently: bool = False) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", refuse)

    with caplog.at_level(logging.WARNING, logger="coaching.tasks"):
        response = _add(coached.coach, coached.first, "shared")

    assert response.status_code == 302
    assert CoachNote.objects.filter(visibility="shared").count() == 1
    assert "notice mail not sent" in caplog.text
    assert "Connection unexpectedly closed" in caplog.text
    assert _badge(_page(coached.client, coached.first)) == "1"


def test_no_mail_for_a_note_made_private_before_the_worker_got_to_it(
    coached: SimpleNamespace, mailoutbox: list
) -> None:
    from coaching.tasks import send_note_notice_mail

    note = CoachNote.objects.create(
        assessment=coached.first, coach=coached.coach_user, text="Oops.", visibility="private"
    )
    send_note_notice_mail(note.pk, "http://testserver/x")
    assert mailoutbox == []


# --- the mark in the app ----------------------------------------------------------------


def test_the_count_shows_on_every_page_and_goes_once_my_coaches_is_seen(
    coached: SimpleNamespace,
) -> None:
    # Kept pages first (careerpath/page_cache.py): the count must follow all the same.
    assert _badge(_page(coached.client, coached.first)) is None
    assert _badge(_page(coached.client, coached.first)) is None
    _add(coached.coach, coached.second, "shared", text="On the second report.")
    # The first report's kept page did not change, but its navigation did.
    assert _badge(_page(coached.client, coached.first)) == "1"
    _add(coached.coach, coached.first, "shared", text="On the first report.")
    _add(coached.coach, coached.first, "private", text="Not for Cleo.")

    assert _badge(_page(coached.client, coached.first)) == "2"
    assert '2<span class="visually-hidden"> new notes from your coach' in _page(
        coached.client, coached.first
    )
    mine = coached.client.get(reverse("coaching:my_coaches")).content.decode()

    # The page that lists them has seen them: no count on it, nor after.
    assert mine.count('data-testid="new-note"') == 2
    assert "your report for ML Team Lead" in mine
    assert _badge(mine) is None
    assert _badge(_page(coached.client, coached.first)) is None
    again = coached.client.get(reverse("coaching:my_coaches")).content.decode()
    assert 'data-testid="new-notes"' not in again


def test_the_count_is_the_clients_own(coached: SimpleNamespace) -> None:
    """The coach writing, and another client, see no count for Cleo's notes."""
    _add(coached.coach, coached.first, "shared")
    other = _browser(make_user(email="dave@example.com"))

    coach_page = coached.coach.get(reverse("coaching:my_coaches")).content.decode()
    other_page = other.get(reverse("coaching:my_coaches")).content.decode()

    assert _badge(coach_page) is None and _badge(other_page) is None
    assert unseen_notes_count(coached.client_user) == 1


def test_the_mail_link_marks_the_note_seen_and_opens_the_report(
    coached: SimpleNamespace,
) -> None:
    _add(coached.coach, coached.first, "shared", text="First.")
    _add(coached.coach, coached.second, "shared", text="Second.")
    first = CoachNote.objects.get(text="First.")

    response = coached.client.get(reverse("coaching:note_read", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('assessments:result', args=[coached.first.pk])}#coach-notes"
    )
    assert "First." in coached.client.get(response["Location"]).content.decode()
    # That note only: the other is still new.
    assert _badge(_page(coached.client, coached.first)) == "1"


@pytest.mark.parametrize("who", ["coach", "other"])
def test_the_mail_link_is_a_404_for_anyone_but_the_client(
    coached: SimpleNamespace, who: str
) -> None:
    _add(coached.coach, coached.first, "shared")
    note = CoachNote.objects.get()
    browser = coached.coach if who == "coach" else _browser(make_user(email="eve@example.com"))

    response = browser.get(reverse("coaching:note_read", args=[note.pk]))

    assert response.status_code == 404
    note.refresh_from_db()
    assert note.seen_at is None


def test_the_mail_link_of_a_note_made_private_is_a_404(coached: SimpleNamespace) -> None:
    _add(coached.coach, coached.first, "shared")
    note = CoachNote.objects.get()
    _edit(coached.coach, note, "private")

    assert coached.client.get(reverse("coaching:note_read", args=[note.pk])).status_code == 404


def test_a_deleted_note_leaves_the_count(coached: SimpleNamespace) -> None:
    _add(coached.coach, coached.first, "shared")
    assert _badge(_page(coached.client, coached.first)) == "1"
    note = CoachNote.objects.get()

    coached.coach.post(reverse("coaching:note_delete", args=[note.assessment_id, note.pk]))

    assert _badge(_page(coached.client, coached.first)) is None


def test_the_count_costs_no_query_of_its_own(
    coached: SimpleNamespace, django_assert_num_queries: Any
) -> None:
    """The count comes with the query the navigation makes anyway (is the user a coach?):
    the session, the user, that one query; whatever the number of new notes."""
    for n in range(5):
        _add(coached.coach, coached.first, "shared", text=f"Note {n}.")

    with django_assert_num_queries(3):
        html = coached.client.get(reverse("coaching:join")).content.decode()

    assert _badge(html) == "5"
