"""The scoring contract (docs/scoring.md), as a pure module.

Plain data in (role specs, answers, learning actions), a report out. No ORM, no
request: the same functions score the command line, a live draft and a stored
snapshot, so every surface shows the same numbers.

Arithmetic is exact (fractions); readiness is cut, not rounded, to one decimal
so that 100.0 is shown only when every requirement is met and a verdict
threshold is never reached by rounding up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

LEVEL_NAMES = ("None", "Awareness", "Working", "Practitioner", "Advanced", "Expert")
EDUCATION_ORDER = ("none", "bachelor", "master", "phd")
EDUCATION_NAMES = {
    "none": "No degree",
    "bachelor": "Bachelor's degree",
    "master": "Master's degree",
    "phd": "PhD",
}
MAX_SELF_LEVEL = 5
MAX_YEARS = 60
WEEKS_PER_UNCOVERED_LEVEL = 6
# Learning actions' efforts are weeks at this pace; a person may choose another.
REFERENCE_PACE_HOURS = 5
MIN_PACE_HOURS, MAX_PACE_HOURS = 1, 40
FIRST_DAYS_WEEKS = 13  # "the first 90 days": what starts before week 13
PACE_KEY = "pace_hours_per_week"
WEEKS_PER_YEAR = 52
EXPERIENCE_CATEGORY = "Experience"
EDUCATION_CATEGORY = "Education"

READY, CLOSE, DEVELOPING, EARLY = "ready", "close", "developing", "early"
VERDICT_MEANINGS = {
    READY: "You meet this role's bar: readiness of 90 or more and every essential requirement met.",
    CLOSE: "Readiness of 75 or more: most of what the role asks is covered.",
    DEVELOPING: "On the way: readiness of 50 or more, with substantial gaps to work on.",
    EARLY: "Early days: readiness below 50; this role is a longer-term goal.",
}


# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SkillSpec:
    slug: str
    name: str
    category: str
    required: int
    weight: int
    essential: bool = False


@dataclass(frozen=True)
class ExperienceSpec:
    slug: str
    name: str
    years: int
    weight: int
    essential: bool = False


@dataclass(frozen=True)
class EducationSpec:
    """`required` or higher; or, when an alternative is given, `alternative_level` or
    higher together with `alternative_years` of the experience `alternative_experience`
    (a slug of the same role's experience requirements)."""

    required: str
    weight: int
    essential: bool = False
    alternative_level: str | None = None
    alternative_experience: str | None = None
    alternative_years: int | None = None

    @property
    def name(self) -> str:
        name = EDUCATION_NAMES[self.required]
        if self.alternative_level is None:
            return name
        return (
            f"{name}, or {EDUCATION_NAMES[self.alternative_level]} "
            f"with {self.alternative_years}+ years' experience"
        )

    def to_dict(self) -> dict[str, Any]:
        # Without an alternative, the same keys as before alternatives existed.
        data = {"required": self.required, "weight": self.weight, "essential": self.essential}
        if self.alternative_level is not None:
            data |= {
                "alternative_level": self.alternative_level,
                "alternative_experience": self.alternative_experience,
                "alternative_years": self.alternative_years,
            }
        return data

    def met_by(self, answers: Answers) -> bool:
        rank = EDUCATION_ORDER.index(answers.education)
        if rank >= EDUCATION_ORDER.index(self.required):
            return True
        if self.alternative_level is None or self.alternative_experience is None:
            return False
        return rank >= EDUCATION_ORDER.index(self.alternative_level) and answers.years(
            self.alternative_experience
        ) >= (self.alternative_years or 0)


@dataclass(frozen=True)
class RoleSpec:
    """A role's requirements as plain data: what a snapshot stores and the engine reads."""

    slug: str
    title: str
    skills: tuple[SkillSpec, ...] = ()
    experience: tuple[ExperienceSpec, ...] = ()
    education: EducationSpec | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "skills": [asdict(s) for s in self.skills],
            "experience": [asdict(e) for e in self.experience],
            "education": None if self.education is None else self.education.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoleSpec:
        education = data.get("education")
        return cls(
            slug=data["slug"],
            title=data["title"],
            skills=tuple(SkillSpec(**s) for s in data.get("skills", ())),
            experience=tuple(ExperienceSpec(**e) for e in data.get("experience", ())),
            education=None if education is None else EducationSpec(**education),
        )


@dataclass(frozen=True)
class ActionSpec:
    """A learning action that raises `skill` from `from_level` to `to_level`."""

    skill: str
    from_level: int
    to_level: int
    title: str
    effort_weeks: int
    kind: str = ""
    url: str = ""


@dataclass(frozen=True)
class Answers:
    """One person's answers. A missing skill is level 0, missing years are 0."""

    skills: Mapping[str, int] = field(default_factory=dict)
    experience: Mapping[str, float] = field(default_factory=dict)
    education: str = "none"
    # Not scored: it only sets the learning plan's calendar.
    pace_hours_per_week: int | float = REFERENCE_PACE_HOURS

    def skill_level(self, slug: str) -> int:
        return self.skills.get(slug, 0)

    def years(self, slug: str) -> Fraction:
        # Through str, so 6.3 years is 63/10 and not the nearest binary float.
        value = self.experience.get(slug, 0)
        return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


class AnswersError(ValueError):
    """Answers that cannot be scored; `key` names the offending entry."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


# --- validation -----------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_answers(
    raw: object,
    *,
    skill_slugs: Iterable[str],
    experience_slugs: Iterable[str],
) -> Answers:
    """Validate an answers document (docs/report.md) against a questionnaire.

    Raises AnswersError naming the first offending key; nothing is partially accepted.
    """
    if raw is None:
        return Answers()
    if not isinstance(raw, Mapping):
        raise AnswersError("answers", "must be an object with skills, experience and education")
    unknown_sections = sorted(set(raw) - {"skills", "experience", "education", PACE_KEY})
    if unknown_sections:
        raise AnswersError(unknown_sections[0], "is not a section of the answers")
    allowed_skills, allowed_experience = set(skill_slugs), set(experience_slugs)

    skills = {} if raw.get("skills") is None else raw["skills"]
    if not isinstance(skills, Mapping):
        raise AnswersError("skills", "must be an object of skill slug to level")
    for slug, level in skills.items():
        key = f"skills.{slug}"
        if slug not in allowed_skills:
            raise AnswersError(key, "is not a skill of this questionnaire")
        if not isinstance(level, int) or isinstance(level, bool):
            raise AnswersError(key, f"level must be a whole number from 0 to 5, not {level!r}")
        if not 0 <= level <= MAX_SELF_LEVEL:
            raise AnswersError(key, f"level must be from 0 to 5, not {level}")

    experience = {} if raw.get("experience") is None else raw["experience"]
    if not isinstance(experience, Mapping):
        raise AnswersError("experience", "must be an object of experience slug to years")
    for slug, years in experience.items():
        key = f"experience.{slug}"
        if slug not in allowed_experience:
            raise AnswersError(key, "is not an experience question of this questionnaire")
        # isfinite only for floats: a huge int would overflow it (the range check follows).
        if not _is_number(years) or (isinstance(years, float) and not math.isfinite(years)):
            raise AnswersError(key, f"years must be a number, not {years!r}")
        if years < 0:
            raise AnswersError(key, f"years must not be negative, not {years}")
        if years > MAX_YEARS:
            raise AnswersError(key, f"years must be at most {MAX_YEARS}, not {years}")

    education = raw.get("education", "none")
    if education is None:
        education = "none"
    if education not in EDUCATION_ORDER:
        raise AnswersError("education", f"must be one of {', '.join(EDUCATION_ORDER)}")

    pace = check_pace(raw[PACE_KEY]) if raw.get(PACE_KEY) is not None else REFERENCE_PACE_HOURS
    return Answers(
        skills=dict(skills),
        experience=dict(experience),
        education=education,
        pace_hours_per_week=pace,
    )


# --- scoring --------------------------------------------------------------------------


def cut_to_one_decimal(ratio: Fraction) -> float:
    """100 × ratio, cut (never rounded up) to one decimal."""
    return math.floor(ratio * 1000) / 10


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


@dataclass(frozen=True)
class RequirementScore:
    kind: str  # skill | experience | education
    slug: str
    name: str
    category: str
    required: int | str
    self_value: int | float | str
    weight: int
    essential: bool
    coverage: Fraction
    gap: int | float
    priority: int | None = None

    @property
    def met(self) -> bool:
        return self.coverage == 1

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "slug": self.slug,
            "name": self.name,
            "category": self.category,
            "required": self.required,
            "self": self.self_value,
            "weight": self.weight,
            "essential": self.essential,
            # Cut like readiness, so a requirement not fully met never shows 1.0.
            "coverage": math.floor(self.coverage * 10000) / 10000,
            "gap": self.gap,
        }
        if self.priority is not None:
            data["priority"] = self.priority
        return data


@dataclass(frozen=True)
class RoleScore:
    slug: str
    title: str
    readiness: float
    verdict: str
    categories: tuple[tuple[str, float], ...]
    requirements: tuple[RequirementScore, ...]

    @property
    def essential_met(self) -> bool:
        return all(r.met for r in self.requirements if r.essential)

    @property
    def blockers(self) -> tuple[RequirementScore, ...]:
        """The unmet essential requirements, in gap order."""
        return tuple(r for r in self.requirements if r.essential and not r.met)


def _skill_score(spec: SkillSpec, answers: Answers) -> RequirementScore:
    level = answers.skill_level(spec.slug)
    gap = max(0, spec.required - level)
    return RequirementScore(
        kind="skill",
        slug=spec.slug,
        name=spec.name,
        category=spec.category,
        required=spec.required,
        self_value=level,
        weight=spec.weight,
        essential=spec.essential,
        coverage=Fraction(min(level, spec.required), spec.required),
        gap=gap,
        priority=spec.weight * gap,
    )


def _experience_score(spec: ExperienceSpec, answers: Answers) -> RequirementScore:
    years = answers.years(spec.slug)
    return RequirementScore(
        kind="experience",
        slug=spec.slug,
        name=spec.name,
        category=EXPERIENCE_CATEGORY,
        required=spec.years,
        self_value=_number(years),
        weight=spec.weight,
        essential=spec.essential,
        coverage=min(years, Fraction(spec.years)) / spec.years,
        gap=_number(max(Fraction(0), spec.years - years)),
    )


def _education_score(spec: EducationSpec, answers: Answers) -> RequirementScore:
    required_rank = EDUCATION_ORDER.index(spec.required)
    self_rank = EDUCATION_ORDER.index(answers.education)
    met = spec.met_by(answers)
    return RequirementScore(
        kind="education",
        slug="education",
        name=spec.name,
        category=EDUCATION_CATEGORY,
        required=spec.required,
        self_value=answers.education,
        weight=spec.weight,
        essential=spec.essential,
        coverage=Fraction(1 if met else 0),
        # Met by the alternative route: nothing left to gain, whatever the degree.
        gap=0 if met else max(0, required_rank - self_rank),
    )


def _gap_order(score: RequirementScore) -> tuple:
    # Every kind together: unmet essentials first (a missing essential year of leadership
    # must never sit below a nice-to-have skill), then by weighted shortfall, then by name.
    # Met requirements have no shortfall, so they come last.
    return (
        not (score.essential and not score.met),
        -score.weight * (1 - score.coverage),
        score.name,
    )


def weighted_readiness(scores: Sequence[RequirementScore]) -> float:
    total_weight = sum(s.weight for s in scores)
    if total_weight == 0:
        return 100.0
    covered = sum(s.weight * s.coverage for s in scores)
    return cut_to_one_decimal(Fraction(covered) / total_weight)


def verdict_for(readiness: float, *, essential_met: bool) -> str:
    if readiness >= 90 and essential_met:
        return READY
    if readiness >= 75:
        return CLOSE
    if readiness >= 50:
        return DEVELOPING
    return EARLY


def score_role(role: RoleSpec, answers: Answers) -> RoleScore:
    scores = [_skill_score(s, answers) for s in role.skills]
    scores += [_experience_score(e, answers) for e in role.experience]
    if role.education is not None:
        scores.append(_education_score(role.education, answers))
    requirements = tuple(sorted(scores, key=_gap_order))

    by_category: dict[str, list[RequirementScore]] = {}
    for spec in role.skills:  # category order follows the role's own skill order
        by_category.setdefault(spec.category, [])
    if role.experience:
        by_category.setdefault(EXPERIENCE_CATEGORY, [])
    if role.education is not None:
        by_category.setdefault(EDUCATION_CATEGORY, [])
    for score in requirements:
        by_category.setdefault(score.category, []).append(score)

    readiness = weighted_readiness(requirements)
    essential_met = all(r.met for r in requirements if r.essential)
    return RoleScore(
        slug=role.slug,
        title=role.title,
        readiness=readiness,
        verdict=verdict_for(readiness, essential_met=essential_met),
        categories=tuple(
            (name, weighted_readiness(scores)) for name, scores in by_category.items()
        ),
        requirements=requirements,
    )


# --- learning path --------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedAction:
    skill: str
    from_level: int
    to_level: int
    title: str
    effort_weeks: int
    kind: str = ""
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "skill": self.skill,
            "from": self.from_level,
            "to": self.to_level,
            "title": self.title,
            "effort_weeks": self.effort_weeks,
            "kind": self.kind,
            "url": self.url,
        }


def plan_skill(
    skill: str, start: int, target: int, actions: Sequence[ActionSpec]
) -> list[PlannedAction]:
    """The least-effort steps from `start` to `target`.

    An action can be taken from any level between its start and its end (someone halfway
    through what it teaches still does it); a level step no action covers costs the
    default weeks. Because any path from a level also serves every level above it, a
    higher starting level never needs more time. Ties: fewer steps, then by title.
    """
    relevant = [a for a in actions if a.skill == skill and a.to_level <= target]
    # best[level] = (weeks, steps, plan) from that level to the target
    best: dict[int, tuple[int, int, list[PlannedAction]]] = {target: (0, 0, [])}
    for level in range(target - 1, start - 1, -1):
        options: list[tuple[int, int, list[PlannedAction]]] = []
        covering = [a for a in relevant if a.from_level <= level < a.to_level]
        for action in covering:
            weeks, steps, rest = best[action.to_level]
            step = PlannedAction(
                skill,
                level,
                action.to_level,
                action.title,
                action.effort_weeks,
                action.kind,
                action.url,
            )
            options.append((action.effort_weeks + weeks, steps + 1, [step, *rest]))
        if not covering:
            weeks, steps, rest = best[level + 1]
            step = PlannedAction(
                skill,
                level,
                level + 1,
                f"Practise to reach {LEVEL_NAMES[level + 1]}",
                WEEKS_PER_UNCOVERED_LEVEL,
            )
            options.append((WEEKS_PER_UNCOVERED_LEVEL + weeks, steps + 1, [step, *rest]))
        best[level] = min(options, key=lambda o: (o[0], o[1], [p.title for p in o[2]]))
    return best[start][2] if start < target else []


def plan_actions(score: RoleScore, actions: Sequence[ActionSpec]) -> list[PlannedAction]:
    """Learning actions that close each skill gap, in gap-priority order."""
    plan: list[PlannedAction] = []
    for requirement in score.requirements:
        if requirement.kind == "skill" and requirement.gap:
            plan.extend(
                plan_skill(
                    requirement.slug,
                    int(requirement.self_value),
                    int(requirement.required),
                    actions,
                )
            )
    return plan


@dataclass(frozen=True)
class ScheduledAction:
    """A planned action placed on the calendar at a pace: it runs from `start` to `end`
    (weeks from now), one action after the other."""

    action: PlannedAction
    start: Fraction
    end: Fraction

    @property
    def in_first_days(self) -> bool:
        return self.start < FIRST_DAYS_WEEKS

    def to_dict(self) -> dict[str, Any]:
        return self.action.to_dict() | {
            "start_week": _weeks(self.start),
            "end_week": _weeks(self.end),
        }


def _weeks(value: Fraction) -> int | float:
    """Whole weeks stay whole; otherwise one decimal, for people to read."""
    return int(value) if value.denominator == 1 else round(float(value), 1)


def schedule_plan(
    plan: Sequence[PlannedAction], *, pace_hours_per_week: int | float = REFERENCE_PACE_HOURS
) -> list[ScheduledAction]:
    """Each action lasts effort × reference pace / chosen pace weeks, in plan order."""
    pace = Fraction(str(pace_hours_per_week))
    scheduled: list[ScheduledAction] = []
    start = Fraction(0)
    for action in plan:
        end = start + action.effort_weeks * Fraction(REFERENCE_PACE_HOURS) / pace
        scheduled.append(ScheduledAction(action, start, end))
        start = end
    return scheduled


def time_to_ready_weeks(score: RoleScore, schedule: Sequence[ScheduledAction]) -> int:
    return weeks_to_ready(
        schedule, (Fraction(r.gap) for r in score.requirements if r.kind == "experience")
    )


def weeks_to_ready(schedule: Sequence[ScheduledAction], experience_gaps: Iterable[Fraction]) -> int:
    """Skills are learnt while experience grows, so the later of the plan's end and the
    largest experience shortfall (years × 52), in whole weeks rounded up."""
    learning = schedule[-1].end if schedule else Fraction(0)
    return math.ceil(max(learning, max(experience_gaps, default=Fraction(0)) * WEEKS_PER_YEAR))


def check_pace(pace: object) -> int | float:
    """A pace in hours a week, 1 to 40; raises AnswersError otherwise."""
    key = PACE_KEY
    if not _is_number(pace) or (isinstance(pace, float) and not math.isfinite(pace)):
        raise AnswersError(key, f"must be a number of hours a week, not {pace!r}")
    if not MIN_PACE_HOURS <= pace <= MAX_PACE_HOURS:
        raise AnswersError(
            key, f"must be from {MIN_PACE_HOURS} to {MAX_PACE_HOURS} hours a week, not {pace}"
        )
    return pace


# --- the report -----------------------------------------------------------------------


def ladder_position(rungs: Sequence[RoleScore]) -> tuple[str | None, str | None]:
    """The highest ready rung, and the rung above it (the first rung when none is ready)."""
    ready = [i for i, rung in enumerate(rungs) if rung.verdict == READY]
    if not ready:
        return None, (rungs[0].slug if rungs else None)
    current = ready[-1]
    following = rungs[current + 1].slug if current + 1 < len(rungs) else None
    return rungs[current].slug, following


def build_report(
    *,
    target: RoleSpec,
    ladder: Sequence[RoleSpec],
    answers: Answers,
    actions: Sequence[ActionSpec] = (),
    pace_hours_per_week: int | float = REFERENCE_PACE_HOURS,
) -> dict[str, Any]:
    """The report document (docs/report.md). `ladder` lists the rungs lowest first and ends
    with the target. The pace changes the plan's calendar, never a score."""
    score = score_role(target, answers)
    rungs = [score if rung.slug == target.slug else score_role(rung, answers) for rung in ladder]
    current, next_step = ladder_position(rungs)
    schedule = schedule_plan(
        plan_actions(score, actions), pace_hours_per_week=check_pace(pace_hours_per_week)
    )
    return {
        "role": target.slug,
        "role_title": target.title,
        "scale": "0-5",
        "readiness": score.readiness,
        "verdict": score.verdict,
        "categories": [{"name": n, "readiness": r} for n, r in score.categories],
        "requirements": [r.to_dict() for r in score.requirements],
        "ladder": [
            {"role": r.slug, "title": r.title, "readiness": r.readiness, "verdict": r.verdict}
            for r in rungs
        ],
        "current_rung": current,
        "next_step": next_step,
        "blockers": [r.slug for r in score.blockers],
        "actions": [step.to_dict() for step in schedule],
        "pace_hours_per_week": pace_hours_per_week,
        "time_to_ready_weeks": time_to_ready_weeks(score, schedule),
    }


def questionnaire_scope(ladder: Sequence[RoleSpec]) -> tuple[list[str], list[str]]:
    """Skill and experience slugs asked for a ladder: the union over its rungs, in order."""
    skills: dict[str, None] = {}
    experience: dict[str, None] = {}
    for rung in ladder:
        skills.update((s.slug, None) for s in rung.skills)
        experience.update((e.slug, None) for e in rung.experience)
    return list(skills), list(experience)
