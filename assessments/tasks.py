"""Report PDFs, rendered once by a worker and kept in the database (ReportPDF): a download
serves the stored bytes and never renders in the request (docs/operations.md)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from assessments import exports
from assessments.models import Assessment, ReportPDF
from careerpath.celery import app, enqueue

logger = logging.getLogger(__name__)

# A render still pending after this long was lost (a worker died, the queue was flushed).
PDF_REQUEUE_AFTER = timedelta(minutes=5)
PDF_ERROR_LENGTH = ReportPDF._meta.get_field("error").max_length


@shared_task(ignore_result=True)
def render_report_pdf(assessment_id: str, base_url: str) -> None:
    """Render the PDF of a submitted report whose render is pending, and keep it; a failure
    is recorded, and the download page offers to try again."""
    if not ReportPDF.objects.filter(pk=assessment_id, status=ReportPDF.Status.PENDING).exists():
        return  # rendered by an earlier delivery of this task, or the report is gone
    assessment = Assessment.objects.submitted().select_related("role__track").get(pk=assessment_id)
    try:
        layout = exports.pdf_layout_version()
        content = exports.report_pdf_bytes(assessment, base_url=base_url)
    except Exception as exc:
        logger.exception("PDF of report %s could not be rendered", assessment_id)
        _pdf_failed(assessment_id, f"{type(exc).__name__}: {exc}")
        return
    ReportPDF.objects.filter(pk=assessment_id).update(
        status=ReportPDF.Status.READY,
        content=content,
        rendered_at=timezone.now(),
        error="",
        layout=layout,
    )


def _pdf_failed(assessment_id: object, error: str) -> None:
    ReportPDF.objects.filter(pk=assessment_id, status=ReportPDF.Status.PENDING).update(
        status=ReportPDF.Status.FAILED, error=error[:PDF_ERROR_LENGTH]
    )


def _queue(assessment: Assessment, base_url: str) -> None:
    def broker_down(exc: Exception) -> None:
        _pdf_failed(assessment.pk, f"Could not be queued: {type(exc).__name__}: {exc}")

    enqueue(render_report_pdf, str(assessment.pk), base_url, on_failure=broker_down)


def report_pdf_request(*, assessment: Assessment, base_url: str) -> ReportPDF:
    """The stored PDF of a submitted report, its render queued if none was, the last one
    was lost, or it was drawn by an earlier layout of the report (a deploy changed it).
    Asking again while it is being prepared queues nothing more. Eagerly (no broker) the
    render has run by the time this returns."""
    # Two first downloads at once: one creates (and queues), the other gets it.
    pdf, created = ReportPDF.objects.get_or_create(assessment=assessment)
    now = timezone.now()
    lost = (
        pdf.status == ReportPDF.Status.PENDING
        and pdf.requested_at < now - PDF_REQUEUE_AFTER
        # one request re-queues it, however many arrive together
        and ReportPDF.objects.filter(
            pk=pdf.pk, status=ReportPDF.Status.PENDING, requested_at=pdf.requested_at
        ).update(requested_at=now)
    )
    outdated = (
        pdf.status == ReportPDF.Status.READY
        and pdf.layout != exports.pdf_layout_version()
        # one request queues the new drawing, however many arrive together
        and ReportPDF.objects.filter(
            pk=pdf.pk, status=ReportPDF.Status.READY, layout=pdf.layout
        ).update(status=ReportPDF.Status.PENDING, requested_at=now)
    )
    if created or lost or outdated:
        _queue(assessment, base_url)
        pdf.refresh_from_db()
    return pdf


def report_pdf_retry(*, assessment: Assessment, base_url: str) -> None:
    """Queue a failed render again (a double click queues it once)."""
    retried = ReportPDF.objects.filter(pk=assessment.pk, status=ReportPDF.Status.FAILED).update(
        status=ReportPDF.Status.PENDING, error="", requested_at=timezone.now()
    )
    if retried:
        _queue(assessment, base_url)


def report_pdf_prepare(*, assessment: Assessment, base_url: str) -> None:
    """At submission: with a worker, the PDF is ready before anyone asks for it. Eagerly
    that would put the render back into the submit request, so the first download waits
    for it instead."""
    if not app.conf.task_always_eager:
        report_pdf_request(assessment=assessment, base_url=base_url)
