"""Writing framework occupations into the catalogue: roles, skills and requirements.

Skills are matched before any is created: by framework identifier, then by exact label
(any case), then, for skills written here by hand (no identifier), by a label or
alternative label whose slug is the skill's slug (ESCO's "Python (computer programming)",
also labelled "Python", is the catalogue's `python`). So two occupations share their
common skills and a catalogue skill is reused, never duplicated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.text import slugify

from roles.importers.framework import (
    Framework,
    FrameworkOccupation,
    FrameworkRequirement,
    FrameworkSkill,
    ImportRefused,
    Source,
)
from roles.models import Role, Skill, SkillCategory, SkillRequirement, Track

# The categories imported skills start in; an admin may move them.
IMPORTED_CATEGORIES = {
    "skill": ("imported-skills", "Skills and competences"),
    "knowledge": ("imported-knowledge", "Knowledge"),
}
DEFAULT_TRACK = ("imported-occupations", "Imported occupations")
_EDITABLE = ("level", "weight", "essential")


@dataclass
class RequirementLine:
    """One requirement as the import writes (or would write) it, for the preview."""

    label: str
    skill: str  # the catalogue skill's name
    match: str  # new | shared (made earlier in this import) | identifier | label | slug
    level: int
    weight: int
    essential: bool
    basis: str = ""
    change: str = "new"  # new | updated | unchanged | kept
    note: str = ""


@dataclass
class OccupationResult:
    title: str
    uri: str
    action: str  # create | update | unchanged
    role_slug: str = ""
    role_id: int | None = None
    lines: list[RequirementLine] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    framework: Framework
    track: str
    track_created: bool
    occupations: list[OccupationResult] = field(default_factory=list)
    skills_created: int = 0

    @property
    def skills_linked(self) -> int:
        linked = {
            line.skill
            for occupation in self.occupations
            for line in occupation.lines
            if line.match not in ("new", "shared")
        }
        return len(linked)

    def summary(self) -> str:
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for occupation in self.occupations:
            counts[occupation.action] += 1
        return (
            f"{counts['create']} role(s) created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged (already imported); "
            f"{self.skills_created} skill(s) created, {self.skills_linked} existing "
            f"skill(s) linked; track “{self.track}”" + (" (new)" if self.track_created else "")
        )


class SkillIndex:
    """Every catalogue skill by identifier, lower-case name and slug: one query, however
    many requirements are matched against it."""

    def __init__(self) -> None:
        self.by_uri: dict[str, tuple[int, str]] = {}
        self.by_name: dict[str, tuple[int, str]] = {}
        self.by_slug: dict[str, tuple[int, str]] = {}
        self.slugs: set[str] = set()
        for pk, slug, name, uri in Skill.objects.order_by("pk").values_list(
            "pk", "slug", "name", "concept_uri"
        ):
            self.add(pk, slug, name, uri)

    def add(self, pk: int, slug: str, name: str, uri: str) -> None:
        self.slugs.add(slug)
        if uri:
            self.by_uri.setdefault(uri, (pk, name))
        self.by_name.setdefault(name.strip().lower(), (pk, name))
        if not uri:
            self.by_slug.setdefault(slug, (pk, name))

    def find(self, skill: FrameworkSkill) -> tuple[int, str, str] | None:
        """(skill id, its name, how it matched), or None for a skill to create."""
        if skill.uri in self.by_uri:
            return (*self.by_uri[skill.uri], "identifier")
        if skill.label.strip().lower() in self.by_name:
            return (*self.by_name[skill.label.strip().lower()], "label")
        for label in (skill.label, *skill.alt_labels):
            found = self.by_slug.get(slugify(label))
            if found is not None:
                return (*found, "slug")
        return None


def unique_slug(model: type[Model], text: str, *, taken: Iterable[str] = ()) -> str:
    """A slug for `text` that fits the model's slug field and is not taken: a long label
    is cut at a word boundary, and a taken slug gets "-2", "-3"… within the limit."""
    max_length = model._meta.get_field("slug").max_length
    base = slugify(text) or model._meta.model_name
    if len(base) > max_length:
        cut = base[: max_length + 1]
        base = cut.rsplit("-", 1)[0] if "-" in cut else base[:max_length]
    taken_here = set(taken)
    candidate, n = base, 2
    while candidate in taken_here or model._default_manager.filter(slug=candidate).exists():
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        n += 1
    return candidate


def import_occupations(
    *,
    framework: Framework,
    columns: Mapping[str, str],
    occupations: list[FrameworkOccupation],
    track: Track | None = None,
    new_track: str = "",
    update: bool = False,
) -> ImportResult:
    """Write `occupations` as unpublished roles. Call inside a transaction: a refusal
    (ImportRefused) part-way must leave nothing behind."""
    track, track_created = _track(track, new_track)
    result = ImportResult(framework=framework, track=track.name, track_created=track_created)
    index = SkillIndex()
    writer = _Writer(framework=framework, columns=columns, index=index, result=result)
    for occupation in occupations:
        result.occupations.append(writer.occupation(occupation, track=track, update=update))
    return result


def _track(track: Track | None, new_track: str) -> tuple[Track, bool]:
    if track is not None:
        return track, False
    name = new_track.strip() or DEFAULT_TRACK[1]
    slug = DEFAULT_TRACK[0] if not new_track.strip() else slugify(name)[:50]
    existing = Track.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    # A track of imported occupations is a list of careers, not a ladder: nothing in a
    # framework says which occupation is the rung above which.
    return Track.objects.create(slug=slug, name=name[:120], is_ladder=False), True


@dataclass
class _Writer:
    framework: Framework
    columns: Mapping[str, str]
    index: SkillIndex
    result: ImportResult
    categories: dict[str, SkillCategory] = field(default_factory=dict)
    created: set[int] = field(default_factory=set)  # skills this import made

    def occupation(
        self, occupation: FrameworkOccupation, *, track: Track, update: bool
    ) -> OccupationResult:
        role = Role.objects.filter(concept_uri=occupation.uri).first()
        done = OccupationResult(
            title=occupation.title,
            uri=occupation.uri,
            action="create" if role is None else ("update" if update else "unchanged"),
            left_out=list(occupation.left_out),
        )
        if role is not None and not update:
            # Re-running an import changes nothing: the role is as the admin left it.
            done.role_slug, done.role_id = role.slug, role.pk
            return done
        role = self._role(role, occupation, track)
        done.role_slug, done.role_id = role.slug, role.pk
        wanted = self._resolved(occupation.requirements)
        existing = {r.skill_id: r for r in role.skill_requirements.all()}
        for skill_id, (requirement, line) in wanted.items():
            current = existing.get(skill_id)
            if current is None:
                self._save(
                    SkillRequirement(
                        role=role,
                        skill_id=skill_id,
                        level=requirement.level,
                        weight=requirement.weight,
                        essential=requirement.essential,
                        imported_level=requirement.level,
                        imported_weight=requirement.weight,
                        imported_essential=requirement.essential,
                    ),
                    requirement.skill.source,
                )
            else:
                line.change = _refresh(current, requirement, line)
            done.lines.append(line)
        for skill_id, current in existing.items():
            # A requirement the framework no longer lists goes, unless an admin added or
            # changed it.
            if skill_id not in wanted and _untouched(current):
                current.delete()
        return done

    def _role(self, role: Role | None, occupation: FrameworkOccupation, track: Track) -> Role:
        values = {
            "title": occupation.title,
            "summary": occupation.description or occupation.title,
            "alternative_titles": "\n".join(occupation.alt_titles),
            "attribution": self.framework.attribution,
        }
        if role is None:
            role = Role(
                slug=unique_slug(Role, occupation.title),
                track=track,
                rank=1,
                is_published=False,
                concept_uri=occupation.uri,
                # Written once: an editor who reviews the role may say so here.
                source_note=(
                    f"Imported from {self.framework.name} ({occupation.uri}). Required "
                    "levels and importance were set by the import, and the level "
                    "descriptions are the generic scale, until an editor reviews them."
                ),
                **values,
            )
        else:
            for name, value in values.items():
                setattr(role, name, value)
        self._save(role, occupation.source)
        return role

    def _resolved(
        self, requirements: list[FrameworkRequirement]
    ) -> dict[int, tuple[FrameworkRequirement, RequirementLine]]:
        """Each requirement's catalogue skill, made when missing. Two framework entries
        that are one catalogue skill (O*NET's skill and knowledge "Mathematics") become
        one requirement with the higher level, weight and essential flag of the two."""
        wanted: dict[int, tuple[FrameworkRequirement, RequirementLine]] = {}
        for requirement in requirements:
            skill_id, name, match = self._skill(requirement.skill)
            line = RequirementLine(
                label=requirement.skill.label,
                skill=name,
                match=match,
                level=requirement.level,
                weight=requirement.weight,
                essential=requirement.essential,
                basis=requirement.basis,
            )
            if skill_id in wanted:
                kept, kept_line = wanted[skill_id]
                merged = FrameworkRequirement(
                    skill=kept.skill,
                    level=max(kept.level, requirement.level),
                    weight=max(kept.weight, requirement.weight),
                    essential=kept.essential or requirement.essential,
                    basis=kept.basis,
                )
                kept_line.level, kept_line.weight = merged.level, merged.weight
                kept_line.essential = merged.essential
                kept_line.note = (
                    f"also stands for {requirement.skill.label} ({requirement.skill.kind}"
                    + (f", {requirement.basis})" if requirement.basis else ")")
                )
                wanted[skill_id] = (merged, kept_line)
                continue
            wanted[skill_id] = (requirement, line)
        return wanted

    def _skill(self, skill: FrameworkSkill) -> tuple[int, str, str]:
        found = self.index.find(skill)
        if found is not None:
            skill_id, name, match = found
            if skill_id in self.created:
                return skill_id, name, "shared"
            if match == "identifier" and skill.description:
                # --update refreshes what the framework wrote, never a hand-written skill.
                Skill.objects.filter(pk=skill_id, source=self.framework.key).exclude(
                    description=skill.description
                ).update(description=skill.description)
            return skill_id, name, match
        created = Skill(
            slug=unique_slug(Skill, skill.label, taken=self.index.slugs),
            name=skill.label,
            category=self._category(skill.kind),
            description=skill.description or skill.label,
            source=self.framework.key,
            concept_uri=skill.uri,
        )
        self._save(created, skill.source)
        self.index.add(created.pk, created.slug, created.name, created.concept_uri)
        self.created.add(created.pk)
        self.result.skills_created += 1
        return created.pk, created.name, "new"

    def _category(self, kind: str) -> SkillCategory:
        if kind not in self.categories:
            slug, name = IMPORTED_CATEGORIES[kind]
            category = SkillCategory.objects.filter(slug=slug).first()
            if category is None:
                order = 100 + list(IMPORTED_CATEGORIES).index(kind)
                category = SkillCategory.objects.create(slug=slug, name=name, order=order)
            self.categories[kind] = category
        return self.categories[kind]

    def _save(self, obj: Model, source: Source | None) -> None:
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            name, messages = next(iter(exc.message_dict.items()))
            where = source or Source(self.framework.name, 0)
            raise ImportRefused(
                where.file,
                " ".join(messages),
                row=where.row or None,
                field=self.columns.get(name, name),
            ) from exc
        obj.save()


def _untouched(requirement: SkillRequirement) -> bool:
    """A requirement the import made and nobody has changed since."""
    return requirement.imported_level is not None and all(
        getattr(requirement, name) == getattr(requirement, f"imported_{name}") for name in _EDITABLE
    )


def _refresh(
    current: SkillRequirement, requirement: FrameworkRequirement, line: RequirementLine
) -> str:
    """Bring a requirement to the framework's values, except where an admin changed one
    since the last import (it then differs from what that import wrote): that edit stays."""
    if current.imported_level is None:
        # An editor added this requirement by hand: the framework does not overrule it.
        line.level, line.weight, line.essential = current.level, current.weight, current.essential
        line.note = "added by an editor, kept as it is"
        return "kept"
    changed, kept = False, []
    for name in _EDITABLE:
        new = getattr(requirement, name)
        imported = getattr(current, f"imported_{name}")
        if imported is not None and getattr(current, name) != imported:
            kept.append(name)
        elif getattr(current, name) != new:
            setattr(current, name, new)
            changed = True
        if imported != new:
            setattr(current, f"imported_{name}", new)
            changed = True
    line.level, line.weight, line.essential = current.level, current.weight, current.essential
    if changed:
        current.save()
    if kept:
        line.note = "kept the edited " + " and ".join(kept)
        return "kept"
    return "updated" if changed else "unchanged"
