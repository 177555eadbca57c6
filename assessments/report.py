"""The report page's content, computed from a stored report document and its snapshot.

Pure functions over plain data (no ORM): the page, the PDF and a shared link show the
same thing, and nothing here reads today's catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from assessments.scoring import (
    EDUCATION_NAMES,
    FIRST_DAYS_WEEKS,
    LEVEL_NAMES,
    REFERENCE_PACE_HOURS,
    VERDICT_MEANINGS,
    Answers,
    PlannedAction,
    RoleSpec,
    schedule_plan,
    score_role,
    weeks_to_ready,
)
from assessments.viewpoint import OWNER, Viewpoint

VERDICT_LABELS = {
    "ready": "Ready",
    "close": "Close",
    "developing": "Developing",
    "early": "Early",
}


def level_name(level: int) -> str:
    return LEVEL_NAMES[level]


def years_text(years: float) -> str:
    number = f"{years:g}"
    return f"{number} year" if years == 1 else f"{number} years"


# --- rows of the report ---------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    kind: str
    name: str
    essential: bool
    weight: int
    priority: int | None
    change: str  # "Working → Advanced", "3 → 5 years", "Bachelor's degree → Master's degree"
    words: str  # "2 more years of leading ML teams"


def _skill_gap_words(
    requirement: Mapping[str, Any], steps: Sequence[Mapping[str, Any]], pace: int | float
) -> str:
    """What closing a skill gap takes: the levels, then the plan's first step for it, how
    many follow and how long they take at the chosen pace ("Raise Team leadership by 2
    levels: Complete a new-manager training programme, then 1 more step; 18 weeks at 5
    hours a week")."""
    gap = requirement["gap"]
    words = f"Raise {requirement['name']} by {gap} level{'s' if gap != 1 else ''}"
    if not steps:
        return words
    words += f": {steps[0]['title']}"
    if len(steps) > 1:
        more = len(steps) - 1
        words += f", then {more} more step{'s' if more != 1 else ''}"
    # Efforts are at the reference pace; the plan's calendar, at the chosen one.
    effort = sum(Fraction(str(step["effort_weeks"])) for step in steps)
    weeks = effort * REFERENCE_PACE_HOURS / Fraction(str(pace))
    shown = f"{weeks.numerator}" if weeks.denominator == 1 else f"{round(float(weeks), 1):g}"
    hours = f"{pace:g} hour{'s' if pace != 1 else ''}"
    return f"{words}; {shown} week{'s' if weeks != 1 else ''} at {hours} a week"


def gap_rows(
    requirements: Sequence[Mapping[str, Any]],
    actions: Sequence[Mapping[str, Any]] = (),
    pace: int | float = REFERENCE_PACE_HOURS,
) -> list[GapRow]:
    """Unmet requirements in the document's priority order, in words; a skill's words name
    the first of its planned `actions` (the document's plan) and their weeks at `pace`
    hours a week when there is one."""
    steps_of: dict[str, list[Mapping[str, Any]]] = {}
    for action in actions:
        steps_of.setdefault(action["skill"], []).append(action)
    rows = []
    for r in requirements:
        if r["coverage"] >= 1:
            continue
        if r["kind"] == "skill":
            change = f"{level_name(r['self'])} → {level_name(r['required'])}"
            words = _skill_gap_words(r, steps_of.get(r["slug"], []), pace)
        elif r["kind"] == "experience":
            change = f"{r['self']:g} → {r['required']} years"
            words = f"{years_text(r['gap']).replace('year', 'more year', 1)} of {r['name']}"
        else:
            change = f"{EDUCATION_NAMES[r['self']]} → {EDUCATION_NAMES[r['required']]}"
            words = f"A {EDUCATION_NAMES[r['required']].lower()} or higher"
        rows.append(
            GapRow(
                kind=r["kind"],
                name=r["name"],
                essential=r["essential"],
                weight=r["weight"],
                priority=r.get("priority"),
                change=change,
                words=words,
            )
        )
    return rows


@dataclass(frozen=True)
class Strength:
    name: str
    level: str
    surplus: int


def strengths(requirements: Sequence[Mapping[str, Any]]) -> list[Strength]:
    """Skills met or exceeded, the largest surplus first."""
    met = [r for r in requirements if r["kind"] == "skill" and r["coverage"] >= 1]
    return [
        Strength(name=r["name"], level=level_name(r["self"]), surplus=r["self"] - r["required"])
        for r in sorted(met, key=lambda r: (-(r["self"] - r["required"]), r["name"]))
    ]


@dataclass(frozen=True)
class LadderRung:
    slug: str
    title: str
    readiness: float
    verdict: str
    is_current: bool
    is_next: bool
    is_target: bool


def ladder_rungs(report: Mapping[str, Any]) -> list[LadderRung]:
    """Top rung first, as a ladder is read."""
    return [
        LadderRung(
            slug=rung["role"],
            title=rung["title"],
            readiness=rung["readiness"],
            verdict=rung["verdict"],
            is_current=rung["role"] == report["current_rung"],
            is_next=rung["role"] == report["next_step"],
            is_target=rung["role"] == report["role"],
        )
        for rung in reversed(report["ladder"])
    ]


@dataclass
class ActionGroup:
    skill: str
    skill_name: str
    essential: bool
    weeks: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)


def action_groups(report: Mapping[str, Any]) -> list[ActionGroup]:
    """The planned actions by skill, in gap-priority order."""
    skills = {r["slug"]: r for r in report["requirements"] if r["kind"] == "skill"}
    groups: dict[str, ActionGroup] = {}
    for action in report["actions"]:
        skill = skills[action["skill"]]
        group = groups.setdefault(
            action["skill"], ActionGroup(skill["slug"], skill["name"], skill["essential"])
        )
        group.weeks += action["effort_weeks"]
        group.steps.append(
            dict(action)
            | {"from_name": level_name(action["from"]), "to_name": level_name(action["to"])}
        )
    return list(groups.values())


def straight_lined(answers: Mapping[str, Any]) -> bool:
    """Every skill rated the same: the answers say little about real strengths and gaps."""
    levels = list(answers.get("skills", {}).values())
    return len(levels) >= 3 and len(set(levels)) == 1


# --- progress between two assessments -------------------------------------------------


@dataclass(frozen=True)
class SkillChange:
    name: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before

    @property
    def before_name(self) -> str:
        return level_name(self.before)

    @property
    def after_name(self) -> str:
        return level_name(self.after)

    @property
    def delta_words(self) -> str:
        """ "+1 level", "−2 levels"."""
        sign = "+" if self.delta > 0 else "−"
        return f"{sign}{abs(self.delta)} level{'s' if abs(self.delta) != 1 else ''}"


@dataclass(frozen=True)
class Progress:
    previous_date: Any
    previous_role_title: str
    readiness_before: float
    readiness_after: float
    changes: list[SkillChange] = field(default_factory=list)
    gaps_closed: list[str] = field(default_factory=list)
    gaps_opened: list[str] = field(default_factory=list)
    previous_when: str = ""  # "1 Dec 2026", with the time when both fall on one day

    @property
    def delta(self) -> float:
        return round(self.readiness_after - self.readiness_before, 1)


def answers_from_frozen(frozen: Mapping[str, Any]) -> Answers:
    return Answers(
        skills=dict(frozen.get("skills", {})),
        experience=dict(frozen.get("experience", {})),
        education=frozen.get("education", "none"),
    )


def progress_between(
    *,
    snapshot: Mapping[str, Any],
    report: Mapping[str, Any],
    answers: Mapping[str, Any],
    previous_answers: Mapping[str, Any],
    previous_date: Any,
    previous_role_title: str,
    previous_when: str = "",
) -> Progress:
    """What changed since an earlier assessment, measured against THIS assessment's
    requirements, so the comparison is like for like even if the role changed between."""
    target = RoleSpec.from_dict(snapshot["ladder"][-1])
    before = score_role(target, answers_from_frozen(previous_answers))
    gaps_before = {r.slug: r.gap for r in before.requirements if r.kind == "skill"}
    # Names from every rung: a skill asked only on a lower rung can change too.
    names = {
        skill.slug: skill.name
        for rung in snapshot["ladder"]
        for skill in RoleSpec.from_dict(rung).skills
    }
    gaps_now = {r["slug"]: r["gap"] for r in report["requirements"] if r["kind"] == "skill"}
    old_levels = previous_answers.get("skills", {})
    new_levels = answers.get("skills", {})
    changes = [
        SkillChange(names.get(slug, slug), old_levels[slug], level)
        for slug, level in new_levels.items()
        if slug in old_levels and old_levels[slug] != level
    ]
    return Progress(
        previous_date=previous_date,
        previous_role_title=previous_role_title,
        previous_when=previous_when,
        readiness_before=before.readiness,
        readiness_after=report["readiness"],
        changes=sorted(changes, key=lambda c: (-abs(c.delta), c.name)),
        gaps_closed=sorted(names[s] for s, g in gaps_now.items() if g == 0 and gaps_before.get(s)),
        gaps_opened=sorted(names[s] for s, g in gaps_now.items() if g and not gaps_before.get(s)),
    )


# --- closest roles --------------------------------------------------------------------

# Below this share of a role's weight asked, a readiness would say more about what was not
# asked than about the person: the role is offered to compare after rating more skills.
CLOSEST_MIN_ASKED_SHARE = Fraction(1, 2)


def _asked_part(role: RoleSpec, *, skills: Set[str], experience: Set[str]) -> RoleSpec:
    """The role's requirements that the questionnaire asked (education always is)."""
    return replace(
        role,
        skills=tuple(s for s in role.skills if s.slug in skills),
        experience=tuple(e for e in role.experience if e.slug in experience),
    )


def _total_weight(role: RoleSpec) -> int:
    education = role.education.weight if role.education is not None else 0
    return sum(s.weight for s in role.skills) + sum(e.weight for e in role.experience) + education


def closest_roles(
    answers: Answers,
    roles: Sequence[RoleSpec],
    *,
    asked_skills: Iterable[str],
    asked_experience: Iterable[str],
) -> list[dict[str, Any]]:
    """Every role scored on the requirements the answers cover (docs/scoring.md, "Closest
    roles"), for the report document: `asked_share` is the share of the role's weight
    that was asked. Roles with at least half asked come first, by readiness; the others
    carry no readiness but `to_rate`, the requirements still to answer to compare."""
    skills, experience = set(asked_skills), set(asked_experience)
    comparable: list[dict[str, Any]] = []
    to_compare: list[dict[str, Any]] = []
    for role in roles:
        total = _total_weight(role)
        if total == 0:
            continue  # nothing to compare against
        asked = _asked_part(role, skills=skills, experience=experience)
        share = Fraction(_total_weight(asked), total)
        entry: dict[str, Any] = {
            "role": role.slug,
            "title": role.title,
            "readiness": None,
            "verdict": None,
            # Cut like coverage, so a role not fully asked never shows 1.0.
            "asked_share": math.floor(share * 10000) / 10000,
            "to_rate": (len(role.skills) - len(asked.skills))
            + (len(role.experience) - len(asked.experience)),
        }
        if share >= CLOSEST_MIN_ASKED_SHARE:
            score = score_role(asked, answers)
            entry |= {"readiness": score.readiness, "verdict": score.verdict}
            comparable.append(entry)
        else:
            to_compare.append(entry)
    comparable.sort(key=lambda e: (-e["readiness"], -e["asked_share"], e["title"]))
    to_compare.sort(key=lambda e: (e["to_rate"], e["title"]))
    return comparable + to_compare


@dataclass(frozen=True)
class ClosestRoles:
    """What the report page shows of the frozen closest roles."""

    compared: list[dict[str, Any]]
    to_compare: list[dict[str, Any]]


def closest_roles_shown(entries: Sequence[Mapping[str, Any]], *, limit: int = 5) -> ClosestRoles:
    compared = [
        dict(e) | {"asked_percent": round(100 * e["asked_share"])}
        for e in entries
        if e["readiness"] is not None
    ]
    to_compare = [dict(e) for e in entries if e["readiness"] is None]
    return ClosestRoles(compared=compared[:limit], to_compare=to_compare[:limit])


# --- the readiness trend --------------------------------------------------------------


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str
    dots: tuple[tuple[float, float, float], ...]  # (x, y, readiness)
    text: str


def sparkline(values: Sequence[float], *, width: int = 160, height: int = 36) -> Sparkline | None:
    """Readiness over time (0–100 on a fixed scale, oldest first), with its text."""
    if len(values) < 2:
        return None
    pad = 4
    span_x = (width - 2 * pad) / (len(values) - 1)
    dots = tuple(
        (round(pad + i * span_x, 1), round(height - pad - (height - 2 * pad) * v / 100, 1), v)
        for i, v in enumerate(values)
    )
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y, _ in dots),
        dots=dots,
        text=" → ".join(f"{v:.1f}" for v in values),
    )


def verdict_meaning(verdict: str, viewpoint: Viewpoint = OWNER) -> str:
    meaning = VERDICT_MEANINGS[verdict]
    if not viewpoint.owner:
        # The one meaning spoken to the owner ("You meet this role's bar").
        meaning = meaning.replace("You meet", viewpoint.meets, 1)
    return meaning


# --- the headline: what stands between the person and the next verdict -----------------

# The readiness each verdict starts at (docs/scoring.md, "Verdict").
NEXT_VERDICT = {"early": ("developing", 50), "developing": ("close", 75), "close": ("ready", 90)}


def requirement_words(requirement: Mapping[str, Any], viewpoint: Viewpoint = OWNER) -> str:
    """One unmet requirement in words: what it needs against what the person has."""
    name = str(requirement["name"])
    name = name[:1].upper() + name[1:]
    who = viewpoint.subject
    if requirement["kind"] == "skill":
        return (
            f"{name} needs {level_name(requirement['required'])}, "
            f"{who} {viewpoint.verb('are', 'is')} at {level_name(requirement['self'])}"
        )
    if requirement["kind"] == "experience":
        return (
            f"{name} needs {years_text(requirement['required'])}, "
            f"{who} {viewpoint.verb('have', 'has')} {years_text(requirement['self'])}"
        )
    return f"The role asks for a {name[0].lower()}{name[1:]}"


def standing(report: Mapping[str, Any], viewpoint: Viewpoint = OWNER) -> list[str]:
    """The headline's sentences: the blockers first, in gap order, then the points
    to the next verdict. Empty when the person is ready."""
    verdict, readiness = report["verdict"], report["readiness"]
    if verdict == "ready":
        return []
    by_slug = {r["slug"]: r for r in report["requirements"]}
    blockers = [requirement_words(by_slug[slug], viewpoint) for slug in report.get("blockers", ())]
    sentences = []
    if blockers and readiness >= 90:
        sentences.append(f"{readiness:.1f}, but not ready yet: " + "; ".join(blockers) + ".")
    else:
        sentences += [f"Essential: {words}." for words in blockers]
    name, threshold = NEXT_VERDICT[verdict]
    if readiness < threshold:
        sentences.append(
            f"{threshold - readiness:.1f} more points of readiness make it "
            f"{VERDICT_LABELS[name]} ({threshold} or more)."
        )
    return sentences


def time_to_ready_words(report: Mapping[str, Any]) -> str:
    """Why the time to ready is what it is: the plan, or the experience still to gain."""
    plan_end = max((a.get("end_week", 0) for a in report["actions"]), default=0)
    years = max((r["gap"] for r in report["requirements"] if r["kind"] == "experience"), default=0)
    if years and years * 52 >= plan_end:
        return f"mostly the {years_text(years)} of experience still to gain"
    pace = report.get("pace_hours_per_week", 5)
    return f"the learning steps below at {pace:g} hours a week"


# --- the plan at another pace ------------------------------------------------------------


def at_pace(report: Mapping[str, Any], pace: int) -> dict[str, Any]:
    """The report with its plan and time to ready at `pace` hours a week. Nothing scored
    changes: the pace only sets the plan's calendar (docs/scoring.md)."""
    plan = [
        PlannedAction(
            a["skill"],
            a["from"],
            a["to"],
            a["title"],
            a["effort_weeks"],
            a.get("kind", ""),
            a.get("url", ""),
        )
        for a in report["actions"]
    ]
    schedule = schedule_plan(plan, pace_hours_per_week=pace)
    gaps = (Fraction(str(r["gap"])) for r in report["requirements"] if r["kind"] == "experience")
    return dict(report) | {
        "actions": [step.to_dict() for step in schedule],
        "pace_hours_per_week": pace,
        "time_to_ready_weeks": weeks_to_ready(schedule, gaps),
    }


def first_days(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """ "Start here": the plan's actions that start in the first 90 days (before week 13)."""
    return [a for a in report["actions"] if a.get("start_week", 0) < FIRST_DAYS_WEEKS]
