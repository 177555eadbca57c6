"""A coach goes from the session view to the client's notes timeline, adds a shared note on
the earlier report, corrects it there, and the client reads the corrected text on that
report; with the keyboard alone the note is written and saved."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from coaching.services import note_create
from tests.e2e.signing_in import PASSWORD, signed_in
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

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coach_writes_and_corrects_a_note_from_the_timeline(
    live_server, browser: Browser
) -> None:
    python = make_skill(slug="python", name="Python", category=make_category())
    track = make_track()
    engineer = make_role(title="ML Engineer", track=track, skills=[(python, 3, 3, True)])
    lead = make_role(title="ML Team Lead", track=track, skills=[(python, 4, 3, True)])
    ana = make_user(email="ana@example.com", first_name="Ana", password=PASSWORD)
    first = make_submitted_assessment(role=engineer, owner=ana, levels={"python": 2})
    latest = make_submitted_assessment(role=lead, owner=ana, levels={"python": 3})
    coach = make_coach(email="cora@example.com", first_name="Cora", password=PASSWORD)
    relationship = make_relationship(coach=coach, client=ana)
    note_create(assessment=latest, coach=coach, text="Lead a small project.", visibility="private")

    page = signed_in(browser, live_server.url, "cora@example.com")
    page.goto(f"{live_server.url}{reverse('coaching:session', args=[relationship.pk])}")
    page.get_by_role("link", name="All notes on Ana").click()
    page.wait_for_url(f"**{reverse('coaching:notes', args=[relationship.pk])}")
    expect(page.get_by_test_id("timeline-note")).to_have_count(1)

    # Written with the keyboard alone: the note, the earlier report, shared.
    page.get_by_label("Note", exact=True).focus()
    page.keyboard.type("Python first; the course starts Monday.")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the earlier report: the latest is listed first
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # "Shared with the client"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Note shared with your client.")
    notes = page.get_by_test_id("timeline-note")
    expect(notes).to_have_count(2)
    newest = notes.first
    expect(newest).to_contain_text("Shared with Ana")
    expect(newest).to_contain_text("ML Engineer")

    newest.get_by_text("Edit or delete").click()
    newest.get_by_label("Edit note").fill("Python first; the course starts Tuesday.")
    newest.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**{reverse('coaching:notes', args=[relationship.pk])}*")
    expect(page.get_by_test_id("timeline-note").first).to_contain_text("starts Tuesday")

    client = signed_in(browser, live_server.url, "ana@example.com")
    client.goto(f"{live_server.url}{reverse('assessments:result', args=[first.pk])}")
    expect(client.get_by_text("Python first; the course starts Tuesday.")).to_be_visible()
    expect(client.get_by_text("starts Monday")).to_have_count(0)
    expect(client.get_by_text("Lead a small project.")).to_have_count(0)
    page.context.close()
    client.context.close()
