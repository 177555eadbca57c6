"""A coach opens a client's session view from the dashboard: the blockers and a
disagreement are there, worded about the client, and on a phone nothing scrolls sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from coaching.services import calibration_save
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


@pytest.mark.parametrize("width", [1280, 390])
def test_a_coach_opens_the_session_view_from_the_dashboard(
    live_server, browser: Browser, width: int
) -> None:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python programming", category=category)
    serving = make_skill(
        slug="serving", name="Distributed model-serving infrastructure", category=category
    )
    role = make_role(
        title="Machine Learning Engineering Team Lead",
        track=make_track(),
        skills=[(python, 4, 3, True), (serving, 3, 2, False)],
    )
    client = make_user(
        email="maximiliana@example.com",
        first_name="Maximiliana Fitzgerald-Worthington",
        password=PASSWORD,
    )
    coach = make_coach(email="cora@example.com", first_name="Cora", password=PASSWORD)
    relationship = make_relationship(coach=coach, client=client)
    report = make_submitted_assessment(role=role, owner=client, levels={"python": 1, "serving": 3})
    calibration_save(assessment=report, coach=coach, levels={"serving": "1"})

    page = signed_in(browser, live_server.url, "cora@example.com", width)
    page.goto(f"{live_server.url}{reverse('coaching:clients')}")
    page.get_by_role("link", name="Maximiliana Fitzgerald-Worthington").click()
    page.wait_for_url(f"**{reverse('coaching:session', args=[relationship.pk])}")

    blockers = page.get_by_test_id("blockers")
    expect(blockers).to_contain_text(
        "Essential: Python programming needs Advanced, "
        "Maximiliana Fitzgerald-Worthington is at Awareness"
    )
    expect(page.get_by_test_id("disagreement")).to_have_text(
        "Distributed model-serving infrastructure: Maximiliana Fitzgerald-Worthington rates "
        "Practitioner, calibrated Awareness (2 levels lower); the role asks for Practitioner."
    )
    expect(
        page.get_by_role(
            "heading", name="Maximiliana Fitzgerald-Worthington's next step: the top gaps"
        )
    ).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    page.context.close()
