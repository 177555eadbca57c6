from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.throttling import client_address, join_code_throttle, throttled_response
from assessments import report as report_views
from assessments.exports import csv_cell, render_pdf, report_document_csv
from assessments.models import Assessment
from assessments.viewpoint import named
from assessments.views import pace_asked, pdf_download, report_context
from careerpath.page_cache import coach_key, private_page
from coaching import selectors
from coaching.forms import (
    ActionItemForm,
    CalibrationForm,
    ClientFilterForm,
    ConsentForm,
    InvitationCodeForm,
    InviteForm,
    NoteForm,
)
from coaching.models import INVITATION_DAYS, ActionItem, CoachNote, CoachRelationship, Invitation
from coaching.services import (
    NOT_YOURS,
    CoachingError,
    action_item_complete,
    action_item_create,
    action_item_delete,
    calibration_save,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_mail_retry,
    invitation_send_again,
    is_coach,
    note_create,
    note_delete,
    note_update,
    notes_mark_seen,
    relationship_revoke,
    relationship_update_scope,
)
from coaching.session import session_for_coach

CLIENTS_PER_PAGE = 25
INVITATIONS_PER_PAGE = 25


def coach_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Coach pages: a 404 for anyone else, as for anything a user has no right to."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_coach(request.user):
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return wrapper


def _get_shared_for_coach(request: HttpRequest, pk: uuid.UUID) -> Assessment:
    assessment = selectors.shared_assessment_for_coach(request.user, pk)
    if assessment is None:
        raise Http404("No such report")
    return assessment


def _get_relationship_for_coach(request: HttpRequest, pk: int) -> CoachRelationship:
    relationship = selectors.relationship_for_coach(request.user, pk)
    if relationship is None:
        raise Http404("No such client")
    return relationship


def _get_relationship_for_client(request: HttpRequest, pk: int) -> CoachRelationship:
    relationship = selectors.relationship_for_client(request.user, pk)
    if relationship is None:
        raise Http404("No such coach")
    return relationship


# --- the coach's side -----------------------------------------------------------------


def _coach_versions(request: HttpRequest, kwargs: dict[str, Any]) -> list[str]:
    # A visitor's session has no user: their request goes on to the login redirect.
    user_id = request.session.get(SESSION_KEY)
    return [coach_key(user_id)] if user_id is not None else []


@require_safe
@private_page(_coach_versions)  # the session's user only: a kept page skips the user query
@coach_required
def clients(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None, coach=request.user)
    rows = selectors.clients_dashboard(request.user, **form.filters())
    page = Paginator(rows, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": form.query_string(), "open": form.narrows()}
    if request.htmx and request.htmx.target == "client-table":
        return render(request, "coaching/_client_table.html", context)
    return render(request, "coaching/clients.html", context)


@require_safe
@coach_required
def clients_csv(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None, coach=request.user)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="careerpath-clients.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "name",
            "email",
            "target_role",
            "readiness",
            "verdict",
            "top_gap",
            "change",
            "last_activity",
        ]
    )
    for row in selectors.clients_dashboard(request.user, **form.filters()).iterator():
        writer.writerow(
            [
                csv_cell(selectors.display_name(row.client)),
                csv_cell(row.client.email or row.client.get_username()),
                csv_cell(row.latest_role_title or ""),
                _one_decimal(row.latest_readiness),
                row.latest_verdict or "",
                csv_cell(row.top_gap),
                _one_decimal(row.change),
                "" if row.last_activity is None else row.last_activity.date().isoformat(),
            ]
        )
    return response


def _one_decimal(value: object) -> str:
    # Subquery annotations come back as the database gives them (e.g. 66.2000000000000).
    return "" if value is None else f"{float(value):.1f}"


@require_http_methods(["GET", "POST"])
@coach_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = invitation_create(
            coach=request.user,
            email=form.cleaned_data["email"],
            accept_url_for=lambda i: _accept_url(request, i),
        )
        mailed = f"; its email to {invitation.email} is listed below" if invitation.email else ""
        messages.success(
            request,
            f"Invitation created{mailed}. Its code is {invitation.code}; it works 14 days.",
        )
        return redirect("coaching:invite")
    history = selectors.invitation_history(request.user)
    page = Paginator(history, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    return render(request, "coaching/invite.html", context)


def _accept_url(request: HttpRequest, invitation: Invitation) -> str:
    return request.build_absolute_uri(reverse("coaching:invitation", args=[invitation.token]))


@require_POST
@coach_required
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed invitation mail again; another coach's invitation is a 404."""
    invitation = get_object_or_404(Invitation, pk=pk, coach=request.user)
    try:
        invitation_mail_retry(invitation=invitation, url=_accept_url(request, invitation))
    except CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Sending the invitation to {invitation.email} again.")
    return redirect("coaching:invite")


@require_POST
@coach_required
def invitation_send_again_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send an unanswered invitation's mail again, its expiry extended; another coach's
    invitation is a 404."""
    invitation = get_object_or_404(Invitation, pk=pk, coach=request.user)
    try:
        invitation_send_again(invitation=invitation, url=_accept_url(request, invitation))
    except CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Sending the invitation to {invitation.email} again; it now works "
            f"{INVITATION_DAYS} days from today.",
        )
    return redirect("coaching:invite")


@require_POST
@coach_required
def invitation_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Another coach's invitation is a 404 like a missing one: ids reveal nothing.
    invitation = get_object_or_404(Invitation, pk=pk, coach=request.user)
    try:
        invitation_cancel(invitation=invitation, coach=request.user)
    except CoachingError as exc:
        messages.error(request, str(exc))
        return redirect("coaching:invite")
    messages.success(request, "Invitation cancelled: its link and code no longer work.")
    return redirect("coaching:invite")


@require_safe
@coach_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _get_relationship_for_coach(request, pk)
    assessments = selectors.client_shared_assessments(relationship)
    trend = report_views.sparkline([float(a.readiness) for a in assessments])
    context = {"relationship": relationship, "assessments": assessments, "trend": trend}
    return render(request, "coaching/client_detail.html", context)


def _coach_report_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    # The client's name in the report's words ("Ana's next step"), or neutral wording.
    viewpoint = named(assessment.owner.get_full_name())
    context = report_context(
        assessment, owner_view=False, pace=pace_asked(request), viewpoint=viewpoint
    )
    context |= {
        "coach_view": True,
        "notes": selectors.notes_for_coach(assessment, request.user),
        "note_form": NoteForm(),
        "calibration": selectors.calibration_rows(assessment, coach=request.user),
        "level_choices": list(enumerate(report_views.LEVEL_NAMES)),
    }
    return context


@require_safe
@coach_required
def coach_report(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_shared_for_coach(request, pk)
    return render(request, "coaching/report.html", _coach_report_context(request, assessment))


@require_safe
@coach_required
def coach_report_csv(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_shared_for_coach(request, pk)
    response = HttpResponse(report_document_csv(assessment.report), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="report-{assessment.pk}.csv"'
    return response


# GET and HEAD read it; POST asks for a failed render again.
@require_http_methods(["GET", "HEAD", "POST"])
@coach_required
def coach_report_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_shared_for_coach(request, pk)
    return pdf_download(
        request,
        assessment,
        filename=f"report-{assessment.pk}.pdf",
        back_url=reverse("coaching:report", args=[assessment.pk]),
    )


@require_POST
@coach_required
def note_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_shared_for_coach(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_create(
                assessment=assessment,
                coach=request.user,
                notice_url_for=lambda n: _note_read_url(request, n),
                **form.cleaned_data,
            )
        except CoachingError as exc:
            messages.error(request, str(exc))
        else:
            shared = form.cleaned_data["visibility"] == CoachNote.Visibility.SHARED
            messages.success(request, "Note shared with your client." if shared else "Note saved.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('coaching:report', args=[assessment.pk])}#notes")


def _get_note_for_coach(request: HttpRequest, pk: uuid.UUID, note_pk: int) -> CoachNote:
    """The coach's own note on a report they may still see; anything else is a 404."""
    assessment = _get_shared_for_coach(request, pk)
    note = CoachNote.objects.filter(pk=note_pk, assessment=assessment, coach=request.user).first()
    if note is None:
        raise Http404("No such note")
    return note


@require_POST
@coach_required
def note_edit(request: HttpRequest, pk: uuid.UUID, note_pk: int) -> HttpResponse:
    note = _get_note_for_coach(request, pk, note_pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_update(
                note=note, notice_url_for=lambda n: _note_read_url(request, n), **form.cleaned_data
            )
        except CoachingError as exc:
            messages.error(request, str(exc))
        else:
            shared = note.visibility == CoachNote.Visibility.SHARED
            messages.success(
                request, "Note saved; your client sees the new text." if shared else "Note saved."
            )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('coaching:report', args=[pk])}#note-{note.pk}")


@require_POST
@coach_required
def note_delete_view(request: HttpRequest, pk: uuid.UUID, note_pk: int) -> HttpResponse:
    note = _get_note_for_coach(request, pk, note_pk)
    note_delete(note=note)
    messages.success(request, "Note deleted.")
    return redirect(f"{reverse('coaching:report', args=[pk])}#notes")


@require_POST
@coach_required
def calibrate(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Every level of the form (without JavaScript), or one skill's as the coach chooses
    it (htmx, `calibration_autosave`)."""
    assessment = _get_shared_for_coach(request, pk)
    if request.htmx:
        return calibration_autosave(request, assessment)
    form = CalibrationForm(request.POST)
    try:
        saved = calibration_save(assessment=assessment, coach=request.user, levels=form.levels())
    except CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Your view of {saved} skill{'s' if saved != 1 else ''} saved.")
    return redirect(f"{reverse('coaching:report', args=[assessment.pk])}#calibration")


# --- the client's side ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def join(request: HttpRequest) -> HttpResponse:
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST":
        # Codes are short: wrong ones are counted per address and per account.
        throttle = join_code_throttle()
        subjects = [f"ip:{client_address(request)}", f"user:{request.user.pk}"]
        if throttle.is_locked(subjects):
            return throttled_response(request)
        if form.is_valid():
            return redirect("coaching:invitation", token=form.invitation.token)
        if throttle.count(subjects):
            return throttled_response(request)
    return render(request, "coaching/join.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.select_related("coach").filter(token=token).first()
    if invitation is None:
        raise Http404("No such invitation")
    submissions = list(
        request.user.assessments.submitted().select_related("role").order_by("-submitted_at")
    )
    form = ConsentForm(request.POST or None, assessments=submissions)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "decline":
                invitation_decline(invitation_id=invitation.pk, client=request.user)
                messages.info(request, "Invitation declined. Your coach sees nothing of yours.")
                return redirect("coaching:my_coaches")
            if form.is_valid():
                invitation_accept(
                    invitation_id=invitation.pk,
                    client=request.user,
                    scope=form.cleaned_data["scope"],
                    assessment_ids=form.cleaned_data["assessments"],
                )
                messages.success(request, "Accepted: your coach can now see what you chose.")
                return redirect("coaching:my_coaches")
        except CoachingError as exc:
            if str(exc) != NOT_YOURS:  # the page says that one in place of the form
                messages.error(request, str(exc))
    context = {
        "invitation": invitation,
        "form": form,
        "usable": invitation.is_usable,
        "for_you": invitation.is_for(request.user),
        "not_yours": NOT_YOURS,
    }
    return render(request, "coaching/invitation.html", context)


@require_safe
@login_required
def my_coaches(request: HttpRequest) -> HttpResponse:
    # Shown here, so seen: the count beside "My coaches" goes (services.notes_mark_seen).
    new_notes = notes_mark_seen(client=request.user)
    relationships = selectors.coaches_of(request.user)
    prefetch_related_objects(
        relationships,
        Prefetch("action_items", ActionItem.objects.open().in_order(), to_attr="open_items"),
    )
    submissions = list(
        request.user.assessments.submitted().select_related("role").order_by("-submitted_at")
    )
    rows = [
        {
            "relationship": r,
            "form": ConsentForm(
                initial={
                    "scope": r.scope,
                    "assessments": [s.assessment_id for s in r.shares.all()],
                },
                assessments=submissions,
                prefix=f"r{r.pk}",
            ),
        }
        for r in relationships
    ]
    context = {"rows": rows, "new_notes": new_notes}
    return render(request, "coaching/my_coaches.html", context)


@require_POST
@login_required
def coach_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _get_relationship_for_client(request, pk)
    relationship_revoke(relationship=relationship)
    messages.success(request, "Done: that coach no longer sees anything of yours.")
    return redirect("coaching:my_coaches")


@require_POST
@login_required
def coach_scope(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _get_relationship_for_client(request, pk)
    submissions = list(request.user.assessments.submitted())
    form = ConsentForm(request.POST, assessments=submissions, prefix=f"r{relationship.pk}")
    if form.is_valid():
        try:
            relationship_update_scope(
                relationship=relationship,
                scope=form.cleaned_data["scope"],
                assessment_ids=form.cleaned_data["assessments"],
            )
        except CoachingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Saved: your coach now sees exactly what you chose.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("coaching:my_coaches")


# --- the session view -------------------------------------------------------------------


@require_safe
@coach_required
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """The coach's landing page for one client (coaching/session.py)."""
    relationship = _get_relationship_for_coach(request, pk)
    context = _session_context(request, relationship)
    context["action_item_form"] = ActionItemForm()
    return render(request, "coaching/session.html", context)


@require_safe
@coach_required
def session_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The session view on paper: the coach's own copy, private notes and calibration in.

    Rendered in the request, unlike a report's PDF (kept once, assessments/tasks.py): it
    carries the coach's notes and calibration, which change with every edit, so a kept copy
    would be out of date at the next note; and only its coach ever asks for it."""
    relationship = _get_relationship_for_coach(request, pk)
    context = _session_context(request, relationship) | {"printed_at": timezone.now()}
    html = render_to_string("coaching/session_pdf.html", context)
    response = HttpResponse(
        render_pdf(html, base_url=request.build_absolute_uri("/")),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="session-{relationship.pk}.pdf"'
    return response


# --- calibration, one skill at a time -------------------------------------------------


def calibration_autosave(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    """One skill's level, saved as the coach chooses it: that row's status ("Saved", or
    "Not saved: …" with a 422), and its difference as it now stands (out of band). Anything
    but exactly one `level-<skill>` field is a hand-made request: a 400."""
    fields = [key for key in request.POST if key != "csrfmiddlewaretoken"]
    levels = CalibrationForm(request.POST).levels()
    if len(fields) != 1 or len(levels) != 1 or len(request.POST.getlist(fields[0])) != 1:
        return HttpResponse(
            "Send exactly one skill's level.", status=400, content_type="text/plain"
        )
    ((slug, raw),) = levels.items()
    try:
        calibration_save(assessment=assessment, coach=request.user, levels=levels)
    except CoachingError as exc:
        context = {"error": str(exc)}
        return render(request, "coaching/_calibration_status.html", context, status=422)
    level = None if raw == "" else int(raw)
    row = selectors.calibration_row(assessment, slug=slug, level=level)
    return render(request, "coaching/_calibration_status.html", {"row": row})


def _session_context(request: HttpRequest, relationship: CoachRelationship) -> dict[str, Any]:
    """The session view's data, on the page and in its PDF: one query more than
    session_for_coach, for the relationship's action items, open ones first."""
    return {
        "relationship": relationship,
        "session": session_for_coach(relationship, coach=request.user),
        "action_items": list(ActionItem.objects.filter(relationship=relationship).in_order()),
    }


# --- action items -----------------------------------------------------------------------


def _session_items_url(relationship: CoachRelationship) -> str:
    return f"{reverse('coaching:session', args=[relationship.pk])}#action-items"


@require_POST
@coach_required
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The coach of an active relationship sets the client an action item."""
    relationship = _get_relationship_for_coach(request, pk)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            action_item_create(relationship=relationship, **form.cleaned_data)
        except CoachingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Action item added: your client sees it under My coaches.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(_session_items_url(relationship))


@require_POST
@coach_required
def action_item_delete_view(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    relationship = _get_relationship_for_coach(request, pk)
    item = get_object_or_404(ActionItem, pk=item_pk, relationship=relationship)
    item.relationship = relationship  # already checked and loaded: no second query
    action_item_delete(item=item)
    messages.success(request, "Action item deleted.")
    return redirect(_session_items_url(relationship))


@require_POST
@login_required
def action_item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The client ticks off an item of one of their active coaches; anyone else gets a
    404, as for an item that does not exist."""
    relationship = _get_relationship_for_client(request, pk)
    item = get_object_or_404(ActionItem, pk=item_pk, relationship=relationship)
    item.relationship = relationship
    try:
        action_item_complete(item=item)
    except CoachingError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, "Done: your coach sees it ticked off.")
    return redirect(f"{reverse('coaching:my_coaches')}#coach-{relationship.pk}")


# --- the notice of shared notes -----------------------------------------------------------


def _note_read_url(request: HttpRequest, note: CoachNote) -> str:
    return request.build_absolute_uri(reverse("coaching:note_read", args=[note.pk]))


@require_safe
@login_required
def note_read(request: HttpRequest, note_pk: int) -> HttpResponse:
    """Where the mail about a shared note leads: the note is marked seen and the client
    goes on to the report that carries it. Only that report's owner may follow it."""
    note = (
        CoachNote.objects.filter(
            pk=note_pk,
            assessment__owner=request.user,
            visibility=CoachNote.Visibility.SHARED,
        )
        .only("pk", "assessment_id")
        .first()
    )
    if note is None:
        raise Http404("No such note")
    notes_mark_seen(client=request.user, note_id=note.pk)
    return redirect(f"{reverse('assessments:result', args=[note.assessment_id])}#coach-notes")
