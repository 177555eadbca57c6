"""The example report the home page offers: Maya's answers for the featured role, scored
against today's catalogue, rendered with the real report body, never saved."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.example import UNNAMED_SKILL_LEVEL, example_answers
from assessments.models import Assessment
from assessments.scoring import questionnaire_scope
from assessments.services import report_preview
from roles.cache import forget_local_copies
from roles.models import Role, SkillRequirement
from roles.selectors import ladder_specs
from roles.services import catalogue_load

pytestmark = pytest.mark.django_db

EXAMPLE_URL = "/assessments/example/"


@pytest.fixture
def catalogue(settings: Any) -> Role:
    settings.FEATURED_ROLE = "ml-team-lead"
    catalogue_load()
    return Role.objects.get(slug="ml-team-lead")


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([:.,;)])", r"\1", text)


def _testid(page: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, flags=re.S)
    assert match, testid
    return _text(match.group(2))


def _engine(role: Role) -> dict[str, Any]:
    answers = example_answers(*questionnaire_scope(ladder_specs(role)))
    return report_preview(role=role, raw_answers=answers)


def test_the_url_is_the_documented_one():
    assert reverse("assessments:example") == EXAMPLE_URL


def test_home_links_to_the_example_report(client, catalogue):
    page = client.get("/").content.decode()
    assert re.search(rf'<a [^>]*href="{EXAMPLE_URL}"[^>]*>See an example report</a>', page)


def test_the_example_is_the_engines_report_of_the_example_answers(client, catalogue):
    response = client.get(EXAMPLE_URL)
    assert response.status_code == 200
    page = response.content.decode()
    engine = _engine(catalogue)
    assert _testid(page, "readiness") == f"{engine['readiness']:.1f}"
    text = _text(page)
    assert "An example report." in _testid(page, "example-label")
    assert "Maya is a fictional senior ML engineer" in text
    assert "Maya's report: Machine Learning Team Lead" in text
    # Her answers make the senior rung her current one and the team lead her next step.
    assert engine["current_rung"] == "senior-ml-engineer"
    assert engine["next_step"] == "ml-team-lead"
    assert "Maya is here" in text and "Maya's next step" in text
    # the catalogue's figures: senior (141,405 + 167,029) / 2 = 154,217; lead 188,940:
    # +34,723, 34,723 / 154,217 = 22.5 %
    assert "+$34,723 a year (+22.5%)" in _testid(page, "salary-uplift")
    for phrase in ("Your report", "your next step", "You are here"):
        assert phrase.lower() not in text.lower()


def test_the_example_has_no_owner_controls_and_writes_nothing(client, catalogue):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(EXAMPLE_URL).content.decode()
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not Assessment.objects.exists()
    for control in ("Share this report", "Retake this assessment", "Delete", "Download PDF"):
        assert control not in page
    assert 'href="/roles/ml-team-lead/assess/"' in page  # the way to a report of one's own


def test_the_example_follows_a_catalogue_edit(client, catalogue):
    before = _testid(client.get(EXAMPLE_URL).content.decode(), "readiness")
    # Maya rates Python 5; the lead asks 4. Asking for Team leadership at 2 (she has 2)
    # meets it: readiness goes up.
    requirement = SkillRequirement.objects.get(role=catalogue, skill__slug="team-leadership")
    requirement.level = 2
    requirement.save()
    after = _testid(client.get(EXAMPLE_URL).content.decode(), "readiness")
    assert float(after) > float(before)
    assert after == f"{_engine(catalogue)['readiness']:.1f}"


def test_a_skill_the_catalogue_adds_is_answered_at_working():
    answers = example_answers(["python", "quantum-ml"], ["ml-experience", "patents"])
    assert answers["skills"] == {"python": 5, "quantum-ml": UNNAMED_SKILL_LEVEL}
    assert answers["experience"] == {"ml-experience": 6, "patents": 0}


@pytest.mark.parametrize("how", ["unpublished", "missing"])
def test_without_the_featured_role_there_is_no_link_and_the_page_is_404(
    client, catalogue, settings, how
):
    if how == "unpublished":
        catalogue.is_published = False
        catalogue.save()
    else:
        settings.FEATURED_ROLE = "no-such-role"
        forget_local_copies()
    assert client.get(EXAMPLE_URL).status_code == 404
    assert EXAMPLE_URL not in client.get("/").content.decode()


# The example page, first render under a catalogue version (then kept, like every public
# page), in a fixed number of queries whatever the catalogue's size:
#  1. the featured role
#  2-3. its ladder (the track's roles, the links between them)
#  4-6. the rungs with their skill and experience requirements
#  7. the branches; 8. the salary figures; 9. the track; 10. the learning actions
#  11-14. every published role with its requirements (closest roles)
EXAMPLE_FIRST_QUERIES = 14
# Signed in, with the body kept: the session, the user, the featured role, the coach check.
EXAMPLE_KEPT_QUERIES = 4


def test_example_queries_are_pinned(client, catalogue):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(EXAMPLE_URL).status_code == 200
    assert len(queries) == EXAMPLE_FIRST_QUERIES, [q["sql"][:120] for q in queries]
    from tests.factories import make_user

    viewer = Client()
    viewer.force_login(make_user())
    with CaptureQueriesContext(connection) as queries:
        assert viewer.get(EXAMPLE_URL).status_code == 200
    assert len(queries) == EXAMPLE_KEPT_QUERIES, [q["sql"][:120] for q in queries]
