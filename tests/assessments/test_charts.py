"""The report's charts as data (assessments/charts.py): hand-built documents, hand-computed
positions. No database.

A row's drawing is 200 units wide with a 12-unit inset either side, so the five level
steps share 176 units: 35.2 a level. Level 0 stands at 12, 1 at 47.2, 2 at 82.4,
3 at 117.6, 4 at 152.8 and 5 at 188.
"""

from __future__ import annotations

from typing import Any

import pytest

from assessments.charts import category_bars, level_x, skill_chart

MARK_RADIUS = 7  # the required level's ring, the larger of the two marks


def _skill(slug: str, category: str, required: int, self_level: int, **extra: Any) -> dict:
    return {
        "kind": "skill",
        "slug": slug,
        "name": extra.pop("name", slug.capitalize()),
        "category": category,
        "required": required,
        "self": self_level,
        "weight": 3,
        "essential": extra.pop("essential", False),
        "coverage": min(self_level, required) / required,
        "gap": max(0, required - self_level),
    }


EXPERIENCE = {
    "kind": "experience",
    "slug": "ml-work",
    "name": "professional ML work",
    "category": "Experience",
    "required": 5,
    "self": 3,
    "weight": 4,
    "essential": True,
    "coverage": 0.6,
    "gap": 2,
}


def test_the_six_levels_stand_evenly_on_the_track():
    assert [level_x(level) for level in range(6)] == [12.0, 47.2, 82.4, 117.6, 152.8, 188.0]


def test_a_skill_below_its_requirement_gets_a_bar_from_its_level_to_the_required_one():
    chart = skill_chart([_skill("python", "Technical", 4, 1, essential=True)], [])
    assert chart is not None
    (row,) = chart.groups[0].rows
    assert (row.self_x, row.required_x) == (47.2, 152.8)
    assert (row.gap_x, row.gap_width) == (47.2, 105.6)  # 3 levels of 35.2
    assert row.gap == 3
    assert row.text == "1 (Awareness) against 4 (Advanced) required, essential: 3 levels short"


def test_a_met_skill_has_no_gap_bar_and_its_marks_share_a_place():
    chart = skill_chart([_skill("sql", "Technical", 3, 3)], [])
    assert chart is not None
    (row,) = chart.groups[0].rows
    assert row.self_x == row.required_x == 117.6
    assert row.gap_x is None and row.gap_width is None
    assert row.text == "3 (Practitioner) against 3 (Practitioner) required: met"


def test_a_surplus_is_drawn_beyond_the_required_mark_without_a_gap_bar():
    chart = skill_chart([_skill("sql", "Technical", 2, 5)], [])
    assert chart is not None
    (row,) = chart.groups[0].rows
    assert (row.self_x, row.required_x) == (188.0, 82.4)
    assert row.gap_width is None
    assert row.surplus == 3
    assert row.text.endswith(": 3 above")


def test_level_zero_stands_at_the_start_of_the_track():
    chart = skill_chart([_skill("mlops", "Cloud", 1, 0)], [])
    assert chart is not None
    (row,) = chart.groups[0].rows
    assert (row.self_x, row.required_x, row.gap_x, row.gap_width) == (12.0, 47.2, 12.0, 35.2)
    assert row.text.endswith(": 1 level short")


def test_skills_are_grouped_in_the_documents_category_order_and_gap_order_within():
    requirements = [
        _skill("leadership", "People", 4, 1),
        _skill("python", "Technical", 4, 2),
        EXPERIENCE,
        _skill("sql", "Technical", 3, 2),
        _skill("mentoring", "People", 3, 3),
    ]
    categories = [
        {"name": "Technical", "readiness": 60.0},
        {"name": "People", "readiness": 50.0},
        {"name": "Experience", "readiness": 60.0},
    ]
    chart = skill_chart(requirements, categories)
    assert chart is not None
    assert [(g.category, [r.slug for r in g.rows]) for g in chart.groups] == [
        ("Technical", ["python", "sql"]),
        ("People", ["leadership", "mentoring"]),
        # No "Experience" group: it has no skill, and years are not drawn on a 0–5 track.
    ]
    assert chart.size == 4


def test_a_category_the_document_does_not_list_comes_last_rather_than_lost():
    requirements = [_skill("a", "Unlisted", 2, 1), _skill("b", "Technical", 2, 1)]
    chart = skill_chart(requirements, [{"name": "Technical", "readiness": 50.0}])
    assert chart is not None
    assert [g.category for g in chart.groups] == ["Technical", "Unlisted"]


def test_no_chart_without_skills():
    assert skill_chart([EXPERIENCE], [{"name": "Experience", "readiness": 60.0}]) is None
    assert skill_chart([], []) is None


def test_the_tracks_grid_has_a_line_per_level():
    chart = skill_chart([_skill("a", "T", 2, 1)], [])
    assert chart is not None
    assert chart.ticks == ((0, 12.0), (1, 47.2), (2, 82.4), (3, 117.6), (4, 152.8), (5, 188.0))
    assert (chart.track_start, chart.track_end) == (12.0, 188.0)
    assert chart.view_box == "0 0 200 24"
    assert chart.gap_y == 9.0  # a 6-unit bar centred on the middle line, 12


@pytest.mark.parametrize("count", [3, 27, 60])
def test_many_skills_with_long_names_stay_well_formed(count):
    categories = [f"Category {c}" for c in range(8)]
    requirements = [
        _skill(
            f"s{i}",
            categories[i % 8],
            1 + i % 5,
            (i * 7) % 6,
            name=f"A skill with a long and descriptive name, number {i} (with examples)",
            essential=i % 4 == 0,
        )
        for i in range(count)
    ]
    chart = skill_chart(requirements, [{"name": c, "readiness": 50.0} for c in categories])
    assert chart is not None
    rows = [row for group in chart.groups for row in group.rows]
    # Every skill once, in full (names wrap on the page, they are never cut here).
    assert sorted(r.slug for r in rows) == sorted(r["slug"] for r in requirements)
    assert all(r.name.endswith("(with examples)") for r in rows)
    assert len(chart.groups) == min(count, 8)
    for row in rows:
        for x in (row.self_x, row.required_x):
            # The whole mark stays inside the drawing, at 0 and at 5 alike.
            assert MARK_RADIUS <= x <= chart.width - MARK_RADIUS
        if row.gap:
            assert row.gap_width == pytest.approx(35.2 * row.gap)
            assert row.gap_x + row.gap_width == pytest.approx(row.required_x)
        else:
            assert row.gap_width is None


def test_category_bars_keep_the_documents_order_and_figures():
    bars = category_bars(
        [{"name": "Communication", "readiness": 64.2}, {"name": "Data", "readiness": 100.0}]
    )
    assert [(b.name, b.readiness, b.width) for b in bars] == [
        ("Communication", 64.2, 64.2),
        ("Data", 100.0, 100.0),
    ]


def test_a_category_bar_never_runs_outside_its_track():
    bars = category_bars([{"name": "Odd", "readiness": 120.0}, {"name": "Low", "readiness": -3}])
    assert [b.width for b in bars] == [100.0, 0.0]
