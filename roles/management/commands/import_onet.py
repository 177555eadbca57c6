from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roles.importers.commands import add_common_arguments, chosen_track, write_report
from roles.importers.framework import FrameworkFiles, ImportRefused
from roles.importers.onet import (
    COLUMNS,
    DEFAULT_ESSENTIAL_IMPORTANCE,
    DEFAULT_MIN_IMPORTANCE,
    ONET,
    onet_read,
)
from roles.services import framework_import


def _importance(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(1) <= value <= Decimal(5):
        raise ValueError(raw)
    return value


_importance.__name__ = "importance from 1 to 5"


class Command(BaseCommand):
    help = (
        "Import O*NET occupations from its database text files (Occupation Data.txt, "
        "Skills.txt, Knowledge.txt) as unpublished roles. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="folder holding the O*NET text files")
        add_common_arguments(parser)
        parser.add_argument(
            "--min-importance",
            type=_importance,
            default=DEFAULT_MIN_IMPORTANCE,
            help=f"leave out elements of lower importance (default {DEFAULT_MIN_IMPORTANCE})",
        )
        parser.add_argument(
            "--essential-importance",
            type=_importance,
            default=DEFAULT_ESSENTIAL_IMPORTANCE,
            help=f"essential from this importance up (default {DEFAULT_ESSENTIAL_IMPORTANCE})",
        )

    def handle(self, *args: object, **options: object) -> None:
        directory: Path = options["directory"]  # type: ignore[assignment]
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a folder")
        try:
            occupations = onet_read(
                FrameworkFiles(folder=directory),
                options["occupation"],  # type: ignore[arg-type]
                min_importance=options["min_importance"],  # type: ignore[arg-type]
                essential_importance=options["essential_importance"],  # type: ignore[arg-type]
            )
            result = framework_import(
                framework=ONET,
                columns=COLUMNS,
                occupations=occupations,
                track=chosen_track(options),
                new_track=str(options["new_track"]),
                update=bool(options["update"]),
                preview=bool(options["dry_run"]),
            )
        except ImportRefused as exc:
            raise CommandError(f"nothing imported: {exc}") from exc
        write_report(self.stdout, result, dry_run=bool(options["dry_run"]))
