"""A submitted report's skills as rows (ReportSkillGap): written once at submission from the
frozen report, untouched by later catalogue edits, and made for reports submitted before
the table existed by its migration."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from assessments.models import ReportSkillGap
from roles.models import SkillRequirement
from tests.factories import (
    make_assessment,
    make_category,
    make_role,
    make_skill,
    make_submitted_assessment,
)

pytestmark = pytest.mark.django_db


def _rows(assessment: object) -> dict[str, tuple]:
    return {
        row.slug: (
            row.name,
            row.category,
            row.required,
            row.self_level,
            row.gap,
            row.weight,
            row.essential,
        )
        for row in ReportSkillGap.objects.filter(assessment=assessment)
    }


@pytest.fixture
def role() -> object:
    data = make_category(name="Data")
    python = make_skill(slug="python", name="Python", category=data)
    sql = make_skill(slug="sql", name="SQL", category=data)
    people = make_skill(slug="mentoring", name="Mentoring", category=make_category(name="People"))
    return make_role(
        skills=[(python, 4, 5, True), (sql, 3, 2, False), (people, 2, 3, False)],
        experience=[("ml", "ML work", 3, 4, True)],
    )


def test_submission_writes_one_row_per_skill_with_its_gap(role: object) -> None:
    report = make_submitted_assessment(
        role=role, levels={"python": 1, "sql": 3, "mentoring": 4}, years={"ml": 1}
    )

    # Python 4 asked, 1 rated: 3 short; SQL met exactly; Mentoring above: no gap, never
    # a negative one. Experience is not a skill: no row.
    assert _rows(report) == {
        "python": ("Python", "Data", 4, 1, 3, 5, True),
        "sql": ("SQL", "Data", 3, 3, 0, 2, False),
        "mentoring": ("Mentoring", "People", 2, 4, 0, 3, False),
    }


def test_the_rows_match_the_frozen_report(role: object) -> None:
    report = make_submitted_assessment(role=role, levels={"python": 2, "sql": 1})

    skills = [r for r in report.report["requirements"] if r["kind"] == "skill"]
    assert {r["slug"]: (r["required"], r["self"], r["gap"]) for r in skills} == {
        slug: (row[2], row[3], row[4]) for slug, row in _rows(report).items()
    }


def test_a_draft_has_no_rows(role: object) -> None:
    draft = make_assessment(role=role)

    assert not ReportSkillGap.objects.filter(assessment=draft).exists()


def test_a_later_edit_of_the_role_changes_no_row(role: object) -> None:
    report = make_submitted_assessment(role=role, levels={"python": 1})
    before = _rows(report)

    SkillRequirement.objects.filter(role=role, skill__slug="python").update(level=5, weight=1)

    assert _rows(report) == before


def test_the_migration_gives_earlier_reports_their_rows_once(role: object) -> None:
    report = make_submitted_assessment(role=role, levels={"python": 2})
    expected = _rows(report)
    ReportSkillGap.objects.all().delete()  # as before the table existed
    migration = importlib.import_module("assessments.migrations.0006_report_skill_gaps")

    migration.gap_rows_of_submitted_reports(apps, None)

    assert _rows(report) == expected
