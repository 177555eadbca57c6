from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from roles.services import catalogue_load

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue() -> None:
    catalogue_load()


def test_visitor_searches_catalogue_through_htmx_and_opens_a_role(
    catalogue: None, live_server, page: Page
) -> None:
    page.goto(f"{live_server.url}/roles/")
    expect(page.get_by_test_id("result-count")).to_have_text("11 roles")

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.headers.get("hx-request") else None)
    page.get_by_label("Search roles").fill("team lead")
    expect(page.get_by_test_id("result-count")).to_contain_text("matching “team lead”")
    assert requests, "the search should go through htmx, not a full page load"
    expect(page).to_have_url(re.compile(r"q=team(\+|%20)lead"))

    page.get_by_role("link", name="Machine Learning Team Lead").click()
    expect(page).to_have_url(f"{live_server.url}/roles/ml-team-lead/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Machine Learning Team Lead")
    expect(page.get_by_test_id("salary")).to_contain_text("$188,940")


def test_category_filter_works_without_javascript(catalogue: None, live_server, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/roles/")
    page.get_by_label("Skill category").select_option(label="Cloud & MLOps")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"category=cloud-mlops"))
    expect(page.get_by_test_id("result-count")).to_have_text("6 roles")
    context.close()
