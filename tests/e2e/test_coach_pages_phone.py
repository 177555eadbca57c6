"""The coach's pages on a phone (390 px wide): nothing scrolls the page sideways, even with
long names and addresses; wide tables scroll inside their own box."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page

from coaching.models import Invitation
from coaching.services import calibration_save, invitation_create, note_create
from tests.e2e.signing_in import PASSWORD, signed_in
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

pytestmark = pytest.mark.django_db(transaction=True)

LONG_EMAIL = "maximiliana.fitzgerald-worthington@a-very-long-company-domain.example.com"
LONG_NAME = "Maximiliana Fitzgerald-Worthington-Montgomery"


def _page_width(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_coach_pages_do_not_scroll_sideways_at_390_px(live_server, browser: Browser) -> None:
    category = make_category(name="Technical")
    skills = [
        make_skill(
            slug=f"skill-{n}",
            name=f"Distributed model-serving infrastructure {n}",
            category=category,
        )
        for n in range(6)
    ]
    role = make_role(
        slug="lead",
        title="Machine Learning Engineering Team Lead",
        track=make_track(),
        skills=[(s, 4, 3, n == 0) for n, s in enumerate(skills)],
    )
    coach = make_coach(email="cora@example.com", password=PASSWORD, first_name="Cora")
    # The report's owner has a long address and a name of a common length (the report's
    # own wording, "<name>'s next step", is the report's to wrap); a second client has a
    # very long name, on the dashboard, the client page and the invitations.
    client = make_user(email=LONG_EMAIL, password=PASSWORD, first_name="Maximiliana Fitz")
    assessment = make_submitted_assessment(
        role=role, owner=client, levels={s.slug: 1 for s in skills}
    )
    relationship = make_relationship(coach=coach, client=client)
    other = make_user(email=LONG_EMAIL.replace("maxi", "long"), first_name=LONG_NAME)
    make_submitted_assessment(role=role, owner=other, levels={s.slug: 2 for s in skills})
    other_relationship = make_relationship(coach=coach, client=other)
    note_create(assessment=assessment, coach=coach, text="x" * 300, visibility="shared")
    calibration_save(assessment=assessment, coach=coach, levels={s.slug: "4" for s in skills})
    invitation_create(coach=coach, email=LONG_EMAIL.replace("maxi", "other"))
    open_invitation = Invitation.objects.create(coach=make_coach(email="bob@example.com"))

    coach_page = signed_in(browser, live_server.url, "cora@example.com", 390)
    coach_urls = [
        reverse("coaching:clients"),
        reverse("coaching:clients") + "?verdict=early",
        reverse("coaching:client", args=[relationship.pk]),
        reverse("coaching:client", args=[other_relationship.pk]),
        reverse("coaching:notes", args=[relationship.pk]),
        reverse("coaching:notes", args=[other_relationship.pk]),
        reverse("coaching:report", args=[assessment.pk]),
        reverse("coaching:invite"),
        # the cohort, with the overlay of both clients and the map of their gaps
        reverse("coaching:cohort") + f"?compare={relationship.pk}&compare={other_relationship.pk}",
    ]
    widths = {url: _page_width(coach_page, live_server.url + url) for url in coach_urls}
    # The page a client opens from an invitation, and their report with the calibration.
    client_page = signed_in(browser, live_server.url, LONG_EMAIL, 390)
    client_urls = [
        reverse("coaching:invitation", args=[open_invitation.token]),
        reverse("coaching:my_coaches"),
        reverse("assessments:result", args=[assessment.pk]),
    ]
    widths |= {url: _page_width(client_page, live_server.url + url) for url in client_urls}

    assert widths == {url: 390 for url in coach_urls + client_urls}
