"""Pages that only show something answer GET and HEAD; any other method is a 405 that
changes nothing, whoever sends it (the page's rightful reader included)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ShareLink
from coaching.models import CoachNote, CoachRelationship
from tests.factories import (
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)

pytestmark = pytest.mark.django_db

UNSAFE = ("post", "put", "patch", "delete")


@pytest.fixture
def world() -> SimpleNamespace:
    """A client with a submitted assessment and a share link, and a coach with consent."""
    client, coach = make_user(), make_coach()
    role = make_role(skills=[(make_skill(category=make_category()), 3, 3, False)])
    assessment = make_submitted_assessment(role=role, owner=client)
    link = ShareLink.objects.create(
        assessment=assessment, expires_at=timezone.now() + timedelta(days=7)
    )
    relationship = make_relationship(coach=coach, client=client)
    return SimpleNamespace(
        client=client,
        coach=coach,
        role=role,
        assessment=assessment,
        link=link,
        relationship=relationship,
    )


# (who asks, URL name, URL arguments): every read-only page, asked by someone who may
# read it, so a 405 is the method's doing and not a 404 for want of access.
READ_ONLY: list[tuple[str, str, Any]] = [
    ("anonymous", "home", lambda w: []),
    ("anonymous", "healthz", lambda w: []),
    ("anonymous", "roles:list", lambda w: []),
    ("anonymous", "roles:detail", lambda w: [w.role.slug]),
    ("anonymous", "roles:track", lambda w: [w.role.track.slug]),
    ("anonymous", "shared_report", lambda w: [w.link.token]),
    ("client", "assessments:mine", lambda w: []),
    ("client", "assessments:result", lambda w: [w.assessment.pk]),
    ("client", "assessments:report_json", lambda w: [w.assessment.pk]),
    ("client", "assessments:report_csv", lambda w: [w.assessment.pk]),
    ("client", "coaching:my_coaches", lambda w: []),
    ("coach", "coaching:clients", lambda w: []),
    ("coach", "coaching:clients_csv", lambda w: []),
    ("coach", "coaching:client", lambda w: [w.relationship.pk]),
    ("coach", "coaching:report", lambda w: [w.assessment.pk]),
    ("coach", "coaching:report_csv", lambda w: [w.assessment.pk]),
]

# The PDF downloads take a POST too: it asks for a failed render to be tried again.
PDF_DOWNLOADS: list[tuple[str, str, Any]] = [
    ("client", "assessments:report_pdf", lambda w: [w.assessment.pk]),
    ("coach", "coaching:report_pdf", lambda w: [w.assessment.pk]),
]


def _browser(world: SimpleNamespace, who: str) -> Client:
    browser = Client()
    if who != "anonymous":
        browser.force_login(getattr(world, who))
    return browser


def _state(world: SimpleNamespace) -> tuple[Any, ...]:
    """What a stray write could change: assessments, links, consent, notes."""
    return (
        list(Assessment.objects.values_list("pk", "status", "readiness").order_by("pk")),
        list(ShareLink.objects.values_list("pk", "revoked_at").order_by("pk")),
        list(CoachRelationship.objects.values_list("pk", "scope", "revoked_at").order_by("pk")),
        CoachNote.objects.count(),
    )


def _id(case: tuple[str, str, Any]) -> str:
    return case[1]


@pytest.mark.parametrize("case", READ_ONLY, ids=_id)
def test_a_read_only_page_answers_get_and_head(world, case):
    who, name, args = case
    browser = _browser(world, who)
    url = reverse(name, args=args(world))

    assert browser.get(url).status_code == 200
    assert browser.head(url).status_code == 200


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("case", READ_ONLY, ids=_id)
def test_a_read_only_page_refuses_other_methods_with_405(world, case, method):
    who, name, args = case
    browser = _browser(world, who)
    before = _state(world)

    response = getattr(browser, method)(reverse(name, args=args(world)))

    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "HEAD"]
    assert _state(world) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("case", PDF_DOWNLOADS, ids=_id)
def test_a_pdf_download_refuses_methods_other_than_get_and_post_with_405(world, case, method):
    who, name, args = case
    before = _state(world)

    response = getattr(_browser(world, who), method)(reverse(name, args=args(world)))

    assert response.status_code == 405
    assert _state(world) == before


@pytest.mark.parametrize("case", PDF_DOWNLOADS, ids=_id)
def test_a_pdf_download_answers_head_like_get(world, case):
    who, name, args = case
    browser = _browser(world, who)
    url = reverse(name, args=args(world))

    get = browser.get(url)
    head = browser.head(url)

    assert head.status_code == get.status_code
    assert head["Content-Type"] == get["Content-Type"]
