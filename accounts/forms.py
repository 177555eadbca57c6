"""Account forms: the email address is the username, always stored lower-cased."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template import loader
from django.utils.html import format_html

from accounts.tasks import account_mail_queue

User = get_user_model()

# The default User keeps the email in `username`, which is shorter than an email may be.
EMAIL_MAX_LENGTH = User._meta.get_field("username").max_length
# The display name lives in `first_name`, so get_full_name() returns it everywhere.
NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length
NAME_HELP = "How your coach or your clients see you. You can change it on your account page."


def name_field(*, autofocus: bool = False, help_text: str = NAME_HELP) -> forms.CharField:
    attrs: dict[str, Any] = {"autocomplete": "name"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label="Your name",
        required=False,
        max_length=NAME_MAX_LENGTH,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"null_characters_not_allowed": "Remove the null character from your name."},
    )


def normalize_email(value: str) -> str:
    return value.strip().lower()


class NameMixin:
    cleaned_data: dict[str, Any]

    def clean_name(self) -> str:
        # One space between words: a name pasted with tabs or double spaces reads cleanly.
        return " ".join(self.cleaned_data["name"].split())


class SignupForm(NameMixin, SetPasswordMixin, forms.Form):
    name = name_field(autofocus=True)
    email = forms.EmailField(
        label="Email",
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args: Any, login_url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.login_url = login_url

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
            raise ValidationError(
                format_html(
                    'An account with this email already exists. <a href="{}">Log in instead?</a>',
                    self.login_url,
                ),
                code="duplicate_email",
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        self.validate_passwords()
        email = cleaned_data.get("email")
        if email:
            # The would-be user carries the address only in `email` so that the similarity
            # validator reports "too similar to the email address", not "…the username".
            would_be = User(email=email, first_name=cleaned_data.get("name", ""))
            self.validate_password_for_user(would_be, password_field_name="password1")
        return cleaned_data


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.CharField(
        label="Email",
        widget=forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email", "autocapitalize": "none"}
        ),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter a correct email and password. Note that the password is case-sensitive."
        ),
    }

    def clean_username(self) -> str:
        return normalize_email(self.cleaned_data["username"])


class DisplayNameForm(NameMixin, forms.Form):
    name = name_field(help_text="Leave it empty to show your email instead.")


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for its password: an open session alone is not enough."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("This is not your password.", code="wrong_password")
        return password


class PasswordResetMailForm(PasswordResetForm):
    """Django's reset form, whose mail goes through the task queue: the page answers at
    once, alike for known and unknown addresses, whatever the mail server does."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        html_body = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name is not None
            else None
        )
        account_mail_queue(
            subject=subject,
            body=loader.render_to_string(email_template_name, context),
            to=to_email,
            html_body=html_body,
        )
