"""Catalogue workflows: loading it from fixtures, branching checks, duplicating a role."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments.scoring import EDUCATION_ORDER
from roles.cache import catalogue_changes_discarded, catalogue_version_bump
from roles.importers.catalogue import ImportResult, import_occupations
from roles.importers.framework import Framework, FrameworkFiles, FrameworkOccupation
from roles.importers.kinds import KINDS
from roles.models import (
    CareerDirection,
    ContentSource,
    EducationRequirement,
    ExperienceRequirement,
    FrameworkUpload,
    LearningAction,
    MarketFact,
    Role,
    SalaryFigure,
    Skill,
    SkillCategory,
    SkillRequirement,
    Track,
)

CATALOGUE_DIR = Path(settings.BASE_DIR) / "fixtures" / "catalogue"


@dataclass
class CatalogueLoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        def describe(bucket: dict[str, int]) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(bucket.items())) or "nothing"

        return f"created {describe(self.created)}; updated {describe(self.updated)}"


def _read(directory: Path, name: str) -> list[dict[str, Any]]:
    with (directory / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def _save(obj: Any, result: CatalogueLoadResult, kind: str, *, created: bool) -> None:
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()
    result.count(kind, created=created)


def _upsert(
    model: type,
    lookup: Mapping[str, Any],
    values: Mapping[str, Any],
    result: CatalogueLoadResult,
    *,
    update: bool,
) -> tuple[Any, bool]:
    """Create the object when missing; overwrite it only when `update` is asked for.

    Returns the object and whether the fixture's content was written to it.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        _save(obj, result, str(model._meta.verbose_name_plural), created=True)
        return obj, True
    if update:
        for name, value in values.items():
            setattr(obj, name, value)
        _save(obj, result, str(model._meta.verbose_name_plural), created=False)
        return obj, True
    return obj, False


@transaction.atomic
def catalogue_load(*, directory: Path = CATALOGUE_DIR, update: bool = False) -> CatalogueLoadResult:
    """Load the catalogue fixtures. Idempotent: without `update`, what exists is kept as is,
    so re-running never duplicates entries nor undoes an admin's edits."""
    result = CatalogueLoadResult()
    categories = {}
    for data in _read(directory, "categories.json"):
        categories[data["slug"]], _ = _upsert(
            SkillCategory,
            {"slug": data["slug"]},
            {"name": data["name"], "order": data["order"]},
            result,
            update=update,
        )
    skills = {}
    for data in _read(directory, "skills.json"):
        levels = data["levels"]
        skills[data["slug"]], _ = _upsert(
            Skill,
            {"slug": data["slug"]},
            {
                "name": data["name"],
                "category": categories[data["category"]],
                "description": data["description"],
                **{f"level_{i}": text for i, text in enumerate(levels, start=1)},
                "source": data.get("source", ContentSource.EDITORIAL),
                "source_note": data.get("source_note", ""),
            },
            result,
            update=update,
        )
    for data in _read(directory, "actions.json"):
        _upsert(
            LearningAction,
            {"skill": skills[data["skill"]], "from_level": data["from"], "title": data["title"]},
            {
                "to_level": data["to"],
                "kind": data["kind"],
                "effort_weeks": data["effort_weeks"],
                "url": data.get("url", ""),
                "description": data.get("description", ""),
                "source": data.get("source", ContentSource.EDITORIAL),
                "source_note": data.get("source_note", ""),
            },
            result,
            update=update,
        )
    tracks = {}
    for data in _read(directory, "tracks.json"):
        track, written = _upsert(
            Track,
            {"slug": data["slug"]},
            {
                "name": data["name"],
                "summary": data.get("summary", ""),
                "is_ladder": data.get("is_ladder", True),
                "order": data.get("order", 0),
            },
            result,
            update=update,
        )
        tracks[data["slug"]] = track
        if written:
            _load_directions(track, data.get("directions", []), result)
    roles_data = _read(directory, "roles.json")
    written_roles = []
    for data in roles_data:
        role, written = _upsert(
            Role,
            {"slug": data["slug"]},
            {
                "title": data["title"],
                "track": tracks[data["track"]],
                "rank": data["rank"],
                "summary": data["summary"],
                "responsibilities": "\n".join(data.get("responsibilities", [])),
                "is_published": data.get("published", True),
                "source_note": data.get("source_note", ""),
                "market_source": data.get("market_source", ""),
            },
            result,
            update=update,
        )
        if written:
            _load_role_content(role, data, skills, result)
            written_roles.append((role, data))
    rungs_below = _rungs_below(roles_data)
    for role, data in written_roles:
        role.next_roles.set(Role.objects.filter(slug__in=data.get("next_roles", [])))
        below = rungs_below.get(role.slug)
        role.ladder_previous = None if below is None else Role.objects.get(slug=below)
        role.save(update_fields=["ladder_previous"])
    return result


def _rungs_below(roles_data: list[dict[str, Any]]) -> dict[str, str]:
    """Each role's rung below, by slug: among the roles of its track that the fixture says
    lead to it, the highest-ranked, then the first listed."""
    by_slug = {data["slug"]: data for data in roles_data}
    below: dict[str, str] = {}
    for data in roles_data:
        for slug in data.get("next_roles", []):
            target = by_slug.get(slug)
            if target is None or target["track"] != data["track"]:
                continue
            if target["rank"] <= data["rank"]:
                continue
            current = by_slug.get(below.get(slug, ""))
            if current is None or data["rank"] > current["rank"]:
                below[slug] = data["slug"]
    return below


def _load_directions(track: Track, directions: list[dict], result: CatalogueLoadResult) -> None:
    track.directions.all().delete()
    for order, data in enumerate(directions):
        _save(
            CareerDirection(
                track=track,
                kind=data["kind"],
                name=data["name"],
                description=data.get("description", ""),
                order=order,
            ),
            result,
            "career directions",
            created=True,
        )


def _load_role_content(
    role: Role, data: Mapping[str, Any], skills: Mapping[str, Skill], result: CatalogueLoadResult
) -> None:
    # The fixture is the whole truth for a role it writes: replace, never merge.
    role.skill_requirements.all().delete()
    role.experience_requirements.all().delete()
    EducationRequirement.objects.filter(role=role).delete()
    role.salary_figures.all().delete()
    role.market_facts.all().delete()
    for item in data.get("skills", []):
        _save(
            SkillRequirement(
                role=role,
                skill=skills[item["skill"]],
                level=item["level"],
                weight=item["weight"],
                essential=item.get("essential", False),
            ),
            result,
            "skill requirements",
            created=True,
        )
    for item in data.get("experience", []):
        _save(
            ExperienceRequirement(role=role, **item),
            result,
            "experience requirements",
            created=True,
        )
    education = data.get("education")
    if education:
        alternative = education.get("alternative") or {}
        _save(
            EducationRequirement(
                role=role,
                level=EDUCATION_ORDER.index(education["level"]),
                weight=education["weight"],
                essential=education.get("essential", False),
                note=education.get("note", ""),
                alternative_level=EDUCATION_ORDER.index(alternative["level"])
                if alternative
                else None,
                alternative_experience_slug=alternative.get("experience", ""),
                alternative_years=alternative.get("years"),
            ),
            result,
            "education requirements",
            created=True,
        )
    for order, item in enumerate(data.get("salary", [])):
        _save(
            SalaryFigure(
                role=role,
                label=item["label"],
                average=item.get("average"),
                low=item.get("low"),
                high=item.get("high"),
                source=item["source"],
                order=order,
            ),
            result,
            "salary figures",
            created=True,
        )
    for order, item in enumerate(data.get("market_facts", [])):
        _save(
            MarketFact(role=role, topic=item["topic"], text=item["text"], order=order),
            result,
            "market facts",
            created=True,
        )


# --- branching ------------------------------------------------------------------------


def branch_problem(role: Role, next_roles: Iterable[Role]) -> str | None:
    """Why `role` may not branch to `next_roles`, or None when it may.

    A role may not lead to itself, nor to a role from which it can be reached again.
    """
    targets = list(next_roles)
    if role.pk is not None and any(t.pk == role.pk for t in targets):
        return f"“{role}” cannot lead to itself."
    if role.pk is None:
        return None
    edges: dict[int, set[int]] = {}
    for source_id, target_id in Role.next_roles.through.objects.values_list(
        "from_role_id", "to_role_id"
    ):
        edges.setdefault(source_id, set()).add(target_id)
    edges[role.pk] = {t.pk for t in targets}
    for target in targets:
        if _reaches(edges, start=target.pk, goal=role.pk):
            return (
                f"“{role}” cannot lead to “{target}”: that role already leads back to it (a cycle)."
            )
    return None


def _reaches(edges: Mapping[int, set[int]], *, start: int, goal: int) -> bool:
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False


@transaction.atomic
def role_duplicate(*, role: Role) -> Role:
    """A copy of `role` with all its requirements, unpublished, under a free slug."""
    # Leave room for "-copy-NN" (and " (copy)") within the fields' limits.
    slug_max = Role._meta.get_field("slug").max_length
    title_max = Role._meta.get_field("title").max_length
    base = f"{role.slug[: slug_max - len('-copy-99')]}-copy"
    slug, n = base, 2
    while Role.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    copy = Role.objects.create(
        slug=slug,
        title=f"{role.title[: title_max - len(' (copy)')]} (copy)",
        track=role.track,
        rank=role.rank,
        summary=role.summary,
        responsibilities=role.responsibilities,
        is_published=False,
        ladder_previous=role.ladder_previous,
        source_note=role.source_note,
        market_source=role.market_source,
        # The copied content keeps its credit; the framework identifier stays with the
        # original, which a re-import finds.
        alternative_titles=role.alternative_titles,
        attribution=role.attribution,
    )
    SkillRequirement.objects.bulk_create(
        SkillRequirement(
            role=copy, skill_id=r.skill_id, level=r.level, weight=r.weight, essential=r.essential
        )
        for r in role.skill_requirements.all()
    )
    ExperienceRequirement.objects.bulk_create(
        ExperienceRequirement(
            role=copy,
            slug=e.slug,
            name=e.name,
            years=e.years,
            weight=e.weight,
            essential=e.essential,
        )
        for e in role.experience_requirements.all()
    )
    education = EducationRequirement.objects.filter(role=role).first()
    if education is not None:
        EducationRequirement.objects.create(
            role=copy,
            level=education.level,
            weight=education.weight,
            essential=education.essential,
            note=education.note,
            alternative_level=education.alternative_level,
            alternative_experience_slug=education.alternative_experience_slug,
            alternative_years=education.alternative_years,
        )
    SalaryFigure.objects.bulk_create(
        SalaryFigure(
            role=copy,
            label=s.label,
            average=s.average,
            low=s.low,
            high=s.high,
            currency=s.currency,
            source=s.source,
            order=s.order,
        )
        for s in role.salary_figures.all()
    )
    MarketFact.objects.bulk_create(
        MarketFact(role=copy, topic=f.topic, text=f.text, order=f.order)
        for f in role.market_facts.all()
    )
    # The copy may lead where the original leads, but no ladder runs through it: every
    # other role keeps the rung below it had, and the copy is a draft until published.
    copy.next_roles.set(role.next_roles.all())
    return copy


# --- importing frameworks (docs/importing.md) -------------------------------------------


class _PreviewDone(Exception):
    """Unwinds a preview's transaction: everything it wrote is rolled back."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


def framework_import(
    *,
    framework: Framework,
    columns: Mapping[str, str],
    occupations: list[FrameworkOccupation],
    track: Track | None = None,
    new_track: str = "",
    update: bool = False,
    preview: bool = False,
) -> ImportResult:
    """Import framework occupations as unpublished roles, all or nothing.

    Idempotent: a role already imported (same identifier) is left as it is unless
    `update`, which refreshes it from the files and keeps an admin's edits of levels,
    weights and essential flags. A `preview` runs the same import and rolls it back, so
    what it reports is exactly what the import would do."""
    # A preview's writes are rolled back: they must not renew the catalogue's version
    # (every cached public page would be rendered again for nothing).
    discarding = catalogue_changes_discarded() if preview else nullcontext()
    try:
        with discarding, transaction.atomic():
            result = import_occupations(
                framework=framework,
                columns=columns,
                occupations=occupations,
                track=track,
                new_track=new_track,
                update=update,
            )
            if preview:
                raise _PreviewDone(result)
    except _PreviewDone as done:
        return done.result
    # Skill descriptions refreshed with QuerySet.update() send no signal: public pages
    # and questionnaires are renewed here.
    catalogue_version_bump()
    return result


UPLOAD_KEPT = timedelta(days=1)


def framework_upload_save(*, framework: str, files: FrameworkFiles, user: Any) -> FrameworkUpload:
    """Keep an admin's uploaded framework files (only those the import reads) for the
    next steps. The caller has checked that the required files are there."""
    kind = KINDS[framework]
    names = [name for name in kind.files if files.has(name)]
    # Uploads are working copies: one left over from a day ago was abandoned.
    FrameworkUpload.objects.filter(uploaded_at__lt=timezone.now() - UPLOAD_KEPT).delete()
    return FrameworkUpload.objects.create(
        framework=framework,
        archive=files.as_zip(names),
        file_names=", ".join(names)[:500],
        uploaded_by=user if getattr(user, "pk", None) else None,
    )


def framework_upload_files(upload: FrameworkUpload) -> FrameworkFiles:
    return FrameworkFiles.from_uploads({"upload.zip": bytes(upload.archive)})
