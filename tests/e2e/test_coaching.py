"""Coaching in a browser: a coach invites, the client accepts with the code, the coach
notes and calibrates the report, the client reads both, revokes, and the coach is out."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from coaching.services import note_create
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

PASSWORD = "lovelace-Engine-1843"
NOTE = "Your SQL is stronger than you think; let us plan the Python gap."


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The navigation names the person: their display name, or their e-mail without one.
    person = get_user_model().objects.get(email=email)
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(
        person.get_full_name() or email
    )


def test_coach_invites_client_accepts_coach_notes_and_calibrates_client_revokes(
    live_server, browser: Browser, page: Page
) -> None:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    role = make_role(
        slug="lead",
        title="ML Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, True), (sql, 2, 1, False)],
    )
    make_coach(email="cora@example.com", password=PASSWORD, first_name="Cora", last_name="Coach")
    cleo = make_user(email="cleo@example.com", password=PASSWORD)
    assessment = make_submitted_assessment(role=role, owner=cleo, levels={"python": 2, "sql": 2})
    report_url = f"{live_server.url}/assessments/{assessment.pk}/result/"

    # The coach creates an invitation and reads its code.
    coach = page
    _log_in(coach, live_server.url, "cora@example.com")
    coach.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    coach.get_by_role("link", name="Invite a client").first.click()
    coach.get_by_role("button", name="Create invitation").click()
    expect(coach.get_by_text("Invitation created")).to_be_visible()
    code = coach.get_by_test_id("invitation-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code)

    # The client, in another browser, enters the code as it was read out, and accepts.
    client_context = browser.new_context(viewport={"width": 1280, "height": 900})
    client_context.set_default_timeout(10_000)
    client = client_context.new_page()
    _log_in(client, live_server.url, "cleo@example.com")
    client.goto(f"{live_server.url}/coaching/join/")
    client.get_by_label("Invitation code").fill(f"{code[:4].lower()}-{code[4:]}")
    client.get_by_role("button", name="Continue").click()
    expect(client).to_have_url(re.compile(r"/coaching/invitation/[\w-]+/$"))
    expect(client.get_by_role("heading", level=1)).to_have_text("Cora Coach invites you")
    client.get_by_label("All my submitted assessments").check()
    client.get_by_role("button", name="Accept").click()
    expect(client.get_by_text("Accepted: your coach can now see what you chose.")).to_be_visible()
    expect(client.get_by_test_id("coach")).to_contain_text("Cora Coach")

    # The coach opens the client's report, writes a shared note and calibrates Python.
    coach.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(coach.get_by_test_id("client-count")).to_have_text("1 client")
    coach.get_by_test_id("clients").get_by_role("link", name="cleo@example.com").click()
    # The dashboard leads to the session view, which links to the full report.
    coach.get_by_role("link", name=re.compile(r"full report of")).click()
    expect(coach).to_have_url(f"{live_server.url}/coaching/reports/{assessment.pk}/")
    coach.get_by_role("textbox", name=re.compile(r"^Note")).fill(NOTE)
    coach.get_by_label("Shared with the client").check()
    coach.get_by_role("button", name="Add note").click()
    expect(coach.get_by_text("Note shared with your client.")).to_be_visible()
    expect(coach.get_by_test_id("note")).to_contain_text(NOTE)
    coach.get_by_label("Your view of Python").select_option("4")  # she says 2
    coach.get_by_role("button", name="Save calibration").click()
    expect(coach.get_by_text("Your view of 1 skill saved.")).to_be_visible()
    expect(coach.get_by_label("Your view of Python")).to_have_value("4")

    # The client reads the note and the calibration, the difference highlighted.
    client.goto(report_url)
    note = client.get_by_test_id("coach-note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text(NOTE)
    expect(note).to_contain_text("Cora Coach")
    table = client.get_by_test_id("calibration-table")
    expect(table).to_be_visible()
    flagged = table.locator("tbody tr.table-warning")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Python")
    expect(flagged).to_contain_text("+2")
    expect(flagged).to_contain_text("Coach sees more")
    expect(table.locator("tbody tr")).to_have_count(1)  # SQL was not calibrated

    # The client revokes; the coach's next look at the report is a 404.
    client.get_by_role("navigation", name="Main").get_by_role("link", name="My coaches").click()
    client.get_by_role("button", name="Revoke access now").click()
    expect(client.get_by_text("Done: that coach no longer sees anything of yours.")).to_be_visible()
    expect(client.get_by_test_id("coach")).to_have_count(0)

    response = coach.reload()
    assert response is not None and response.status == 404
    expect(coach.get_by_text(NOTE)).to_have_count(0)
    client_context.close()


def test_after_a_live_search_and_filter_the_csv_download_is_what_is_on_screen(
    live_server, page: Page
) -> None:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    role = make_role(
        slug="lead", title="ML Team Lead", track=make_track(), skills=[(python, 4, 3, True)]
    )
    coach = make_coach(email="cora@example.com", password=PASSWORD, first_name="Cora")
    for email, name, level in [
        ("ana@example.com", "Ana Silva", 4),
        ("anabel@example.com", "Anabel Ruiz", 1),
        ("bo@example.com", "Bo Chen", 1),
    ]:
        client = make_user(email=email, first_name=name)
        make_submitted_assessment(role=role, owner=client, levels={"python": level})
        make_relationship(coach=coach, client=client)
    _log_in(page, live_server.url, "cora@example.com")
    page.goto(f"{live_server.url}/coaching/clients/")
    table = page.get_by_test_id("clients")
    expect(table.locator("tbody tr")).to_have_count(3)

    # A live search, then a filter from the folded panel: htmx redraws the table alone.
    page.get_by_label("Search by name or email").fill("ana")
    expect(table.locator("tbody tr")).to_have_count(2)
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Verdict").select_option("early")
    expect(page.get_by_test_id("client-count")).to_have_text("1 client")
    on_screen = [
        page.get_by_test_id("clients").locator("tbody tr th").all_inner_texts(),
        page.get_by_test_id("clients").locator("tbody tr td:nth-child(3)").all_inner_texts(),
    ]
    assert on_screen == [["Anabel Ruiz"], ["25.0"]]
    with page.expect_download() as download_info:
        page.get_by_test_id("clients-csv").click()
    exported = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert [[r[0] for r in exported[1:]], [r[3] for r in exported[1:]]] == on_screen


def test_the_coach_edits_then_deletes_a_shared_note_and_the_client_follows(
    live_server, browser: Browser, page: Page
) -> None:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    role = make_role(
        slug="lead", title="ML Team Lead", track=make_track(), skills=[(python, 4, 3, True)]
    )
    coach = make_coach(email="cora@example.com", password=PASSWORD, first_name="Cora")
    cleo = make_user(email="cleo@example.com", password=PASSWORD, first_name="Cleo")
    assessment = make_submitted_assessment(role=role, owner=cleo, levels={"python": 2})
    make_relationship(coach=coach, client=cleo)
    note_create(assessment=assessment, coach=coach, text=NOTE, visibility="shared")
    client_context = browser.new_context(viewport={"width": 1280, "height": 900})
    client_context.set_default_timeout(10_000)
    client = client_context.new_page()
    _log_in(client, live_server.url, "cleo@example.com")
    report_url = f"{live_server.url}/assessments/{assessment.pk}/result/"
    client.goto(report_url)
    expect(client.get_by_test_id("coach-note")).to_contain_text(NOTE)

    _log_in(page, live_server.url, "cora@example.com")
    page.goto(f"{live_server.url}/coaching/reports/{assessment.pk}/")
    page.get_by_text("Edit or delete").click()
    page.get_by_label("Edit note").fill("Start with the SQL course instead.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Note saved; your client sees the new text.")).to_be_visible()
    expect(page.get_by_test_id("note")).to_contain_text("Start with the SQL course instead.")

    client.goto(report_url)
    expect(client.get_by_test_id("coach-note")).to_contain_text("Start with the SQL course")
    expect(client.get_by_text(NOTE)).to_have_count(0)

    page.get_by_text("Edit or delete").click()
    page.get_by_role("button", name=re.compile(r"^Delete this note")).click()
    expect(page.get_by_text("Note deleted.")).to_be_visible()
    expect(page.get_by_test_id("note")).to_have_count(0)
    client.goto(report_url)
    expect(client.get_by_test_id("coach-note")).to_have_count(0)
    client_context.close()
