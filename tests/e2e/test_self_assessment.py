"""The self-assessment in a browser: autosave, resuming, signing up midway, submitting,
answering with the keyboard only, and a failed save announced where it happened."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Locator, Page, expect

from assessments import views
from assessments.models import Assessment, ExperienceAnswer, SkillAnswer
from roles.services import catalogue_load

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = "ml-team-lead"  # 27 skills in 8 categories, 2 experience questions, and education
QUESTIONS = 30
QUESTIONNAIRE_URL = re.compile(r"/assessments/[0-9a-f-]{36}/$")
MAX_TABS = 150  # every control of the questionnaire is fewer Tabs away than this


@pytest.fixture
def catalogue() -> None:
    catalogue_load()


def _skill_slug(question: Locator) -> str:
    return (question.get_attribute("id") or "").removeprefix("q-skill-")


def _answer_by_clicking(page: Page, slug: str, level: int) -> None:
    page.locator(f'label[for="id-skill-{slug}-{level}"]').click()
    expect(page.locator(f"#status-skill-{slug} [data-state=saved]")).to_have_text("Saved")


def _start_by_clicking(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/roles/{ROLE}/")
    page.get_by_test_id("assess-cta").click()
    page.get_by_role("button", name="Start the assessment").click()
    expect(page).to_have_url(QUESTIONNAIRE_URL)


def _tab_until(page: Page, selector: str) -> None:
    """Press Tab until the focused element matches `selector`; fail after MAX_TABS."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} never got the focus in {MAX_TABS} Tabs")


def _focus_outline(page: Page) -> tuple[str, str]:
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return [style.outlineStyle, style.outlineWidth];
        }"""
    )


def _is_autosave(response_url: str) -> bool:
    return response_url.endswith("/answer/")


def test_visitor_answers_reloads_signs_up_finishes_and_submits(
    catalogue: None, live_server, page: Page
) -> None:
    # A resumed questionnaire scrolls to the last question answered once loaded. Without
    # motion that scroll is instant, so it cannot move a link from under a click.
    page.emulate_media(reduced_motion="reduce")
    _start_by_clicking(page, live_server.url)
    questions = page.locator(".skill-question")
    expect(questions).to_have_count(27)
    slugs = [_skill_slug(question) for question in questions.all()]

    # The first answers go through autosave, one question at a time.
    first = {slugs[0]: 2, slugs[1]: 4, slugs[5]: 0}
    for slug, level in first.items():
        _answer_by_clicking(page, slug, level)
    expect(page.get_by_test_id("progress-count")).to_have_text(f"3 of {QUESTIONS} answered")

    page.reload()
    for slug, level in first.items():
        expect(page.locator(f"#id-skill-{slug}-{level}")).to_be_checked()
    expect(page.get_by_test_id("progress-count")).to_have_text(f"3 of {QUESTIONS} answered")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("grace@example.com")
    # Crispy marks required fields with an asterisk in the label.
    page.get_by_label(re.compile(r"^\s*Password\W*$")).fill("lovelace-Engine-1843")
    page.get_by_label(re.compile(r"^\s*Password confirmation\W*$")).fill("lovelace-Engine-1843")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("grace@example.com")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My assessments").click()
    page.get_by_role("link", name="Resume").click()
    expect(page).to_have_url(QUESTIONNAIRE_URL)
    page.wait_for_load_state()
    for slug, level in first.items():
        expect(page.locator(f"#id-skill-{slug}-{level}")).to_be_checked()

    # The rest goes through the full-form save (the page without htmx): the other skills
    # are checked without a change event, so no autosave saves them first.
    remaining = [slug for slug in slugs if slug not in first]
    page.evaluate(
        "ids => ids.forEach(id => { document.getElementById(id).checked = true; })",
        [f"id-skill-{slug}-5" for slug in remaining],
    )
    page.locator("#id-exp-ml-experience").fill("7")
    page.locator("#id-exp-ml-team-leadership").fill("3.5")
    page.get_by_label("Highest education").select_option("master")
    page.get_by_role("button", name="Save answers").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    page.wait_for_load_state()
    expect(page.get_by_test_id("progress-count")).to_have_text(
        f"{QUESTIONS} of {QUESTIONS} answered"
    )

    page.get_by_role("link", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.get_by_test_id("missing")).to_have_count(0)
    page.get_by_role("button", name="Submit my assessment").click()
    expect(page).to_have_url(re.compile(r"/assessments/[0-9a-f-]{36}/result/$"))

    assessment = Assessment.objects.select_related("owner").get()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.owner is not None
    assert assessment.owner.email == "grace@example.com"
    assert assessment.visitor_token == ""
    assert assessment.answers_frozen["skills"] == {slug: first.get(slug, 5) for slug in slugs}
    assert assessment.answers_frozen["experience"] == {
        "ml-experience": 7.0,
        "ml-team-leadership": 3.5,
    }
    expect(page.get_by_test_id("readiness")).to_have_text(f"{assessment.readiness:.1f}")
    expect(page.get_by_test_id("verdict")).to_have_text(assessment.verdict.capitalize())
    assert get_user_model().objects.get().email == "grace@example.com"


def test_questionnaire_is_usable_with_the_keyboard_only(
    catalogue: None, live_server, page: Page
) -> None:
    page.goto(f"{live_server.url}/roles/{ROLE}/")
    _tab_until(page, "[data-testid=assess-cta]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/roles/{ROLE}/assess/")
    _tab_until(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(QUESTIONNAIRE_URL)

    # Into the first radio group: Tab lands on its first option, Space picks it, the
    # arrows move the choice.
    _tab_until(page, "input[type=radio]")
    name = page.evaluate("() => document.activeElement.name")
    slug = name.removeprefix("skill-")
    for key in ("Space", "ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp"):
        # One save at a time: each key sends one, and the next waits for its answer.
        with page.expect_response(lambda r: _is_autosave(r.url)) as saved:
            page.keyboard.press(key)
        assert saved.value.ok
    expect(page.locator(f"#id-{name}-2")).to_be_checked()
    expect(page.locator(f"#id-{name}-2")).to_be_focused()
    expect(page.locator(f"#status-{name} [data-state=saved]")).to_have_text("Saved")
    outline_style, outline_width = _focus_outline(page)
    assert outline_style != "none" and outline_width != "0px"

    _tab_until(page, "#id-exp-ml-experience")
    with page.expect_response(lambda r: _is_autosave(r.url)) as saved:
        page.keyboard.type("4")
    assert saved.value.ok
    expect(page.locator("#status-exp-ml-experience [data-state=saved]")).to_have_text("Saved")
    outline_style, outline_width = _focus_outline(page)
    assert outline_style != "none" and outline_width != "0px"

    assessment = Assessment.objects.get()
    assert {(a.skill.slug, a.level) for a in SkillAnswer.objects.filter(assessment=assessment)} == {
        (slug, 2)
    }
    assert [(a.slug, a.years) for a in ExperienceAnswer.objects.filter(assessment=assessment)] == [
        ("ml-experience", Decimal(4))
    ]


def test_failed_autosave_is_announced(catalogue: None, live_server, page: Page) -> None:
    _start_by_clicking(page, live_server.url)

    years = page.get_by_label("Years of", exact=False).first
    expect(years).to_have_id("id-exp-ml-experience")
    years.fill("70")
    with page.expect_response(lambda r: _is_autosave(r.url)) as refused:
        years.press("Tab")  # leaving the field is its change
    assert refused.value.status == 422

    status = page.locator("#status-exp-ml-experience")
    expect(status).to_have_text("Not saved: Enter at most 60 years.")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("status").filter(has_text="Enter at most 60 years.")).to_be_visible()
    assert not ExperienceAnswer.objects.exists()


def test_quick_change_of_level_saves_the_level_left_checked(
    catalogue: None, live_server, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    _start_by_clicking(page, live_server.url)
    slug = _skill_slug(page.locator(".skill-question").first)

    # The first save is slow on its way to the database (a slow connection, a busy worker):
    # the live server holds it until the test lets it go.
    let_first_save_through = threading.Event()
    save = views.answer_autosave

    def slow_first_save(**kwargs: Any) -> Any:
        if kwargs["raw"] == "1":
            let_first_save_through.wait(timeout=15)
        return save(**kwargs)

    monkeypatch.setattr(views, "answer_autosave", slow_first_save)
    page.evaluate(
        """() => {
            window.saves = {sent: 0, done: 0};
            document.addEventListener("htmx:beforeSend", () => window.saves.sent++);
            document.addEventListener("htmx:afterRequest", () => window.saves.done++);
        }"""
    )
    try:
        page.locator(f'label[for="id-skill-{slug}-1"]').click()
        page.locator(f'label[for="id-skill-{slug}-2"]').click()
        # Whatever the page sent besides the held save has its answer before that one goes.
        page.wait_for_function(
            f"""() => document.getElementById("id-skill-{slug}-2").checked
                && window.saves.sent - window.saves.done <= 1"""
        )
    finally:
        let_first_save_through.set()
    page.wait_for_function(
        "() => window.saves.done >= 2 && window.saves.done === window.saves.sent"
    )

    expect(page.locator(f"#id-skill-{slug}-2")).to_be_checked()
    expect(page.locator(f"#status-skill-{slug} [data-state=saved]")).to_have_text("Saved")
    assert SkillAnswer.objects.get(skill__slug=slug).level == 2


def test_the_chosen_level_is_the_whole_highlighted_option(
    catalogue: None, live_server, page: Page
) -> None:
    _start_by_clicking(page, live_server.url)
    slug = _skill_slug(page.locator(".skill-question").first)
    chosen, other = (page.locator(f"#id-skill-{slug}-{n}").locator("xpath=..") for n in (3, 2))
    before = chosen.evaluate("e => getComputedStyle(e).backgroundColor")

    page.locator(f'label[for="id-skill-{slug}-3"]').click()
    expect(page.locator(f"#status-skill-{slug} [data-state=saved]")).to_have_text("Saved")

    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderLeftColor]"
    chosen_background, chosen_border = chosen.evaluate(style)
    other_background, other_border = other.evaluate(style)
    assert chosen_background != before and chosen_background != other_background
    assert chosen_border != other_border
    # The option, not the 16 px dot, is the target: it spans the question's width.
    box = chosen.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] >= 30


def test_on_a_phone_progress_and_review_stay_in_reach_and_follow_the_autosave(
    catalogue: None, live_server, page: Page
) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    _start_by_clicking(page, live_server.url)
    bar = page.get_by_test_id("mobile-progress")
    total = int(re.search(r"of (\d+)", bar.inner_text()).group(1))
    questions = page.locator(".skill-question")
    last = questions.nth(questions.count() - 1)
    slug = _skill_slug(last)

    last.scroll_into_view_if_needed()
    last.locator(f'label[for="id-skill-{slug}-2"]').click()

    expect(bar).to_contain_text(f"1 of {total} answered")
    # At the top of the page, far from the end of the form, the bar is still in view.
    page.evaluate("window.scrollTo(0, 0)")
    box = bar.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800
    review = bar.get_by_role("link", name="Review and submit")
    expect(review).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
