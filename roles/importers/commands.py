"""What `import_esco` and `import_onet` share: choosing the track, and the report."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from roles.importers.catalogue import ImportResult
from roles.models import Track

MATCH_WORDS = {
    "new": "new skill",
    "shared": "new skill, shared with an occupation above",
    "identifier": "linked to “{skill}”, imported before",
    "label": "linked to “{skill}” by its label",
    "slug": "linked to “{skill}” by its slug",
}


def add_common_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--occupation",
        action="append",
        required=True,
        help="an occupation to import (repeat for several)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--track", help="slug of the existing track the roles go in")
    where.add_argument("--new-track", default="", help="name of a new track the roles go in")
    parser.add_argument(
        "--update",
        action="store_true",
        help="refresh roles imported before from the files, keeping edited levels and weights",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would be done, save nothing"
    )


def chosen_track(options: dict[str, Any]) -> Track | None:
    slug = options.get("track")
    if not slug:
        return None
    track = Track.objects.filter(slug=slug).first()
    if track is None:
        known = ", ".join(Track.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"--track: no track “{slug}” (tracks: {known})")
    return track


def write_report(out: OutputWrapper, result: ImportResult, *, dry_run: bool) -> None:
    for occupation in result.occupations:
        out.write(
            f"{occupation.title} [{occupation.uri}]: {occupation.action}, "
            f"role “{occupation.role_slug}”"
        )
        for line in occupation.lines:
            flag = ", essential" if line.essential else ""
            note = f" ({line.note})" if line.note else ""
            match = MATCH_WORDS[line.match].format(skill=line.skill)
            out.write(
                f"  {line.label}: level {line.level}, weight {line.weight}{flag}; {match}; "
                f"{line.change}{note}"
            )
        for reason in occupation.left_out:
            out.write(f"  left out: {reason}")
    prefix = "Dry run, nothing saved: would have " if dry_run else "Imported: "
    out.write(prefix + result.summary() + ". Roles are unpublished until an admin publishes them.")
