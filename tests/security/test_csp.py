"""The Content-Security-Policy: no inline script, no inline handler, no eval, no framing;
and every page keeps to it (issue "Production", Security)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.pages import Site, build_site, csp_directives, scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    return build_site()


def _pages(site: Site) -> list[tuple[str, Client, str]]:
    anonymous, person, coach = Client(), Client(), Client()
    person.force_login(site.person)
    coach.force_login(site.coach)
    return (
        [(name, anonymous, url) for name, url in site.pages_anonymous.items()]
        + [(name, person, url) for name, url in site.pages_person.items()]
        + [(name, coach, url) for name, url in site.pages_coach.items()]
    )


def test_policy_forbids_inline_script_eval_and_framing(client):
    response = client.get("/roles/")
    directives = csp_directives(response["Content-Security-Policy"])
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["img-src"] == ["'self'", "data:"]
    # No inline style either: bars and charts are SVG, htmx's indicator style is ours.
    assert directives["style-src"] == ["'self'"]


def test_older_security_headers_are_still_sent(client):
    response = client.get("/roles/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in response


def test_every_main_page_keeps_to_the_policy(site):
    checked = []
    for name, client, url in _pages(site):
        response = client.get(url)
        assert response.status_code == 200, name
        script_src = csp_directives(response["Content-Security-Policy"])["script-src"]
        assert "'unsafe-inline'" not in script_src, name
        assert "'unsafe-eval'" not in script_src, name
        page = scan(response.content.decode())
        nonce = getattr(response.wsgi_request, "_csp_nonce", None)
        unsafe = [s for s in page.inline_scripts if nonce is None or s.get("nonce") != nonce]
        assert unsafe == [], f"{name}: inline <script> {unsafe}"
        assert page.handlers == [], f"{name}: inline event handlers {page.handlers}"
        assert page.style_attributes == [], f"{name}: style attributes {page.style_attributes}"
        assert page.style_elements == 0, f"{name}: <style> elements"
        checked.append(name)
    assert {"home", "roles list", "role page", "questionnaire", "report"} <= set(checked)
    assert {"coach dashboard", "login"} <= set(checked)


def test_htmx_partials_keep_to_the_policy_too(site):
    client = Client()
    client.force_login(site.coach)
    response = client.get(site.pages_coach["coach dashboard"], headers={"HX-Request": "true"})
    page = scan(response.content.decode())
    assert page.inline_scripts == [] and page.handlers == [] and page.style_attributes == []


def test_htmx_is_configured_without_eval_and_without_its_inline_style(client):
    html = client.get("/roles/").content.decode()
    assert '"allowEval": false' in html
    assert '"includeIndicatorStyles": false' in html
