"""A coach sets an action item on the session view, the client ticks it off under "My
coaches", and the coach's session view shows it done; on a phone nothing scrolls sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

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

ITEM = "Finish the distributed model-serving course, chapters 3 to 5, with the exercises"


def _no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 390])
def test_an_action_item_goes_from_coach_to_client_and_back_done(
    live_server, browser: Browser, width: int
) -> None:
    category = make_category(name="Technical")
    serving = make_skill(
        slug="serving", name="Distributed model-serving infrastructure", category=category
    )
    role = make_role(
        title="Machine Learning Engineering Team Lead",
        track=make_track(),
        skills=[(serving, 3, 2, False)],
    )
    client = make_user(
        email="maximiliana@example.com",
        first_name="Maximiliana Fitzgerald-Worthington",
        password=PASSWORD,
    )
    coach = make_coach(email="cora@example.com", first_name="Cora", password=PASSWORD)
    relationship = make_relationship(coach=coach, client=client)
    make_submitted_assessment(role=role, owner=client, levels={"serving": 1})
    session_url = f"{live_server.url}{reverse('coaching:session', args=[relationship.pk])}"

    coach_page = signed_in(browser, live_server.url, "cora@example.com", width)
    coach_page.goto(session_url)
    form = coach_page.get_by_test_id("action-item-form")
    form.get_by_label("New action item").fill(ITEM)
    form.get_by_label("Due (optional)").fill("2099-12-24")
    form.get_by_role("button", name="Add").click()
    coach_page.wait_for_url("**#action-items")
    item = coach_page.get_by_test_id("action-item")
    expect(item).to_contain_text(ITEM)
    expect(item).to_contain_text("Due 24 Dec 2099")
    expect(item).to_have_attribute("data-state", "open")
    _no_sideways_scroll(coach_page, width)

    client_page = signed_in(browser, live_server.url, "maximiliana@example.com", width)
    client_page.goto(f"{live_server.url}{reverse('coaching:my_coaches')}")
    open_item = client_page.get_by_test_id("open-item")
    expect(open_item).to_contain_text(ITEM)
    _no_sideways_scroll(client_page, width)
    open_item.get_by_role("button", name="Mark done").click()
    expect(client_page.get_by_text("Done: your coach sees it ticked off.")).to_be_visible()
    expect(client_page.get_by_test_id("open-item")).to_have_count(0)

    coach_page.reload()
    done = coach_page.get_by_test_id("action-item")
    expect(done).to_have_attribute("data-state", "done")
    expect(done).to_contain_text("ticked off by Maximiliana Fitzgerald-Worthington")
    _no_sideways_scroll(coach_page, width)
    coach_page.context.close()
    client_page.context.close()
