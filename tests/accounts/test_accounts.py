from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct-horse-battery"


def _make_user(email: str = "ann@example.com", password: str = PASSWORD):
    return User.objects.create_user(username=email, email=email, password=password)


def _logs_in(client, email: str, password: str) -> bool:
    # Through the login page: django-axes guards authenticate() calls that carry a request.
    response = client.post(reverse("login"), {"username": email, "password": password})
    return response.status_code == 302


def _signup(client, email: str, password1: str = PASSWORD, password2: str | None = None, **extra):
    data = {"email": email, "password1": password1, "password2": password2 or password1}
    return client.post(reverse("signup"), data | extra)


def test_signup_page_renders_labelled_form(client):
    body = client.get(reverse("signup")).content.decode()
    assert "<h1" in body
    assert re.search(r'<label\s+for="id_email"[^>]*>\s*Email', body)
    assert 'type="email"' in body
    assert 'autocomplete="new-password"' in body


def test_signup_creates_lowercased_user_logs_in_and_redirects_to_next(client):
    response = _signup(client, "  Ann.Lee@Example.COM ", next="/roles/?q=data")
    assert response.status_code == 302
    assert response["Location"] == "/roles/?q=data"
    user = User.objects.get()
    assert user.username == "ann.lee@example.com"
    assert user.email == "ann.lee@example.com"
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_without_next_redirects_to_login_redirect_url(client):
    response = _signup(client, "ann@example.com")
    assert response["Location"] == reverse("roles:list")


def test_signup_ignores_unsafe_next(client):
    response = _signup(client, "ann@example.com", next="https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == reverse("roles:list")
    assert User.objects.filter(username="ann@example.com").exists()


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("Zx9!q", None, "This password is too short. It must contain at least 8 characters."),
        ("password123", None, "This password is too common."),
        ("83920571946", None, "This password is entirely numeric."),
        ("ann.lee@example.com", None, "The password is too similar to the email address."),
        (PASSWORD, PASSWORD + "x", "The two password fields didn\u2019t match."),
    ],
)
def test_signup_refuses_bad_password_with_django_message(client, password1, password2, message):
    response = _signup(client, "ann.lee@example.com", password1, password2)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_signup_refuses_existing_email_in_other_case(client):
    _make_user("ann@example.com")
    response = _signup(client, "ANN@example.com", next="/roles/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "An account with this email already exists." in body
    assert f'<a href="{reverse("login")}?next=%2Froles%2F">Log in instead?</a>' in body
    assert User.objects.count() == 1


def test_signup_redirects_logged_in_user(client):
    client.force_login(_make_user())
    response = client.get(reverse("signup"))
    assert response.status_code == 302
    assert response["Location"] == reverse("roles:list")


def test_signup_with_huge_email_is_refused_with_400(client):
    response = client.post(
        reverse("signup"),
        {"email": "a" * 10_000_000 + "@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 400
    assert not User.objects.exists()


def test_login_page_labels_username_as_email(client):
    body = client.get(reverse("login"), {"next": "/roles/"}).content.decode()
    assert re.search(r'<label\s+for="id_username"[^>]*>\s*Email', body)
    assert re.search(r'<input type="email" name="username"[^>]*autocomplete="email"', body)
    assert '<input type="hidden" name="next" value="/roles/">' in body
    assert reverse("password_reset") in body
    assert reverse("signup") in body


def test_login_with_mixed_case_email_works(client):
    user = _make_user("ann@example.com")
    response = client.post(
        reverse("login"), {"username": " Ann@Example.com", "password": PASSWORD, "next": "/roles/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/roles/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_with_wrong_password_shows_error(client):
    _make_user("ann@example.com")
    response = client.post(reverse("login"), {"username": "ann@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct email and password." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_by_post_logs_out_with_message(client):
    client.force_login(_make_user())
    response = client.post(reverse("logout"), follow=True)
    assert "_auth_user_id" not in client.session
    assert "You are logged out." in response.content.decode()


def test_logout_by_get_is_not_allowed(client):
    client.force_login(_make_user())
    response = client.get(reverse("logout"))
    assert response.status_code == 405
    assert "_auth_user_id" in client.session


def test_password_change_requires_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_change_end_to_end(client):
    user = _make_user("ann@example.com")
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    new_password = "a-brand-new-passphrase"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert client.get(reverse("password_change_done")).status_code == 200  # still logged in
    client.logout()
    assert not _logs_in(client, "ann@example.com", PASSWORD)
    assert _logs_in(client, "ann@example.com", new_password)


def test_password_reset_mails_a_link_that_sets_a_new_password(client, mailoutbox):
    _make_user("ann@example.com")
    response = client.post(reverse("password_reset"), {"email": "Ann@Example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ann@example.com"]
    assert "careerpath" in mail.subject
    assert "careerpath" in mail.body
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body

    response = client.get(match.group(1))
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("/set-password/")
    assert client.get(set_password_url).status_code == 200
    new_password = "a-brand-new-passphrase"
    response = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response["Location"] == reverse("password_reset_complete")
    assert _logs_in(client, "ann@example.com", new_password)


def test_password_reset_for_unknown_email_shows_done_page_and_sends_nothing(client, mailoutbox):
    _make_user("ann@example.com")
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert "Check your email" in response.content.decode()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "url_name",
    ["login", "signup", "password_reset", "password_reset_done", "password_reset_complete"],
)
def test_account_pages_render_with_heading(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1" in body
    assert "<title>" in body
