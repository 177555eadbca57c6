from __future__ import annotations

from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.my_assessments, name="mine"),
    path("example/", views.example_report, name="example"),
    path("<uuid:pk>/", views.questionnaire, name="questionnaire"),
    path("<uuid:pk>/answer/", views.answer, name="answer"),
    path("<uuid:pk>/submit/", views.submit, name="submit"),
    path("<uuid:pk>/result/", views.result, name="result"),
    path("<uuid:pk>/report.json", views.report_json, name="report_json"),
    path("<uuid:pk>/report.csv", views.report_csv, name="report_csv"),
    path("<uuid:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("<uuid:pk>/share/", views.share_create, name="share_create"),
    path("<uuid:pk>/share/<int:link_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("<uuid:pk>/retake/", views.retake, name="retake"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
]
