"""The coach's calibration (issue 13): each skill saves as it changes (htmx), the row shows
the required level and the client's own level by name, and the coach's calibrations of the
client's earlier shared reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from careerpath.page_cache import forget_kept_pages
from coaching.models import Calibration
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

# Self levels: Python 2 (the role asks 4), SQL 2 (asks 2), MLOps 3 (asks 3).
LEVELS = {"python": 2, "sql": 2, "mlops": 3}
HTMX = {"HTTP_HX_REQUEST": "true"}


def _role(skills: list[tuple[str, str, int]]) -> Any:
    category = make_category()
    return make_role(
        title="ML Team Lead",
        track=make_track(),
        skills=[
            (make_skill(slug=slug, name=name, category=category), required, 3, False)
            for slug, name, required in skills
        ],
    )


@pytest.fixture
def role() -> Any:
    return _role([("python", "Python", 4), ("sql", "SQL", 2), ("mlops", "MLOps", 3)])


@pytest.fixture
def coached(role: Any) -> SimpleNamespace:
    """Cora coaches Cleo, who shares everything: one submitted report."""
    cleo = make_user(email="cleo@example.com", first_name="Cleo")
    cora = make_coach(email="cora@example.com", first_name="Cora")
    report = make_submitted_assessment(role=role, owner=cleo, levels=LEVELS)
    relationship = make_relationship(coach=cora, client=cleo)
    return SimpleNamespace(
        client=cleo, coach=cora, report=report, relationship=relationship, role=role
    )


def _logged_in(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _autosave(browser: Client, report: Assessment, data: Any) -> Any:
    return browser.post(reverse("coaching:calibrate", args=[report.pk]), data, **HTMX)


def _calibrations() -> dict[str, int]:
    return dict(Calibration.objects.values_list("skill", "level"))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _difference(html: str, slug: str) -> tuple[str, bool]:
    """The difference cell of a skill (its text, highlighted or not)."""
    match = re.search(
        rf'<span id="cal-diff-{slug}" class="calibration-difference( is-flagged)?"'
        rf"[^>]*>(.*?)</span>(?=</td>|$|\s*$)",
        html,
        flags=re.S,
    )
    assert match, html
    return _text(match.group(2)), bool(match.group(1))


def _rows(page: str) -> dict[str, str]:
    """Skill slug → the text of its row in the coach's calibration table."""
    table = page.split('data-testid="calibration-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr data-testid="calibration-row" data-skill="([^"]+)">(.*?)</tr>', table, re.S
    )
    return {slug: _text(re.sub(r"<label.*?</select>", "", row, flags=re.S)) for slug, row in rows}


def _coach_page(browser: Client, report: Assessment) -> str:
    response = browser.get(reverse("coaching:report", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- autosave -------------------------------------------------------------------------


def test_autosave_saves_one_skill_and_answers_with_its_status_and_difference(
    coached: SimpleNamespace,
) -> None:
    response = _autosave(_logged_in(coached.coach), coached.report, {"level-python": "4"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<span class="text-success" data-state="saved">Saved</span>')
    # Python: Cleo says 2, Cora 4: two levels more, highlighted.
    assert 'hx-swap-oob="true"' in html
    assert _difference(html, "python") == ("+2 You see more", True)
    assert _calibrations() == {"python": 4}


def test_autosave_of_one_skill_leaves_the_others_as_they_were(coached: SimpleNamespace) -> None:
    cora = _logged_in(coached.coach)
    _autosave(cora, coached.report, {"level-sql": "1"})
    _autosave(cora, coached.report, {"level-mlops": "3"})

    response = _autosave(cora, coached.report, {"level-sql": "2"})

    assert _difference(response.content.decode(), "sql") == ("0", False)
    assert _calibrations() == {"sql": 2, "mlops": 3}


def test_autosave_clears_a_level_with_no_view(coached: SimpleNamespace) -> None:
    cora = _logged_in(coached.coach)
    _autosave(cora, coached.report, {"level-python": "0"})

    response = _autosave(cora, coached.report, {"level-python": ""})

    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert _difference(response.content.decode(), "python") == ("—", False)
    assert _calibrations() == {}


def test_a_double_submit_saves_one_calibration(coached: SimpleNamespace) -> None:
    cora = _logged_in(coached.coach)

    first = _autosave(cora, coached.report, {"level-mlops": "1"})
    second = _autosave(cora, coached.report, {"level-mlops": "1"})

    assert first.status_code == second.status_code == 200
    assert Calibration.objects.count() == 1
    assert _calibrations() == {"mlops": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"level-python": "7"}, "Not saved: Choose a level from 0 (None) to 5 (Expert)."),
        ({"level-python": "-1"}, "Not saved: Choose a level from 0 (None) to 5 (Expert)."),
        ({"level-python": "three"}, "Not saved: Choose a level from 0 (None) to 5 (Expert)."),
        ({"level-python": "3\x00"}, "Not saved: Choose a level from 0 (None) to 5 (Expert)."),
        ({"level-rust": "3"}, "Not saved: That skill is not part of this report."),
    ],
    ids=["level-7", "negative", "not-a-number", "null-character", "skill-not-in-report"],
)
def test_a_bad_level_is_not_saved_and_says_why(
    coached: SimpleNamespace, data: dict[str, str], message: str
) -> None:
    cora = _logged_in(coached.coach)
    _autosave(cora, coached.report, {"level-python": "3"})

    response = _autosave(cora, coached.report, data)

    assert response.status_code == 422
    assert _text(response.content.decode()) == message
    assert _calibrations() == {"python": 3}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"level-python": "3", "level-sql": "2"},
        {"level-python": ["3", "4"]},
        {"python": "3"},
        {"level-python": "3", "note": "x"},
    ],
    ids=["nothing", "two-skills", "one-skill-twice", "no-prefix", "an-extra-field"],
)
def test_a_tampered_autosave_is_a_400_and_saves_nothing(
    coached: SimpleNamespace, data: dict[str, Any]
) -> None:
    response = _autosave(_logged_in(coached.coach), coached.report, data)

    assert response.status_code == 400
    assert _calibrations() == {}


def test_the_plain_form_still_saves_every_level_without_javascript(
    coached: SimpleNamespace,
) -> None:
    cora = _logged_in(coached.coach)
    url = reverse("coaching:calibrate", args=[coached.report.pk])

    response = cora.post(url, {"level-python": "4", "level-sql": "1", "level-mlops": ""})

    assert response.status_code == 302
    assert response["Location"].endswith("#calibration")
    assert _calibrations() == {"python": 4, "sql": 1}


# --- privacy --------------------------------------------------------------------------


def test_a_coach_whose_consent_was_revoked_gets_404_and_saves_nothing(
    coached: SimpleNamespace,
) -> None:
    cora = _logged_in(coached.coach)
    relationship_revoke(relationship=coached.relationship)

    autosave = _autosave(cora, coached.report, {"level-python": "4"})
    plain = cora.post(reverse("coaching:calibrate", args=[coached.report.pk]), {"level-sql": "1"})
    page = cora.get(reverse("coaching:report", args=[coached.report.pk]))

    assert autosave.status_code == plain.status_code == page.status_code == 404
    assert _calibrations() == {}


def test_another_clients_report_and_another_coach_get_404(coached: SimpleNamespace) -> None:
    stranger = make_user(email="stan@example.com")
    foreign = make_submitted_assessment(role=coached.role, owner=stranger, levels=LEVELS)
    bob = make_coach(email="bob@example.com")

    foreign_report = _autosave(_logged_in(coached.coach), foreign, {"level-python": "4"})
    other_coach = _autosave(_logged_in(bob), coached.report, {"level-python": "4"})
    the_client = _autosave(_logged_in(coached.client), coached.report, {"level-python": "4"})

    assert foreign_report.status_code == other_coach.status_code == the_client.status_code == 404
    assert _calibrations() == {}


def test_a_report_the_client_did_not_choose_to_share_is_a_404(role: Any) -> None:
    cleo, cora = make_user(), make_coach()
    shared = make_submitted_assessment(role=role, owner=cleo, levels=LEVELS)
    kept_back = make_submitted_assessment(role=role, owner=cleo, levels=LEVELS)
    make_relationship(coach=cora, client=cleo, scope="chosen", assessments=[shared])

    response = _autosave(_logged_in(cora), kept_back, {"level-python": "4"})

    assert response.status_code == 404
    assert _calibrations() == {}


# --- what each row shows --------------------------------------------------------------


def test_each_row_shows_the_required_and_the_clients_level_by_name(
    coached: SimpleNamespace,
) -> None:
    cora = _logged_in(coached.coach)
    _autosave(cora, coached.report, {"level-python": "4"})
    _autosave(cora, coached.report, {"level-mlops": "2"})

    page = _coach_page(cora, coached.report)

    # Skill, required, client's level, (the select), difference.
    assert _rows(page) == {
        "python": "Python Advanced (4) Working (2) +2 You see more",
        "sql": "SQL Working (2) Working (2) —",
        "mlops": "MLOps Practitioner (3) Practitioner (3) -1",
    }
    assert re.search(r'<option value="4" selected>4 · Advanced</option>', page)
    assert '<option value="">No view</option>' in page
    assert 'hx-post="/coaching/reports/' in page and 'hx-sync="this:queue last"' in page


# --- history over reports -------------------------------------------------------------


def _submitted_on(assessment: Assessment, day: datetime) -> Assessment:
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=day)
    assessment.refresh_from_db()
    return assessment


def _calibrate(report: Assessment, coach: Any, **levels: int) -> None:
    Calibration.objects.bulk_create(
        Calibration(assessment=report, coach=coach, skill=slug, level=level)
        for slug, level in levels.items()
    )


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_each_row_shows_the_coachs_calibrations_of_earlier_shared_reports(role: Any) -> None:
    cleo, cora, bob = make_user(), make_coach(), make_coach()
    march = _submitted_on(make_submitted_assessment(role=role, owner=cleo), _utc(2026, 3, 12))
    june = _submitted_on(make_submitted_assessment(role=role, owner=cleo), _utc(2026, 6, 2))
    kept_back = _submitted_on(make_submitted_assessment(role=role, owner=cleo), _utc(2026, 7, 1))
    latest = make_submitted_assessment(role=role, owner=cleo, levels=LEVELS)
    make_relationship(coach=cora, client=cleo, scope="chosen", assessments=[march, june, latest])
    make_relationship(coach=bob, client=cleo)
    _calibrate(march, cora, python=2)
    _calibrate(june, cora, python=3, sql=1)
    _calibrate(kept_back, cora, python=5, mlops=5)  # from before Cleo narrowed her consent
    _calibrate(june, bob, mlops=0)  # another coach's
    _calibrate(latest, cora, python=4)

    page = _coach_page(_logged_in(cora), latest)
    earlier = {
        slug: found.group(1)
        for slug, row in re.findall(r'data-skill="([^"]+)">(.*?)</tr>', page, re.S)
        if (found := re.search(r'data-testid="calibration-earlier">Earlier: ([^<]*)<', row))
    }

    assert earlier == {
        "python": "Working (12 Mar 2026), Practitioner (2 Jun 2026)",
        "sql": "Awareness (2 Jun 2026)",
    }
    # A report shows only what came before it.
    june_page = _coach_page(_logged_in(cora), june)
    assert "Earlier: Working (12 Mar 2026)" in june_page
    assert "Practitioner (2 Jun 2026)" not in june_page


# --- queries --------------------------------------------------------------------------


def _coach_report_queries(skills: int, earlier: int) -> int:
    slugs = {f"s{skills}-{earlier}-{n}": 2 for n in range(skills)}
    role = _role([(slug, f"Skill {slug}", 3) for slug in slugs])
    cleo, cora = make_user(), make_coach()
    reports = [make_submitted_assessment(role=role, owner=cleo) for _ in range(earlier)]
    latest = make_submitted_assessment(role=role, owner=cleo, levels=slugs)
    make_relationship(coach=cora, client=cleo)
    for report in [*reports, latest]:
        _calibrate(report, cora, **slugs)
    browser = _logged_in(cora)
    url = reverse("coaching:report", args=[latest.pk])
    browser.get(url)  # the first view makes the kept report body
    forget_kept_pages()
    with CaptureQueriesContext(connection) as queries:
        page = browser.get(url).content.decode()
    # Every skill has its history: `earlier` reports' worth, read in one query.
    assert page.count('data-testid="calibration-earlier"') == skills
    table = page.split('data-testid="calibration-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("Working (") == skills * (1 + earlier)  # their own level, then history
    return len(queries)


# 1 session, 2 user, 3 whether they are a coach, 4 the shared report, 5 the coach's notes,
# 6 their calibrations of it, 7 their calibrations of the client's earlier shared reports,
# 8 the client marked seen (their attention queue).
COACH_REPORT = 8


def test_the_coach_report_queries_stay_flat_in_skills_and_earlier_reports() -> None:
    counts = {
        (skills, earlier): _coach_report_queries(skills, earlier)
        for skills in (3, 30)
        for earlier in (1, 6)
    }

    assert set(counts.values()) == {COACH_REPORT}, counts


# --- the client's report follows at once ----------------------------------------------


def test_the_clients_kept_report_shows_a_new_calibration_at_once(
    coached: SimpleNamespace,
) -> None:
    cleo = _logged_in(coached.client)
    cora = _logged_in(coached.coach)
    url = reverse("assessments:result", args=[coached.report.pk])
    assert 'data-testid="calibration-table"' not in cleo.get(url).content.decode()
    cleo.get(url)  # kept now

    _autosave(cora, coached.report, {"level-python": "4"})
    shown = cleo.get(url).content.decode()
    _autosave(cora, coached.report, {"level-python": ""})
    cleared = cleo.get(url).content.decode()

    table = shown.split('data-testid="calibration-table"', 1)[1].split("</table>", 1)[0]
    assert "Python Working (2) Cora Advanced (4) +2 Coach sees more" in _text(table)
    assert 'data-testid="calibration-table"' not in cleared
