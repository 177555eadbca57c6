from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

import careerpath.converters  # noqa: F401  (registers <token:…>, used here and by coaching)
from assessments import views as assessment_views
from careerpath import views as careerpath_views
from roles import views as role_views

urlpatterns = [
    path("", role_views.home, name="home"),
    path("healthz", role_views.healthz, name="healthz"),
    path("readyz", careerpath_views.readyz, name="readyz"),
    path("roles/", include("roles.urls")),
    path("assessments/", include("assessments.urls")),
    path("accounts/", include("accounts.urls")),
    path("coaching/", include("coaching.urls")),
    path("shared/<token:token>/", assessment_views.shared_report, name="shared_report"),
    path(
        "shared/<token:token>/report.pdf",
        assessment_views.shared_report_pdf,
        name="shared_report_pdf",
    ),
    path("admin/", admin.site.urls),
]

# A database outage answers 503 with its own page; any other failure the 500 page.
handler500 = "careerpath.views.server_error"
