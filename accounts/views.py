from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import LoginView, LogoutView
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import EmailAuthenticationForm, SignupForm

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
                    username=email, email=email, password=form.cleaned_data["password1"]
                )
        except IntegrityError:
            # A concurrent sign-up with the same address won the race.
            form.add_error("email", "An account with this email already exists.")
        else:
            # login() fires user_logged_in, which hands the visitor's anonymous drafts over.
            login(request, user)
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
