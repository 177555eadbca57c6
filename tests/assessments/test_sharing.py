"""Whose report it is: the owner reads "your", anyone else a name or neutral words. Share
links with the name the owner chose, their PDF, and what a link holder never sees."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Assessment, ShareLink
from assessments.viewpoint import NEUTRAL, OWNER, named
from roles.models import EducationLevel
from tests.factories import (
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
    make_user,
)

pytestmark = pytest.mark.django_db

# What the report says to its owner, and must never say to anyone else.
SECOND_PERSON = ("Your report", "your next step", "You are here", "Where you stand", "you meet")


@pytest.fixture
def lead() -> Any:
    """Junior → Lead on one track. The answers below meet the junior rung, not the lead."""
    track = make_track(slug="ml", name="Machine Learning Engineering")
    technical = make_category(name="Technical", order=1)
    python = make_skill(slug="python", name="Python", category=technical)
    leadership = make_skill(slug="leadership", name="Team leadership", category=technical)
    junior = make_role(
        slug="junior",
        title="Junior ML Engineer",
        track=track,
        rank=1,
        skills=[(python, 2, 3, False)],
    )
    lead = make_role(
        slug="lead",
        title="ML Team Lead",
        track=track,
        rank=2,
        skills=[(python, 4, 3, True), (leadership, 3, 5, True)],
        experience=[("ml-work", "professional ML work", 5, 4, True)],
        education=(EducationLevel.BACHELOR, 2, False),
    )
    junior.next_roles.add(lead)
    return lead


@pytest.fixture
def ana() -> Any:
    return make_user(email="ana@example.com")


def _submit(role: Any, owner: Any) -> Assessment:
    return make_submitted_assessment(
        role=role, owner=owner, levels={"python": 3, "leadership": 1}, years={"ml-work": 3}
    )


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([:.,;)])", r"\1", text)  # where a tag closed just before it


def _share(client: Client, assessment: Assessment, **data: str) -> Any:
    url = reverse("assessments:share_create", args=[assessment.pk])
    return client.post(url, {"days": "30"} | data, follow=True)


def _link(assessment: Assessment, name: str = "", days: int = 30) -> ShareLink:
    return ShareLink.objects.create(
        assessment=assessment,
        expires_at=timezone.now() + timedelta(days=days),
        display_name=name,
    )


def _pdf_url(link: ShareLink) -> str:
    return reverse("shared_report_pdf", args=[link.token])


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


# --- the viewpoint ----------------------------------------------------------------------


def test_the_viewpoint_words_for_the_owner_a_named_reader_and_anyone():
    ana_view = named("  Ana \n Lima ")
    assert (OWNER.report_title, ana_view.report_title, NEUTRAL.report_title) == (
        "Your report",
        "Ana Lima's report",
        "Report",
    )
    assert (OWNER.next_step, ana_view.next_step, NEUTRAL.next_step) == (
        "Your next step",
        "Ana Lima's next step",
        "Next step",
    )
    assert (OWNER.here, ana_view.here, NEUTRAL.here) == (
        "You are here",
        "Ana Lima is here",
        "Current rung",
    )
    assert (OWNER.meets, ana_view.meets, NEUTRAL.meets) == (
        "You meet",
        "Ana Lima meets",
        "The person meets",
    )
    assert named("") is NEUTRAL and named("   ") is NEUTRAL
    # One kept body per viewpoint: the keys differ, and a name never enters a key as typed.
    keys = {OWNER.key, ana_view.key, NEUTRAL.key, named("Bo").key}
    assert len(keys) == 4
    assert all(re.fullmatch(r"[a-z0-9-]+", key) for key in keys)


# --- the owner creates a link with a name -----------------------------------------------


def test_the_owner_creates_a_link_with_a_display_name(client, lead, ana):
    assessment = _submit(lead, ana)
    client.force_login(ana)
    response = _share(client, assessment, display_name="  Ana   Lima ")
    link = ShareLink.objects.get()
    assert link.display_name == "Ana Lima"
    body = _text(response.content.decode())
    assert "Anyone with it can read this report as shared by Ana Lima." in body
    assert "Shared by Ana Lima" in body  # the owner's list of links says how each one reads


def test_a_link_without_a_name_names_no_one(client, lead, ana):
    assessment = _submit(lead, ana)
    client.force_login(ana)
    _share(client, assessment, display_name="")
    assert ShareLink.objects.get().display_name == ""


def test_a_name_longer_than_80_characters_is_refused_with_a_message(client, lead, ana):
    assessment = _submit(lead, ana)
    client.force_login(ana)
    response = _share(client, assessment, display_name="A" * 81)
    assert "Keep the name to 80 characters." in _text(response.content.decode())
    assert not ShareLink.objects.exists()
    _share(client, assessment, display_name="A" * 80)
    assert ShareLink.objects.get().display_name == "A" * 80


# --- what a link holder reads -----------------------------------------------------------


def test_a_named_shared_page_says_whose_report_it_is_and_never_your(lead, ana):
    assessment = _submit(lead, ana)
    link = _link(assessment, "Ana")
    page = Client().get(link.get_absolute_url()).content.decode()
    text = _text(page)
    assert "Shared by Ana: a read-only report" in text
    assert "Ana's report: ML Team Lead" in text
    assert "Ana's next step" in text  # the junior rung is met: the lead is her next step
    assert "Ana is here" in text
    assert "Where Ana stands on the ladder" in text
    # the headline's blockers speak of her too
    assert "Team leadership needs Practitioner, Ana is at Awareness" in text
    for phrase in SECOND_PERSON:
        assert phrase.lower() not in text.lower()


def test_a_shared_page_without_a_name_uses_neutral_words(lead, ana):
    assessment = _submit(lead, ana)
    link = _link(assessment)
    text = _text(Client().get(link.get_absolute_url()).content.decode())
    assert "Shared by" not in text
    assert "A read-only report, through careerpath" in text
    assert "Report: ML Team Lead" in text
    assert "Next step" in text and "Current rung" in text
    assert "Team leadership needs Practitioner, the person is at Awareness" in text
    for phrase in SECOND_PERSON:
        assert phrase.lower() not in text.lower()


def test_the_straight_lining_warning_advises_only_the_owner(client, ana):
    role = _role_with_skills(3)
    skills = [r.skill.slug for r in role.skill_requirements.select_related("skill")]
    assessment = make_submitted_assessment(role=role, owner=ana, levels=dict.fromkeys(skills, 3))
    link = _link(assessment, "Ana")
    client.force_login(ana)
    owner = _text(client.get(assessment.get_absolute_url()).content.decode())
    stranger = _text(Client().get(link.get_absolute_url()).content.decode())
    assert "consider a retake where you rate each skill on its own description" in owner
    assert "read the gaps and strengths below with that in mind" in stranger
    assert "consider a retake" not in stranger


def test_the_owner_still_reads_your_after_a_link_was_opened(client, lead, ana):
    assessment = _submit(lead, ana)
    link = _link(assessment, "Ana")
    Client().get(link.get_absolute_url())  # the named body is kept first
    client.force_login(ana)
    text = _text(client.get(assessment.get_absolute_url()).content.decode())
    assert "Your report: ML Team Lead" in text
    assert "Your next step" in text and "You are here" in text
    assert "Ana's" not in text


def test_the_shared_page_offers_the_pdf_and_no_owner_control(lead, ana):
    assessment = _submit(lead, ana)
    link = _link(assessment, "Ana")
    page = Client().get(link.get_absolute_url()).content.decode()
    assert f'href="{_pdf_url(link)}"' in page
    for control in ("Retake this assessment", "Share this report", "Revoke", "Delete"):
        assert control not in page
    assert str(assessment.pk) not in page
    assert '<meta name="robots" content="noindex">' in page


def test_the_shared_pdf_downloads_through_the_link_and_speaks_neutrally(lead, ana):
    assessment = _submit(lead, ana)
    link = _link(assessment, "Ana")
    response = Client().get(_pdf_url(link))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    # One PDF a report, for whoever the report reaches: it names no one and says no "your".
    text = _pdf_text(response.content)
    assert "Report: ML Team Lead" in text
    assert "Your report" not in text and "Ana" not in text


@pytest.mark.parametrize("ended", ["revoked", "expired"])
def test_a_revoked_or_expired_link_is_404_for_the_page_and_the_pdf(lead, ana, ended):
    assessment = _submit(lead, ana)
    link = _link(assessment, "Ana")
    assert Client().get(link.get_absolute_url()).status_code == 200
    if ended == "revoked":
        ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    else:
        ShareLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    assert Client().get(link.get_absolute_url()).status_code == 404
    assert Client().get(_pdf_url(link)).status_code == 404
    assert Client().post(_pdf_url(link)).status_code == 404


def test_an_unknown_token_has_no_pdf(lead, ana):
    _link(_submit(lead, ana))
    assert Client().get("/shared/" + "x" * 43 + "/report.pdf").status_code == 404


# The shared page's queries, whatever the size of the report:
#  1. the link with its assessment, role and track (active, by token)
# The frozen body is kept; a stranger has no session, no progress, no notes.
SHARED_PAGE_QUERIES = 1


def _role_with_skills(count: int) -> Any:
    category = make_category()
    skills = [make_skill(category=category) for _ in range(count)]
    return make_role(
        skills=[(skill, 1 + i % 5, 1 + i % 5, i % 3 == 0) for i, skill in enumerate(skills)],
        experience=[("ml-work", "ML work", 3, 4, True)],
    )


def test_shared_page_queries_do_not_grow_with_the_number_of_skills(ana):
    for count in (3, 30):
        link = _link(make_submitted_assessment(role=_role_with_skills(count), owner=ana), "Ana")
        stranger = Client()
        stranger.get(link.get_absolute_url())  # makes the kept body
        with CaptureQueriesContext(connection) as queries:
            assert stranger.get(link.get_absolute_url()).status_code == 200
        assert len(queries) == SHARED_PAGE_QUERIES, [q["sql"] for q in queries]


# --- the coach reads the client's name ---------------------------------------------------


def test_the_coach_reads_the_clients_name_or_neutral_words(lead):
    named_client = make_user(email="cleo@example.com", first_name="Cleo", last_name="Park")
    unnamed_client = make_user(email="noname@example.com")
    coach = make_coach(email="cora@example.com", first_name="Cora", last_name="Coach")
    pages = {}
    for person in (named_client, unnamed_client):
        assessment = _submit(lead, person)
        make_relationship(coach=coach, client=person)
        viewer = Client()
        viewer.force_login(coach)
        pages[person.email] = _text(
            viewer.get(reverse("coaching:report", args=[assessment.pk])).content.decode()
        )
    assert "Cleo Park's report: ML Team Lead" in pages["cleo@example.com"]
    assert "Cleo Park's next step" in pages["cleo@example.com"]
    assert "Report: ML Team Lead" in pages["noname@example.com"]
    for text in pages.values():
        for phrase in SECOND_PERSON:
            assert phrase.lower() not in text.lower()
