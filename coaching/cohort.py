"""The cohort view: a coach's clients, all of them or those with one tag, at a glance.

Everything counts each client's **latest shared** submitted report (the one the dashboard
shows, `CoachRelationship.latest_assessment`), as it was frozen at submission:

- the spread of verdicts, with "nothing shared yet" for clients without one;
- the most common gaps: the skills most of the cohort's clients are short on
  (`assessments.ReportSkillGap`, grouped in SQL, never a report read client by client);
- a clients × skills map of those gaps, a page of clients at a time;
- the category scores of a few chosen clients, drawn over each other: the only part that
  reads report documents, at most COMPARE_LIMIT of them.

Each part is one query whatever the number of clients (`cohort_for_coach` lists them).
Tags are the coach's own labels; clients never see them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from assessments.models import ReportSkillGap
from assessments.report import VERDICT_LABELS
from coaching.models import ClientTag, CoachRelationship
from coaching.selectors import _display_name_expression, display_name

COMPARE_LIMIT = 5
COMMON_GAPS_SHOWN = 10
MAP_SKILLS = 12  # the heatmap's and the CSV's columns: the most common gaps
MAP_PER_PAGE = 25
NOTHING_SHARED = "Nothing shared yet"
VERDICT_ORDER = ("ready", "close", "developing", "early", "")
# The spread's bar: the verdict badges' hues, dark enough to stand apart on white; its
# table names every segment, so colour is never the only way to tell them.
VERDICT_COLOURS = {
    "ready": "#1e7a4f",
    "close": "#2f5f9e",
    "developing": "#b58500",
    "early": "#b3362c",
    "none": "#9aa5b1",
}


# --- tags -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagChoice:
    pk: int
    name: str
    clients: int = 0  # active clients with it (the cohort page's "Manage tags")
    on: bool = False  # on the client at hand (the session view)


def coach_tags(coach: AbstractBaseUser) -> list[TagChoice]:
    """The coach's tags by name, each with how many active clients have it: one query."""
    tags = (
        ClientTag.objects.filter(coach=coach)
        .annotate(clients=Count("relationships", filter=Q(relationships__revoked_at__isnull=True)))
        .order_by(Lower("name"), "pk")
    )
    return [TagChoice(pk=t.pk, name=t.name, clients=t.clients) for t in tags]


def client_tags(relationship: CoachRelationship) -> list[TagChoice]:
    """The coach's tags by name, each marked when it is on this client: one query, for the
    session view's chips (those on) and its list of names to reuse (the others)."""
    through = CoachRelationship.tags.through
    on = through.objects.filter(clienttag_id=OuterRef("pk"), coachrelationship_id=relationship.pk)
    tags = (
        ClientTag.objects.filter(coach_id=relationship.coach_id)
        .annotate(on=Exists(on))
        .order_by(Lower("name"), "pk")
    )
    return [TagChoice(pk=t.pk, name=t.name, on=t.on) for t in tags]


# --- the cohort -------------------------------------------------------------------------


def cohort_clients(coach: AbstractBaseUser, tag: int | None = None) -> QuerySet[CoachRelationship]:
    """The coach's active clients, or those with the tag (the caller has checked it is the
    coach's own)."""
    clients = CoachRelationship.objects.active().filter(coach=coach)
    return clients.filter(tags__pk=tag) if tag is not None else clients


def _by_name(clients: QuerySet[CoachRelationship]) -> QuerySet[CoachRelationship]:
    # The dashboard's name order: the name people see, then the email.
    return clients.annotate(sort_name=_display_name_expression()).order_by(
        "sort_name", "client__email", "pk"
    )


@dataclass(frozen=True)
class VerdictShare:
    verdict: str  # "" for clients who have shared nothing yet
    label: str
    count: int
    percent: float  # of the cohort's clients
    start: float  # where its segment starts on the 0–100 bar

    @property
    def key(self) -> str:
        return self.verdict or "none"

    @property
    def colour(self) -> str:
        return VERDICT_COLOURS[self.key]


def verdict_spread(clients: QuerySet[CoachRelationship]) -> list[VerdictShare]:
    """How many clients have each verdict, in one GROUP BY; every verdict listed, with 0."""
    counts = dict(
        clients.order_by()
        .values("latest_verdict")
        .annotate(n=Count("pk"))
        .values_list("latest_verdict", "n")
    )
    total = sum(counts.values())
    shares, start = [], 0.0
    for verdict in VERDICT_ORDER:
        count = counts.get(verdict, 0)
        percent = 100 * count / total if total else 0.0
        shares.append(
            VerdictShare(
                verdict=verdict,
                label=VERDICT_LABELS.get(verdict, NOTHING_SHARED),
                count=count,
                percent=round(percent, 1),
                start=round(start, 3),
            )
        )
        start += percent
    return shares


@dataclass(frozen=True)
class CommonGap:
    slug: str
    name: str
    category: str
    clients: int  # how many of the cohort's clients are short on it
    average_gap: float  # in levels, over those clients
    share: float  # percent of the clients with a shared report


def common_gaps(
    clients: QuerySet[CoachRelationship], *, shared: int = 0, limit: int = MAP_SKILLS
) -> list[CommonGap]:
    """The skills most clients are short on in their latest shared report, in one GROUP BY.

    Ties: more clients first, then the larger average gap, then the name (A–Z), then the
    slug. A skill's name is the one its reports froze (the greatest, should they differ).
    Each gap's share is of `shared`, the clients with a shared report (0 when not given)."""
    latest = clients.order_by().values("latest_assessment_id")
    rows = (
        ReportSkillGap.objects.filter(assessment_id__in=latest, gap__gt=0)
        .values("slug")
        .annotate(
            short=Count("pk"),
            average=Avg("gap"),
            skill_name=Max("name"),
            skill_category=Max("category"),
        )
        .order_by("-short", "-average", "skill_name", "slug")[:limit]
    )
    return [
        CommonGap(
            slug=row["slug"],
            name=row["skill_name"],
            category=row["skill_category"],
            clients=row["short"],
            average_gap=round(float(row["average"]), 1),
            share=round(100 * row["short"] / shared, 1) if shared else 0.0,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class MapCell:
    skill: str
    gap: int | None  # None: the skill is not in the client's role

    @property
    def text(self) -> str:
        if self.gap is None:
            return "—"
        return "✓" if self.gap == 0 else str(self.gap)

    @property
    def words(self) -> str:
        """The cell for a screen reader."""
        if self.gap is None:
            return "not in the role"
        if self.gap == 0:
            return "met"
        return f"{self.gap} level{'s' if self.gap != 1 else ''} short"

    @property
    def shade(self) -> str:
        """The cell's class on the colour scale: none, met, 1, 2, 3, 4 (and more)."""
        if self.gap is None:
            return "none"
        return "met" if self.gap == 0 else str(min(self.gap, 4))


@dataclass(frozen=True)
class MapRow:
    pk: int
    name: str
    verdict: str
    readiness: Any
    shared: bool
    cells: tuple[MapCell, ...]
    compared: bool = False


def gaps_by_report(reports: Any, slugs: Sequence[str]) -> dict:
    """{(report id, skill slug): gap} for these reports (ids, or a query of them) and these
    skills, in one query."""
    if not slugs:
        return {}
    rows = ReportSkillGap.objects.filter(assessment_id__in=reports, slug__in=slugs).values_list(
        "assessment_id", "slug", "gap"
    )
    return {(assessment_id, slug): gap for assessment_id, slug, gap in rows}


class _Counted:
    """Clients whose number is already known (the verdict spread summed it): the paginator
    slices them without a COUNT of its own."""

    def __init__(self, clients: QuerySet[CoachRelationship], count: int) -> None:
        self.clients, self._count = clients, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: Any) -> Any:
        return self.clients[key]


# --- the overlay of category scores ---------------------------------------------------

# Each chosen client has a colour and a marker shape of their own, so the overlay reads
# without colour (and in print): the legend and the table name each one.
SERIES_STYLES = (
    ("#0b5394", "circle", "circle"),
    ("#b45309", "square", "square"),
    ("#0b6e4f", "triangle", "triangle"),
    ("#8e2c7f", "diamond", "diamond"),
    ("#4a4a4a", "down", "triangle pointing down"),
)
OVERLAY_WIDTH = 300
OVERLAY_INSET = 8
LANE = 12
OVERLAY_TICKS = (0, 25, 50, 75, 100)


def _marker_points(shape: str, x: float, y: float) -> str:
    """A polygon's points for the shapes that are not a circle, centred on (x, y)."""
    offsets = {
        "square": ((-4, -4), (4, -4), (4, 4), (-4, 4)),
        "triangle": ((0, -5), (5, 4), (-5, 4)),
        "diamond": ((0, -5.5), (5.5, 0), (0, 5.5), (-5.5, 0)),
        "down": ((-5, -4), (5, -4), (0, 5)),
    }.get(shape, ())
    return " ".join(f"{round(x + dx, 1)},{round(y + dy, 1)}" for dx, dy in offsets)


@dataclass(frozen=True)
class Series:
    pk: int
    name: str
    role_title: str
    submitted_at: Any
    colour: str
    shape: str
    shape_name: str

    def marker(self, x: float, y: float) -> str:
        return _marker_points(self.shape, x, y)

    @property
    def legend_points(self) -> str:
        return _marker_points(self.shape, 8, 8)


@dataclass(frozen=True)
class OverlayPoint:
    series: Series
    readiness: float | None
    y: float
    x: float = 0.0
    points: str = ""  # the marker's polygon, when it is not a circle


@dataclass(frozen=True)
class OverlayRow:
    category: str
    points: tuple[OverlayPoint, ...]

    @property
    def text(self) -> str:
        """The row in words, for whoever cannot see the drawing."""
        parts = [
            f"{p.series.name} {p.readiness:g}"
            if p.readiness is not None
            else f"{p.series.name} not in their role"
            for p in self.points
        ]
        return f"{self.category}: " + ", ".join(parts)


@dataclass(frozen=True)
class Overlay:
    series: tuple[Series, ...]
    rows: tuple[OverlayRow, ...]
    width: int = OVERLAY_WIDTH

    @property
    def height(self) -> int:
        return LANE * len(self.series) + 6

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def ticks(self) -> tuple[tuple[int, float], ...]:
        return tuple((t, _overlay_x(t)) for t in OVERLAY_TICKS)

    @property
    def start(self) -> float:
        return _overlay_x(0)


def _overlay_x(readiness: float) -> float:
    clamped = min(max(readiness, 0.0), 100.0)
    return round(OVERLAY_INSET + (OVERLAY_WIDTH - 2 * OVERLAY_INSET) * clamped / 100, 1)


def overlay_of(chosen: Sequence[CoachRelationship]) -> Overlay | None:
    """Overall readiness and the category scores of the chosen clients' latest shared
    reports, as rows of one lane per client. Categories in the order they first appear."""
    if not chosen:
        return None
    series = tuple(
        Series(
            pk=r.pk,
            name=display_name(r.client),
            role_title=r.latest_assessment.report.get("role_title", ""),
            submitted_at=r.latest_assessment.submitted_at,
            colour=colour,
            shape=shape,
            shape_name=shape_name,
        )
        for r, (colour, shape, shape_name) in zip(chosen, SERIES_STYLES, strict=False)
    )
    scores: dict[str, dict[int, float]] = {"Overall readiness": {}}
    for relationship in chosen[:COMPARE_LIMIT]:
        report = relationship.latest_assessment.report
        scores["Overall readiness"][relationship.pk] = float(report.get("readiness", 0))
        for category in report.get("categories", []):
            scores.setdefault(category["name"], {})[relationship.pk] = float(category["readiness"])
    rows = []
    for category, by_client in scores.items():
        points = []
        for lane, s in enumerate(series):
            y = 3 + LANE * lane + LANE / 2
            value = by_client.get(s.pk)
            if value is None:
                points.append(OverlayPoint(series=s, readiness=None, y=y))
                continue
            x = _overlay_x(value)
            points.append(
                OverlayPoint(series=s, readiness=round(value, 1), y=y, x=x, points=s.marker(x, y))
            )
        rows.append(OverlayRow(category=category, points=tuple(points)))
    return Overlay(series=series, rows=tuple(rows))


def compare_ids(raw: Sequence[str]) -> list[int]:
    """The ids asked for, in order, once each; what is not a number is dropped."""
    ids: list[int] = []
    for value in raw:
        value = value.strip()
        # ASCII only: "²" is a digit to Python, and no number to int().
        if value.isascii() and value.isdigit() and len(value) < 12 and int(value) not in ids:
            ids.append(int(value))
    return ids


# --- the whole page ---------------------------------------------------------------------


@dataclass
class Cohort:
    tag: TagChoice | None
    tags: list[TagChoice]
    clients: int
    shared: int
    verdicts: list[VerdictShare]
    common_gaps: list[CommonGap]
    skills: list[CommonGap]  # the map's columns
    page: Page
    compare: list[int] = field(default_factory=list)
    compare_error: str = ""
    overlay: Overlay | None = None

    @property
    def query(self) -> str:
        """The tag and the chosen clients, for the map's page links."""
        params = [("tag", self.tag.pk)] if self.tag else []
        return urlencode(params + [("compare", pk) for pk in self.compare])

    @property
    def compare_elsewhere(self) -> list[int]:
        """The chosen clients not on this page of the map: kept when comparing again."""
        here = {row.pk for row in self.page.object_list}
        return [pk for pk in self.compare if pk not in here]


def cohort_for_coach(
    coach: AbstractBaseUser,
    *,
    tags: list[TagChoice],
    tag: TagChoice | None,
    page: Any = 1,
    compare: Sequence[int] = (),
) -> Cohort:
    """The cohort page's data. Queries, whatever the number of clients (the coach's tags
    are read by the caller, one query):
      1. the spread of verdicts (and so the number of clients);
      2. the most common gaps;
      3. one page of clients by name;
      4. their gaps on the map's skills (not run when the page or the skills are empty);
      5. the chosen clients' latest reports, for the overlay (only when some are chosen,
         COMPARE_LIMIT at most; ids that are not clients of this cohort are dropped).
    """
    clients = cohort_clients(coach, tag.pk if tag else None)
    verdicts = verdict_spread(clients)
    total = sum(v.count for v in verdicts)
    shared = total - next(v.count for v in verdicts if v.verdict == "")
    skills = common_gaps(clients, shared=shared) if shared else []
    ordered = _by_name(clients).select_related("client")
    pages = Paginator(_Counted(ordered, total), MAP_PER_PAGE)
    chosen_ids = list(compare)
    page_obj = pages.get_page(page)
    members = list(page_obj.object_list)
    # The page's reports only: 25 clients' gaps, not the whole cohort's.
    page_reports = [r.latest_assessment_id for r in members if r.latest_assessment_id]
    gaps = gaps_by_report(page_reports, [s.slug for s in skills]) if page_reports and skills else {}
    page_obj.object_list = [_map_row(r, skills, gaps, r.pk in chosen_ids) for r in members]
    cohort = Cohort(
        tag=tag,
        tags=tags,
        clients=total,
        shared=shared,
        verdicts=verdicts,
        common_gaps=skills[:COMMON_GAPS_SHOWN],
        skills=skills,
        page=page_obj,
        compare=chosen_ids,
    )
    if len(chosen_ids) > COMPARE_LIMIT:
        cohort.compare_error = (
            f"Choose at most {COMPARE_LIMIT} clients to compare (you chose {len(chosen_ids)}): "
            "untick some and compare again."
        )
    elif chosen_ids:
        chosen = list(
            _by_name(clients.filter(pk__in=chosen_ids, latest_assessment__isnull=False))
            .select_related("client", "latest_assessment")
            .defer("latest_assessment__snapshot", "latest_assessment__answers_frozen")
        )
        cohort.overlay = overlay_of(chosen)
    return cohort


def _map_row(
    relationship: CoachRelationship,
    skills: Sequence[CommonGap],
    gaps: dict,
    compared: bool,
) -> MapRow:
    report_id = relationship.latest_assessment_id
    return MapRow(
        pk=relationship.pk,
        name=display_name(relationship.client),
        verdict=relationship.latest_verdict,
        readiness=relationship.latest_readiness,
        shared=report_id is not None,
        cells=tuple(MapCell(skill=s.name, gap=gaps.get((report_id, s.slug))) for s in skills),
        compared=compared,
    )


# --- the CSV ----------------------------------------------------------------------------

CSV_COLUMNS = ["name", "email", "target_role", "readiness", "verdict"]


def cohort_csv_rows(coach: AbstractBaseUser, tag: int | None) -> Iterator[list[Any]]:
    """The header, then one row per client of the cohort, by name: the fixed columns, then
    each of the map's skills with the client's gap in levels ("" where the skill is not in
    their role, 0 where met). Three queries: the spread's count of shared reports is not
    needed here: the common gaps, the clients' gaps on them, the clients."""
    clients = cohort_clients(coach, tag)
    skills = common_gaps(clients)
    yield CSV_COLUMNS + [s.name for s in skills]
    gaps = gaps_by_report(
        clients.order_by().values("latest_assessment_id"), [s.slug for s in skills]
    )
    rows = (
        _by_name(clients)
        .select_related("client")
        .annotate(role_title=F("latest_role__title"))
        .only(
            "pk",
            "latest_assessment_id",
            "latest_readiness",
            "latest_verdict",
            "client",
            "client__first_name",
            "client__last_name",
            "client__email",
            "client__username",
        )
    )
    for r in rows.iterator():
        yield [
            display_name(r.client),
            r.client.email or r.client.get_username(),
            r.role_title or "",
            "" if r.latest_readiness is None else f"{float(r.latest_readiness):.1f}",
            r.latest_verdict,
            *(_csv_gap(gaps.get((r.latest_assessment_id, s.slug))) for s in skills),
        ]


def _csv_gap(gap: int | None) -> Any:
    return "" if gap is None else gap
