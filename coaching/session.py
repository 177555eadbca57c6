"""The session view: what a coach reads before meeting a client, in a fixed number of
queries, from the client's latest shared report (frozen data only, never today's
catalogue), the one shared before it, and the coach's own calibration and notes.

Everything is worded about the client by name ("Ana's next step"), or "this client" when
they have not given one: the coach reads it, so nothing says "you" about the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from assessments import report as report_views
from assessments.models import Assessment
from assessments.trend import when_labels
from assessments.viewpoint import Viewpoint, named
from coaching.models import Calibration, CoachNote, CoachRelationship

TOP_GAPS = 5
LAST_NOTES = 5
# A calibration this far from the client's own level, either way, is worth talking through
# (the same rule as CalibrationRow.flagged).
DISAGREEMENT_LEVELS = 2


@dataclass(frozen=True)
class SessionGap:
    name: str
    essential: bool
    change: str  # "Working → Advanced", "3 → 5 years"
    size: str  # "2 levels", "2 more years"; "" for a degree
    weeks: int  # the plan's weeks of learning for it; 0 when the plan has none


@dataclass(frozen=True)
class Disagreement:
    name: str
    self_level: str  # by name: "Working"
    coach_level: str
    required_level: str
    difference: int  # coach minus client

    @property
    def direction(self) -> str:
        return "higher" if self.difference > 0 else "lower"

    @property
    def size(self) -> str:
        levels = abs(self.difference)
        return f"{levels} level{'s' if levels != 1 else ''}"


@dataclass(frozen=True)
class CalibrationLine:
    """One calibrated skill, for the PDF's calibration table."""

    name: str
    self_level: str
    coach_level: str
    required_level: str
    difference: int
    flagged: bool


@dataclass(frozen=True)
class SessionNote:
    pk: int
    text: str
    shared: bool
    created_at: Any
    edited_at: Any
    report_pk: Any
    report_label: str  # "ML Team Lead, 3 Nov 2026"


@dataclass
class Session:
    relationship: CoachRelationship
    pov: Viewpoint
    who: str  # "Ana" or "this client", for the middle of a sentence
    latest: Assessment | None = None
    verdict_label: str = ""
    verdict_words: str = ""
    blockers: list[str] = field(default_factory=list)
    next_verdict: str = ""  # "19.6 more points of readiness make it Close (75 or more)."
    gaps: list[SessionGap] = field(default_factory=list)
    gaps_more: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    calibration: list[CalibrationLine] = field(default_factory=list)
    skills_count: int = 0
    progress: report_views.Progress | None = None
    previous_pk: Any = None
    notes: list[SessionNote] = field(default_factory=list)

    @property
    def who_capitalised(self) -> str:
        return self.who[:1].upper() + self.who[1:]

    def whose(self, noun: str) -> str:
        """ "Ana's next step", "This client's next step"."""
        return f"{self.who_capitalised}'s {noun}"

    @property
    def next_step_heading(self) -> str:
        return self.whose("next step")

    @property
    def stands_heading(self) -> str:
        return f"Where {self.who} stands"

    @property
    def blockers_heading(self) -> str:
        return f"What stands between {self.who} and Ready"

    @property
    def disagreements_heading(self) -> str:
        return f"Where the calibration and {self.whose_lower('own view')} differ"

    @property
    def changes_heading(self) -> str:
        return f"What changed since {self.whose_lower('previous shared report')}"

    @property
    def notes_heading(self) -> str:
        return f"The last notes on {self.whose_lower('reports')}"

    def whose_lower(self, noun: str) -> str:
        return f"{self.who}'s {noun}"


def session_for_coach(relationship: CoachRelationship, *, coach: AbstractBaseUser) -> Session:
    """The session view of an active relationship the caller has checked is the coach's.

    Queries, whatever the number of skills, shared reports or notes:
      1. the two latest shared submitted reports (the latest one and the one before it);
      2. the coach's calibrations on the latest report;
      3. the coach's last notes on any report the client shares with them.
    None of 2 and 3 runs when nothing is shared.
    """
    name = relationship.client.get_full_name()
    who = " ".join(name.split()) if name.strip() else "this client"
    # A named viewpoint words the report's own sentences ("Ana is at Working"); without a
    # name "this client" stands in, never the second person.
    pov = named(who)
    session = Session(relationship=relationship, pov=pov, who=who)
    recent = list(
        Assessment.objects.submitted()
        .filter(coach_shares__relationship=relationship)
        .select_related("role")
        .order_by("-submitted_at", "-pk")[:2]
    )
    if not recent:
        return session
    latest = recent[0]
    report = latest.report
    session.latest = latest
    session.verdict_label = report_views.VERDICT_LABELS[report["verdict"]]
    session.verdict_words = report_views.verdict_meaning(report["verdict"], pov)
    by_slug = {r["slug"]: r for r in report["requirements"]}
    session.blockers = [
        report_views.requirement_words(by_slug[slug], pov) for slug in report.get("blockers", ())
    ]
    session.next_verdict = _next_verdict(report)
    session.gaps, session.gaps_more = _top_gaps(report)
    skills = [r for r in report["requirements"] if r["kind"] == "skill"]
    session.skills_count = len(skills)
    levels = dict(
        Calibration.objects.filter(assessment=latest, coach=coach).values_list("skill", "level")
    )
    session.calibration = _calibration(skills, levels)
    session.disagreements = [
        Disagreement(
            line.name, line.self_level, line.coach_level, line.required_level, line.difference
        )
        for line in session.calibration
        if line.flagged
    ]
    if len(recent) == 2:
        session.progress = _progress(latest, recent[1])
        session.previous_pk = recent[1].pk
    session.notes = _last_notes(relationship, coach)
    return session


def _next_verdict(report: dict[str, Any]) -> str:
    """The points still to gain for the next verdict, as the report's headline says them."""
    verdict, readiness = report["verdict"], report["readiness"]
    if verdict not in report_views.NEXT_VERDICT:
        return ""
    name, threshold = report_views.NEXT_VERDICT[verdict]
    if readiness >= threshold:
        return ""  # there already, held back by an unmet essential
    return (
        f"{threshold - readiness:.1f} more points of readiness make it "
        f"{report_views.VERDICT_LABELS[name]} ({threshold} or more)."
    )


def _top_gaps(report: dict[str, Any]) -> tuple[list[SessionGap], int]:
    """The first unmet requirements in the report's gap order, with the plan's weeks for
    each skill; and how many more there are."""
    unmet = [r for r in report["requirements"] if r["coverage"] < 1]
    # gap_rows keeps the same requirements in the same order: the two lists pair up.
    rows = report_views.gap_rows(report["requirements"])
    weeks = {group.skill: group.weeks for group in report_views.action_groups(report)}
    gaps = [
        SessionGap(
            name=row.name,
            essential=row.essential,
            change=row.change,
            size=_gap_size(requirement),
            weeks=weeks.get(requirement["slug"], 0) if requirement["kind"] == "skill" else 0,
        )
        for requirement, row in zip(unmet[:TOP_GAPS], rows, strict=False)
    ]
    return gaps, max(0, len(unmet) - TOP_GAPS)


def _gap_size(requirement: dict[str, Any]) -> str:
    gap = requirement["gap"]
    if requirement["kind"] == "skill":
        return f"{gap} level{'s' if gap != 1 else ''}"
    if requirement["kind"] == "experience":
        return report_views.years_text(gap).replace("year", "more year", 1)
    return ""


def _calibration(skills: list[dict[str, Any]], levels: dict[str, int]) -> list[CalibrationLine]:
    """The coach's calibrated skills of the report, in its gap order."""
    name = report_views.level_name
    lines = []
    for skill in skills:
        level = levels.get(skill["slug"])
        if level is None:
            continue
        difference = level - skill["self"]
        lines.append(
            CalibrationLine(
                name=skill["name"],
                self_level=name(skill["self"]),
                coach_level=name(level),
                required_level=name(skill["required"]),
                difference=difference,
                flagged=abs(difference) >= DISAGREEMENT_LEVELS,
            )
        )
    return lines


def _progress(latest: Assessment, previous: Assessment) -> report_views.Progress:
    previous_when, _ = when_labels(
        [timezone.localtime(previous.submitted_at), timezone.localtime(latest.submitted_at)]
    )
    return report_views.progress_between(
        snapshot=latest.snapshot,
        report=latest.report,
        answers=latest.answers_frozen,
        previous_answers=previous.answers_frozen,
        previous_date=previous.submitted_at,
        previous_role_title=previous.role.title,
        previous_when=previous_when,
    )


def notes_timeline(
    relationship: CoachRelationship, *, coach: AbstractBaseUser, visibility: str = ""
) -> QuerySet[CoachNote]:
    """The coach's notes on any report the client shares with them now, newest first
    (all, or the shared or the private ones): the session view's last notes and the
    client's notes timeline."""
    notes = (
        CoachNote.objects.filter(coach=coach, assessment__coach_shares__relationship=relationship)
        .select_related("assessment__role")
        .defer("assessment__report", "assessment__snapshot", "assessment__answers_frozen")
        .order_by("-created_at", "-pk")
    )
    if visibility in CoachNote.Visibility.values:
        notes = notes.filter(visibility=visibility)
    return notes


def session_note(note: CoachNote) -> SessionNote:
    """A note as the coach's pages show it: read from a notes_timeline() row."""
    return SessionNote(
        pk=note.pk,
        text=note.text,
        shared=note.visibility == CoachNote.Visibility.SHARED,
        created_at=note.created_at,
        edited_at=note.edited_at,
        report_pk=note.assessment_id,
        report_label=f"{note.assessment.role.title}, {_day(note.assessment.submitted_at)}",
    )


def _last_notes(relationship: CoachRelationship, coach: AbstractBaseUser) -> list[SessionNote]:
    """The coach's newest notes on any report the client shares with them now."""
    return [session_note(n) for n in notes_timeline(relationship, coach=coach)[:LAST_NOTES]]


def _day(moment: Any) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"
