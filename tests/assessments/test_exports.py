from __future__ import annotations

import csv
import io
import json

import pytest

from assessments.exports import csv_cell, report_document, report_document_csv, report_document_json


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Python", "Python"),
        (3, 3),
        ("", ""),
    ],
)
def test_csv_cells_that_would_start_a_formula_are_quoted(value, expected):
    assert csv_cell(value) == expected


def _report(**requirement_overrides) -> dict:
    requirement = {
        "kind": "skill",
        "slug": "python",
        "name": "Python",
        "category": "Technical",
        "required": 4,
        "self": 2,
        "weight": 5,
        "essential": True,
        "coverage": 0.5,
        "gap": 2,
        "priority": 10,
    } | requirement_overrides
    return {
        "time_to_ready_weeks": 12,
        "actions": [],
        "next_step": None,
        "current_rung": None,
        "ladder": [{"verdict": "early", "readiness": 50.0, "title": "T", "role": "t"}],
        "requirements": [dict(reversed(list(requirement.items())))],
        "categories": [{"readiness": 50.0, "name": "Technical"}],
        "verdict": "developing",
        "readiness": 50.0,
        "scale": "0-5",
        "role_title": "T",
        "role": "t",
    }


def test_report_csv_quotes_a_formula_in_a_name_and_keeps_the_columns():
    rows = list(csv.reader(io.StringIO(report_document_csv(_report(name="=1+1")))))
    assert rows[0][:3] == ["kind", "slug", "name"]
    assert rows[1][2] == "'=1+1"
    assert rows[1][7] == "yes"


def test_json_export_restores_the_documented_key_order_at_every_level():
    # A jsonb column hands keys back in its own order; the export restores docs/report.md's.
    document = report_document(_report())
    assert list(document)[:5] == ["role", "role_title", "scale", "readiness", "verdict"]
    assert list(document["requirements"][0])[:3] == ["kind", "slug", "name"]
    assert list(document["ladder"][0]) == ["role", "title", "readiness", "verdict"]
    assert json.loads(report_document_json(_report())) == _report()
