"""ESCO's CSV download: occupations, skills and the relations between them.

Columns are read by header name, so v1.1 and v1.2 read alike (v1.2 adds `naceCode` to
occupations and the labels to relations, which are not needed); extra columns are
ignored. ESCO rates no levels: an essential skill is asked at one required level and
importance, an optional one at lower ones (docs/importing.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from roles.importers.framework import (
    Framework,
    FrameworkFiles,
    FrameworkOccupation,
    FrameworkRequirement,
    FrameworkSkill,
    ImportRefused,
    OccupationEntry,
    Source,
    labels_in,
    required_value,
)

OCCUPATIONS = "occupations_en.csv"
SKILLS = "skills_en.csv"
RELATIONS = "occupationSkillRelations_en.csv"
FILES = (OCCUPATIONS, SKILLS, RELATIONS)

ESCO = Framework(key="esco", name="ESCO", attribution="ESCO, © European Union")
# Where a catalogue field comes from, to name the column when the catalogue refuses it.
COLUMNS = {"title": "preferredLabel", "name": "preferredLabel", "description": "description"}

_OCCUPATION_COLUMNS = ("conceptUri", "preferredLabel", "altLabels", "description")
_SKILL_COLUMNS = ("conceptUri", "skillType", "preferredLabel", "altLabels", "description")
_RELATION_COLUMNS = ("occupationUri", "relationType", "skillType", "skillUri")


@dataclass(frozen=True)
class EscoScale:
    """The levels and importance given to ESCO's relations, which rate neither."""

    level: int = 3  # Practitioner: works independently on most situations
    weight: int = 4
    optional_level: int = 2  # Working
    optional_weight: int = 2


def esco_occupations(files: FrameworkFiles) -> list[OccupationEntry]:
    """Every occupation of the file, for choosing (no other file is read)."""
    return [
        OccupationEntry(
            uri=values["conceptUri"].strip(),
            title=sentence_case(values["preferredLabel"].strip()),
            alt_titles=labels_in(values["altLabels"]),
        )
        for _, values in files.rows(OCCUPATIONS, required=_OCCUPATION_COLUMNS)
        if values["conceptUri"].strip()
    ]


def esco_read(
    files: FrameworkFiles,
    chosen: Sequence[str],
    *,
    optional: bool = False,
    scale: EscoScale = EscoScale(),
) -> list[FrameworkOccupation]:
    """The chosen occupations (by preferred label, any case, or concept URI) with their
    essential skills and knowledge, and optional ones when `optional` is asked."""
    occupations = _chosen_occupations(files, chosen)
    by_uri = {o.uri: o for o in occupations}
    relations: list[tuple[str, str, str, Source]] = []
    for row, values in files.rows(RELATIONS, required=_RELATION_COLUMNS):
        occupation_uri = values["occupationUri"].strip()
        if occupation_uri not in by_uri:
            continue
        relation = values["relationType"].strip().lower()
        if relation not in ("essential", "optional"):
            raise ImportRefused(
                RELATIONS,
                f"“{relation}” is neither essential nor optional",
                row=row,
                field="relationType",
            )
        skill_uri = required_value(RELATIONS, row, values, "skillUri")
        if relation == "optional" and not optional:
            continue
        relations.append((occupation_uri, relation, skill_uri, Source(RELATIONS, row)))
    skills = _skills(files, {skill_uri for _, _, skill_uri, _ in relations})
    for occupation_uri, relation, skill_uri, source in relations:
        skill = skills.get(skill_uri)
        if skill is None:
            raise ImportRefused(
                RELATIONS,
                f"no skill {skill_uri} in {SKILLS}",
                row=source.row,
                field="skillUri",
            )
        essential = relation == "essential"
        by_uri[occupation_uri].requirements.append(
            FrameworkRequirement(
                skill=skill,
                level=scale.level if essential else scale.optional_level,
                weight=scale.weight if essential else scale.optional_weight,
                essential=essential,
                basis=f"ESCO {relation}",
            )
        )
    return occupations


def _chosen_occupations(files: FrameworkFiles, chosen: Sequence[str]) -> list[FrameworkOccupation]:
    wanted = {c.strip().lower(): c for c in chosen if c.strip()}
    found: dict[str, list[FrameworkOccupation]] = {key: [] for key in wanted}
    for row, values in files.rows(OCCUPATIONS, required=_OCCUPATION_COLUMNS):
        uri = values["conceptUri"].strip()
        label = values["preferredLabel"].strip()
        keys = [key for key in (uri.lower(), label.lower()) if key in wanted]
        if not keys:
            continue
        occupation = FrameworkOccupation(
            uri=required_value(OCCUPATIONS, row, values, "conceptUri"),
            title=sentence_case(required_value(OCCUPATIONS, row, values, "preferredLabel")),
            description=values["description"].strip(),
            alt_titles=labels_in(values["altLabels"]),
            source=Source(OCCUPATIONS, row),
        )
        for key in keys:
            found[key].append(occupation)
    chosen_list: list[FrameworkOccupation] = []
    for key, matches in found.items():
        if not matches:
            raise ImportRefused(
                OCCUPATIONS,
                f"no occupation with the label or URI “{wanted[key]}”",
                field="preferredLabel",
            )
        if len(matches) > 1:
            uris = ", ".join(m.uri for m in matches)
            raise ImportRefused(
                OCCUPATIONS,
                f"several occupations are labelled “{wanted[key]}”: choose one by URI ({uris})",
                field="preferredLabel",
            )
        if all(m.uri != matches[0].uri for m in chosen_list):
            chosen_list.append(matches[0])
    return chosen_list


def _skills(files: FrameworkFiles, wanted: set[str]) -> dict[str, FrameworkSkill]:
    skills: dict[str, FrameworkSkill] = {}
    for row, values in files.rows(SKILLS, required=_SKILL_COLUMNS):
        uri = values["conceptUri"].strip()
        if uri not in wanted:
            continue
        label = required_value(SKILLS, row, values, "preferredLabel")
        skills[uri] = FrameworkSkill(
            uri=uri,
            label=sentence_case(label),
            description=values["description"].strip(),
            kind="knowledge" if values["skillType"].strip().lower() == "knowledge" else "skill",
            alt_labels=labels_in(values["altLabels"]),
            source=Source(SKILLS, row),
        )
    return skills


def sentence_case(label: str) -> str:
    """ESCO writes labels in lower case ("data scientist"); the catalogue starts names
    with a capital ("Data scientist"). Only the first letter changes."""
    return label[:1].upper() + label[1:]
