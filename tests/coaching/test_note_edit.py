"""A coach edits and deletes their own notes; the client's report follows at the next
look. Another coach's note, or a note once consent is revoked, is a 404 that changes
nothing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from coaching.models import NOTE_MAX_LENGTH, CoachNote
from coaching.services import relationship_revoke
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
    """Cora coaches Cleo, whose report carries one shared note of Cora's."""
    skill = make_skill(slug="python", name="Python", category=make_category())
    role = make_role(title="ML Team Lead", track=make_track(), skills=[(skill, 4, 3, True)])
    cleo = make_user(email="cleo@example.com", first_name="Cleo")
    report = make_submitted_assessment(role=role, owner=cleo, levels={"python": 2})
    coach = make_coach(email="cora@example.com", first_name="Cora")
    relationship = make_relationship(coach=coach, client=cleo)
    note = CoachNote.objects.create(
        assessment=report, coach=coach, text="Plan the Python gap first.", visibility="shared"
    )
    return SimpleNamespace(
        coach=_browser(coach),
        client=_browser(cleo),
        report=report,
        note=note,
        relationship=relationship,
        coach_user=coach,
    )


def _edit(browser: Client, note: CoachNote, text: str, visibility: str = "shared") -> Any:
    url = reverse("coaching:note_edit", args=[note.assessment_id, note.pk])
    return browser.post(url, {"text": text, "visibility": visibility})


def _delete(browser: Client, note: CoachNote) -> Any:
    return browser.post(reverse("coaching:note_delete", args=[note.assessment_id, note.pk]))


def _client_report(coached: SimpleNamespace) -> str:
    url = reverse("assessments:result", args=[coached.report.pk])
    return coached.client.get(url).content.decode()


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_edited_shared_note_shows_its_new_text_to_the_client(coached: SimpleNamespace) -> None:
    assert "Plan the Python gap first." in _client_report(coached)

    response = _edit(coached.coach, coached.note, "  Plan the SQL gap first, then Python. ")

    assert response.status_code == 302
    assert response["Location"].endswith(f"#note-{coached.note.pk}")
    assert "Note saved; your client sees the new text." in _messages(response)
    coached.note.refresh_from_db()
    assert coached.note.text == "Plan the SQL gap first, then Python."
    assert coached.note.edited_at is not None
    page = _client_report(coached)
    assert "Plan the SQL gap first, then Python." in page
    assert "Plan the Python gap first." not in page
    # The client can tell the text changed since the coach first wrote it.
    edited = dateformat.format(timezone.localtime(coached.note.edited_at), "j M Y")
    assert f" · edited {edited}</p>" in page


def test_a_note_never_edited_does_not_say_edited(coached: SimpleNamespace) -> None:
    assert "edited" not in _client_report(coached)


def test_a_shared_note_made_private_leaves_the_clients_report(coached: SimpleNamespace) -> None:
    _edit(coached.coach, coached.note, "Plan the Python gap first.", visibility="private")

    page = _client_report(coached)
    assert "Plan the Python gap first." not in page
    assert 'data-testid="coach-note"' not in page
    coach_page = coached.coach.get(reverse("coaching:report", args=[coached.report.pk]))
    assert "Plan the Python gap first." in coach_page.content.decode()


def test_a_deleted_note_is_gone_for_both(coached: SimpleNamespace) -> None:
    response = _delete(coached.coach, coached.note)

    assert response.status_code == 302
    assert "Note deleted." in _messages(response)
    assert not CoachNote.objects.exists()
    assert "Plan the Python gap first." not in _client_report(coached)
    coach_page = coached.coach.get(reverse("coaching:report", args=[coached.report.pk]))
    assert "Plan the Python gap first." not in coach_page.content.decode()


def test_the_coachs_report_offers_edit_and_delete_for_each_of_their_notes(
    coached: SimpleNamespace,
) -> None:
    page = coached.coach.get(reverse("coaching:report", args=[coached.report.pk])).content.decode()

    note = coached.note
    edit = reverse("coaching:note_edit", args=[coached.report.pk, note.pk])
    assert f'action="{edit}"' in page
    assert f'action="{reverse("coaching:note_delete", args=[coached.report.pk, note.pk])}"' in page
    assert f'<label class="form-label" for="note-{note.pk}-text">Edit note</label>' in page
    assert f'id="note-{note.pk}-shared" checked' in page


@pytest.mark.parametrize(
    ("text", "visibility", "message"),
    [
        ("   ", "shared", "This field is required."),
        ("x" * (NOTE_MAX_LENGTH + 1), "shared", "at most 5000 characters"),
        ("Fine text", "public", "Select a valid choice."),
        ("Bad \x00 text", "shared", "invisible null character"),
    ],
    ids=["empty", "too-long", "unknown-visibility", "null-character"],
)
def test_a_bad_edit_is_refused_with_a_message_and_keeps_the_note(
    coached: SimpleNamespace, text: str, visibility: str, message: str
) -> None:
    response = _edit(coached.coach, coached.note, text, visibility)

    assert response.status_code == 302
    assert any(message in m for m in _messages(response)), _messages(response)
    coached.note.refresh_from_db()
    assert (coached.note.text, coached.note.visibility, coached.note.edited_at) == (
        "Plan the Python gap first.",
        "shared",
        None,
    )


def test_another_coach_can_neither_edit_nor_delete_the_note(coached: SimpleNamespace) -> None:
    # Bob coaches Cleo too and may see the report; the note is still Cora's alone.
    bob = make_coach(email="bob@example.com")
    make_relationship(coach=bob, client=coached.report.owner)
    browser = _browser(bob)

    edited = _edit(browser, coached.note, "Bob's text")
    deleted = _delete(browser, coached.note)

    assert edited.status_code == deleted.status_code == 404
    coached.note.refresh_from_db()
    assert coached.note.text == "Plan the Python gap first."


def test_once_consent_is_revoked_the_coach_cannot_touch_the_note(
    coached: SimpleNamespace,
) -> None:
    relationship_revoke(relationship=coached.relationship)

    assert _edit(coached.coach, coached.note, "Changed").status_code == 404
    assert _delete(coached.coach, coached.note).status_code == 404
    assert CoachNote.objects.get().text == "Plan the Python gap first."


def test_a_note_is_reached_only_through_its_own_report(coached: SimpleNamespace) -> None:
    # The coach's note, asked for under another report the coach may see: a 404.
    other = make_submitted_assessment(role=coached.report.role, owner=coached.report.owner)
    url = reverse("coaching:note_delete", args=[other.pk, coached.note.pk])

    assert coached.coach.post(url).status_code == 404
    assert CoachNote.objects.exists()
