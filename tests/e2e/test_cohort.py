"""A coach tags two of three clients on their session views, opens the cohort, filters it
by the tag and sees only those two, then compares them; on a phone the cohort page does
not scroll sideways."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from coaching.models import ClientTag
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


def _world() -> dict[str, int]:
    technical, data = make_category(name="Technical"), make_category(name="Data")
    skills = [
        make_skill(slug="python", name="Python programming", category=technical),
        make_skill(slug="serving", name="Distributed model-serving", category=technical),
        make_skill(slug="statistics", name="Statistics", category=data),
    ]
    role = make_role(
        title="Machine Learning Engineering Team Lead",
        track=make_track(),
        skills=[(s, 4, 2, False) for s in skills],
    )
    coach = make_coach(email="cora@example.com", first_name="Cora", password=PASSWORD)
    relationships = {}
    for n, name in enumerate(["Ana Lima", "Ben Okafor", "Cid Moreau"]):
        client = make_user(email=f"client{n}@example.com", first_name=name)
        relationships[name] = make_relationship(coach=coach, client=client).pk
        make_submitted_assessment(
            role=role,
            owner=client,
            levels={"python": n + 1, "serving": 3 - n, "statistics": 2},
        )
    return relationships


def _tag(page: Page, base_url: str, relationship: int, name: str) -> None:
    page.goto(f"{base_url}{reverse('coaching:session', args=[relationship])}")
    tags = page.get_by_test_id("client-tags")
    tags.get_by_label("Add a tag").fill(name)
    tags.get_by_role("button", name="Add tag").click()
    # htmx swaps the block: the chip is there, with its own remove button.
    expect(page.get_by_test_id("tag-chip")).to_have_count(1)
    remove = page.get_by_role("button", name=re.compile("Remove the tag spring", re.I))
    expect(remove).to_be_visible()


def test_a_coach_filters_the_cohort_by_a_tag_and_compares_two_clients(
    live_server, browser: Browser
) -> None:
    clients = _world()
    page = signed_in(browser, live_server.url, "cora@example.com", 1280)
    _tag(page, live_server.url, clients["Ana Lima"], "Spring")
    # In another case: the same tag, not a second one.
    _tag(page, live_server.url, clients["Ben Okafor"], "spring")
    assert list(ClientTag.objects.values_list("name", flat=True)) == ["Spring"]

    page.goto(f"{live_server.url}{reverse('coaching:cohort')}")
    expect(page.get_by_test_id("cohort-count")).to_have_text("3 clients, 3 with a shared report.")
    expect(page.get_by_test_id("map-client")).to_have_count(3)

    page.get_by_label("Clients", exact=True).select_option(label="Tagged “Spring” (2)")
    expect(page.get_by_test_id("cohort-count")).to_have_text("2 clients, 2 with a shared report.")
    expect(page.get_by_test_id("map-client")).to_have_text(["Ana Lima", "Ben Okafor"])
    expect(page).to_have_url(re.compile(r"/coaching/cohort/\?tag=\d+$"))
    spread = page.get_by_test_id("verdict-table")
    expect(spread).to_contain_text("Nothing shared yet")

    page.get_by_label("Compare Ana Lima").check()
    page.get_by_label("Compare Ben Okafor").check()
    page.get_by_role("button", name="Compare the ticked clients").click()

    chart = page.get_by_test_id("overlay-chart")
    expect(chart).to_be_visible()
    expect(chart.get_by_role("img", name=re.compile(r"^Technical: Ana Lima \d"))).to_be_visible()
    table = page.get_by_test_id("overlay-table")
    expect(table.get_by_role("columnheader")).to_have_text(["Category", "Ana Lima", "Ben Okafor"])
    expect(table.get_by_role("row", name=re.compile("^Overall readiness"))).to_be_visible()
    expect(page.get_by_test_id("overlay-legend")).to_contain_text("Ana Lima (circle")
    # Still the tag's cohort, and both still ticked.
    expect(page.get_by_test_id("map-client")).to_have_count(2)
    expect(page.get_by_label("Compare Ben Okafor")).to_be_checked()
    page.context.close()


def test_a_tag_comes_off_with_the_keyboard(live_server, browser: Browser) -> None:
    clients = _world()
    page = signed_in(browser, live_server.url, "cora@example.com", 1280)
    _tag(page, live_server.url, clients["Cid Moreau"], "Spring")

    page.get_by_role("button", name="Remove the tag Spring").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("tag-chip")).to_have_count(0)
    expect(page.get_by_test_id("tag-done")).to_have_text("Tag “Spring” removed.")
    # The add field has the focus again, and the name is offered for reuse.
    expect(page.get_by_label("Add a tag")).to_be_focused()
    expect(page.locator("#coach-tags option")).to_have_attribute("value", "Spring")
    page.context.close()


def test_the_cohort_does_not_scroll_sideways_on_a_phone(live_server, browser: Browser) -> None:
    clients = _world()
    page = signed_in(browser, live_server.url, "cora@example.com", 390)
    _tag(page, live_server.url, clients["Ana Lima"], "Spring")
    tag = ClientTag.objects.get()
    compare = "&".join(f"compare={pk}" for pk in clients.values())
    for url in (
        reverse("coaching:cohort") + f"?{compare}",
        reverse("coaching:cohort") + f"?tag={tag.pk}",
        reverse("coaching:session", args=[clients["Ana Lima"]]),
    ):
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200
        assert page.evaluate("document.scrollingElement.scrollWidth") == 390, url
    page.context.close()


def test_a_coach_tags_two_clients_at_once_from_the_dashboard(live_server, browser: Browser) -> None:
    _world()
    page = signed_in(browser, live_server.url, "cora@example.com", 1280)
    page.goto(f"{live_server.url}{reverse('coaching:clients')}")

    # Ticked with the keyboard: each row's box has its own name.
    page.get_by_label("Tick Ana Lima to tag").focus()
    page.keyboard.press("Space")
    page.get_by_label("Tick Cid Moreau to tag").check()
    page.get_by_label("Tag the ticked clients").fill("Career change")
    page.get_by_role("button", name="Add tag", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("Tagged 2 clients “Career change”.")
    expect(page.get_by_test_id("row-tags")).to_have_count(2)
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Tag", exact=True).select_option(label="Career change")
    expect(page.get_by_test_id("client-count")).to_have_text("2 clients")
    page.context.close()
