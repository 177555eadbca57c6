"""The report as files: JSON (the document of docs/report.md), CSV (a row a requirement), PDF."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import mimetypes
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template, render_to_string

from assessments.models import Assessment

CSV_COLUMNS = (
    "kind",
    "slug",
    "name",
    "category",
    "required",
    "self",
    "weight",
    "essential",
    "coverage",
    "gap",
    "priority",
)


# The document's key order (docs/report.md). PostgreSQL's jsonb does not keep the order a
# stored report was written in, so exports put it back.
REPORT_KEYS = (
    "role",
    "role_title",
    "scale",
    "readiness",
    "verdict",
    "categories",
    "requirements",
    "ladder",
    "current_rung",
    "next_step",
    "blockers",
    "actions",
    "pace_hours_per_week",
    "time_to_ready_weeks",
    "closest_roles",
)
NESTED_KEYS = {
    "categories": ("name", "readiness"),
    "requirements": CSV_COLUMNS,
    "ladder": ("role", "title", "readiness", "verdict"),
    "closest_roles": ("role", "title", "readiness", "verdict", "asked_share", "to_rate"),
    "actions": (
        "skill",
        "from",
        "to",
        "title",
        "effort_weeks",
        "start_week",
        "end_week",
        "kind",
        "url",
    ),
}


def _in_order(data: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    ordered = {key: data[key] for key in keys if key in data}
    ordered.update((key, data[key]) for key in sorted(data) if key not in ordered)
    return ordered


def report_document(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report with its keys in the documented order, at every level."""
    document = _in_order(report, REPORT_KEYS)
    for name, keys in NESTED_KEYS.items():
        if name in document:
            document[name] = [_in_order(item, keys) for item in document[name]]
    return document


def report_document_json(report: Mapping[str, Any]) -> str:
    """Serialised exactly as `manage.py assess` prints it."""
    return json.dumps(report_document(report), indent=2, ensure_ascii=False)


def csv_cell(value: object) -> object:
    """A value safe to open in a spreadsheet: text that would start a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def report_document_csv(report: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for requirement in report["requirements"]:
        row = {key: csv_cell(value) for key, value in requirement.items()}
        row["essential"] = "yes" if requirement["essential"] else "no"
        writer.writerow(row)
    return buffer.getvalue()


def render_pdf(html: str, *, base_url: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only PDF requests need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Serve the PDF's stylesheets from the app's own static files: no network, ever."""

        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            path = urlparse(url).path
            static_prefix = "/" + settings.STATIC_URL.lstrip("/")
            located = path.startswith(static_prefix) and finders.find(
                path.removeprefix(static_prefix)
            )
            if not located:
                raise ValueError(f"{url} is not one of this app's static files")
            with open(located, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(located)[0] or "text/plain"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return HTML(string=html, base_url=base_url, url_fetcher=StaticFilesFetcher()).write_pdf()


PDF_TEMPLATE = "assessments/report_pdf.html"
PDF_STYLESHEET = "css/report-pdf.css"


def pdf_layout_version() -> str:
    """Changes with what draws a report's PDF: its page, the report's own templates and the
    PDF stylesheet. A kept PDF of another version is drawn again (assessments/tasks.py)."""
    from assessments.views import frozen_template_version

    stylesheet = finders.find(PDF_STYLESHEET)
    with open(stylesheet, "rb") as handle:
        parts = [
            get_template(PDF_TEMPLATE).template.source.encode(),
            get_template("assessments/_report_body.html").template.source.encode(),
            frozen_template_version().encode(),
            handle.read(),
        ]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def report_pdf_bytes(assessment: Assessment, *, base_url: str) -> bytes:
    """The PDF of a submitted report, as its owner, a coach and a worker all get it:
    nothing in it depends on who asks. `base_url` makes its links absolute."""
    # Imported here: the views import this module, and the report page's context is theirs.
    from assessments.views import report_context

    context = report_context(assessment, owner_view=False, pdf=True) | {"pdf": True}
    html = render_to_string(PDF_TEMPLATE, context)
    return render_pdf(html, base_url=base_url)
