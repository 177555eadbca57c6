"""Action items: the coach of an active relationship sets them on the session view, the
client sees the open ones under "My coaches" and ticks them off, and the coach's view shows
them done at the next look. Anyone else gets a 404 that changes nothing (the full table is
in test_permissions.py); bad input gets a message or a 4xx and saves nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careerpath.page_cache import coach_key, data_versions, person_key
from coaching.models import ACTION_ITEM_MAX_LENGTH, ActionItem, CoachNote
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
def role() -> Any:
    skill = make_skill(slug="python", name="Python", category=make_category())
    return make_role(title="ML Team Lead", track=make_track(), skills=[(skill, 4, 3, True)])


@pytest.fixture
def coached(role: Any) -> SimpleNamespace:
    """Cora coaches Cleo, who shares one report."""
    cleo = make_user(email="cleo@example.com", first_name="Cleo")
    make_submitted_assessment(role=role, owner=cleo, levels={"python": 2})
    cora = make_coach(email="cora@example.com", first_name="Cora")
    relationship = make_relationship(coach=cora, client=cleo)
    return SimpleNamespace(
        coach=_browser(cora),
        client=_browser(cleo),
        coach_user=cora,
        client_user=cleo,
        relationship=relationship,
        session_url=reverse("coaching:session", args=[relationship.pk]),
        add_url=reverse("coaching:action_item_add", args=[relationship.pk]),
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _items(html: str, testid: str) -> list[str]:
    """The text of each element carrying data-testid=`testid`, tags stripped."""
    pattern = rf'<li[^>]*data-testid="{testid}"[^>]*>(.*?)</li>'
    return [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in re.findall(pattern, html, re.S)]


def _states(html: str) -> list[str]:
    return re.findall(r'data-testid="action-item" data-state="(\w+)"', html)


def _done_url(coached: SimpleNamespace, item: ActionItem) -> str:
    return reverse("coaching:action_item_done", args=[coached.relationship.pk, item.pk])


def _my_coaches(browser: Client) -> str:
    return browser.get(reverse("coaching:my_coaches")).content.decode()


# --- the loop -------------------------------------------------------------------------


def test_an_item_the_coach_adds_reaches_the_client_and_comes_back_done(
    coached: SimpleNamespace,
) -> None:
    added = coached.coach.post(
        coached.add_url, {"text": "  Finish the SQL course,  chapter 3. ", "due_date": "2026-12-24"}
    )

    assert added.status_code == 302
    assert added["Location"] == f"{coached.session_url}#action-items"
    item = ActionItem.objects.get()
    assert (item.text, item.due_date, item.done_at) == (
        "Finish the SQL course, chapter 3.",
        date(2026, 12, 24),
        None,
    )
    session = coached.coach.get(coached.session_url).content.decode()
    assert _states(session) == ["open"]
    assert "Due 24 Dec 2026" in _items(session, "action-item")[0]
    mine = _items(_my_coaches(coached.client), "open-item")
    assert len(mine) == 1 and mine[0].startswith("Finish the SQL course, chapter 3.")

    ticked = coached.client.post(_done_url(coached, item))

    assert ticked.status_code == 302
    assert ticked["Location"] == f"{reverse('coaching:my_coaches')}#coach-{coached.relationship.pk}"
    assert "Done: your coach sees it ticked off." in _messages(ticked)
    item.refresh_from_db()
    assert item.done_at is not None
    assert _states(coached.coach.get(coached.session_url).content.decode()) == ["done"]
    assert _items(_my_coaches(coached.client), "open-item") == []


def test_a_tick_bumps_the_kept_pages_of_coach_and_client(coached: SimpleNamespace) -> None:
    item = ActionItem.objects.create(relationship=coached.relationship, text="Read the plan.")
    keys = [coach_key(coached.coach_user.pk), person_key(user_id=coached.client_user.pk)]
    before = data_versions(keys)

    coached.client.post(_done_url(coached, item))

    after = data_versions(keys)
    assert after[0] != before[0] and after[1] != before[1]


def test_a_second_tick_changes_nothing_and_says_so(coached: SimpleNamespace) -> None:
    item = ActionItem.objects.create(relationship=coached.relationship, text="Read the plan.")
    coached.client.post(_done_url(coached, item))
    item.refresh_from_db()
    first = item.done_at

    again = coached.client.post(_done_url(coached, item))

    assert again.status_code == 302
    assert "You have already ticked this action item off." in _messages(again)
    item.refresh_from_db()
    assert item.done_at == first


def test_open_items_come_first_nearest_due_first_and_overdue_is_marked(
    coached: SimpleNamespace,
) -> None:
    today = timezone.localdate()
    rel = coached.relationship
    ActionItem.objects.create(relationship=rel, text="No date.")
    ActionItem.objects.create(relationship=rel, text="Late.", due_date=today - timedelta(days=1))
    ActionItem.objects.create(relationship=rel, text="Today.", due_date=today)
    ActionItem.objects.create(
        relationship=rel, text="Done.", due_date=today - timedelta(days=9), done_at=timezone.now()
    )

    session = coached.coach.get(coached.session_url).content.decode()
    mine = _items(_my_coaches(coached.client), "open-item")

    # Due today is not overdue yet; a done item is never overdue.
    assert _states(session) == ["overdue", "open", "open", "done"]
    assert [t.split(" Due")[0].split(" Mark done")[0] for t in mine] == [
        "Overdue Late.",
        "Today.",
        "No date.",
    ]


def test_the_coach_deletes_an_item_and_the_client_no_longer_sees_it(
    coached: SimpleNamespace,
) -> None:
    item = ActionItem.objects.create(relationship=coached.relationship, text="Read the plan.")
    url = reverse("coaching:action_item_delete", args=[coached.relationship.pk, item.pk])

    response = coached.coach.post(url)

    assert response.status_code == 302
    assert not ActionItem.objects.exists()
    assert _items(_my_coaches(coached.client), "open-item") == []
    # Deleting it again: it is gone, so a 404.
    assert coached.coach.post(url).status_code == 404


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   ", "due_date": ""}, "Write what the client is to do before adding it."),
        ({"text": "", "due_date": "2026-12-24"}, "Write what the client is to do"),
        ({"text": "x" * (ACTION_ITEM_MAX_LENGTH + 1)}, "at most 500 characters"),
        ({"text": "Read.", "due_date": "2026-13-45"}, "Enter the due date as a real date"),
        ({"text": "Read.", "due_date": "next week"}, "Enter the due date as a real date"),
        ({"text": "Read.\x00"}, "invisible null character"),
    ],
    ids=["blank", "empty", "too-long", "bad-date", "words-for-a-date", "null-character"],
)
def test_bad_input_gets_a_message_and_saves_nothing(
    coached: SimpleNamespace, data: dict[str, str], message: str
) -> None:
    response = coached.coach.post(coached.add_url, data)

    assert response.status_code == 302
    assert any(message in m for m in _messages(response)), _messages(response)
    assert not ActionItem.objects.exists()


def test_ten_megabytes_of_text_is_a_4xx_that_saves_nothing(coached: SimpleNamespace) -> None:
    response = coached.coach.post(coached.add_url, {"text": "x" * 10_000_000})

    assert 400 <= response.status_code < 500
    assert not ActionItem.objects.exists()


def test_a_500_character_item_is_kept_whole(coached: SimpleNamespace) -> None:
    text = "y" * ACTION_ITEM_MAX_LENGTH
    coached.coach.post(coached.add_url, {"text": text})
    assert ActionItem.objects.get().text == text


# --- someone else's -----------------------------------------------------------------------


def test_an_item_of_another_relationship_is_a_404_for_coach_and_client(
    coached: SimpleNamespace, role: Any
) -> None:
    """Ids from elsewhere, put in one's own URL: each a 404 that changes nothing."""
    dave = make_user(email="dave@example.com")
    make_submitted_assessment(role=role, owner=dave, levels={"python": 1})
    theirs = make_relationship(coach=coached.coach_user, client=dave)
    foreign = ActionItem.objects.create(relationship=theirs, text="Dave's.")
    mine = coached.relationship.pk

    tick = coached.client.post(reverse("coaching:action_item_done", args=[mine, foreign.pk]))
    delete = coached.coach.post(reverse("coaching:action_item_delete", args=[mine, foreign.pk]))

    assert tick.status_code == delete.status_code == 404
    foreign.refresh_from_db()
    assert foreign.done_at is None


def test_after_revocation_the_coach_can_neither_add_nor_delete_and_the_client_not_tick(
    coached: SimpleNamespace,
) -> None:
    item = ActionItem.objects.create(relationship=coached.relationship, text="Read the plan.")
    relationship_revoke(relationship=coached.relationship)
    pk = coached.relationship.pk

    add = coached.coach.post(coached.add_url, {"text": "One more."})
    delete = coached.coach.post(reverse("coaching:action_item_delete", args=[pk, item.pk]))
    tick = coached.client.post(_done_url(coached, item))

    assert add.status_code == delete.status_code == tick.status_code == 404
    assert list(ActionItem.objects.values_list("text", "done_at")) == [("Read the plan.", None)]
    assert "Read the plan." not in _my_coaches(coached.client)


# --- queries ------------------------------------------------------------------------------


def _client_with_coaches(role: Any, *, coaches: int, items: int, notes: int) -> Any:
    client = make_user()
    report = make_submitted_assessment(role=role, owner=client, levels={"python": 2})
    make_submitted_assessment(role=role, owner=client, levels={"python": 3})
    for _ in range(coaches):
        coach = make_coach()
        relationship = make_relationship(coach=coach, client=client)
        for n in range(items):
            ActionItem.objects.create(relationship=relationship, text=f"Item {n}.")
        for n in range(notes):
            CoachNote.objects.create(
                assessment=report, coach=coach, text=f"Note {n}.", visibility="shared"
            )
    return client


# The session, the user with the coach's group and the count of new notes (one query, the
# navigation's), the new shared notes with their coach and report, marking them seen,
# the client's coaches, their shares, their open action items, the client's submissions.
MY_COACHES_QUERIES = 9


@pytest.mark.parametrize(
    ("coaches", "items", "notes"), [(1, 1, 1), (6, 8, 4)], ids=["small", "large"]
)
def test_my_coaches_runs_a_constant_number_of_queries(
    role: Any, django_assert_num_queries: Any, coaches: int, items: int, notes: int
) -> None:
    browser = _browser(_client_with_coaches(role, coaches=coaches, items=items, notes=notes))

    with django_assert_num_queries(MY_COACHES_QUERIES):
        response = browser.get(reverse("coaching:my_coaches"))

    html = response.content.decode()
    assert len(_items(html, "open-item")) == coaches * items
    assert len(_items(html, "new-note")) == coaches * notes
