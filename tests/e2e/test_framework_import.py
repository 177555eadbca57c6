"""An admin imports ESCO's data scientist from the admin, publishes it, and a visitor
takes its questionnaire: the whole way a framework occupation reaches people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from roles.services import catalogue_load

pytestmark = pytest.mark.django_db(transaction=True)

ESCO = Path(__file__).resolve().parents[1] / "data" / "esco"
FILES = ("occupations_en.csv", "skills_en.csv", "occupationSkillRelations_en.csv")
QUESTIONNAIRE_URL = re.compile(r"/assessments/[0-9a-f-]{36}/$")
PASSWORD = "import-Frameworks-2026"


def _admin_imports_data_scientist(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/")
    page.get_by_label("Username").fill("editor@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Roles", exact=True).first.click()
    page.get_by_role("link", name="Import from ESCO or O*NET").click()

    page.get_by_label("ESCO (CSV download)").check()
    page.get_by_label("Files", exact=True).set_input_files([str(ESCO / name) for name in FILES])
    page.get_by_role("button", name="Upload and choose occupations").click()
    expect(page.get_by_text("3 occupations in the files")).to_be_visible()

    page.get_by_label("Search occupations by title or other title").fill("data scientist")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 occupation matching “data scientist”")).to_be_visible()
    page.get_by_label("Data scientist").check()
    page.get_by_label("Or a new track named").fill("Data careers")
    # A second search, by pressing Enter: what was ticked stays ticked.
    page.get_by_label("Search occupations by title or other title").fill("analyst")
    page.get_by_label("Search occupations by title or other title").press("Enter")
    expect(page.get_by_text("1 occupation matching “analyst”")).to_be_visible()
    expect(page.get_by_test_id("ticked-elsewhere").get_by_label("Data scientist")).to_be_checked()
    expect(page.get_by_label("Data analyst")).not_to_be_checked()
    expect(page.get_by_label("Or a new track named")).to_have_value("Data careers")
    page.get_by_label(re.compile("Also optional skills")).check()
    page.get_by_role("button", name="Preview").click()

    # 54 essential and 3 optional: Python is the catalogue's, the other 56 are new.
    expect(page.get_by_test_id("import-summary")).to_contain_text(
        "1 role(s) created, 0 updated, 0 unchanged (already imported); 56 skill(s) created, "
        "1 existing skill(s) linked; track “Data careers” (new)"
    )
    python_row = page.get_by_role("row", name=re.compile(r"^Python \(computer programming\)"))
    expect(python_row).to_contain_text("linked to “Python programming” (same slug)")
    page.get_by_role("button", name="Import").click()

    expect(page.locator(".messagelist")).to_contain_text("Imported: 1 role(s) created")
    expect(page.get_by_role("heading", level=2, name="Data scientist")).to_be_visible()
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def test_admin_imports_and_publishes_an_esco_occupation_and_a_visitor_takes_it(
    live_server, page: Page, browser: Browser
) -> None:
    catalogue_load()
    get_user_model().objects.create_superuser(
        username="editor@example.com", email="editor@example.com", password=PASSWORD
    )
    _admin_imports_data_scientist(page, live_server.url)

    visitor = browser.new_context(viewport={"width": 390, "height": 844})
    visitor.set_default_timeout(10_000)
    take = visitor.new_page()
    try:
        take.goto(f"{live_server.url}/roles/?q=data+expert")
        take.get_by_role("link", name="Data scientist").click()
        expect(take.get_by_test_id("attribution")).to_have_text("ESCO, © European Union")
        expect(take.get_by_test_id("alternative-titles")).to_contain_text("data expert")
        take.get_by_test_id("assess-cta").click()
        take.get_by_role("button", name="Start the assessment").click()
        expect(take).to_have_url(QUESTIONNAIRE_URL)

        questions = take.locator(".skill-question")
        expect(questions).to_have_count(57)
        mining = take.locator("#q-skill-data-mining")
        expect(mining.get_by_test_id("generic-scale")).to_be_visible()
        expect(mining.locator('label[for="id-skill-data-mining-3"]')).to_contain_text(
            "3 · Practitioner — Works independently on most situations"
        )
        mining.locator('label[for="id-skill-data-mining-3"]').click()
        expect(take.locator("#status-skill-data-mining [data-state=saved]")).to_have_text("Saved")
        expect(take.locator("#id-skill-data-mining-3")).to_be_checked()
    finally:
        visitor.close()
