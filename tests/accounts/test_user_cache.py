"""The signed-in user kept in the shared cache (accounts/backends.py), as production runs
with Redis: no user query on a request, and every change to the person reaches their next
request, in this session and in their others."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careerpath.page_cache import forget_kept_pages
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CACHED = "accounts.backends.CachedModelBackend"
PASSWORD = "correct-horse-battery"
User = get_user_model()


@pytest.fixture(autouse=True)
def cached_backend(settings: Any) -> None:
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", CACHED]
    settings.USER_BACKEND = CACHED


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=CACHED)
    return client


def _user_queries(client: Client, url: str) -> tuple[int, int]:
    """The response status and how many queries read the user table."""
    forget_kept_pages()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # The user's whole row, as the backend loads it (the navigation's coach check also
    # reads the table, for other columns).
    table = User._meta.db_table
    load = f'SELECT "{table}"."id", "{table}"."password"'
    return response.status_code, sum(
        1 for q in queries.captured_queries if q["sql"].startswith(load)
    )


def test_after_the_first_request_the_user_comes_from_the_cache(django_user_model) -> None:
    ann = _signed_in(make_user(email="ann@example.com"))
    url = reverse("assessments:mine")

    first = _user_queries(ann, url)
    second = _user_queries(ann, url)

    assert first == (200, 1)
    assert second == (200, 0)


def test_a_new_password_signs_out_the_persons_other_sessions_at_once() -> None:
    user = make_user(email="ann@example.com", password=PASSWORD)
    laptop, phone = _signed_in(user), _signed_in(user)
    url = reverse("assessments:mine")
    for browser in (laptop, phone):
        browser.get(url)  # both now read the user from the cache

    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-horse-battery-staple",
            "new_password2": "a-new-horse-battery-staple",
        },
    )

    assert response.status_code == 302
    # The session that changed it stays signed in; the other one is signed out.
    assert laptop.get(reverse("account")).status_code == 200
    signed_out = phone.get(reverse("account"))
    assert signed_out.status_code == 302 and reverse("login") in signed_out["Location"]


def test_a_deactivated_person_is_signed_out_on_their_next_request() -> None:
    user = make_user(email="ann@example.com")
    ann = _signed_in(user)
    ann.get(reverse("account"))

    user.is_active = False
    user.save()

    response = ann.get(reverse("account"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_deleted_account_leaves_a_signed_out_visitor_not_an_error() -> None:
    user = make_user(email="ann@example.com")
    ann = _signed_in(user)
    ann.get(reverse("account"))

    user.delete()

    assert ann.get(reverse("account")).status_code == 302
    assert ann.get(reverse("roles:list")).status_code == 200


def test_a_new_name_shows_on_the_next_page() -> None:
    user = make_user(email="ann@example.com", password=PASSWORD)
    ann = _signed_in(user)
    ann.get(reverse("account"))

    ann.post(reverse("account"), {"name": "Ana"})

    assert 'title="Your account: name, email, data, deletion">Ana</a>' in (
        ann.get(reverse("assessments:mine")).content.decode()
    )
