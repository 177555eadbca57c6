"""The report's charts as plain data: positions worked out here, drawn by the templates.

Pure functions over a report document (no ORM, no request), so the page, the print and
the PDF draw the same figures. Every chart has a table of the same figures beside it.

- the overview: one bar a category, readiness 0–100;
- skill by skill: one row a skill, grouped by category, with the person's level and the
  required level as two marks on a 0–5 track, joined by a bar where there is a gap.

A row is its own small drawing, so the chart stays readable from three skills to sixty and
at a phone's width: names are text beside the drawing and wrap, never squeezed into it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessments.scoring import LEVEL_NAMES

SCALE_TOP = 5  # the proficiency scale is 0–5 for every skill

# One row's drawing, in its own units (the page scales it to the column's width). The
# inset keeps a mark at level 0 or 5 whole inside the drawing.
TRACK_WIDTH = 200
TRACK_HEIGHT = 24
TRACK_INSET = 12
LEVEL_STEP = (TRACK_WIDTH - 2 * TRACK_INSET) / SCALE_TOP
GRID_MARGIN = 3  # the grid lines stop short of the row's edges, so rows read apart
GAP_THICKNESS = 6


def level_x(level: int) -> float:
    """Where a level stands on a row's track."""
    return round(TRACK_INSET + LEVEL_STEP * level, 1)


# --- the overview: by category ---------------------------------------------------------


@dataclass(frozen=True)
class CategoryBar:
    name: str
    readiness: float
    width: float  # the bar's length on a 0–100 scale


def category_bars(categories: Sequence[Mapping[str, Any]]) -> list[CategoryBar]:
    """One bar a category of the document, in its order."""
    return [
        CategoryBar(
            name=c["name"],
            readiness=c["readiness"],
            width=min(max(float(c["readiness"]), 0.0), 100.0),
        )
        for c in categories
    ]


# --- skill by skill --------------------------------------------------------------------


@dataclass(frozen=True)
class SkillRow:
    slug: str
    name: str
    self_level: int
    required: int
    essential: bool
    self_x: float
    required_x: float
    # The bar joining the two marks, where the person is below the required level.
    gap_x: float | None
    gap_width: float | None

    @property
    def gap(self) -> int:
        return max(0, self.required - self.self_level)

    @property
    def surplus(self) -> int:
        return max(0, self.self_level - self.required)

    @property
    def self_name(self) -> str:
        return LEVEL_NAMES[self.self_level]

    @property
    def required_name(self) -> str:
        return LEVEL_NAMES[self.required]

    @property
    def text(self) -> str:
        """The row in words, for whoever cannot see the drawing."""
        essential = ", essential" if self.essential else ""
        if self.gap:
            standing = f"{self.gap} level{'s' if self.gap != 1 else ''} short"
        elif self.surplus:
            standing = f"{self.surplus} above"
        else:
            standing = "met"
        return (
            f"{self.self_level} ({self.self_name}) against {self.required} "
            f"({self.required_name}) required{essential}: {standing}"
        )


@dataclass(frozen=True)
class SkillGroup:
    category: str
    rows: tuple[SkillRow, ...]


@dataclass(frozen=True)
class SkillChart:
    groups: tuple[SkillGroup, ...]
    width: int = TRACK_WIDTH
    height: int = TRACK_HEIGHT

    @property
    def middle(self) -> float:
        return self.height / 2

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def track_start(self) -> float:
        return level_x(0)

    @property
    def track_end(self) -> float:
        return level_x(SCALE_TOP)

    @property
    def tick_top(self) -> int:
        return GRID_MARGIN

    @property
    def tick_bottom(self) -> int:
        return self.height - GRID_MARGIN

    @property
    def gap_y(self) -> float:
        return self.middle - GAP_THICKNESS / 2

    @property
    def gap_thickness(self) -> int:
        return GAP_THICKNESS

    @property
    def ticks(self) -> tuple[tuple[int, float], ...]:
        """(level, x) of each level of the scale, for the track's grid lines."""
        return tuple((level, level_x(level)) for level in range(SCALE_TOP + 1))

    @property
    def size(self) -> int:
        return sum(len(group.rows) for group in self.groups)


def skill_row(requirement: Mapping[str, Any]) -> SkillRow:
    own, required = int(requirement["self"]), int(requirement["required"])
    return SkillRow(
        slug=requirement["slug"],
        name=requirement["name"],
        self_level=own,
        required=required,
        essential=bool(requirement["essential"]),
        self_x=level_x(own),
        required_x=level_x(required),
        gap_x=level_x(own) if own < required else None,
        gap_width=round(level_x(required) - level_x(own), 1) if own < required else None,
    )


def skill_chart(
    requirements: Sequence[Mapping[str, Any]], categories: Sequence[Mapping[str, Any]]
) -> SkillChart | None:
    """The skills of a document grouped by category, in the document's category order and,
    within a category, in its order of gaps (the most pressing first). None without skills."""
    skills = [r for r in requirements if r["kind"] == "skill"]
    if not skills:
        return None
    order = [c["name"] for c in categories]
    by_category: dict[str, list[SkillRow]] = {name: [] for name in order}
    for requirement in skills:
        # A category the document does not list still gets its group, after the others.
        by_category.setdefault(requirement["category"], []).append(skill_row(requirement))
    return SkillChart(
        groups=tuple(SkillGroup(name, tuple(rows)) for name, rows in by_category.items() if rows)
    )
