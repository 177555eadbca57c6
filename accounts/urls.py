from __future__ import annotations

from django.urls import include, path

from accounts import views

# Ours come first so they override the same-named views in django.contrib.auth.urls.
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.AccountLoginView.as_view(), name="login"),
    path("logout/", views.AccountLogoutView.as_view(), name="logout"),
    path("", include("django.contrib.auth.urls")),
]
