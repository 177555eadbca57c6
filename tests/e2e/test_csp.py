"""The Content-Security-Policy in a real browser: a person logs in, answers the
questionnaire (autosave through htmx, its CSRF token read from the cookie), submits and
reads the report, and Chromium reports no violation on the way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from assessments.models import Assessment
from tests.factories import make_category, make_role, make_skill, make_track, make_user

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ann@example.com"
PASSWORD = "correct-horse-battery"
QUESTIONNAIRE_URL = re.compile(r"/assessments/[0-9a-f-]{36}/$")

# Chromium fires this event for every blocked script, handler, style or eval; the page
# keeps the list for the test to read.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def role() -> Any:
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python", category=category)
    sql = make_skill(slug="sql", name="SQL", category=category)
    mlops = make_skill(slug="mlops", name="MLOps", category=category)
    return make_role(
        slug="ml-lead",
        title="ML Lead",
        track=make_track(),
        skills=[(python, 3, 3, True), (sql, 2, 2, False), (mlops, 2, 1, False)],
    )


def _watch(page: Page) -> list[str]:
    messages: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            messages.append(message.text)

    page.on("console", keep)
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    page.add_init_script(COLLECT_VIOLATIONS)
    return messages


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def _answer(page: Page, slug: str, level: int) -> None:
    page.locator(f'label[for="id-skill-{slug}-{level}"]').click()
    expect(page.locator(f"#status-skill-{slug} [data-state=saved]")).to_have_text("Saved")


def test_questionnaire_and_report_run_under_the_policy_and_autosave_works(
    role: Any, live_server, page: Page
) -> None:
    make_user(email=EMAIL, password=PASSWORD)
    messages = _watch(page)
    seen: list[str] = []

    def check(where: str) -> None:
        seen.append(where)
        assert _violations(page) == [], f"{where}: {_violations(page)}"

    page.goto(f"{live_server.url}/accounts/login/")
    check("login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # The catalogue's live search is htmx too (a GET, with its indicator).
    page.goto(f"{live_server.url}/roles/")
    page.locator("#id_q").fill("ML")
    expect(page.locator("#role-results")).to_contain_text("ML Lead")
    check("roles list")

    page.goto(f"{live_server.url}/roles/{role.slug}/")
    check("role page")
    page.get_by_test_id("assess-cta").click()
    page.get_by_role("button", name="Start the assessment").click()
    expect(page).to_have_url(QUESTIONNAIRE_URL)
    check("questionnaire")

    # Autosave: each answer is POSTed by htmx with the token from the csrftoken cookie.
    _answer(page, "python", 2)
    _answer(page, "sql", 3)
    _answer(page, "mlops", 0)
    page.get_by_label("Highest education").select_option("master")
    expect(page.locator("#status-education [data-state=saved]")).to_have_text("Saved")
    check("questionnaire after autosave")
    assessment = Assessment.objects.get(owner__email=EMAIL)
    answers = {a.skill.slug: a.level for a in assessment.skill_answers.select_related("skill")}
    assert answers == {"python": 2, "sql": 3, "mlops": 0}

    page.reload()
    expect(page.locator("#id-skill-python-2")).to_be_checked()
    expect(page.get_by_test_id("progress-count")).to_have_text("4 of 4 answered")

    page.get_by_role("link", name="Review and submit").click()
    check("review")
    page.get_by_role("button", name="Submit my assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your report")
    expect(page.get_by_test_id("skill-chart")).to_be_visible()
    expect(page.get_by_test_id("category-bars").locator("svg.bar")).to_have_count(1)
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    check("report")

    page.goto(f"{live_server.url}/accounts/")
    check("account")

    csp_messages = [m for m in messages if "Content Security Policy" in m or "page error" in m]
    assert csp_messages == []
    assert len(seen) == 8
