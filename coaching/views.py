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
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.throttling import client_address, join_code_throttle, throttled_response
from assessments import report as report_views
from assessments.exports import csv_cell, report_document_csv
from assessments.models import Assessment
from assessments.views import pace_asked, pdf_download, report_context
from careerpath.page_cache import coach_key, private_page
from coaching import selectors
from coaching.forms import (
    CalibrationForm,
    ClientFilterForm,
    ConsentForm,
    InvitationCodeForm,
    InviteForm,
    NoteForm,
)
from coaching.models import CoachNote, CoachRelationship, Invitation
from coaching.services import (
    CoachingError,
    calibration_save,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_mail_retry,
    is_coach,
    note_create,
    relationship_revoke,
    relationship_update_scope,
)

CLIENTS_PER_PAGE = 25


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
    context = {"form": form, "page": page, "query": form.query_string()}
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
    writer.writerow(["client", "target_role", "readiness", "verdict", "change", "last_activity"])
    for row in selectors.clients_dashboard(request.user, **form.filters()).iterator():
        writer.writerow(
            [
                csv_cell(row.client.email or row.client.get_username()),
                csv_cell(row.latest_role_title or ""),
                _one_decimal(row.latest_readiness),
                row.latest_verdict or "",
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
    context = {"form": form, "invitations": selectors.pending_invitations(request.user)}
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
    context = report_context(assessment, owner_view=False, pace=pace_asked(request))
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
            note_create(assessment=assessment, coach=request.user, **form.cleaned_data)
        except CoachingError as exc:
            messages.error(request, str(exc))
        else:
            shared = form.cleaned_data["visibility"] == CoachNote.Visibility.SHARED
            messages.success(request, "Note shared with your client." if shared else "Note saved.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('coaching:report', args=[assessment.pk])}#notes")


@require_POST
@coach_required
def calibrate(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_shared_for_coach(request, pk)
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
            messages.error(request, str(exc))
    context = {"invitation": invitation, "form": form, "usable": invitation.is_usable}
    return render(request, "coaching/invitation.html", context)


@require_safe
@login_required
def my_coaches(request: HttpRequest) -> HttpResponse:
    relationships = selectors.coaches_of(request.user)
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
    return render(request, "coaching/my_coaches.html", {"rows": rows})


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
