"""O*NET's database text files: occupations, and the importance (IM, 1–5) and level
(LV, 0–7) of each skill and knowledge element for each occupation.

The level scale 0–7 maps onto the catalogue's 0–5 and the importance becomes the
weight, both rounded half up; elements below a stated importance are left out and
those from a stated importance up are essential (docs/importing.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from roles.importers.framework import (
    Framework,
    FrameworkFiles,
    FrameworkOccupation,
    FrameworkRequirement,
    FrameworkSkill,
    ImportRefused,
    OccupationEntry,
    Source,
    required_value,
)
from roles.models import LEVEL_MAX, LEVEL_MIN, WEIGHT_MAX, WEIGHT_MIN

OCCUPATION_DATA = "Occupation Data.txt"
SKILLS = "Skills.txt"
KNOWLEDGE = "Knowledge.txt"
# Optional: element descriptions, and other titles of occupations.
CONTENT_MODEL = "Content Model Reference.txt"
ALTERNATE_TITLES = "Alternate Titles.txt"
FILES = (OCCUPATION_DATA, SKILLS, KNOWLEDGE, CONTENT_MODEL, ALTERNATE_TITLES)

ONET = Framework(
    key="onet",
    name="O*NET",
    attribution=(
        "Includes information from the O*NET Database by the U.S. Department of Labor, "
        "Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 "
        "licence; modified: levels rescaled from 0–7 to 0–5. O*NET® is a trademark of "
        "USDOL/ETA."
    ),
)
COLUMNS = {"title": "Title", "name": "Element Name", "description": "Description"}

CODE = "O*NET-SOC Code"
LV_MAX = Decimal(7)
DEFAULT_MIN_IMPORTANCE = Decimal("3.0")
DEFAULT_ESSENTIAL_IMPORTANCE = Decimal("4.0")
_RANGES = {"IM": (Decimal(1), Decimal(5)), "LV": (Decimal(0), LV_MAX)}
_RATING_COLUMNS = (CODE, "Element ID", "Element Name", "Scale ID", "Data Value")


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def onet_level(lv: Decimal) -> int:
    """O*NET level 0–7 on the catalogue's 0–5 scale: LV × 5 / 7, rounded half up, and at
    least 1, since a requirement asks for a level from 1 (LV 5.25 → 3.75 → 4)."""
    return max(LEVEL_MIN, min(LEVEL_MAX, _half_up(lv * 5 / LV_MAX)))


def onet_weight(im: Decimal) -> int:
    """O*NET importance 1–5 as the weight 1–5, rounded half up (IM 3.50 → 4)."""
    return max(WEIGHT_MIN, min(WEIGHT_MAX, _half_up(im)))


def onet_occupations(files: FrameworkFiles) -> list[OccupationEntry]:
    alternates = _alternate_titles(files)
    return [
        OccupationEntry(
            uri=f"onet:{values[CODE].strip()}",
            title=values["Title"].strip(),
            alt_titles=alternates.get(values[CODE].strip(), ()),
            code=values[CODE].strip(),
        )
        for _, values in files.rows(
            OCCUPATION_DATA, required=(CODE, "Title", "Description"), delimiter="\t"
        )
        if values[CODE].strip()
    ]


def onet_read(
    files: FrameworkFiles,
    chosen: Sequence[str],
    *,
    min_importance: Decimal = DEFAULT_MIN_IMPORTANCE,
    essential_importance: Decimal = DEFAULT_ESSENTIAL_IMPORTANCE,
) -> list[FrameworkOccupation]:
    """The chosen occupations (by O*NET-SOC code, or title in any case) with the skill and
    knowledge elements at or above `min_importance`."""
    occupations = _chosen_occupations(files, chosen)
    by_code = {o.uri.removeprefix("onet:"): o for o in occupations}
    descriptions = _descriptions(files)
    for name, kind in ((SKILLS, "skill"), (KNOWLEDGE, "knowledge")):
        for code, element, ratings in _ratings(files, name, set(by_code)):
            occupation = by_code[code]
            element_id, element_name, source = element
            importance, level, not_relevant = _pair(name, element_id, ratings)
            label = f"{element_name} ({kind})"
            if not_relevant:
                occupation.left_out.append(f"{label}: marked not relevant in {name}")
                continue
            if importance < min_importance:
                occupation.left_out.append(
                    f"{label}: importance {importance} is below {min_importance}"
                )
                continue
            skill = FrameworkSkill(
                uri=f"onet:{element_id}",
                label=element_name,
                description=descriptions.get(element_id, element_name),
                kind=kind,
                source=source,
            )
            occupation.requirements.append(
                FrameworkRequirement(
                    skill=skill,
                    level=onet_level(level),
                    weight=onet_weight(importance),
                    essential=importance >= essential_importance,
                    basis=f"LV {level} → {onet_level(level)}, IM {importance} → "
                    f"{onet_weight(importance)}",
                )
            )
    return occupations


def _chosen_occupations(files: FrameworkFiles, chosen: Sequence[str]) -> list[FrameworkOccupation]:
    # A code, with or without the "onet:" of the catalogue's identifier, or a title.
    wanted = {c.strip().lower().removeprefix("onet:"): c for c in chosen if c.strip()}
    found: dict[str, FrameworkOccupation] = {}
    alternates = _alternate_titles(files)
    for row, values in files.rows(
        OCCUPATION_DATA, required=(CODE, "Title", "Description"), delimiter="\t"
    ):
        code = values[CODE].strip()
        title = values["Title"].strip()
        for key in (code.lower(), title.lower()):
            if key in wanted and key not in found:
                found[key] = FrameworkOccupation(
                    uri=f"onet:{required_value(OCCUPATION_DATA, row, values, CODE)}",
                    title=required_value(OCCUPATION_DATA, row, values, "Title"),
                    description=values["Description"].strip(),
                    alt_titles=alternates.get(code, ()),
                    source=Source(OCCUPATION_DATA, row),
                )
    missing = [wanted[key] for key in wanted if key not in found]
    if missing:
        raise ImportRefused(
            OCCUPATION_DATA, f"no occupation with the code or title “{missing[0]}”", field=CODE
        )
    unique: dict[str, FrameworkOccupation] = {}
    for occupation in found.values():
        unique.setdefault(occupation.uri, occupation)
    return list(unique.values())


Element = tuple[str, str, Source]  # element id, name, where first read
Ratings = dict[str, tuple[Decimal, int, bool]]  # scale id → (value, row, not relevant)


def _ratings(
    files: FrameworkFiles, name: str, codes: set[str]
) -> list[tuple[str, Element, Ratings]]:
    found: dict[tuple[str, str], tuple[Element, Ratings]] = {}
    for row, values in files.rows(name, required=_RATING_COLUMNS, delimiter="\t"):
        code = values[CODE].strip()
        scale = values["Scale ID"].strip()
        if code not in codes or scale not in _RANGES:
            continue
        element_id = required_value(name, row, values, "Element ID")
        element_name = required_value(name, row, values, "Element Name")
        value = _value(name, row, values["Data Value"], scale)
        not_relevant = values.get("Not Relevant", "").strip().upper() == "Y"
        _element, ratings = found.setdefault(
            (code, element_id), ((element_id, element_name, Source(name, row)), {})
        )
        if scale in ratings:
            raise ImportRefused(
                name,
                f"a second {scale} rating of {element_id} for {code}",
                row=row,
                field="Scale ID",
            )
        ratings[scale] = (value, row, not_relevant)
    return [(code, element, ratings) for (code, _), (element, ratings) in found.items()]


def _value(name: str, row: int, raw: str, scale: str) -> Decimal:
    low, high = _RANGES[scale]
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not low <= value <= high:
        raise ImportRefused(
            name,
            f"“{raw.strip()}” is not a number from {low} to {high} ({scale})",
            row=row,
            field="Data Value",
        )
    return value


def _pair(name: str, element_id: str, ratings: Ratings) -> tuple[Decimal, Decimal, bool]:
    for scale in ("IM", "LV"):
        if scale not in ratings:
            other = next(iter(ratings.values()))
            raise ImportRefused(
                name,
                f"{element_id} has no {scale} rating for this occupation",
                row=other[1],
                field="Scale ID",
            )
    return ratings["IM"][0], ratings["LV"][0], ratings["LV"][2]


def _descriptions(files: FrameworkFiles) -> dict[str, str]:
    if not files.has(CONTENT_MODEL):
        return {}
    return {
        values["Element ID"].strip(): values["Description"].strip()
        for _, values in files.rows(
            CONTENT_MODEL, required=("Element ID", "Element Name", "Description"), delimiter="\t"
        )
    }


def _alternate_titles(files: FrameworkFiles) -> dict[str, tuple[str, ...]]:
    if not files.has(ALTERNATE_TITLES):
        return {}
    titles: dict[str, list[str]] = {}
    for _, values in files.rows(
        ALTERNATE_TITLES, required=(CODE, "Alternate Title"), delimiter="\t"
    ):
        titles.setdefault(values[CODE].strip(), []).append(values["Alternate Title"].strip())
    return {code: tuple(dict.fromkeys(t for t in found if t)) for code, found in titles.items()}
