"""The questionnaire of a target role: the union of its ladder's requirements, by category.

Built from the catalogue in a fixed number of queries and kept in the cache under the
catalogue's version (roles/cache.py), so an autosave or a page view reads it without a
query and a catalogue edit is seen at once. It also checks a single answer, so the
autosave, the full-form save and the submission share one rule set.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Field

from assessments.forms import EvidenceField, YearsField
from assessments.scoring import EDUCATION_NAMES, EDUCATION_ORDER, LEVEL_NAMES, RoleSpec
from roles.cache import cached_catalogue
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
    source: str = ""  # where the description comes from, in words
    # No level descriptions of its own yet (an imported skill): the generic scale shows.
    generic_levels: bool = False

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

    # Worked out once per questionnaire (and kept with it in the cache), not per lookup.
    @cached_property
    def skill_questions(self) -> dict[str, SkillQuestion]:
        return {q.slug: q for section in self.sections for q in section.questions}

    @cached_property
    def skill_slugs_by_id(self) -> dict[int, str]:
        return {q.skill_id: q.slug for q in self.skill_questions.values()}

    @cached_property
    def experience_slugs(self) -> set[str]:
        return {q.slug for q in self.experience}

    @property
    def total(self) -> int:
        """Questions that need an answer: every skill, every experience, and education."""
        return len(self.skill_questions) + len(self.experience) + 1

    def progress(
        self, *, skills: Collection[str], experience: Collection[str], education: bool
    ) -> dict[str, Any]:
        """Answered against total, per section and overall, from the slugs answered."""
        sections = [
            {
                "slug": section.slug,
                "name": section.name,
                "answered": sum(1 for q in section.questions if q.slug in skills),
                "total": len(section.questions),
            }
            for section in self.sections
        ]
        background = sum(1 for q in self.experience if q.slug in experience) + education
        sections.append(
            {
                "slug": "background",
                "name": "Experience and education",
                "answered": background,
                "total": len(self.experience) + 1,
            }
        )
        answered = sum(s["answered"] for s in sections)
        return {
            "sections": sections,
            "answered": answered,
            "total": self.total,
            "percent": round(100 * answered / self.total),
        }

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
    return _clean(YearsField(), raw)


def parse_evidence(raw: str) -> str:
    return _clean(EvidenceField(), raw)


def _clean(field: Field, raw: str) -> Any:
    """One answer through its form field: the same checks, null characters included,
    as any form of the site, with the field's message for the person answering."""
    try:
        return field.clean(raw)
    except ValidationError as exc:
        raise AnswerError(" ".join(exc.messages)) from exc


def _skill_question(skill: Skill) -> SkillQuestion:
    descriptions = skill.level_descriptions()
    return SkillQuestion(
        skill_id=skill.pk,
        slug=skill.slug,
        name=skill.name,
        description=skill.description,
        levels=tuple((level, LEVEL_NAMES[level], descriptions[level]) for level in range(6)),
        source=skill.get_source_display(),
        generic_levels=not skill.has_own_levels,
    )


def questionnaire_for(role: Role) -> Questionnaire:
    """Every skill and experience asked on the ladder up to `role`, in catalogue order."""
    cached = cached_catalogue("questionnaire", lambda: questionnaire_built(role), role.pk)
    return replace(cached, role=role)


def questionnaire_of_role(role_id: int) -> Questionnaire:
    """The questionnaire by its role's id: no query while the catalogue is unchanged."""
    return cached_catalogue(
        "questionnaire",
        lambda: questionnaire_built(Role.objects.select_related("track").get(pk=role_id)),
        role_id,
    )


def questionnaire_built(role: Role) -> Questionnaire:
    """The questionnaire read from the catalogue now, bypassing the cache: for a
    submission, which freezes what it was scored against."""
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
