from __future__ import annotations

from django.urls import include, path

from accounts import views
from accounts.forms import PasswordResetMailForm

# Ours come first so they override the same-named views in django.contrib.auth.urls.
urlpatterns = [
    path("", views.account, name="account"),
    path("data.json", views.account_data, name="account_data"),
    path("delete/", views.account_delete_view, name="account_delete"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.AccountLoginView.as_view(), name="login"),
    path("logout/", views.AccountLogoutView.as_view(), name="logout"),
    path(
        "password_reset/",
        # The reset mail goes through the task queue (accounts/tasks.py).
        views.AccountPasswordResetView.as_view(form_class=PasswordResetMailForm),
        name="password_reset",
    ),
    path("", include("django.contrib.auth.urls")),
]
