from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roles.importers.commands import add_common_arguments, chosen_track, write_report
from roles.importers.esco import COLUMNS, ESCO, EscoScale, esco_read
from roles.importers.framework import FrameworkFiles, ImportRefused
from roles.models import LEVEL_MAX, LEVEL_MIN
from roles.services import framework_import


class Command(BaseCommand):
    help = (
        "Import ESCO occupations from its CSV download (occupations_en.csv, skills_en.csv, "
        "occupationSkillRelations_en.csv) as unpublished roles. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="folder holding the ESCO CSV files")
        add_common_arguments(parser)
        parser.add_argument(
            "--optional",
            action="store_true",
            help="also import optional skills and knowledge (at a lower level and weight)",
        )
        parser.add_argument(
            "--level",
            type=int,
            default=EscoScale.level,
            choices=range(LEVEL_MIN, LEVEL_MAX + 1),
            help=f"required level of an essential skill (default {EscoScale.level})",
        )

    def handle(self, *args: object, **options: object) -> None:
        directory: Path = options["directory"]  # type: ignore[assignment]
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a folder")
        level = int(options["level"])  # type: ignore[arg-type]
        scale = EscoScale(level=level, optional_level=max(LEVEL_MIN, level - 1))
        try:
            occupations = esco_read(
                FrameworkFiles(folder=directory),
                options["occupation"],  # type: ignore[arg-type]
                optional=bool(options["optional"]),
                scale=scale,
            )
            result = framework_import(
                framework=ESCO,
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
