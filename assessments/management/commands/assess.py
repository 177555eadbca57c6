from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.exports import report_document_json
from assessments.scoring import AnswersError
from assessments.services import report_preview
from roles.models import Role


class Command(BaseCommand):
    help = (
        "Score answers against a role without saving anything and print the report document "
        "(docs/report.md). With no answers every level and year is 0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="the target role's slug")
        parser.add_argument("--answers", help="an answers JSON file, or - for standard input")
        parser.add_argument(
            "--pace",
            type=float,
            help="hours a week for the learning plan, 1 to 40 (default: the answers file's "
            "pace_hours_per_week, else 5); it changes the plan, never the score",
        )

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["role"])
        role = Role.objects.filter(slug=slug).first()
        if role is None:
            raise CommandError(f"role: no role with the slug {slug!r}")
        raw = self._read_answers(options.get("answers"))
        try:
            report = report_preview(role=role, raw_answers=raw, pace=_whole(options.get("pace")))
        except AnswersError as exc:
            raise CommandError(f"answers rejected, {exc}") from exc
        self.stdout.write(report_document_json(report))

    def _read_answers(self, source: object) -> object:
        if source is None:
            return None
        try:
            if source == "-":
                text = sys.stdin.read()
            else:
                with open(str(source), encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as exc:
            raise CommandError(f"answers: cannot read {source}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"answers: {source} is not UTF-8 text") from exc
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"answers: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from exc


def _whole(value: object) -> object:
    """4.0 hours reads as 4 in the document; a fractional pace stays as given."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
