from __future__ import annotations

from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.my_assessments, name="mine"),
    path("<uuid:pk>/", views.questionnaire, name="questionnaire"),
    path("<uuid:pk>/answer/", views.answer, name="answer"),
    path("<uuid:pk>/submit/", views.submit, name="submit"),
    path("<uuid:pk>/result/", views.result, name="result"),
    path("<uuid:pk>/retake/", views.retake, name="retake"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
]
