"""The report's salary section (current rung, next step, the uplift) and progress over
time (level names, dates with times, the readiness trend), with hand-computed figures."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from assessments.salary import headline, salary_section, uplift
from assessments.trend import trend_chart, when_labels
from careerpath.page_cache import forget_kept_pages
from roles.models import SalaryFigure
from tests.factories import (
    make_category,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
    make_user,
)

# --- salary: pure ----------------------------------------------------------------------


def _figure(
    label: str,
    average: int | None = None,
    low: int | None = None,
    high: int | None = None,
    currency: str = "USD",
) -> dict[str, Any]:
    return {
        "label": label,
        "average": average,
        "low": low,
        "high": high,
        "currency": currency,
        "source": "US market, 2024",
    }


SENIOR = [_figure("Senior ML engineers, average salary range", low=141_405, high=167_029)]
LEAD = [
    _figure("National average", 188_940, 157_399, 227_416),
    _figure("New York, NY", 220_680),
]


def test_the_headline_is_the_first_average_else_the_midpoint_of_the_first_range():
    assert headline(LEAD).amount == 188_940  # the first average, not the larger New York one
    assert headline(LEAD).basis == "National average"
    # (141,405 + 167,029) / 2 = 308,434 / 2 = 154,217
    assert headline(SENIOR).amount == 154_217
    assert headline(SENIOR).basis == "midpoint of the $141,405–$167,029 range"
    # (100,000 + 100,001) / 2 = 100,000.5: halves round up
    assert headline([_figure("x", low=100_000, high=100_001)]).amount == 100_001
    assert headline([]) is None


def test_the_uplift_from_senior_to_lead_in_money_and_percent():
    # 188,940 − 154,217 = 34,723; 34,723 / 154,217 = 0.22515… → 22.5 %
    gain = uplift(headline(SENIOR), headline(LEAD))
    assert gain is not None
    assert gain.amount == 34_723
    assert gain.percent == Decimal("22.5")
    assert (gain.amount_text, gain.percent_text) == ("+$34,723", "+22.5%")


@pytest.mark.parametrize(
    ("before", "after", "amount", "percent"),
    [
        (80_000, 90_000, "+$10,000", "+12.5%"),  # 10,000 / 80,000 = 12.5 %
        (200_000, 200_100, "+$100", "+0.1%"),  # 0.05 % rounds half up to 0.1
        (100_000, 95_000, "−$5,000", "−5.0%"),  # a step down says so
        (100_000, 100_000, "$0", "0.0%"),
    ],
)
def test_uplift_rounds_to_one_decimal_half_up(before, after, amount, percent):
    gain = uplift(headline([_figure("a", before)]), headline([_figure("b", after)]))
    assert (gain.amount_text, gain.percent_text) == (amount, percent)


def test_no_uplift_across_currencies_or_without_a_figure():
    euros = headline([_figure("Berlin", 90_000, currency="EUR")])
    assert uplift(headline(LEAD), euros) is None
    assert uplift(None, headline(LEAD)) is None
    assert uplift(headline(LEAD), None) is None
    snapshot = {"salaries": {"senior": SENIOR, "lead": [_figure("Berlin", 90_000, currency="EUR")]}}
    section = salary_section(_report("senior", "lead"), snapshot)
    assert section.uplift is None
    assert section.no_uplift_reason == "their figures are in different currencies."
    assert section.next_step.figures[0].amount == "€90,000"


def _report(current: str | None, next_step: str | None, target: str = "lead") -> dict[str, Any]:
    return {
        "role": target,
        "current_rung": current,
        "next_step": next_step,
        "ladder": [
            {"role": "junior", "title": "Junior ML Engineer"},
            {"role": "senior", "title": "Senior ML Engineer"},
            {"role": "lead", "title": "ML Team Lead"},
        ],
    }


SNAPSHOT = {"salaries": {"senior": SENIOR, "lead": LEAD}, "branches": []}


def test_salary_section_of_the_current_rung_and_the_next_step():
    section = salary_section(_report("senior", "lead"), SNAPSHOT)
    assert (section.current.title, section.next_step.title) == (
        "Senior ML Engineer",
        "ML Team Lead",
    )
    assert section.uplift.amount == 34_723
    assert section.target is None  # the target is the next step: shown once
    assert not section.no_current_rung
    assert section.current.sources == ("US market, 2024",)
    assert [f.amount for f in section.next_step.figures] == ["$188,940", "$220,680"]
    assert section.next_step.figures[0].range == "$157,399–$227,416"


def test_salary_section_when_no_rung_is_ready_and_a_role_has_no_figures():
    section = salary_section(_report(None, "junior"), SNAPSHOT)
    assert section.no_current_rung and section.current is None
    assert section.next_step.title == "Junior ML Engineer"
    assert section.next_step.figures == () and section.next_step.headline is None
    assert section.uplift is None
    assert section.target.title == "ML Team Lead"  # the assessed role, shown beside


# --- trend: pure -----------------------------------------------------------------------


def _at(day: int, hour: int = 12, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_dates_carry_a_time_only_where_two_fall_on_one_day():
    labels = when_labels([_at(3, 9, 5), _at(1), _at(3, 17, 40)])
    assert labels == ["3 Dec 2026, 09:05", "1 Dec 2026", "3 Dec 2026, 17:40"]


def test_trend_chart_ticks_and_points_for_three_submissions():
    chart = trend_chart([_at(1, month=11), _at(1, 9, 12), _at(1, 9, 47)], [40.0, 62.0, 90.0])
    assert chart is not None
    # Readiness 0–100 over 150 units from y = 20 (100) down to y = 170 (0): 1.5 a point.
    assert chart.ticks == ((0, 170.0), (25, 132.5), (50, 95.0), (75, 57.5), (100, 20.0))
    # x from 40 + 20 = 60 to 340 − 20 = 320: 260 / 2 = 130 apart.
    # y: 20 + (100 − 40) × 1.5 = 110; 20 + 38 × 1.5 = 77; 20 + 10 × 1.5 = 35.
    assert [(p.x, p.y) for p in chart.points] == [(60.0, 110.0), (190.0, 77.0), (320.0, 35.0)]
    assert chart.line == "60.0,110.0 190.0,77.0 320.0,35.0"
    assert [(p.value, p.date, p.time) for p in chart.points] == [
        ("40.0", "1 Nov", ""),
        ("62.0", "1 Dec", "09:12"),
        ("90.0", "1 Dec", "09:47"),
    ]
    assert chart.summary == "1 Nov 2026: 40.0; 1 Dec 2026, 09:12: 62.0; 1 Dec 2026, 09:47: 90.0"
    assert (chart.axis_left, chart.axis_right, chart.axis_top, chart.axis_bottom) == (
        40,
        340,
        20,
        170,
    )


def test_trend_chart_leaves_out_dates_that_would_collide_never_a_value():
    # 8 points 260 / 7 ≈ 37.1 apart; a date needs 60: every 2nd date (⌈60 / 37.1⌉ = 2),
    # and always the last, but not the 7th that would sit next to it.
    moments = [_at(day) for day in range(1, 9)]
    chart = trend_chart(moments, [10.0 * i for i in range(8)])
    assert [i for i, p in enumerate(chart.points) if p.date] == [0, 2, 4, 7]
    assert all(p.value for p in chart.points)


def test_trend_chart_needs_two_submissions():
    assert trend_chart([_at(1)], [50.0]) is None
    assert trend_chart([], []) is None


# --- the pages ---------------------------------------------------------------------------

LEVELS = {"python": 3, "sql": 2, "leadership": 1}


@pytest.fixture
def ladder() -> Any:
    """Junior (python 2, sql 2) → Lead (python 4 essential, sql 3, leadership 3 essential),
    with salary figures on both rungs."""
    track = make_track(slug="ml", name="Machine Learning Engineering")
    technical = make_category(name="Technical", order=1)
    python = make_skill(slug="python", name="Python", category=technical)
    sql = make_skill(slug="sql", name="SQL", category=technical)
    leadership = make_skill(slug="leadership", name="Team leadership", category=technical)
    junior = make_role(
        slug="junior",
        title="Junior ML Engineer",
        track=track,
        rank=1,
        skills=[(python, 2, 3, False), (sql, 2, 2, False)],
    )
    lead = make_role(
        slug="lead",
        title="ML Team Lead",
        track=track,
        rank=2,
        skills=[(python, 4, 3, True), (sql, 3, 2, False), (leadership, 3, 5, True)],
    )
    junior.next_roles.add(lead)
    SalaryFigure.objects.create(
        role=junior, label="Junior range", low=100_000, high=120_000, source="Survey A"
    )
    SalaryFigure.objects.create(
        role=lead, label="National average", average=132_000, source="Survey B"
    )
    return lead


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([:.,;)])", r"\1", text)


def _section(page: str, marker: str) -> str:
    match = re.search(rf"<section[^>]*{marker}[^>]*>(.*?)</section>", page, flags=re.S)
    assert match, marker
    return _text(match.group(1))


def _submit(role: Any, owner: Any, when: datetime, **levels: int) -> Assessment:
    assessment = make_submitted_assessment(role=role, owner=owner, levels=LEVELS | levels)
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=when, created_at=when)
    assessment.refresh_from_db()
    return assessment


@pytest.mark.django_db
def test_the_report_shows_the_current_rung_the_next_step_and_the_uplift(client, ladder):
    ann = make_user(email="ann@example.com")
    assessment = _submit(ladder, ann, _at(1))
    client.force_login(ann)
    section = _section(
        client.get(assessment.get_absolute_url()).content.decode(), 'data-testid="salary-section"'
    )
    # Junior headline: (100,000 + 120,000) / 2 = 110,000; lead 132,000:
    # +22,000, and 22,000 / 110,000 = 20.0 %.
    assert (
        "From Junior ML Engineer to ML Team Lead: +$22,000 a year (+20.0%), comparing "
        "$110,000 (midpoint of the $100,000–$120,000 range) with $132,000 (National average)"
    ) in section
    assert "Current rung: Junior ML Engineer" in section
    assert "Your next step: ML Team Lead" in section
    assert "Source: Survey A" in section and "Source: Survey B" in section


@pytest.mark.django_db
def test_with_no_rung_ready_the_salary_section_says_what_that_means(client, ladder):
    ann = make_user(email="ann@example.com")
    assessment = _submit(ladder, ann, _at(1), python=1)  # python 1 < 2: not even junior
    client.force_login(ann)
    section = _section(
        client.get(assessment.get_absolute_url()).content.decode(), 'data-testid="salary-section"'
    )
    assert "No rung is ready yet, so there is no current rung and no uplift to show" in section
    assert "Your next step: Junior ML Engineer" in section
    assert "The assessed role: ML Team Lead" in section
    assert "+$" not in section


@pytest.mark.django_db
def test_a_role_without_figures_says_so(client, ladder):
    SalaryFigure.objects.filter(role=ladder).delete()
    ann = make_user(email="ann@example.com")
    assessment = _submit(ladder, ann, _at(1))
    client.force_login(ann)
    section = _section(
        client.get(assessment.get_absolute_url()).content.decode(), 'data-testid="salary-section"'
    )
    assert (
        "No salary figures for ML Team Lead in the catalogue this report was scored against."
        in section
    )
    assert "No uplift to show: ML Team Lead has no salary figure to compare." in section


@pytest.mark.django_db
def test_progress_names_levels_dates_with_times_and_draws_the_trend(client, ladder):
    ann = make_user(email="ann@example.com")
    _submit(ladder, ann, _at(1, month=11), python=2, sql=2)
    _submit(ladder, ann, _at(1, 9, 12), python=3, sql=2)
    latest = _submit(ladder, ann, _at(1, 9, 47), python=4, sql=3)
    client.force_login(ann)
    page = client.get(latest.get_absolute_url()).content.decode()
    section = _section(page, 'data-testid="progress"')
    assert "Since your assessment of 1 Dec 2026, 09:12" in section
    assert "Python: Practitioner → Advanced (+1 level)" in section
    assert "SQL: Working → Practitioner (+1 level)" in section
    # the trend: one point a submission of this role, with its value and date
    assert section.count("1 Dec 2026, 09:12") >= 2  # heading and the trend's table
    points = re.findall(r'data-testid="trend-point"', page)
    assert len(points) == 3
    table = re.search(r'data-testid="trend-table".*?</table>', page, flags=re.S).group(0)
    readiness = [f"{float(a.readiness):.1f}" for a in Assessment.objects.order_by("submitted_at")]
    assert re.findall(r"<td>([\d.]+)</td>", table) == readiness
    assert "1 Nov 2026" in _text(table)
    # presentation attributes, no class the print sheet could drop
    svg = re.search(r'<svg viewBox="0 0 360 210".*?</svg>', page, flags=re.S).group(0)
    assert 'stroke="#0b6e4f"' in svg and "class=" not in svg


@pytest.mark.django_db
def test_my_assessments_lists_three_submissions_with_times_where_two_share_a_day(client, ladder):
    ann = make_user(email="ann@example.com")
    _submit(ladder, ann, _at(1, month=11), python=2, sql=2)
    _submit(ladder, ann, _at(1, 9, 12), python=3, sql=2)
    _submit(ladder, ann, _at(1, 9, 47), python=4, sql=3)
    client.force_login(ann)
    page = client.get(reverse("assessments:mine")).content.decode()
    rows = re.findall(r'<tr><th scope="row" class="fw-normal"><a href="[^"]+">([^<]+)</a>', page)
    assert rows == ["1 Dec 2026, 09:47", "1 Dec 2026, 09:12", "1 Nov 2026"]
    assert page.count('data-testid="trend-point"') == 3
    assert "Readiness over time, out of 100: 1 Nov 2026:" in page
    for tick in ("0", "25", "50", "75", "100"):
        assert re.search(rf'text-anchor="end" font-size="13" fill="#495057">{tick}</text>', page)


# My assessments: the session's user, their assessments with roles and tracks, whether
# the user is a coach (the navigation).
MY_ASSESSMENTS_QUERIES = 4


@pytest.mark.django_db
def test_my_assessments_queries_do_not_grow_with_submissions(client, ladder):
    counts = {}
    for many in (1, 6):
        owner = make_user(email=f"owner-{many}@example.com")
        for i in range(many):
            _submit(ladder, owner, _at(1) + timedelta(hours=i))
        viewer = Client()
        viewer.force_login(owner)
        viewer.get(reverse("assessments:mine"))
        forget_kept_pages()
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(reverse("assessments:mine")).status_code == 200
        counts[many] = len(queries)
    assert counts == {1: MY_ASSESSMENTS_QUERIES, 6: MY_ASSESSMENTS_QUERIES}


# The owner's report: session, user, the assessment, the earlier submissions (progress
# and trend, one query), share links, coaches' notes, calibrations, coach check.
REPORT_QUERIES = 8


@pytest.mark.django_db
def test_report_queries_do_not_grow_with_earlier_submissions(ladder):
    counts = {}
    for earlier in (1, 6):
        owner = make_user(email=f"owner-{earlier}@example.com")
        for i in range(earlier):
            _submit(ladder, owner, _at(1, month=11) + timedelta(days=i))
        latest = _submit(ladder, owner, _at(1))
        viewer = Client()
        viewer.force_login(owner)
        assert 'data-testid="trend-point"' in viewer.get(latest.get_absolute_url()).content.decode()
        forget_kept_pages()
        with CaptureQueriesContext(connection) as queries:
            viewer.get(latest.get_absolute_url())
        counts[earlier] = len(queries)
    assert counts == {1: REPORT_QUERIES, 6: REPORT_QUERIES}
