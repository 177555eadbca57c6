"""The coach calibrates without pressing a button: each skill saves as it changes, says so
in its row, and is still there after a reload; on a phone the table needs no sideways
scroll."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from coaching.models import Calibration
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


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _report() -> str:
    """Cleo rates Python 2 (the role asks 4) and SQL 2 (asks 2); Cora coaches her."""
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="Distributed data-warehouse query design", category=category)
    role = make_role(
        slug="lead",
        title="ML Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, True), (sql, 2, 2, False)],
    )
    cleo = make_user(email="cleo@example.com", first_name="Cleo")
    cora = make_coach(email="cora@example.com", password=PASSWORD, first_name="Cora")
    report = make_submitted_assessment(role=role, owner=cleo, levels={"python": 2, "sql": 2})
    make_relationship(coach=cora, client=cleo)
    return reverse("coaching:report", args=[report.pk])


def test_the_coach_calibrates_two_skills_without_a_button_and_they_stay(
    live_server, page: Page
) -> None:
    url = f"{live_server.url}{_report()}"
    _log_in(page, live_server.url, "cora@example.com")
    page.goto(url)
    python = page.get_by_label("Your view of Python")
    sql = page.get_by_label("Your view of Distributed data-warehouse query design")
    python_row = page.get_by_test_id("calibration-row").filter(has=python)
    sql_row = page.get_by_test_id("calibration-row").filter(has=sql)
    expect(python_row).to_contain_text("Advanced (4)")  # required
    expect(python_row).to_contain_text("Working (2)")  # Cleo's own

    python.select_option("4")
    expect(python_row.get_by_role("status")).to_have_text("Saved")
    expect(python_row).to_contain_text("+2 You see more")
    # By keyboard: focus the select and step one level down from "No view".
    sql.focus()
    page.keyboard.press("ArrowDown")
    expect(sql_row.get_by_role("status")).to_have_text("Saved")
    expect(sql_row.get_by_test_id("calibration-difference")).to_have_text("-2 You see less")
    assert dict(Calibration.objects.values_list("skill", "level")) == {"python": 4, "sql": 0}

    page.reload()
    expect(page.get_by_label("Your view of Python")).to_have_value("4")
    expect(page.get_by_label("Your view of Distributed data-warehouse query design")).to_have_value(
        "0"
    )
    expect(page.get_by_test_id("calibration-row").filter(has_text="Python")).to_contain_text(
        "+2 You see more"
    )


def test_the_calibration_needs_no_sideways_scroll_at_390_px(live_server, browser: Browser) -> None:
    url = f"{live_server.url}{_report()}"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    _log_in(page, live_server.url, "cora@example.com")
    page.goto(url)

    select = page.get_by_label("Your view of Distributed data-warehouse query design")
    select.scroll_into_view_if_needed()
    select.select_option("3")
    expect(
        page.get_by_test_id("calibration-row").filter(has=select).get_by_role("status")
    ).to_have_text("Saved")

    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    # The select is in view without scrolling the table sideways.
    box = select.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    table_box = page.get_by_test_id("calibration-table").bounding_box()
    assert table_box is not None and table_box["x"] + table_box["width"] <= 390
    # Each level says what it is, the column heads being out of sight on a phone.
    label = page.evaluate(
        "getComputedStyle(document.querySelector('td[data-label]'), '::before').content"
    )
    assert label == '"Required"'
    context.close()
