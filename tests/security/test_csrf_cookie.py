"""htmx takes the CSRF token from the cookie (static/js/careerpath.js), so a page without a
form sets no cookie and does not vary on one for a visitor (issue "Speed")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import make_category, make_role, make_skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def role():
    category = make_category()
    return make_role(skills=[(make_skill(slug="python", category=category), 3, 3, True)])


@pytest.mark.parametrize("page", ["list", "detail"])
def test_visitor_pages_without_forms_set_no_cookie(role, page):
    url = reverse("roles:list") if page == "list" else reverse("roles:detail", args=[role.slug])
    response = Client().get(url)
    assert response.status_code == 200
    assert not response.cookies, f"cookies set: {list(response.cookies)}"
    assert "Set-Cookie" not in response
    # The CSRF token was never asked for, so CsrfViewMiddleware adds no Vary: Cookie. (The
    # session may still add one: the navigation shows whether someone is logged in.)
    request = response.wsgi_request
    assert "CSRF_COOKIE" not in request.META
    assert not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    assert "X-CSRFToken" not in response.content.decode()


def test_pages_no_longer_carry_the_token_in_the_body(role):
    body = Client().get(reverse("roles:detail", args=[role.slug])).content.decode()
    assert "hx-headers" not in body
    assert "careerpath.js" in body  # where the htmx CSRF listener lives


def test_a_form_page_still_sets_the_cookie_that_htmx_reads(role):
    client = Client(enforce_csrf_checks=True)
    response = client.get(reverse("roles:assess", args=[role.slug]))
    assert settings.CSRF_COOKIE_NAME in response.cookies
    assert response.cookies[settings.CSRF_COOKIE_NAME]["httponly"] == ""


def _visitor_draft(client: Client, role) -> str:
    """A visitor's draft, started through the start page's form as a browser would."""
    start = reverse("roles:assess", args=[role.slug])
    page = client.get(start)
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(start, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def test_autosave_passes_csrf_with_the_token_from_the_cookie(role):
    client = Client(enforce_csrf_checks=True)
    questionnaire = _visitor_draft(client, role)
    assert client.get(questionnaire).status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    answer = questionnaire + "answer/"

    saved = client.post(
        answer, {"skill-python": "2"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    refused = client.post(answer, {"skill-python": "3"}, headers={"HX-Request": "true"})

    assert saved.status_code == 200
    assert "Saved" in saved.content.decode()
    assert refused.status_code == 403
