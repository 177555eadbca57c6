"""In a browser at 1280 and 390 px: the readiness trend on "My assessments" (three
submissions, two on one day) keeps its labels apart and the page never scrolls sideways;
a stranger's shared page names the owner and offers the PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from assessments.models import Assessment, ShareLink
from tests.factories import make_category, make_role, make_skill, make_submitted_assessment

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ana@example.com"
PASSWORD = "correct-horse-battery"
WIDTHS = (1280, 390)


def _role() -> Any:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    return make_role(
        slug="lead", title="ML Team Lead", skills=[(python, 4, 3, True), (sql, 3, 2, False)]
    )


def _submit(role: Any, owner: Any, when: datetime, python: int) -> Assessment:
    assessment = make_submitted_assessment(
        role=role, owner=owner, levels={"python": python, "sql": 2}
    )
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=when, created_at=when)
    return assessment


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _overlaps(boxes: list[dict[str, float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j
        and a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    ]


def test_the_trend_on_my_assessments_is_readable_at_both_widths(live_server, page: Page):
    user = get_user_model().objects.create_user(username=EMAIL, email=EMAIL, password=PASSWORD)
    role = _role()
    _submit(role, user, datetime(2026, 11, 1, 12, tzinfo=UTC), python=1)
    _submit(role, user, datetime(2026, 12, 1, 9, 12, tzinfo=UTC), python=3)
    _submit(role, user, datetime(2026, 12, 1, 9, 47, tzinfo=UTC), python=4)
    _log_in(page, live_server.url)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/assessments/")
        chart = page.get_by_test_id("trend-chart").locator("svg")
        expect(chart).to_be_visible()
        texts = chart.locator("text")
        boxes = [texts.nth(i).bounding_box() for i in range(texts.count())]
        assert all(box and box["height"] >= 9 for box in boxes), width  # readable text
        assert _overlaps(boxes) == [], width
        # 5 ticks, 3 values, 3 dates, 2 times (the two of 1 Dec)
        assert texts.count() == 13
        expect(page.get_by_role("link", name="1 Dec 2026, 09:12", exact=True)).to_be_visible()
        _no_sideways_scroll(page)


def test_a_stranger_reads_the_named_report_and_gets_its_pdf(live_server, page: Page):
    user = get_user_model().objects.create_user(username=EMAIL, email=EMAIL, password=PASSWORD)
    assessment = _submit(_role(), user, datetime(2026, 12, 1, 9, tzinfo=UTC), python=3)
    link = ShareLink.objects.create(
        assessment=assessment, expires_at=datetime(2027, 1, 1, tzinfo=UTC), display_name="Ana"
    )
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}{link.get_absolute_url()}")
        expect(page.get_by_test_id("shared-by")).to_have_text("Ana")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ana's report: ML Team Lead")
        expect(page.get_by_text("Your report")).to_have_count(0)
        _no_sideways_scroll(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    assert download_info.value.suggested_filename.endswith(".pdf")
