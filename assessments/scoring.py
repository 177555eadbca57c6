"""The scoring contract of DESIGN.md ("Scoring"), as a pure module.

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
WEEKS_PER_YEAR = 52
EXPERIENCE_CATEGORY = "Experience"
EDUCATION_CATEGORY = "Education"

READY, CLOSE, DEVELOPING, EARLY = "ready", "close", "developing", "early"
VERDICT_MEANINGS = {
    READY: "You meet this role's bar: readiness of 90 or more and every essential requirement met.",
    CLOSE: "Within reach: readiness of 75 or more, with a few gaps left to close.",
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
    required: str
    weight: int
    essential: bool = False


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
            "education": None if self.education is None else asdict(self.education),
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
    """Validate an answers document (DESIGN.md "The report as data") against a questionnaire.

    Raises AnswersError naming the first offending key; nothing is partially accepted.
    """
    if raw is None:
        return Answers()
    if not isinstance(raw, Mapping):
        raise AnswersError("answers", "must be an object with skills, experience and education")
    unknown_sections = sorted(set(raw) - {"skills", "experience", "education"})
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

    return Answers(skills=dict(skills), experience=dict(experience), education=education)


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
    return RequirementScore(
        kind="education",
        slug="education",
        name=EDUCATION_NAMES[spec.required],
        category=EDUCATION_CATEGORY,
        required=spec.required,
        self_value=answers.education,
        weight=spec.weight,
        essential=spec.essential,
        coverage=Fraction(1 if self_rank >= required_rank else 0),
        gap=max(0, required_rank - self_rank),
    )


def _gap_order(score: RequirementScore) -> tuple:
    # Highest priority first; essential first on ties; then by name for a stable order.
    return (-(score.priority or 0), not score.essential, score.name)


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
    skills = sorted((_skill_score(s, answers) for s in role.skills), key=_gap_order)
    others = [_experience_score(e, answers) for e in role.experience]
    if role.education is not None:
        others.append(_education_score(role.education, answers))
    requirements = (*skills, *others)

    by_category: dict[str, list[RequirementScore]] = {}
    for spec in role.skills:  # category order follows the role's own skill order
        by_category.setdefault(spec.category, [])
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


def time_to_ready_weeks(score: RoleScore, plan: Sequence[PlannedAction]) -> int:
    """Skill work and experience accrue in parallel, so the longer of the two."""
    learning = sum(step.effort_weeks for step in plan)
    experience_years = max(
        (Fraction(r.gap) for r in score.requirements if r.kind == "experience"),
        default=Fraction(0),
    )
    return max(learning, math.ceil(experience_years * WEEKS_PER_YEAR))


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
) -> dict[str, Any]:
    """The report document of DESIGN.md. `ladder` lists the rungs lowest first and ends
    with the target."""
    score = score_role(target, answers)
    rungs = [score if rung.slug == target.slug else score_role(rung, answers) for rung in ladder]
    current, next_step = ladder_position(rungs)
    plan = plan_actions(score, actions)
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
        "actions": [step.to_dict() for step in plan],
        "time_to_ready_weeks": time_to_ready_weeks(score, plan),
    }


def questionnaire_scope(ladder: Sequence[RoleSpec]) -> tuple[list[str], list[str]]:
    """Skill and experience slugs asked for a ladder: the union over its rungs, in order."""
    skills: dict[str, None] = {}
    experience: dict[str, None] = {}
    for rung in ladder:
        skills.update((s.slug, None) for s in rung.skills)
        experience.update((e.slug, None) for e in rung.experience)
    return list(skills), list(experience)
