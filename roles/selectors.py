"""Reads of the catalogue that span relations, with their queries kept flat."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from assessments.scoring import (
    EDUCATION_ORDER,
    ActionSpec,
    EducationSpec,
    ExperienceSpec,
    RoleSpec,
    SkillSpec,
)
from roles.cache import cached_catalogue
from roles.models import (
    ExperienceRequirement,
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
            | Q(alternative_titles__icontains=query)
            | Q(pk__in=by_skill.values("role_id"))
        )
    if category:
        in_category = SkillRequirement.objects.filter(skill__category__slug=category)
        roles = roles.filter(pk__in=in_category.values("role_id"))
    # Ends with the id: pages of the list must not share or skip a role of equal title.
    return roles.annotate(skill_count=Count("skill_requirements", distinct=True)).order_by(
        "track__order", "track__name", "rank", "title", "pk"
    )


def categories_in_use() -> QuerySet[SkillCategory]:
    """Categories the published roles ask for: a category only drafts use is not offered."""
    in_use = SkillRequirement.objects.filter(role__in=Role.objects.published())
    return SkillCategory.objects.filter(skills__in=in_use.values("skill_id")).distinct()


def _with_requirements(roles: QuerySet[Role]) -> QuerySet[Role]:
    return roles.select_related("track", "education_requirement").prefetch_related(
        Prefetch(
            "skill_requirements",
            queryset=SkillRequirement.objects.select_related("skill__category"),
        ),
        "experience_requirements",
    )


def role_detail(slug: str, *, include_unpublished: bool = False) -> Role | None:
    """A role with everything its page shows, in a fixed number of queries: a published
    one, or any one for a staff preview (`include_unpublished`)."""
    roles = Role.objects.all() if include_unpublished else Role.objects.published()
    return (
        _with_requirements(roles)
        .prefetch_related("salary_figures", "market_facts")
        .filter(slug=slug)
        .first()
    )


def public_tracks() -> QuerySet[Track]:
    """Tracks with at least one published role: a track of drafts is not shown yet."""
    return Track.objects.filter(pk__in=Role.objects.published().values("track_id"))


def featured_role() -> Role | None:
    """The role the home page offers a shortcut to (FEATURED_ROLE), while it is published."""
    return Role.objects.published().filter(slug=settings.FEATURED_ROLE).first()


# Where a signed-in person stands on a track: the slug of their current rung, or None.
# The catalogue cannot know (assessments sit above it), so the assessments app registers
# the answer here when it is ready (`register_track_position`).
TrackPosition = Callable[[Any, Track], str | None]
_track_position: list[TrackPosition] = []


def register_track_position(provider: TrackPosition) -> None:
    _track_position[:] = [provider]


def track_position(user: Any, track: Track) -> str | None:
    """The viewer's current rung on `track` from their latest report there, if any."""
    if not user.is_authenticated or not _track_position:
        return None
    return _track_position[0](user, track)


class RoleLinks(NamedTuple):
    role: Role
    next_steps: list[Role]


def track_roles(track: Track) -> list[RoleLinks]:
    """The track's published roles in rank order, each with its published next steps
    (and its salary figures, which the track page shows a rung's headline of)."""
    roles = list(
        Role.objects.published()
        .filter(track=track)
        .prefetch_related("salary_figures")
        .order_by("rank", "title")
    )
    steps = _next_steps_of(roles, links=_links_from_track(track.pk))
    return [RoleLinks(role, steps[role.pk]) for role in roles]


def next_steps(role: Role) -> list[Role]:
    """The published roles `role` leads to, by rank then title.

    Where it leads to an unpublished role, that role is stepped over: its own published
    next steps stand in for it, so a draft rung hides itself, not the rest of the ladder.
    """
    links = Role.next_roles.through.objects.values_list("from_role_id", "to_role_id")
    return _next_steps_of([role], links=links)[role.pk]


def _links_from_track(track_id: int) -> QuerySet:
    # Stepping over a draft only ever follows the track's own roles; links from other
    # tracks' roles are not needed for this track's page.
    return Role.next_roles.through.objects.filter(from_role__track_id=track_id).values_list(
        "from_role_id", "to_role_id"
    )


def _next_steps_of(
    roles: Sequence[Role], *, links: Iterable[tuple[int, int]]
) -> dict[int, list[Role]]:
    leads_to: dict[int, list[int]] = {}
    for source_id, target_id in links:
        leads_to.setdefault(source_id, []).append(target_id)
    targets = {t for ts in leads_to.values() for t in ts}
    published = Role.objects.published().in_bulk(targets) if targets else {}
    steps: dict[int, list[Role]] = {}
    for role in roles:
        found: dict[int, Role] = {}
        stack, seen = list(leads_to.get(role.pk, ())), {role.pk}
        while stack:
            target_id = stack.pop()
            if target_id in seen:
                continue
            seen.add(target_id)
            if target_id in published:
                found[target_id] = published[target_id]
            else:
                stack.extend(leads_to.get(target_id, ()))
        steps[role.pk] = sorted(found.values(), key=lambda r: (r.rank, r.title))
    return steps


def ladder_for(role: Role) -> list[Role]:
    """The published rungs of `role`'s track that lead up to it, lowest first, then `role`.

    Each rung's rung below is the one an admin chose (`ladder_previous`). Where none was
    chosen, it is the one lower-ranked role of the track leading to it, published ones
    first; when several lead to it, the ladder stops there until an admin chooses.
    An unpublished rung is stepped over (the walk goes on below it), so drafts and copies
    never show, and never cut a ladder short.
    """
    track_id = role.track_id
    published = Role.objects.published().filter(track_id=track_id).in_bulk()
    # One row per role of the track and role leading to it (or none): the chosen rung
    # below, and the candidates when none was chosen.
    rows = Role.objects.filter(track_id=track_id).values_list(
        "pk", "ladder_previous_id", "rank", "previous_roles", "previous_roles__track_id"
    )
    chosen: dict[int, int | None] = {}
    ranks: dict[int, int] = {}
    leading_here: dict[int, list[int]] = {}
    for pk, below, rank, source_id, source_track_id in rows:
        chosen[pk], ranks[pk] = below, rank
        if source_id is not None and source_track_id == track_id:
            leading_here.setdefault(pk, []).append(source_id)
    for target_id, sources in leading_here.items():
        leading_here[target_id] = [s for s in sources if ranks[s] < ranks[target_id]]
    chain, seen, current = [role], {role.pk}, role.pk
    while current in chosen:
        below = chosen[current] or _only_one(leading_here.get(current, []), published)
        # Only rungs of the role's own track: a link from another track is not its ladder.
        if below is None or below in seen or below not in chosen:
            break
        seen.add(below)
        if below in published:
            chain.append(published[below])
        current = below
    return list(reversed(chain))


def _only_one(sources: list[int], published: Mapping[int, Role]) -> int | None:
    """The one role among `sources`, counting published ones only when there are any."""
    shown = [pk for pk in sources if pk in published]
    candidates = shown or sources
    return candidates[0] if len(candidates) == 1 else None


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
            alternative_level=None
            if education.alternative_level is None
            else EDUCATION_ORDER[education.alternative_level],
            alternative_experience=education.alternative_experience_slug or None,
            alternative_years=education.alternative_years,
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


# --- how long the questionnaire takes ---------------------------------------------------

# A question is one click among six described levels: about twenty seconds, as timed on
# the shipped questionnaire (thirty questions in about ten minutes).
SECONDS_PER_QUESTION = 20


def minutes_to_answer(question_count: int) -> int:
    return max(1, math.ceil(question_count * SECONDS_PER_QUESTION / 60))


def questionnaire_size(ladder: Sequence[Role]) -> int:
    """How many questions the questionnaire of a ladder's top rung asks: every skill and
    kind of experience of its rungs once, and education. Kept per catalogue version."""

    def count() -> int:
        rungs = [r.pk for r in ladder]
        skills = SkillRequirement.objects.filter(role__in=rungs).values("skill_id").distinct()
        kinds = ExperienceRequirement.objects.filter(role__in=rungs).values("slug").distinct()
        return skills.count() + kinds.count() + 1

    return cached_catalogue("questionnaire-size", count, *[r.pk for r in ladder])
