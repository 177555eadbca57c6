from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView, PasswordResetView
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import AccountDeleteForm, DisplayNameForm, EmailAuthenticationForm, SignupForm
from accounts.selectors import account_export
from accounts.services import account_delete, account_name_set
from accounts.throttling import (
    client_address,
    normalize_username,
    password_reset_throttle,
    throttled_response,
)

User = get_user_model()


def _safe_next(request: HttpRequest) -> str:
    """The `next` URL if it stays on this site and does not lead back here, else ""."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    is_safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not is_safe or urlsplit(url).path == request.path:
        return ""
    return url


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    login_url = reverse("login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    form = SignupForm(request.POST if request.method == "POST" else None, login_url=login_url)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=email,
                    email=email,
                    password=form.cleaned_data["password1"],
                    first_name=form.cleaned_data["name"],
                )
        except IntegrityError:
            # A concurrent sign-up with the same address won the race.
            form.add_error("email", "An account with this email already exists.")
        else:
            # login() fires user_logged_in, which hands the visitor's anonymous drafts over.
            # The model backend, by name: axes' backend (settings) only guards logins.
            login(request, user, backend=settings.USER_BACKEND)
            messages.success(request, "Welcome to careerpath. Your account is ready.")
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    context = {"form": form, "next": next_url, "login_url": login_url}
    return render(request, "registration/signup.html", context)


class AccountLoginView(LoginView):
    authentication_form = EmailAuthenticationForm


class AccountLogoutView(LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): the 429 page, not a 403."""
    return throttled_response(request)


class AccountPasswordResetView(PasswordResetView):
    """Each request mails someone, so requests are counted per address and per email."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = password_reset_throttle()
        subjects = [f"ip:{client_address(request)}"]
        email = normalize_username(request.POST.get("email", ""))
        if email:
            subjects.append(f"email:{email}")
        if throttle.is_locked(subjects):
            return throttled_response(request)
        throttle.count(subjects)
        return super().post(request, *args, **kwargs)


@require_http_methods(["GET", "POST"])
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The account page; its POST sets the display name."""
    initial = {"name": request.user.get_full_name()}
    name_form = DisplayNameForm(request.POST or None, initial=initial)
    if request.method == "POST" and name_form.is_valid():
        account_name_set(user=request.user, name=name_form.cleaned_data["name"])
        messages.success(
            request,
            "Your name is saved."
            if request.user.first_name
            else "Your name is cleared: people see your email instead.",
        )
        return redirect("account")
    context = {"name_form": name_form, "delete_form": AccountDeleteForm(user=request.user)}
    return render(request, "accounts/account.html", context)


@require_GET
@login_required
def account_data(request: HttpRequest) -> HttpResponse:
    document = account_export(user=request.user)
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"careerpath-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@sensitive_post_parameters("password")
@require_POST
@login_required
def account_delete_view(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        name_form = DisplayNameForm(initial={"name": request.user.get_full_name()})
        context = {"name_form": name_form, "delete_form": form}
        return render(request, "accounts/account.html", context)
    user = request.user
    logout(request)
    account_delete(user=user)
    messages.success(request, "Your account and everything in it are deleted.")
    return redirect("home")
