"""Reads of the catalogue that span relations, with their queries kept flat."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Count, Prefetch, Q, QuerySet

from assessments.scoring import (
    EDUCATION_ORDER,
    ActionSpec,
    EducationSpec,
    ExperienceSpec,
    RoleSpec,
    SkillSpec,
)
from roles.models import (
    LearningAction,
    Role,
    SkillCategory,
    SkillRequirement,
    Track,
)


def role_list(*, query: str = "", category: str = "") -> QuerySet[Role]:
    """Published roles matching a free-text query and a skill category slug."""
    roles = Role.objects.published().select_related("track")
    # Filters on requirements go through subqueries, so they neither duplicate roles nor
    # narrow the skill count annotated below.
    if query:
        by_skill = SkillRequirement.objects.filter(skill__name__icontains=query)
        roles = roles.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(pk__in=by_skill.values("role_id"))
        )
    if category:
        in_category = SkillRequirement.objects.filter(skill__category__slug=category)
        roles = roles.filter(pk__in=in_category.values("role_id"))
    return roles.annotate(skill_count=Count("skill_requirements", distinct=True)).order_by(
        "track__order", "track__name", "rank", "title"
    )


def categories_in_use() -> QuerySet[SkillCategory]:
    return SkillCategory.objects.filter(skills__requirements__isnull=False).distinct()


def _with_requirements(roles: QuerySet[Role]) -> QuerySet[Role]:
    return roles.select_related("track", "education_requirement").prefetch_related(
        Prefetch(
            "skill_requirements",
            queryset=SkillRequirement.objects.select_related("skill__category"),
        ),
        "experience_requirements",
    )


def role_detail(slug: str) -> Role | None:
    """A published role with everything its page shows, in a fixed number of queries."""
    return (
        _with_requirements(Role.objects.published())
        .prefetch_related("salary_figures", "market_facts", "next_roles", "previous_roles")
        .filter(slug=slug)
        .first()
    )


def track_roles(track: Track) -> list[Role]:
    return list(
        Role.objects.published()
        .filter(track=track)
        .prefetch_related("next_roles", "previous_roles")
        .order_by("rank", "title")
    )


def ladder_for(role: Role) -> list[Role]:
    """The rungs from the entry rung up to `role`, lowest first.

    Walks `previous_roles` back from the role; where a role has several predecessors
    the highest-ranked one is the ladder (ties by slug), and a cycle stops the walk.
    """
    roles = {
        r.pk: r
        for r in Role.objects.filter(track_id=role.track_id).prefetch_related("previous_roles")
    }
    roles.setdefault(role.pk, role)
    chain = [roles[role.pk]]
    seen = {role.pk}
    while True:
        # Only rungs of the role's own track: a link from another track is not its ladder.
        previous = [
            p
            for p in roles[chain[-1].pk].previous_roles.all()
            if p.pk not in seen and p.track_id == role.track_id
        ]
        if not previous:
            break
        step = roles[max(previous, key=lambda p: (p.rank, p.slug)).pk]
        chain.append(step)
        seen.add(step.pk)
    return list(reversed(chain))


def role_spec(role: Role) -> RoleSpec:
    """A role's requirements as the scoring engine's plain data.

    Expects `role` to come with its requirements prefetched (see `_with_requirements`).
    """
    skills = sorted(
        role.skill_requirements.all(),
        key=lambda r: (r.skill.category.order, r.skill.category.name, r.skill.name),
    )
    education = getattr(role, "education_requirement", None)
    return RoleSpec(
        slug=role.slug,
        title=role.title,
        skills=tuple(
            SkillSpec(
                slug=r.skill.slug,
                name=r.skill.name,
                category=r.skill.category.name,
                required=r.level,
                weight=r.weight,
                essential=r.essential,
            )
            for r in skills
        ),
        experience=tuple(
            ExperienceSpec(
                slug=e.slug, name=e.name, years=e.years, weight=e.weight, essential=e.essential
            )
            for e in sorted(role.experience_requirements.all(), key=lambda e: (-e.weight, e.name))
        ),
        education=None
        if education is None
        else EducationSpec(
            required=EDUCATION_ORDER[education.level],
            weight=education.weight,
            essential=education.essential,
        ),
    )


def load_with_requirements(roles: Sequence[Role]) -> list[Role]:
    """The same roles, in the same order, with their requirements prefetched."""
    loaded = {
        r.pk: r for r in _with_requirements(Role.objects.filter(pk__in=[r.pk for r in roles]))
    }
    return [loaded[r.pk] for r in roles]


def ladder_specs(role: Role) -> list[RoleSpec]:
    """RoleSpecs for every rung up to `role`, lowest first, in a fixed number of queries."""
    return [role_spec(rung) for rung in load_with_requirements(ladder_for(role))]


def action_specs(skill_slugs: Iterable[str]) -> list[ActionSpec]:
    return [
        ActionSpec(
            skill=a.skill.slug,
            from_level=a.from_level,
            to_level=a.to_level,
            title=a.title,
            effort_weeks=a.effort_weeks,
            kind=a.kind,
            url=a.url,
        )
        for a in LearningAction.objects.filter(skill__slug__in=list(skill_slugs)).select_related(
            "skill"
        )
    ]
