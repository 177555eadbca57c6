"""The report in a browser: a logged-in person opens their submitted ML Team Lead report,
sees the skill-by-skill chart and the ladder with their next step, and downloads the PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from assessments.models import Assessment
from assessments.questionnaire import questionnaire_for
from roles.models import Role
from roles.services import catalogue_load
from tests.factories import make_submitted_assessment

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ann@example.com"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def catalogue() -> None:
    catalogue_load()


def _submitted_team_lead_report(owner: object) -> Assessment:
    """Working level everywhere and Practitioner in Python, a bachelor's and a year of ML:
    the junior rung is met, the ML engineer rung (two years of ML, essential) is not."""
    role = Role.objects.get(slug="ml-team-lead")
    levels = {slug: 2 for slug in questionnaire_for(role).skill_questions}
    levels["python"] = 3
    return make_submitted_assessment(
        role=role,
        owner=owner,
        levels=levels,
        years={"ml-experience": 1, "ml-team-leadership": 0},
        education="bachelor",
    )


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_owner_reads_the_report_and_downloads_it_as_pdf(
    catalogue: None, live_server, page: Page, tmp_path: Path
) -> None:
    user = get_user_model().objects.create_user(username=EMAIL, email=EMAIL, password=PASSWORD)
    assessment = _submitted_team_lead_report(user)
    report = assessment.report
    assert report["current_rung"] == "junior-ml-engineer"
    assert report["next_step"] == "ml-engineer"

    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your report: Machine Learning Team Lead"
    )
    expect(page.get_by_test_id("readiness")).to_have_text(f"{report['readiness']:.1f}")
    skill_chart = page.get_by_test_id("skill-chart")
    expect(skill_chart).to_be_visible()
    expect(skill_chart.locator("tr.skill-chart-row")).to_have_count(27)

    ladder = page.get_by_test_id("report-ladder")
    expect(ladder).to_be_visible()
    expect(ladder.locator("li")).to_have_count(len(report["ladder"]))
    next_rung = ladder.locator("li.rung-next")
    expect(next_rung).to_have_count(1)
    expect(next_rung).to_contain_text("Machine Learning Engineer")
    expect(next_rung.get_by_text("Your next step")).to_be_visible()
    expect(ladder.locator("li.rung-current")).to_contain_text("Junior Machine Learning Engineer")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert re.fullmatch(
        r"careerpath-ml-team-lead-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Place on the ladder" in text  # the PDF names no one: anyone may read it
    assert f"{report['readiness']:.1f}" in text
