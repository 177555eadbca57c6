"""Readiness over time: the labels of submission dates and the trend chart drawn from them.

Pure functions over plain values (no ORM, no request): the caller passes submission times
already in the site's time zone. The chart is server-rendered SVG whose look is all in
presentation attributes, so it prints as it shows; every point carries its value and its
date, and the page gives the same figures as a table.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# The drawing, in SVG user units: a 360 × 210 box, scaled to its column's width (about 350
# px on a phone, so 13-unit text stays readable). Readiness 0–100 runs up the y axis over
# PLOT_HEIGHT; points stand INSET in from either end of the x axis.
WIDTH = 360
HEIGHT = 210
LEFT = 40  # room for the tick labels ("100")
RIGHT = 20
TOP = 20  # room for the value above a point at 100
BOTTOM = 40  # room for a date and a time under the axis (13-unit text)
INSET = 20
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM  # 150: 1.5 units a point of readiness
Y_TICKS = (0, 25, 50, 75, 100)
# Date labels closer than this (in units) would run into each other: some are left out
# (the table lists them all).
MIN_LABEL_SPACING = 60


def when_labels(moments: Sequence[datetime]) -> list[str]:
    """ "1 Dec 2026" for each moment, with the time ("1 Dec 2026, 09:30") where another
    one falls on the same day: two submissions of one day stay apart."""
    days = Counter(m.date() for m in moments)
    return [f"{m.day} {m:%b %Y}" + (f", {m:%H:%M}" if days[m.date()] > 1 else "") for m in moments]


def _y(readiness: float) -> float:
    return round(TOP + (100 - readiness) * PLOT_HEIGHT / 100, 1)


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    value: str  # "53.0"
    date: str  # "1 Dec", or "" where left out for room
    time: str  # "09:30" where two points share a day, else ""
    when: str  # the full label, for the table and the point's title


@dataclass(frozen=True)
class TrendChart:
    points: tuple[TrendPoint, ...]
    ticks: tuple[tuple[int, float], ...]  # (readiness, y)
    line: str  # the polyline's points
    summary: str  # the chart in words, for its accessible name
    width: int = WIDTH
    height: int = HEIGHT
    axis_left: int = LEFT
    axis_right: int = WIDTH - RIGHT
    axis_top: int = TOP
    axis_bottom: int = HEIGHT - BOTTOM

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def tick_label_x(self) -> int:
        return self.axis_left - 6

    @property
    def date_y(self) -> int:
        return self.axis_bottom + 16

    @property
    def time_y(self) -> int:
        # A line below the date, far enough that their text boxes never touch.
        return self.axis_bottom + 34


def trend_chart(moments: Sequence[datetime], readiness: Sequence[float]) -> TrendChart | None:
    """Readiness (0–100) against submission, oldest first, one point each, evenly spaced
    (two on one day would otherwise sit on one another). None below two points."""
    if len(moments) != len(readiness):
        raise ValueError("one readiness per moment")
    count = len(moments)
    if count < 2:
        return None
    span = (WIDTH - RIGHT - LEFT - 2 * INSET) / (count - 1)
    multi_year = len({m.year for m in moments}) > 1
    # A date with its year is longer: it needs more room.
    spacing = MIN_LABEL_SPACING + (12 if multi_year else 0)
    step = max(1, math.ceil(spacing / span))
    whens = when_labels(moments)
    days = Counter(m.date() for m in moments)
    points = []
    for i, (moment, value) in enumerate(zip(moments, readiness, strict=True)):
        # The last point always has its date; the others every `step`-th.
        labelled = i == count - 1 or (i % step == 0 and count - 1 - i >= step)
        date = f"{moment.day} {moment:%b}" + (f" {moment:%Y}" if multi_year else "")
        points.append(
            TrendPoint(
                x=round(LEFT + INSET + i * span, 1),
                y=_y(value),
                value=f"{value:.1f}",
                date=date if labelled else "",
                time=f"{moment:%H:%M}" if labelled and days[moment.date()] > 1 else "",
                when=whens[i],
            )
        )
    return TrendChart(
        points=tuple(points),
        ticks=tuple((tick, _y(tick)) for tick in Y_TICKS),
        line=" ".join(f"{p.x},{p.y}" for p in points),
        summary="; ".join(f"{p.when}: {p.value}" for p in points),
    )
