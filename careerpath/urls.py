from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from roles import views as role_views

urlpatterns = [
    path("", role_views.home, name="home"),
    path("healthz", role_views.healthz, name="healthz"),
    path("roles/", include("roles.urls")),
    path("assessments/", include("assessments.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
