"""A person's display name: asked at sign-up (optional), changed on the account page, kept
in User.first_name so get_full_name() gives it everywhere, and shown to their coach."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.factories import make_coach, make_relationship, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct-horse-battery"


def _signup(client: Client, **extra: str):
    data = {"email": "ann@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("signup"), data | extra)


def test_the_signup_form_asks_for_a_name_first_labelled_and_optional(client: Client) -> None:
    body = client.get(reverse("signup")).content.decode()

    assert re.search(r'<label\s+for="id_name"[^>]*>\s*Your name', body)
    field = re.search(r"<input[^>]*id=\"id_name\"[^>]*>", body).group(0)
    assert 'autocomplete="name"' in field and "autofocus" in field
    assert "required" not in field
    assert body.index('id="id_name"') < body.index('id="id_email"')


def test_signup_keeps_the_name_with_single_spaces_as_the_full_name(client: Client) -> None:
    response = _signup(client, name="  Ana   María\tLópez ")

    assert response.status_code == 302
    user = User.objects.get()
    assert user.first_name == "Ana María López"
    assert user.get_full_name() == "Ana María López"


def test_signup_without_a_name_still_makes_the_account(client: Client) -> None:
    response = _signup(client)

    assert response.status_code == 302
    assert User.objects.get().get_full_name() == ""


def test_a_too_long_name_at_signup_is_refused_and_makes_no_account(client: Client) -> None:
    response = _signup(client, name="A" * 151)

    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()
    assert not User.objects.exists()


def test_the_account_page_shows_the_name_in_its_form(client: Client) -> None:
    client.force_login(make_user(email="ann@example.com", first_name="Ann Lee"))

    body = client.get(reverse("account")).content.decode()

    assert 'data-testid="name-form"' in body
    assert re.search(r'<input[^>]*name="name"[^>]*value="Ann Lee"', body)


def test_changing_the_name_on_the_account_page_saves_it(client: Client) -> None:
    user = make_user(email="ann@example.com", first_name="Ann", last_name="Lee")
    client.force_login(user)

    response = client.post(reverse("account"), {"name": " Ann  Lee-Park "})

    assert response.status_code == 302 and response["Location"] == reverse("account")
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.get_full_name()) == (
        "Ann Lee-Park",
        "",
        "Ann Lee-Park",
    )
    page = client.get(reverse("account")).content.decode()
    assert "Your name is saved." in page


def test_clearing_the_name_says_the_email_is_shown_instead(client: Client) -> None:
    user = make_user(email="ann@example.com", first_name="Ann")
    client.force_login(user)

    client.post(reverse("account"), {"name": "   "})

    user.refresh_from_db()
    assert user.get_full_name() == ""
    page = client.get(reverse("account")).content.decode()
    assert "people see your email instead" in page


@pytest.mark.parametrize(
    ("name", "message"),
    [("A" * 151, "at most 150 characters"), ("Ann\x00", "Remove the null character")],
)
def test_a_bad_name_is_refused_with_a_message_and_the_old_name_stays(
    client: Client, name: str, message: str
) -> None:
    user = make_user(email="ann@example.com", first_name="Ann")
    client.force_login(user)

    response = client.post(reverse("account"), {"name": name})

    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.first_name == "Ann"


def test_a_new_name_shows_at_once_on_the_coachs_kept_dashboard(client: Client) -> None:
    coach, ann = make_coach(), make_user(email="ann@example.com")
    make_relationship(coach=coach, client=ann)
    coach_browser = Client()
    coach_browser.force_login(coach)
    for _ in range(2):  # the second is served kept
        assert "ann@example.com" in coach_browser.get(reverse("coaching:clients")).content.decode()
    client.force_login(ann)

    client.post(reverse("account"), {"name": "Ann Lee"})

    page = coach_browser.get(reverse("coaching:clients")).content.decode()
    assert ">Ann Lee</a>" in page


def _account_link(body: str) -> str:
    return re.search(r'href="/accounts/" title="Your account[^"]*">([^<]*)</a>', body).group(1)


def test_the_navigation_names_the_person_and_follows_a_new_name_at_once(client: Client) -> None:
    user = make_user(email="ann@example.com", password=PASSWORD)
    client.force_login(user)
    assert _account_link(client.get(reverse("assessments:mine")).content.decode()) == (
        "ann@example.com"
    )

    client.post(reverse("account"), {"name": "Ana"})

    assert _account_link(client.get(reverse("assessments:mine")).content.decode()) == "Ana"
