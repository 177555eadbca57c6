"""Signing in through the login form, as a person would, in a browser context of its own."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

PASSWORD = "lovelace-Engine-1843"


def signed_in(
    browser: Browser, base_url: str, email: str, width: int = 1280, *, password: str = PASSWORD
) -> Page:
    """A page of a new context `width` px wide, signed in as `email`; close its context
    when done (`page.context.close()`)."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page
