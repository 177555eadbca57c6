"""Report PDFs: rendered once per submitted report, by a worker, kept in the database and
served from there; never rendered in the request when a broker exists (issue "Production")."""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from assessments import exports
from assessments.models import Assessment, ReportPDF
from roles.models import EducationLevel
from tests.factories import (
    make_assessment,
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)
from tests.tasks.conftest import Broker

pytestmark = pytest.mark.django_db

RENDER_TASK = "assessments.tasks.render_report_pdf"


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every WeasyPrint render, counted (the real one still runs)."""
    calls: list[str] = []
    real = exports.render_pdf

    def counting(html: str, *, base_url: str) -> bytes:
        calls.append(base_url)
        return real(html, base_url=base_url)

    monkeypatch.setattr(exports, "render_pdf", counting)
    return calls


@pytest.fixture
def world() -> SimpleNamespace:
    """Ann with two reports of one role: readiness 100.0 and 50.0."""
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    role = make_role(
        slug="lead", title="ML Team Lead", skills=[(python, 4, 1, False), (sql, 4, 1, False)]
    )
    ann = make_user(email="ann@example.com")
    return SimpleNamespace(
        role=role,
        skills=[python, sql],
        ann=ann,
        ready=make_submitted_assessment(role=role, owner=ann, levels={"python": 4, "sql": 4}),
        halfway=make_submitted_assessment(role=role, owner=ann, levels={"python": 2, "sql": 2}),
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pdf_url(assessment: Assessment) -> str:
    return reverse("assessments:report_pdf", args=[assessment.pk])


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_the_second_download_serves_the_stored_pdf_without_rendering_again(
    world: SimpleNamespace, renders: list[str]
) -> None:
    ann = _client(world.ann)

    first = ann.get(_pdf_url(world.ready))
    second = ann.get(_pdf_url(world.ready))

    assert first.status_code == second.status_code == 200
    assert second["Content-Type"] == "application/pdf"
    assert second.content == first.content
    assert len(renders) == 1
    assert ReportPDF.objects.get(assessment=world.ready).rendered_at is not None


def test_the_pdf_bytes_come_from_the_database(world: SimpleNamespace, renders: list[str]) -> None:
    ann = _client(world.ann)
    ann.get(_pdf_url(world.ready))
    ReportPDF.objects.filter(assessment=world.ready).update(content=b"%PDF-1.7 as stored")

    response = ann.get(_pdf_url(world.ready))

    assert response.content == b"%PDF-1.7 as stored"
    assert len(renders) == 1


def test_a_pdf_kept_from_an_earlier_layout_is_drawn_again_once(
    world: SimpleNamespace, renders: list[str]
) -> None:
    """A deploy that changes the report's templates or PDF stylesheet: PDFs kept from
    before (an old chart, old wording) are drawn again on their next download, once."""
    ann = _client(world.ann)
    ann.get(_pdf_url(world.ready))
    ReportPDF.objects.filter(assessment=world.ready).update(
        content=b"%PDF-1.7 drawn by the old layout", layout="old-layout"
    )

    again = ann.get(_pdf_url(world.ready))
    then = ann.get(_pdf_url(world.ready))

    assert again.status_code == then.status_code == 200
    assert again.content.startswith(b"%PDF") and b"old layout" not in again.content
    assert "100.0" in _text(again.content)
    assert then.content == again.content
    assert len(renders) == 2
    assert ReportPDF.objects.get(assessment=world.ready).layout == exports.pdf_layout_version()


def test_the_layout_version_follows_the_pdf_stylesheet(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    before = exports.pdf_layout_version()
    changed = tmp_path / "report-pdf.css"
    changed.write_text("body { color: black; }")
    monkeypatch.setattr(exports.finders, "find", lambda path: str(changed))

    assert exports.pdf_layout_version() != before


def test_pdfs_of_different_reports_differ_and_each_shows_its_own_score(
    world: SimpleNamespace, renders: list[str]
) -> None:
    ann = _client(world.ann)

    ready = ann.get(_pdf_url(world.ready)).content
    halfway = ann.get(_pdf_url(world.halfway)).content

    assert ready != halfway
    assert "100.0" in _text(ready)
    assert "50.0" in _text(halfway)
    assert len(renders) == 2


def test_the_owner_and_a_coach_get_the_one_stored_pdf(
    world: SimpleNamespace, renders: list[str]
) -> None:
    coach = make_coach()
    make_relationship(coach=coach, client=world.ann)

    owners = _client(world.ann).get(_pdf_url(world.ready))
    coachs = _client(coach).get(reverse("coaching:report_pdf", args=[world.ready.pk]))

    assert coachs.status_code == 200
    assert coachs.content == owners.content
    assert coachs["Content-Disposition"] == f'attachment; filename="report-{world.ready.pk}.pdf"'
    assert len(renders) == 1


def test_deleting_a_report_deletes_its_pdf(world: SimpleNamespace, renders: list[str]) -> None:
    _client(world.ann).get(_pdf_url(world.ready))

    world.ready.delete()

    assert not ReportPDF.objects.filter(assessment_id=world.ready.pk).exists()


def test_with_a_broker_a_download_says_preparing_and_queues_the_render_once(
    world: SimpleNamespace,
    renders: list[str],
    broker: Broker,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ann = _client(world.ann)

    with django_capture_on_commit_callbacks(execute=True):
        first = ann.get(_pdf_url(world.ready))
        again = ann.get(_pdf_url(world.ready))

    assert first.status_code == again.status_code == 202
    page = first.content.decode()
    assert "Preparing your PDF…" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "<script>" not in page  # it refreshes itself without inline script
    assert renders == []  # nothing rendered in a request
    assert broker.names() == [RENDER_TASK]

    broker.deliver()
    done = ann.get(_pdf_url(world.ready))

    assert done.status_code == 200
    assert done.content.startswith(b"%PDF")
    assert len(renders) == 1


def test_with_a_broker_a_render_lost_for_long_is_queued_again(
    world: SimpleNamespace, broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    ann = _client(world.ann)
    with django_capture_on_commit_callbacks(execute=True):
        ann.get(_pdf_url(world.ready))
    ReportPDF.objects.update(requested_at=ReportPDF.objects.get().requested_at - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        ann.get(_pdf_url(world.ready))
        ann.get(_pdf_url(world.ready))

    assert broker.names() == [RENDER_TASK, RENDER_TASK]


def _answered_draft(world: SimpleNamespace) -> Assessment:
    return make_assessment(
        role=world.role,
        owner=world.ann,
        levels={skill: 3 for skill in world.skills},
        education=EducationLevel.NONE,
    )


def test_with_a_broker_submitting_queues_the_pdf_and_the_worker_stores_it(
    world: SimpleNamespace,
    renders: list[str],
    broker: Broker,
    django_capture_on_commit_callbacks: Any,
) -> None:
    draft = _answered_draft(world)

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(world.ann).post(reverse("assessments:submit", args=[draft.pk]))

    assert response.status_code == 302
    assert broker.names() == [RENDER_TASK]
    assert renders == []
    broker.deliver()
    stored = ReportPDF.objects.get(assessment=draft)
    assert stored.is_ready
    assert bytes(stored.content).startswith(b"%PDF")


def test_without_a_broker_submitting_leaves_the_render_to_the_first_download(
    world: SimpleNamespace, renders: list[str]
) -> None:
    draft = _answered_draft(world)
    ann = _client(world.ann)

    ann.post(reverse("assessments:submit", args=[draft.pk]))

    assert renders == []
    assert not ReportPDF.objects.filter(assessment=draft).exists()
    assert ann.get(_pdf_url(draft)).status_code == 200
    assert len(renders) == 1


def test_a_failed_render_offers_to_try_again_and_the_retry_renders(
    world: SimpleNamespace, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    working = exports.render_pdf

    def broken(html: str, *, base_url: str) -> bytes:
        raise RuntimeError("fonts missing")

    monkeypatch.setattr(exports, "render_pdf", broken)
    ann = _client(world.ann)

    failed = ann.get(_pdf_url(world.ready))
    still = ann.get(_pdf_url(world.ready))

    assert failed.status_code == still.status_code == 503
    page = failed.content.decode()
    assert "PDF not ready — try again" in page
    assert 'http-equiv="refresh"' not in page  # a failure does not loop
    assert ReportPDF.objects.get().error == "RuntimeError: fonts missing"

    monkeypatch.setattr(exports, "render_pdf", working)
    retried = ann.post(_pdf_url(world.ready))
    done = ann.get(_pdf_url(world.ready))

    assert retried.status_code == 302
    assert retried["Location"] == _pdf_url(world.ready)
    assert done.status_code == 200
    assert done.content.startswith(b"%PDF")
    assert len(renders) == 1


def test_someone_elses_pdf_is_a_404_and_is_not_rendered(
    world: SimpleNamespace, renders: list[str]
) -> None:
    stranger = _client(make_user())

    assert stranger.get(_pdf_url(world.ready)).status_code == 404
    assert stranger.post(_pdf_url(world.ready)).status_code == 404
    assert renders == []
    assert not ReportPDF.objects.exists()
