"""The notes timeline: every note of a coach's on a client's shared reports in one place,
newest first; a note added there on the report the coach picks; edits and deletions made
there return there, and the client sees them at once."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachNote
from coaching.services import relationship_update_scope
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


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _note(report: Any, coach: Any, text: str, *, days_ago: int, shared: bool = False) -> Any:
    note = CoachNote.objects.create(
        assessment=report,
        coach=coach,
        text=text,
        visibility="shared" if shared else "private",
    )
    # Dated explicitly: the timeline's order is the point.
    CoachNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=days_ago)
    )
    return note


@pytest.fixture
def coached() -> SimpleNamespace:
    """Cora coaches Cleo, who shares two reports (ML Engineer, then ML Team Lead); Cora has
    notes on both, and another coach has one of their own on the latest."""
    skill = make_skill(slug="python", name="Python", category=make_category())
    track = make_track()
    engineer = make_role(title="ML Engineer", track=track, skills=[(skill, 3, 3, True)])
    lead = make_role(title="ML Team Lead", track=track, skills=[(skill, 4, 3, True)])
    cleo = make_user(email="cleo@example.com", first_name="Cleo")
    first = make_submitted_assessment(role=engineer, owner=cleo, levels={"python": 2})
    latest = make_submitted_assessment(role=lead, owner=cleo, levels={"python": 3})
    cora, other = make_coach(first_name="Cora"), make_coach(first_name="Olga")
    relationship = make_relationship(coach=cora, client=cleo)
    make_relationship(coach=other, client=cleo)
    notes = SimpleNamespace(
        oldest=_note(first, cora, "Started on the engineer track.", days_ago=30),
        shared=_note(first, cora, "Python first, then MLOps.", days_ago=20, shared=True),
        newest=_note(latest, cora, "Ready to lead a small team soon.", days_ago=1),
        others=_note(latest, other, "Olga's own view.", days_ago=2),
    )
    return SimpleNamespace(
        coach=_browser(cora),
        client=_browser(cleo),
        cora=cora,
        cleo=cleo,
        first=first,
        latest=latest,
        relationship=relationship,
        notes=notes,
        url=reverse("coaching:notes", args=[relationship.pk]),
    )


def _shown(page: str) -> list[str]:
    """The notes' texts in the order the timeline shows them."""
    articles = page.split('data-testid="timeline-note"')[1:]
    return [re.search(r'<p class="mb-1 text-break">(.*?)</p>', a, re.S).group(1) for a in articles]


def test_the_timeline_shows_the_coach_s_notes_across_reports_newest_first(
    coached: SimpleNamespace,
) -> None:
    page = coached.coach.get(coached.url).content.decode()

    assert _shown(page) == [
        "Ready to lead a small team soon.",
        "Python first, then MLOps.",
        "Started on the engineer track.",
    ]
    assert "Olga&#x27;s own view." not in page and "Olga's own view." not in page
    assert "3 notes" in page
    # Each note says which report it is on, and whether the client sees it.
    assert "ML Team Lead, " in page and "ML Engineer, " in page
    assert "Shared with Cleo" in page and "Private" in page


def test_the_timeline_filters_shared_and_private_notes(coached: SimpleNamespace) -> None:
    shared = coached.coach.get(coached.url, {"show": "shared"}).content.decode()
    private = coached.coach.get(coached.url, {"show": "private"}).content.decode()
    unknown = coached.coach.get(coached.url, {"show": "'><script>"})

    assert _shown(shared) == ["Python first, then MLOps."]
    assert _shown(private) == ["Ready to lead a small team soon.", "Started on the engineer track."]
    # An unknown filter shows everything, never an error.
    assert unknown.status_code == 200 and len(_shown(unknown.content.decode())) == 3


def test_a_report_no_longer_shared_takes_its_notes_out_of_the_timeline(
    coached: SimpleNamespace,
) -> None:
    relationship_update_scope(
        relationship=coached.relationship, scope="chosen", assessment_ids=[coached.latest.pk]
    )

    page = coached.coach.get(coached.url).content.decode()

    assert _shown(page) == ["Ready to lead a small team soon."]


def test_a_note_added_from_the_timeline_lands_on_the_chosen_report_and_reaches_the_client(
    coached: SimpleNamespace,
) -> None:
    response = coached.coach.post(
        coached.url,
        {
            "text": "Pair with a senior on the next project.",
            "visibility": "shared",
            "report": str(coached.first.pk),
        },
    )

    assert response.status_code == 302 and response["Location"] == coached.url
    assert "Note shared with your client." in _messages(response)
    note = CoachNote.objects.get(text="Pair with a senior on the next project.")
    assert note.assessment_id == coached.first.pk and note.coach == coached.cora
    client_page = coached.client.get(reverse("assessments:result", args=[coached.first.pk]))
    assert "Pair with a senior on the next project." in client_page.content.decode()
    assert _shown(coached.coach.get(coached.url).content.decode())[0] == note.text


def test_the_add_form_offers_the_shared_reports_latest_first_and_chooses_the_latest(
    coached: SimpleNamespace,
) -> None:
    page = coached.coach.get(coached.url).content.decode()
    select = page.split('id="id_report"', 1)[1].split("</select>", 1)[0]

    options = re.findall(r'<option value="([^"]+)"( selected)?>', select)
    assert [value for value, _ in options] == [str(coached.latest.pk), str(coached.first.pk)]
    assert options[0][1] == " selected"


@pytest.mark.parametrize(
    "report",
    ["not-a-report", "00000000-0000-0000-0000-000000000000", "another person's"],
    ids=["garbage", "unknown", "foreign"],
)
def test_a_note_on_a_report_not_shared_with_the_coach_is_refused_and_nothing_is_lost(
    coached: SimpleNamespace, report: str
) -> None:
    if report == "another person's":
        stranger = make_user()
        report = str(make_submitted_assessment(role=coached.latest.role, owner=stranger).pk)
    before = CoachNote.objects.count()

    response = coached.coach.post(
        coached.url, {"text": "Sneaky.", "visibility": "shared", "report": report}
    )

    assert response.status_code == 200
    assert "Choose one of the reports this client shares." in response.content.decode()
    assert CoachNote.objects.count() == before
    assert len(_shown(response.content.decode())) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "This field is required."), ("x" * 5001, "at most 5000 characters")],
    ids=["blank", "too long"],
)
def test_a_blank_or_too_long_note_is_refused_with_a_message(
    coached: SimpleNamespace, text: str, message: str
) -> None:
    before = CoachNote.objects.count()

    response = coached.coach.post(
        coached.url, {"text": text, "visibility": "private", "report": str(coached.latest.pk)}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert CoachNote.objects.count() == before


def test_ten_megabytes_of_text_is_a_4xx_that_saves_nothing(coached: SimpleNamespace) -> None:
    before = CoachNote.objects.count()

    response = coached.coach.post(
        coached.url,
        {"text": "x" * 10_000_000, "visibility": "private", "report": str(coached.latest.pk)},
    )

    assert 400 <= response.status_code < 500
    assert CoachNote.objects.count() == before


def test_an_edit_from_the_timeline_returns_to_it_and_the_client_sees_it_at_once(
    coached: SimpleNamespace,
) -> None:
    note = coached.notes.shared
    url = reverse("coaching:note_edit", args=[note.assessment_id, note.pk])

    response = coached.coach.post(
        url, {"text": "MLOps first, after all.", "visibility": "shared", "back": "timeline"}
    )

    assert response["Location"] == f"{coached.url}#note-{note.pk}"
    client_page = coached.client.get(reverse("assessments:result", args=[coached.first.pk]))
    assert "MLOps first, after all." in client_page.content.decode()
    assert "Python first, then MLOps." not in client_page.content.decode()


def test_a_deletion_from_the_timeline_returns_to_it_and_the_client_no_longer_sees_it(
    coached: SimpleNamespace,
) -> None:
    note = coached.notes.shared
    url = reverse("coaching:note_delete", args=[note.assessment_id, note.pk])

    response = coached.coach.post(url, {"back": "timeline"})

    assert response["Location"] == coached.url
    assert not CoachNote.objects.filter(pk=note.pk).exists()
    client_page = coached.client.get(reverse("assessments:result", args=[coached.first.pk]))
    assert "Python first, then MLOps." not in client_page.content.decode()


def test_without_the_timeline_flag_an_edit_returns_to_the_report_as_before(
    coached: SimpleNamespace,
) -> None:
    note = coached.notes.newest
    url = reverse("coaching:note_edit", args=[note.assessment_id, note.pk])

    response = coached.coach.post(url, {"text": "Edited.", "visibility": "private"})

    assert response["Location"] == (
        f"{reverse('coaching:report', args=[coached.latest.pk])}#note-{note.pk}"
    )


def test_a_client_with_nothing_shared_gets_a_timeline_that_says_so() -> None:
    cora, cleo = make_coach(), make_user(first_name="Cleo")
    relationship = make_relationship(coach=cora, client=cleo)

    page = _browser(cora).get(reverse("coaching:notes", args=[relationship.pk])).content.decode()

    assert "Cleo shares no submitted report with you yet" in page
    assert "No notes yet." in page
    assert 'data-testid="timeline-note-form"' not in page


def test_the_timeline_pages_by_thirty(coached: SimpleNamespace) -> None:
    for n in range(40):
        _note(coached.latest, coached.cora, f"Note {n}", days_ago=100 + n)

    first = coached.coach.get(coached.url).content.decode()
    second = coached.coach.get(coached.url, {"page": "2"}).content.decode()
    beyond = coached.coach.get(coached.url, {"page": "99"})

    assert len(_shown(first)) == 30 and len(_shown(second)) == 13
    assert "43 notes" in first and "Page 1 of 2" in first
    assert _shown(second)[-1] == "Note 39"  # the oldest, last
    assert beyond.status_code == 200  # past the end: the last page


# Whatever the number of notes and reports: 1 session, 2 user, 3 the coach's group, 4 the
# relationship with its client, 5 the client's shared reports (the form's choices), 6 the
# count of notes, 7 the page of notes with their reports' roles.
TIMELINE_QUERIES = 7


@pytest.mark.parametrize(("reports", "notes"), [(1, 1), (6, 40)], ids=["small", "large"])
def test_the_timeline_runs_a_constant_number_of_queries(
    django_assert_num_queries: Any, reports: int, notes: int
) -> None:
    skill = make_skill(category=make_category())
    role = make_role(skills=[(skill, 3, 2, True)])
    cora, cleo = make_coach(), make_user()
    relationship = make_relationship(coach=cora, client=cleo)
    made = [make_submitted_assessment(role=role, owner=cleo) for _ in range(reports)]
    for n in range(notes):
        _note(made[n % reports], cora, f"Note {n}", days_ago=n)
    browser = _browser(cora)

    with django_assert_num_queries(TIMELINE_QUERIES):
        response = browser.get(reverse("coaching:notes", args=[relationship.pk]))

    assert len(_shown(response.content.decode())) == min(notes, 30)
