from __future__ import annotations

from django.urls import path

from assessments import views as assessment_views
from roles import views

app_name = "roles"

urlpatterns = [
    path("", views.role_list, name="list"),
    path("tracks/<slug:slug>/", views.track_detail, name="track"),
    path("<slug:slug>/", views.role_detail, name="detail"),
    path("<slug:slug>/assess/", assessment_views.start, name="assess"),
]
