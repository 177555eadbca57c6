from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from accounts.throttling import client_address, join_code_throttle, throttled_response
from assessments import report as report_views
from assessments.exports import csv_cell, render_pdf, report_document_csv
from assessments.models import Assessment
from assessments.viewpoint import named
from assessments.views import pace_asked, pdf_download, report_context
from careerpath.page_cache import coach_key, private_page
from coaching import cohort as cohorts
from coaching import selectors
from coaching.attention import QUIET_DAYS_CHOICES, attention_queue, quiet_days_from
from coaching.forms import (
    ActionItemForm,
    CalibrationForm,
    ClientFilterForm,
    ConsentForm,
    InvitationCodeForm,
    InviteForm,
    NoteForm,
    TagForm,
    TimelineNoteForm,
)
from coaching.models import (
    INVITATION_DAYS,
    ActionItem,
    ClientTag,
    CoachNote,
    CoachRelationship,
    Invitation,
)
from coaching.services import (
    NOT_YOURS,
    CoachingError,
    action_item_complete,
    action_item_create,
    action_item_delete,
    calibration_save,
    client_nudge,
    client_seen_by_coach,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_dismiss,
    invitation_mail_retry,
    invitation_news_dismiss_all,
    invitation_send_again,
    is_coach,
    note_create,
    note_delete,
    note_update,
    notes_mark_seen,
    relationship_revoke,
    relationship_update_scope,
    revocation_dismiss,
    submissions_seen_all,
    tag_add,
    tag_add_to_clients,
    tag_delete,
    tag_remove,
    tag_rename,
)
from coaching.session import notes_timeline, session_for_coach, session_note

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
    # "Invite again" from the attention queue fills in the address of a declined one.
    form = InviteForm(request.POST or None, initial={"email": request.GET.get("email", "")[:254]})
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
    client_seen_by_coach(coach=request.user, client_id=assessment.owner_id)
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
    back = _back_to_timeline(request, note)
    return redirect(f"{back or reverse('coaching:report', args=[pk])}#note-{note.pk}")


@require_POST
@coach_required
def note_delete_view(request: HttpRequest, pk: uuid.UUID, note_pk: int) -> HttpResponse:
    note = _get_note_for_coach(request, pk, note_pk)
    back = _back_to_timeline(request, note)
    note_delete(note=note)
    messages.success(request, "Note deleted.")
    return redirect(back or f"{reverse('coaching:report', args=[pk])}#notes")


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


# --- attention queue ------------------------------------------------------------------
# Not part of the kept dashboard page, which the dashboard loads it into (htmx): the queue
# also follows a client's drafts and the clock, which bump no version of the coach's, so it
# is kept on its own for a minute at most.


def _attention_render(request: HttpRequest, *, acted_on: str = "") -> HttpResponse:
    """The queue: the whole page, or for htmx its section, a few items per group on the
    dashboard, every item on the full page (`where=page`). After an action on the group
    `acted_on`, the page's messages come along (out of band) saying what was done, and the
    keyboard focus goes to that group's heading (or the queue, if the group is gone)."""
    data = request.POST if request.method == "POST" else request.GET
    full = not request.htmx or data.get("where") == "page"
    queue = attention_queue(
        request.user, quiet_days=quiet_days_from(data.get("quiet_days")), full=full
    )
    focus = ""
    if acted_on:
        focus = acted_on if any(g.slug == acted_on for g in queue.shown) else "attention"
    context = {
        "queue": queue,
        "quiet_choices": QUIET_DAYS_CHOICES,
        "after_action": bool(acted_on),
        "focus": focus,
    }
    template = "coaching/_attention.html" if request.htmx else "coaching/attention.html"
    return render(request, template, context)


@require_safe
@vary_on_headers("HX-Request")
@private_page(_coach_versions)
@coach_required
def attention(request: HttpRequest) -> HttpResponse:
    """Kept a minute at most (careerpath/page_cache.py), and dropped at once by what the
    coach's version covers: a new shared report, an answer to an invitation, a revocation,
    a calibration, and every action of the queue's own. A client's draft work and the
    clock show within that minute."""
    return _attention_render(request)


def _attention_done(
    request: HttpRequest, message: str, *, group: str, error: bool = False
) -> HttpResponse:
    """After an action on `group`: htmx gets the queue again, in place, saying what was
    done; without JavaScript, back to where the coach was (the dashboard or the full page)
    with it."""
    (messages.error if error else messages.success)(request, message)
    if request.htmx:
        return _attention_render(request, acted_on=group)
    if request.POST.get("where") == "page":
        days = quiet_days_from(request.POST.get("quiet_days"))
        return redirect(f"{reverse('coaching:attention')}?quiet_days={days}")
    return redirect("coaching:clients")


@require_POST
@coach_required
def attention_seen(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _get_relationship_for_coach(request, pk)
    client_seen_by_coach(coach=request.user, client_id=relationship.client_id)
    who = selectors.display_name(relationship.client)
    return _attention_done(request, f"Marked seen: {who}'s latest report.", group="submissions")


@require_POST
@coach_required
def attention_nudge(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _get_relationship_for_coach(request, pk)
    url = request.build_absolute_uri(reverse("assessments:mine"))
    try:
        client_nudge(relationship=relationship, url=url)
    except CoachingError as exc:
        return _attention_done(request, str(exc), group="quiet", error=True)
    who = selectors.display_name(relationship.client)
    message = f"Nudge sent: {who} gets an e-mail from you to retake."
    return _attention_done(request, message, group="quiet")


@require_POST
@coach_required
def attention_invitation_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("relationship"), pk=pk, coach=request.user
    )
    try:
        invitation_dismiss(invitation=invitation)
    except CoachingError as exc:
        return _attention_done(request, str(exc), group="invitations", error=True)
    return _attention_done(request, "Cleared from your attention queue.", group="invitations")


def _list_read_at(raw: str) -> datetime:
    """When the coach's list was read, from the page's form; now for anything else, and
    never later than now."""
    now = timezone.now()
    try:
        moment = parse_datetime(raw[:40])
    except ValueError:  # well formed, not a real moment ("2026-13-45T…")
        moment = None
    if moment is None:
        return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, now)


# What "Mark all seen" and "Dismiss all" clear, and what they say they did.
CLEAR_ALL = {
    "submissions": (submissions_seen_all, "Marked seen: {n} new report{s}."),
    "invitations": (invitation_news_dismiss_all, "Cleared {n} item{s} from your queue."),
}


@require_POST
@coach_required
def attention_clear_all(request: HttpRequest, group: str) -> HttpResponse:
    """A whole group cleared at once, up to when the coach's list was read (`until`, from
    the page; now when it is missing or garbled)."""
    if group not in CLEAR_ALL:
        raise Http404("No such group")
    clear, done = CLEAR_ALL[group]
    cleared = clear(coach=request.user, until=_list_read_at(request.POST.get("until", "")))
    return _attention_done(request, done.format(n=cleared, s=pluralize(cleared)), group=group)


@require_POST
@coach_required
def attention_revocation_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the former coach of a revoked consent: an active one has nothing to clear.
    relationship = get_object_or_404(
        CoachRelationship, pk=pk, coach=request.user, revoked_at__isnull=False
    )
    revocation_dismiss(relationship=relationship)
    return _attention_done(request, "Cleared from your attention queue.", group="invitations")


# --- cohort and tags ----------------------------------------------------------------------


def _cohort_tag(request: HttpRequest, tags: list[cohorts.TagChoice]) -> cohorts.TagChoice | None:
    """The tag asked for (?tag=), None for every client. Anything but one of the coach's
    tags is a 404, so another coach's tag id tells nothing."""
    raw = request.GET.get("tag", "").strip()
    if not raw:
        return None
    tag = next((t for t in tags if str(t.pk) == raw), None)
    if tag is None:
        raise Http404("No such tag")
    return tag


@require_safe
@vary_on_headers("HX-Request", "HX-Target")
@private_page(_coach_versions)  # what it shows (results, tags, names) bumps the coach's
@coach_required
def cohort(request: HttpRequest) -> HttpResponse:
    """The coach's clients, all or one tag's, at a glance (coaching/cohort.py)."""
    tags = cohorts.coach_tags(request.user)
    data = cohorts.cohort_for_coach(
        request.user,
        tags=tags,
        tag=_cohort_tag(request, tags),
        page=request.GET.get("page"),
        compare=cohorts.compare_ids(request.GET.getlist("compare")),
    )
    context = {
        "cohort": data,
        "compare_limit": cohorts.COMPARE_LIMIT,
        "manage_open": request.GET.get("manage") == "1",
    }
    if request.htmx and request.htmx.target == "cohort":
        return render(request, "coaching/_cohort.html", context)
    return render(request, "coaching/cohort.html", context)


@require_safe
@coach_required
def cohort_csv(request: HttpRequest) -> HttpResponse:
    """The cohort's clients, every one of them, with their gaps on the common gap skills."""
    raw = request.GET.get("tag", "").strip()
    tag = None
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) < 12):  # "²" is a digit too
            raise Http404("No such tag")
        tag = get_object_or_404(ClientTag, pk=int(raw), coach=request.user).pk
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="careerpath-cohort.csv"'
    writer = csv.writer(response)
    for row in cohorts.cohort_csv_rows(request.user, tag):
        writer.writerow([csv_cell(value) for value in row])
    return response


def _client_tags_context(relationship: CoachRelationship) -> dict[str, Any]:
    """The session view's Tags block: the coach's tags, those on this client marked."""
    name = " ".join(relationship.client.get_full_name().split())
    tags = cohorts.client_tags(relationship)
    return {
        "tags_on": [t for t in tags if t.on],
        "tags_other": [t for t in tags if not t.on],
        "tags_who": name or "this client",
    }


def _tags_answer(
    request: HttpRequest, relationship: CoachRelationship, *, done: str, error: str = ""
) -> HttpResponse:
    """htmx gets the Tags block again (a 422 with the reason when refused); without
    JavaScript, a message and the session view at its tags."""
    if request.htmx:
        context = _client_tags_context(relationship) | {
            "relationship": relationship,
            "tag_error": error,
            "tag_done": "" if error else done,
            "swapped": True,
        }
        return render(request, "coaching/_client_tags.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(f"{reverse('coaching:session', args=[relationship.pk])}#tags")


@require_POST
@coach_required
def client_tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _get_relationship_for_coach(request, pk)
    form = TagForm(request.POST)
    if not form.is_valid():
        return _tags_answer(request, relationship, done="", error=" ".join(form.errors["name"]))
    try:
        tag = tag_add(coach=request.user, relationship=relationship, **form.cleaned_data)
    except CoachingError as exc:
        return _tags_answer(request, relationship, done="", error=str(exc))
    return _tags_answer(request, relationship, done=f"Tagged “{tag.name}”.")


# The dashboard's filters, as its bulk tagging form hands them back: nothing else is kept.
DASHBOARD_QUERY_KEYS = ("q", "sort", "role", "verdict", "tag", "inactive_days", "page")


@require_POST
@coach_required
def clients_tag(request: HttpRequest) -> HttpResponse:
    """Tag the clients ticked on the dashboard, then back to the same filtered page. An id
    that is not one of the coach's active clients is a 404 that tags nobody."""
    shown = QueryDict(request.POST.get("query", "")[:2000])
    kept = {key: shown[key] for key in DASHBOARD_QUERY_KEYS if shown.get(key)}
    back = reverse("coaching:clients") + (f"?{urlencode(kept)}" if kept else "")
    ids = {int(raw) for raw in request.POST.getlist("client") if raw.isascii() and raw.isdigit()}
    if not ids:
        messages.error(request, "Tick the clients to tag first.")
        return redirect(back)
    relationships = list(
        CoachRelationship.objects.active().filter(coach=request.user, pk__in=list(ids)[:1000])
    )
    if len(relationships) != len(ids):
        raise Http404("No such client")
    form = TagForm(request.POST)
    try:
        if not form.is_valid():
            raise CoachingError(" ".join(form.errors["name"]))
        tag = tag_add_to_clients(
            coach=request.user, relationships=relationships, **form.cleaned_data
        )
    except CoachingError as exc:
        messages.error(request, str(exc))
    else:
        count = len(relationships)
        messages.success(request, f"Tagged {count} client{pluralize(count)} “{tag.name}”.")
    return redirect(back)


@require_POST
@coach_required
def client_tag_remove(request: HttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    relationship = _get_relationship_for_coach(request, pk)
    tag = get_object_or_404(ClientTag, pk=tag_pk, coach=request.user)
    tag_remove(coach=request.user, relationship=relationship, tag=tag)
    return _tags_answer(request, relationship, done=f"Tag “{tag.name}” removed.")


def _manage_tags_url() -> str:
    return f"{reverse('coaching:cohort')}?manage=1#manage-tags"


@require_POST
@coach_required
def tag_rename_view(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(ClientTag, pk=pk, coach=request.user)
    old_name = tag.name
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["name"]))
        return redirect(_manage_tags_url())
    try:
        tag_rename(coach=request.user, tag=tag, **form.cleaned_data)
    except CoachingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Tag “{old_name}” renamed “{tag.name}”.")
    return redirect(_manage_tags_url())


@require_POST
@coach_required
def tag_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(ClientTag, pk=pk, coach=request.user)
    tag_delete(coach=request.user, tag=tag)
    messages.success(request, f"Tag “{tag.name}” deleted; the clients it was on stay.")
    return redirect(_manage_tags_url())


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
    client_seen_by_coach(coach=request.user, client_id=relationship.client_id)
    context = _session_context(request, relationship)
    context["action_item_form"] = ActionItemForm()
    context |= _client_tags_context(relationship)  # the page only: the PDF shows no tags
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


# --- the notes timeline -------------------------------------------------------------------

NOTES_PER_PAGE = 30
NOTES_SHOWN = {"": "All notes", "shared": "Shared with the client", "private": "Private"}


@require_http_methods(["GET", "POST"])
@coach_required
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    """Every note of the coach's on the client's shared reports, newest first, and a note
    added on the report the coach picks."""
    relationship = _get_relationship_for_coach(request, pk)
    reports = selectors.client_shared_assessments(relationship)
    form = TimelineNoteForm(request.POST or None, reports=reports)
    if request.method == "POST":
        if form.is_valid():
            return _timeline_note_added(request, relationship, form)
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    shown = request.GET.get("show", "")
    shown = shown if shown in NOTES_SHOWN else ""
    timeline = notes_timeline(relationship, coach=request.user, visibility=shown)
    page = Paginator(timeline, NOTES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "relationship": relationship,
        "who": relationship.client.get_full_name() or "this client",
        "form": form,
        "page": page,
        "timeline": [session_note(n) for n in page.object_list],
        "shown": shown,
        "shown_label": NOTES_SHOWN[shown],
        "filters": NOTES_SHOWN,
        "note_form": NoteForm(),
    }
    return render(request, "coaching/notes.html", context)


def _timeline_note_added(
    request: HttpRequest, relationship: CoachRelationship, form: TimelineNoteForm
) -> HttpResponse:
    try:
        note_create(
            assessment=form.chosen_report(),
            coach=request.user,
            notice_url_for=lambda n: _note_read_url(request, n),
            text=form.cleaned_data["text"],
            visibility=form.cleaned_data["visibility"],
        )
    except CoachingError as exc:
        messages.error(request, str(exc))
    else:
        shared = form.cleaned_data["visibility"] == CoachNote.Visibility.SHARED
        messages.success(request, "Note shared with your client." if shared else "Note saved.")
    return redirect("coaching:notes", pk=relationship.pk)


def _back_to_timeline(request: HttpRequest, note: CoachNote) -> str | None:
    """Where an edit or a deletion made from the timeline returns: the timeline of the
    note's client, while the coach still coaches them (else the report, as from there)."""
    if request.POST.get("back") != "timeline":
        return None
    relationship = (
        CoachRelationship.objects.active()
        .filter(coach=request.user, client__assessments=note.assessment_id)
        .values_list("pk", flat=True)
        .first()
    )
    return None if relationship is None else reverse("coaching:notes", args=[relationship])
