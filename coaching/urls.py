from __future__ import annotations

from django.urls import path

import careerpath.converters  # noqa: F401  (registers <token:…>)
from coaching import views

app_name = "coaching"

urlpatterns = [
    # the coach's side
    path("clients/", views.clients, name="clients"),
    path("clients.csv", views.clients_csv, name="clients_csv"),
    path("clients/tag/", views.clients_tag, name="clients_tag"),
    path("clients/<int:pk>/", views.client_detail, name="client"),
    path("clients/<int:pk>/session/", views.session, name="session"),
    path("clients/<int:pk>/session.pdf", views.session_pdf, name="session_pdf"),
    path("clients/<int:pk>/notes/", views.notes, name="notes"),
    path("clients/<int:pk>/actions/", views.action_item_add, name="action_item_add"),
    path(
        "clients/<int:pk>/actions/<int:item_pk>/delete/",
        views.action_item_delete_view,
        name="action_item_delete",
    ),
    path("invite/", views.invite, name="invite"),
    path("invitations/<int:pk>/cancel/", views.invitation_cancel_view, name="invitation_cancel"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path(
        "invitations/<int:pk>/send-again/",
        views.invitation_send_again_view,
        name="invitation_send_again",
    ),
    path("reports/<uuid:pk>/", views.coach_report, name="report"),
    path("reports/<uuid:pk>/report.csv", views.coach_report_csv, name="report_csv"),
    path("reports/<uuid:pk>/report.pdf", views.coach_report_pdf, name="report_pdf"),
    path("reports/<uuid:pk>/notes/", views.note_add, name="note_add"),
    path("reports/<uuid:pk>/notes/<int:note_pk>/edit/", views.note_edit, name="note_edit"),
    path(
        "reports/<uuid:pk>/notes/<int:note_pk>/delete/",
        views.note_delete_view,
        name="note_delete",
    ),
    path("reports/<uuid:pk>/calibration/", views.calibrate, name="calibrate"),
    # attention queue
    path("attention/", views.attention, name="attention"),
    path("attention/<slug:group>/clear/", views.attention_clear_all, name="attention_clear_all"),
    path("attention/clients/<int:pk>/seen/", views.attention_seen, name="attention_seen"),
    path("attention/clients/<int:pk>/nudge/", views.attention_nudge, name="attention_nudge"),
    path(
        "attention/invitations/<int:pk>/dismiss/",
        views.attention_invitation_dismiss,
        name="attention_invitation_dismiss",
    ),
    path(
        "attention/revocations/<int:pk>/dismiss/",
        views.attention_revocation_dismiss,
        name="attention_revocation_dismiss",
    ),
    # cohort and tags
    path("cohort/", views.cohort, name="cohort"),
    path("cohort.csv", views.cohort_csv, name="cohort_csv"),
    path("clients/<int:pk>/tags/", views.client_tag_add, name="client_tag_add"),
    path(
        "clients/<int:pk>/tags/<int:tag_pk>/remove/",
        views.client_tag_remove,
        name="client_tag_remove",
    ),
    path("tags/<int:pk>/rename/", views.tag_rename_view, name="tag_rename"),
    path("tags/<int:pk>/delete/", views.tag_delete_view, name="tag_delete"),
    # the client's side
    path("join/", views.join, name="join"),
    path("invitation/<token:token>/", views.invitation, name="invitation"),
    path("coaches/", views.my_coaches, name="my_coaches"),
    path("coaches/<int:pk>/revoke/", views.coach_revoke, name="coach_revoke"),
    path("coaches/<int:pk>/scope/", views.coach_scope, name="coach_scope"),
    path(
        "coaches/<int:pk>/actions/<int:item_pk>/done/",
        views.action_item_done,
        name="action_item_done",
    ),
    path("coaches/notes/<int:note_pk>/", views.note_read, name="note_read"),
]
