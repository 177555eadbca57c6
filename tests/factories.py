"""Named builders for test data: each makes one valid object, overridable by keyword."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from assessments.models import Assessment, ExperienceAnswer, SkillAnswer
from roles.models import (
    EducationRequirement,
    ExperienceRequirement,
    LearningAction,
    Role,
    Skill,
    SkillCategory,
    SkillRequirement,
    Track,
)

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make_track(**fields: Any) -> Track:
    n = _n()
    values = {"slug": f"track-{n}", "name": f"Track {n}", "summary": "A test track."}
    return Track.objects.create(**(values | fields))


def make_category(**fields: Any) -> SkillCategory:
    n = _n()
    values = {"slug": f"category-{n}", "name": f"Category {n}", "order": n}
    return SkillCategory.objects.create(**(values | fields))


def make_skill(*, category: SkillCategory | None = None, **fields: Any) -> Skill:
    n = _n()
    values = {
        "slug": f"skill-{n}",
        "name": f"Skill {n}",
        "category": category or make_category(),
        "description": f"What skill {n} covers.",
        **{f"level_{level}": f"Skill {n} at level {level}." for level in range(1, 6)},
    }
    return Skill.objects.create(**(values | fields))


def make_role(
    *,
    track: Track | None = None,
    skills: Iterable[tuple[Skill, int, int, bool]] = (),
    experience: Iterable[tuple[str, str, int, int, bool]] = (),
    education: tuple[int, int, bool] | None = None,
    **fields: Any,
) -> Role:
    """A role with requirements: skills as (skill, level, weight, essential), experience as
    (slug, name, years, weight, essential), education as (level, weight, essential)."""
    n = _n()
    values = {
        "slug": f"role-{n}",
        "title": f"Role {n}",
        "track": track or make_track(),
        "rank": 1,
        "summary": f"Role {n} does things.",
        # Published unless a test says otherwise: new roles start as drafts in the app.
        "is_published": True,
    }
    role = Role.objects.create(**(values | fields))
    for skill, level, weight, essential in skills:
        SkillRequirement.objects.create(
            role=role, skill=skill, level=level, weight=weight, essential=essential
        )
    for slug, name, years, weight, essential in experience:
        ExperienceRequirement.objects.create(
            role=role, slug=slug, name=name, years=years, weight=weight, essential=essential
        )
    if education is not None:
        level, weight, essential = education
        EducationRequirement.objects.create(
            role=role, level=level, weight=weight, essential=essential
        )
    return role


def make_action(*, skill: Skill, from_level: int, **fields: Any) -> LearningAction:
    values = {
        "to_level": from_level + 1,
        "title": f"Step {from_level}→{from_level + 1} on {skill.name}",
        "kind": LearningAction.Kind.COURSE,
        "effort_weeks": 2,
    }
    return LearningAction.objects.create(skill=skill, from_level=from_level, **(values | fields))


def make_ladder(size: int, *, track: Track | None = None, skills_per_rung: int = 3) -> list[Role]:
    """`size` rungs on one track, each leading to the next and chosen as its rung below,
    each with its own skills."""
    track = track or make_track()
    category = make_category()
    rungs: list[Role] = []
    for rank in range(1, size + 1):
        skills = [make_skill(category=category) for _ in range(skills_per_rung)]
        role = make_role(
            track=track,
            rank=rank,
            skills=[(s, min(rank + 1, 5), 3, False) for s in skills],
            ladder_previous=rungs[-1] if rungs else None,
        )
        if rungs:
            rungs[-1].next_roles.add(role)
        rungs.append(role)
    return rungs


def make_assessment(
    *,
    role: Role,
    owner: Any = None,
    visitor_token: str = "",
    levels: Mapping[Skill, int] | None = None,
    evidence: Mapping[Skill, str] | None = None,
    years: Mapping[str, Decimal | int | str] | None = None,
    education: int | None = None,
    **fields: Any,
) -> Assessment:
    """A draft for `role` with answers: levels and evidence by skill, years by experience
    slug, education as an EducationLevel. Without an owner it belongs to a made-up visitor."""
    if owner is None and not visitor_token:
        visitor_token = f"visitor-{_n()}"
    assessment = Assessment.objects.create(
        role=role, owner=owner, visitor_token=visitor_token, education=education, **fields
    )
    evidence = evidence or {}
    SkillAnswer.objects.bulk_create(
        SkillAnswer(
            assessment=assessment, skill=skill, level=level, evidence=evidence.get(skill, "")
        )
        for skill, level in (levels or {}).items()
    )
    ExperienceAnswer.objects.bulk_create(
        ExperienceAnswer(assessment=assessment, slug=slug, years=Decimal(str(value)))
        for slug, value in (years or {}).items()
    )
    return assessment


def make_submitted_assessment(
    *,
    role: Role,
    owner: Any = None,
    visitor_token: str = "",
    levels: Mapping[str, int] | None = None,
    years: Mapping[str, Decimal | int | float | str] | None = None,
    education: str = "none",
) -> Assessment:
    """An assessment of `role` answered and submitted through the services, as a person
    would: levels by skill slug and years by experience slug; every question of the
    questionnaire not given is answered 0. Without an owner it belongs to a made-up visitor."""
    # Imported here: builders above only need the models, and this file only appends.
    from assessments.questionnaire import questionnaire_for
    from assessments.services import Owner, answer_save, assessment_start, assessment_submit

    if owner is None and not visitor_token:
        visitor_token = f"visitor-{_n()}"
    draft, _ = assessment_start(
        owner=Owner(user=owner) if owner is not None else Owner(visitor_token=visitor_token),
        role=role,
    )
    questionnaire = questionnaire_for(role)
    levels, years = levels or {}, years or {}
    answers = {q.key: str(levels.get(slug, 0)) for slug, q in questionnaire.skill_questions.items()}
    answers |= {q.key: str(years.get(q.slug, 0)) for q in questionnaire.experience}
    answers["education"] = education
    for key, raw in answers.items():
        answer_save(assessment_id=draft.pk, questionnaire=questionnaire, key=key, raw=raw)
    return assessment_submit(assessment_id=draft.pk)


# --- coaching -------------------------------------------------------------------------


def make_user(*, email: str | None = None, password: str | None = None, **fields: Any) -> Any:
    """A user whose username is their email, as accounts makes them. Without a password
    it is unusable (log in with force_login): hashing one costs a good part of a second."""
    from django.contrib.auth import get_user_model

    email = email or f"user-{_n()}@example.com"
    return get_user_model().objects.create_user(
        username=email, email=email, password=password, **fields
    )


def make_coach(**fields: Any) -> Any:
    """A user in the "Coaches" group (get_or_create: transactional tests flush the group
    the data migration made)."""
    from django.contrib.auth.models import Group

    from coaching.models import COACHES_GROUP

    coach = make_user(**fields)
    coach.groups.add(Group.objects.get_or_create(name=COACHES_GROUP)[0])
    return coach


def make_relationship(
    *, coach: Any, client: Any, scope: str = "all", assessments: Iterable[Assessment] = ()
) -> Any:
    """An accepted invitation, through the services: with scope "all" every submitted
    assessment of the client is shared, with "chosen" only `assessments`."""
    from coaching.models import Invitation
    from coaching.services import invitation_accept

    invitation = Invitation.objects.create(coach=coach)
    return invitation_accept(
        invitation_id=invitation.pk,
        client=client,
        scope=scope,
        assessment_ids=[a.pk for a in assessments],
    )
