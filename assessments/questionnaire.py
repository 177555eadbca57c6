"""The questionnaire of a target role: the union of its ladder's requirements, by category.

Built once per request from the catalogue (a fixed number of queries); it also checks a
single answer, so the autosave, the full-form save and the submission share one rule set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assessments.models import EVIDENCE_MAX_LENGTH, MAX_YEARS
from assessments.scoring import EDUCATION_NAMES, EDUCATION_ORDER, LEVEL_NAMES, RoleSpec
from roles.models import Role, Skill
from roles.selectors import ladder_for, load_with_requirements, role_spec

SKILL_PREFIX = "skill-"
EVIDENCE_PREFIX = "evidence-"
EXPERIENCE_PREFIX = "exp-"
EDUCATION_KEY = "education"


@dataclass(frozen=True)
class SkillQuestion:
    skill_id: int
    slug: str
    name: str
    description: str
    levels: tuple[tuple[int, str, str], ...]  # (level, level name, what it means here)

    @property
    def key(self) -> str:
        return f"{SKILL_PREFIX}{self.slug}"

    @property
    def evidence_key(self) -> str:
        return f"{EVIDENCE_PREFIX}{self.slug}"


@dataclass(frozen=True)
class Section:
    slug: str
    name: str
    questions: tuple[SkillQuestion, ...]


@dataclass(frozen=True)
class ExperienceQuestion:
    slug: str
    name: str

    @property
    def key(self) -> str:
        return f"{EXPERIENCE_PREFIX}{self.slug}"


class AnswerError(ValueError):
    """An answer that cannot be saved; the message is for the person answering."""


@dataclass(frozen=True)
class ParsedAnswer:
    kind: str  # skill | evidence | experience | education
    slug: str
    value: int | str | Decimal


@dataclass(frozen=True)
class Questionnaire:
    role: Role
    ladder: tuple[RoleSpec, ...]
    sections: tuple[Section, ...]
    experience: tuple[ExperienceQuestion, ...]

    @property
    def skill_questions(self) -> dict[str, SkillQuestion]:
        return {q.slug: q for section in self.sections for q in section.questions}

    @property
    def experience_slugs(self) -> set[str]:
        return {q.slug for q in self.experience}

    @property
    def total(self) -> int:
        """Questions that need an answer: every skill, every experience, and education."""
        return len(self.skill_questions) + len(self.experience) + 1

    def parse(self, key: str, raw: str) -> ParsedAnswer:
        """Check one submitted field; raise AnswerError with a message a person understands."""
        if key == EDUCATION_KEY:
            if raw not in EDUCATION_ORDER:
                raise AnswerError("Choose your highest education from the list.")
            return ParsedAnswer("education", EDUCATION_KEY, raw)
        for prefix, kind in (
            (SKILL_PREFIX, "skill"),
            (EVIDENCE_PREFIX, "evidence"),
            (EXPERIENCE_PREFIX, "experience"),
        ):
            if key.startswith(prefix):
                return self._parse_kind(kind, key.removeprefix(prefix), raw)
        raise AnswerError("That question is not part of this assessment.")

    def _parse_kind(self, kind: str, slug: str, raw: str) -> ParsedAnswer:
        if kind in ("skill", "evidence") and slug not in self.skill_questions:
            raise AnswerError("That skill is not part of this assessment.")
        if kind == "experience" and slug not in self.experience_slugs:
            raise AnswerError("That experience question is not part of this assessment.")
        if kind == "skill":
            return ParsedAnswer(kind, slug, parse_level(raw))
        if kind == "evidence":
            return ParsedAnswer(kind, slug, parse_evidence(raw))
        return ParsedAnswer(kind, slug, parse_years(raw))


def parse_level(raw: str) -> int:
    if raw.strip() not in {str(n) for n in range(6)}:
        raise AnswerError("Choose a level from 0 (None) to 5 (Expert).")
    return int(raw)


def parse_years(raw: str) -> Decimal:
    try:
        years = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise AnswerError("Enter years as a number, for example 3 or 4.5.") from exc
    if not years.is_finite():
        raise AnswerError("Enter years as a number, for example 3 or 4.5.")
    if years < 0:
        raise AnswerError("Years cannot be negative.")
    if years > MAX_YEARS:
        raise AnswerError(f"Enter at most {MAX_YEARS} years.")
    if (years * 2) % 1:
        raise AnswerError("Use whole or half years, for example 2 or 2.5.")
    return years.quantize(Decimal("0.1"))


def parse_evidence(raw: str) -> str:
    text = raw.strip()
    if len(text) > EVIDENCE_MAX_LENGTH:
        raise AnswerError(
            f"Keep evidence to {EVIDENCE_MAX_LENGTH:,} characters; this has {len(text):,}."
        )
    return text


def _skill_question(skill: Skill) -> SkillQuestion:
    descriptions = skill.level_descriptions()
    return SkillQuestion(
        skill_id=skill.pk,
        slug=skill.slug,
        name=skill.name,
        description=skill.description,
        levels=tuple((level, LEVEL_NAMES[level], descriptions[level]) for level in range(6)),
    )


def questionnaire_for(role: Role) -> Questionnaire:
    """Every skill and experience asked on the ladder up to `role`, in catalogue order."""
    rungs = load_with_requirements(ladder_for(role))
    skills: dict[int, Skill] = {}
    experience: dict[str, str] = {}
    for rung in rungs:
        for requirement in rung.skill_requirements.all():
            skills.setdefault(requirement.skill_id, requirement.skill)
        for item in rung.experience_requirements.all():
            experience[item.slug] = item.name  # the highest rung names it
    ordered = sorted(skills.values(), key=lambda s: (s.category.order, s.category.name, s.name))
    sections: dict[int, tuple[str, str, list[SkillQuestion]]] = {}
    for skill in ordered:
        category = skill.category
        sections.setdefault(category.pk, (category.slug, category.name, []))[2].append(
            _skill_question(skill)
        )
    return Questionnaire(
        role=role,
        ladder=tuple(role_spec(rung) for rung in rungs),
        sections=tuple(Section(slug, name, tuple(qs)) for slug, name, qs in sections.values()),
        experience=tuple(ExperienceQuestion(slug, name) for slug, name in experience.items()),
    )


EDUCATION_CHOICES = tuple((slug, EDUCATION_NAMES[slug]) for slug in EDUCATION_ORDER)
