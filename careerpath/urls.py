from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from assessments import views as assessment_views
from roles import views as role_views

urlpatterns = [
    path("", role_views.home, name="home"),
    path("healthz", role_views.healthz, name="healthz"),
    path("roles/", include("roles.urls")),
    path("assessments/", include("assessments.urls")),
    path("accounts/", include("accounts.urls")),
    path("coaching/", include("coaching.urls")),
    path("shared/<str:token>/", assessment_views.shared_report, name="shared_report"),
    path("admin/", admin.site.urls),
]
