from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from roles.services import CATALOGUE_DIR, catalogue_load


class Command(BaseCommand):
    help = (
        "Load the role catalogue from fixtures/catalogue. Creates what is missing and keeps "
        "what exists, so it is safe to re-run; --update overwrites entries from the files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=CATALOGUE_DIR, help="fixtures folder")
        parser.add_argument(
            "--update",
            action="store_true",
            help="overwrite existing tracks, roles, skills and actions from the files",
        )

    def handle(self, *args: object, **options: object) -> None:
        directory: Path = options["dir"]  # type: ignore[assignment]
        try:
            result = catalogue_load(directory=directory, update=bool(options["update"]))
        except FileNotFoundError as exc:
            raise CommandError(f"catalogue file missing: {exc.filename}") from exc
        except (ValidationError, KeyError, ValueError) as exc:
            raise CommandError(f"catalogue not loaded, nothing was saved: {exc}") from exc
        self.stdout.write(f"Catalogue: {result.summary()}.")
