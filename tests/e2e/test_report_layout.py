"""The report's layout in a browser: no sideways scroll at desktop and phone width, a
skill-by-skill chart whose names never run into each other or into the marks (even with
many long names), a pace control that moves the plan and never the score, and a printed
page 1 with the title, the role and the date."""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from assessments.models import Assessment
from assessments.questionnaire import questionnaire_for
from roles.models import Role
from roles.services import catalogue_load
from tests.factories import (
    make_category,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "lin@example.com"
PASSWORD = "correct-horse-battery"
WIDTHS = (1280, 390)

# Each label's text box, each mark's box, and what a phone reader sees of them.
CHART_BOXES = """() => {
  const box = (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
  return [...document.querySelectorAll('[data-testid=skill-chart] tr.skill-chart-row')].map(row => {
    const label = row.querySelector('th');
    const range = document.createRange();
    range.selectNodeContents(label);
    return {
      skill: row.dataset.skill,
      label: box(range.getBoundingClientRect()),
      labelOverflows: label.scrollWidth > label.clientWidth + 1,
      fontSize: parseFloat(getComputedStyle(row.querySelector('.skill-chart-name')).fontSize),
      marks: [...row.querySelectorAll('.mark-self, .mark-required, .mark-gap')]
        .map(m => box(m.getBoundingClientRect())),
    };
  });
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


def _pdf_text(text: str | None) -> str:
    """A page's text as read: ligatures ("ﬁ") as their letters, one space between words."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _team_lead_report(owner: Any, *, years: float = 1) -> Assessment:
    """The catalogue's ML Team Lead (27 skills in 8 categories), rated unevenly."""
    catalogue_load()
    role = Role.objects.get(slug="ml-team-lead")
    questionnaire = questionnaire_for(role)
    levels = {slug: (i * 7) % 6 for i, slug in enumerate(questionnaire.skill_questions)}
    return make_submitted_assessment(
        role=role,
        owner=owner,
        levels=levels,
        years={q.slug: years for q in questionnaire.experience},
        education="master",
    )


def _many_long_skills_report(owner: Any) -> Assessment:
    """A role of 44 skills with long names in 8 categories, every level used."""
    categories = [make_category(name=f"Area {n} of a demanding role") for n in range(8)]
    skills = [
        make_skill(
            slug=f"long-{i}",
            name=f"Designing, operating and reviewing distributed training pipelines {i} "
            "(PyTorch, Kubernetes, feature stores)",
            category=categories[i % 8],
        )
        for i in range(44)
    ]
    role = make_role(
        slug="wide-lead",
        title="Lead of a very wide role",
        skills=[(s, 1 + i % 5, 3, i % 3 == 0) for i, s in enumerate(skills)],
    )
    levels = {s.slug: (i * 5) % 6 for i, s in enumerate(skills)}
    return make_submitted_assessment(role=role, owner=owner, levels=levels)


@pytest.fixture
def lin() -> Any:
    return make_user(email=EMAIL, password=PASSWORD)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_has_no_sideways_scroll(lin, live_server, page: Page, width: int) -> None:
    reports = [_team_lead_report(lin), _many_long_skills_report(lin)]
    _log_in(page, live_server.url)
    page.set_viewport_size({"width": width, "height": 900})
    for assessment in reports:
        page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
        expect(page.get_by_test_id("skill-chart")).to_be_visible()
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll_width <= page.evaluate("innerWidth"), assessment.role.slug


@pytest.mark.parametrize("width", WIDTHS)
def test_skill_chart_names_overlap_neither_each_other_nor_the_marks(
    lin, live_server, page: Page, width: int
) -> None:
    assessment = _many_long_skills_report(lin)
    _log_in(page, live_server.url)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    chart = page.get_by_test_id("skill-chart")
    expect(chart.locator("tr.skill-chart-row")).to_have_count(44)
    expect(chart.locator("tr.skill-chart-category")).to_have_count(8)

    rows = page.evaluate(CHART_BOXES)
    assert len(rows) == 44
    marks = [mark for row in rows for mark in row["marks"]]
    for i, row in enumerate(rows):
        assert row["fontSize"] >= 12, row["skill"]
        assert not row["labelOverflows"], row["skill"]  # long names wrap, none is cut
        assert all(not _overlap(row["label"], other["label"]) for other in rows[i + 1 :])
        assert all(not _overlap(row["label"], mark) for mark in marks), row["skill"]
        # Two marks a row, and a gap bar where the level is below the required one.
        assert len(row["marks"]) in (2, 3)
        required = row["marks"][-2]
        assert required["bottom"] - required["top"] >= 8  # a mark one can see on a phone


def test_the_pace_changes_the_plan_and_time_to_ready_not_the_score(
    lin, live_server, page: Page
) -> None:
    # Ten years of every experience: the time to ready is the plan's end alone.
    assessment = _team_lead_report(lin, years=10)
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    readiness = page.get_by_test_id("readiness").inner_text()
    verdict = page.get_by_test_id("verdict").inner_text()
    categories = page.get_by_test_id("category-bars").inner_text()
    plan = page.get_by_test_id("plan-summary").inner_text()
    weeks = int(page.get_by_test_id("time-to-ready").inner_text().split()[0])
    assert weeks == assessment.report["time_to_ready_weeks"]

    page.get_by_label(re.compile("Hours a week")).fill("10")
    page.get_by_role("button", name="Update the plan").click()
    expect(page).to_have_url(re.compile(r"[?&]pace=10\b"))
    expect(page.get_by_test_id("plan-summary")).not_to_have_text(plan)
    expect(page.get_by_test_id("plan-summary")).to_contain_text("at 10 hours a week")
    # Twice the hours, half the weeks (rounded up to a whole week).
    later = int(page.get_by_test_id("time-to-ready").inner_text().split()[0])
    assert later == pytest.approx(weeks / 2, abs=1)
    expect(page.get_by_test_id("readiness")).to_have_text(readiness)
    expect(page.get_by_test_id("verdict")).to_have_text(verdict)
    assert page.get_by_test_id("category-bars").inner_text() == categories


def test_the_printed_report_has_title_role_and_date_on_page_one(
    lin, live_server, page: Page
) -> None:
    assessment = _team_lead_report(lin)
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    title = " ".join(page.get_by_role("heading", level=1).inner_text().split())
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False)))

    def text_of(number: int) -> str:
        return _pdf_text(pdf.pages[number].extract_text())

    first = text_of(0)
    submitted = date_format(timezone.localtime(assessment.submitted_at), "j F Y")
    assert title in first
    assert "Machine Learning Team Lead" in first
    assert submitted in first
    everything = " ".join(text_of(n) for n in range(len(pdf.pages)))
    # The gaps come before the skill by skill chart, whose names are all on paper.
    assert everything.index("Gaps, most important first") < everything.index("Skill by skill")
    for requirement in assessment.report["requirements"]:
        if requirement["kind"] == "skill":
            assert requirement["name"] in everything


def test_the_pdf_draws_the_skill_by_skill_chart(lin, live_server, page: Page) -> None:
    assessment = _team_lead_report(lin)
    _log_in(page, live_server.url)
    response = page.request.get(f"{live_server.url}/assessments/{assessment.pk}/report.pdf")
    assert response.status == 200
    reader = PdfReader(io.BytesIO(response.body()))
    text = " ".join(_pdf_text(p.extract_text()) for p in reader.pages)
    chart = text[text.index("Skill by skill") :]
    skills = [r for r in assessment.report["requirements"] if r["kind"] == "skill"]
    assert len(skills) == 27
    for category in assessment.report["categories"]:
        if any(s["category"] == category["name"] for s in skills):
            # Each category's heading with its 0–5 scale.
            assert f"{category['name']} 0 1 2 3 4 5" in chart
    for skill in skills:
        assert skill["name"] in chart


# Each of the progress section's three lists: its box in the printed layout.
PROGRESS_LIST_BOXES = """() => [...document.querySelectorAll('[data-testid=progress-lists] > div')]
  .map(col => {
    const r = col.getBoundingClientRect();
    return {left: r.left, top: r.top, bottom: r.bottom, width: r.width};
  })"""


def test_the_printed_progress_uses_page_one_and_its_lists_print_full_width(
    lin, live_server, page: Page
) -> None:
    # An earlier submission rated every skill 0: each skill rated above 0 now has changed
    # since, so the "Skills that changed" list is long (more than 20 lines).
    catalogue_load()
    role = Role.objects.get(slug="ml-team-lead")
    make_submitted_assessment(role=role, owner=lin, education="master")
    assessment = _team_lead_report(lin)
    rated = [r for r in assessment.report["requirements"] if r["kind"] == "skill" and r["self"] > 0]
    assert len(rated) > 20
    _log_in(page, live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})  # wide enough for columns
    page.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    expect(page.get_by_test_id("skill-changes").locator("li")).to_have_count(len(rated))

    page.emulate_media(media="print")
    # On paper the three lists follow one another at the section's full width, instead of
    # three columns that a page break would leave as narrow strips on a later page.
    lists = page.evaluate(PROGRESS_LIST_BOXES)
    row_width = page.get_by_test_id("progress-lists").bounding_box()["width"]
    assert len(lists) == 3
    assert all(box["width"] == pytest.approx(row_width, abs=1) for box in lists)
    assert lists[0]["bottom"] <= lists[1]["top"] and lists[1]["bottom"] <= lists[2]["top"]

    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False)))
    pages = [_pdf_text(p.extract_text()) for p in pdf.pages]
    # The long progress card breaks like any block: it starts on page 1, under the summary,
    # rather than leaving page 1 mostly empty.
    assert "Since your assessment of" in pages[0]
    # The skill by skill chart's heading is never alone at a page's foot: its page also
    # holds the chart's first skill.
    chart_page = next(n for n, text in enumerate(pages) if "Skill by skill" in text)
    first_skill = page.locator("[data-testid=skill-chart] .skill-chart-name").first.inner_text()
    after_heading = pages[chart_page][pages[chart_page].index("Skill by skill") :]
    assert first_skill in after_heading
