from __future__ import annotations

import functools
import hashlib
import inspect
import uuid
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from assessments import charts, trend
from assessments import report as report_views
from assessments.example import EXAMPLE_NAME, EXAMPLE_VIEWPOINT, example_assessment
from assessments.exports import report_document_csv, report_document_json
from assessments.forms import ShareLinkForm
from assessments.models import Assessment, ReportPDF, ShareLink
from assessments.questionnaire import (
    EDUCATION_CHOICES,
    EDUCATION_KEY,
    AnswerError,
    Questionnaire,
    questionnaire_for,
)
from assessments.salary import salary_section
from assessments.scoring import (
    MAX_PACE_HOURS,
    MIN_PACE_HOURS,
    REFERENCE_PACE_HOURS,
)
from assessments.selectors import (
    active_share_link,
    earlier_submissions,
    share_links_of,
)
from assessments.services import (
    AlreadySubmitted,
    AssessmentNotFound,
    AssessmentSubmittedError,
    DraftAnswers,
    IncompleteAssessment,
    Owner,
    answer_autosave,
    answers_save_all,
    assessment_delete,
    assessment_retake,
    assessment_start,
    assessment_submit,
    draft_answers,
    draft_for,
    owned_assessments,
    report_closest_roles_backfill,
    share_link_create,
    share_link_revoke,
)
from assessments.tasks import report_pdf_prepare, report_pdf_request, report_pdf_retry
from assessments.viewpoint import NEUTRAL, OWNER, Viewpoint, named
from careerpath.page_cache import assessment_key, private_page
from coaching.selectors import calibration_rows, notes_for_owner
from roles.cache import cache_public_page, cached_catalogue
from roles.models import Role
from roles.selectors import featured_role, minutes_to_answer

VISITOR_SESSION_KEY = "careerpath_visitor"


# --- who is asking --------------------------------------------------------------------


def _owner(request: HttpRequest, *, create: bool = False) -> Owner | None:
    """The request's owner: the user, or the visitor's browser session (made on demand)."""
    if request.user.is_authenticated:
        return Owner(user=request.user)
    token = request.session.get(VISITOR_SESSION_KEY)
    if not token and create:
        token = request.session[VISITOR_SESSION_KEY] = uuid.uuid4().hex
    return Owner(visitor_token=token) if token else None


def _get_assessment_for_request(
    request: HttpRequest, pk: uuid.UUID, *, defer: tuple[str, ...] = ()
) -> Assessment:
    """The assessment if it belongs to whoever asks; a 404 otherwise, so ids reveal nothing.
    `defer` leaves out columns the caller rarely reads (loaded on first use)."""
    owner = _owner(request)
    if owner is None:
        raise Http404("No such assessment")
    assessment = (
        Assessment.objects.select_related("role__track")
        .defer(*defer)
        .filter(pk=pk, **owner.filter())
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment")
    return assessment


# --- page context ---------------------------------------------------------------------


def _progress(questionnaire: Questionnaire, answers: DraftAnswers) -> dict[str, Any]:
    return questionnaire.progress(
        skills=answers.levels.keys(),
        experience=answers.years.keys(),
        education=answers.education is not None,
    )


SKILL_QUESTION_TEMPLATE = "assessments/_skill_question.html"
ANSWER_URL_SLOT = "\x00answer-url\x00"  # never in a catalogue text, untouched by escaping


def _question_fragments(questionnaire: Questionnaire) -> dict[str, dict[int | None, str]]:
    """Every skill question rendered once per level chosen (or none), with no evidence nor
    error, kept with the questionnaire: a page of fifty questions joins strings instead of
    rendering three hundred radio buttons. Its answer URL is a slot filled per page."""
    template = get_template(SKILL_QUESTION_TEMPLATE)
    version = hashlib.sha256(template.template.source.encode()).hexdigest()[:12]

    def build() -> dict[str, dict[int | None, str]]:
        return {
            q.slug: {
                chosen: template.render(
                    {
                        "q": q,
                        "row": {"chosen": chosen, "evidence": "", "error": ""},
                        "answer_url": ANSWER_URL_SLOT,
                    }
                )
                for chosen in (None, *range(6))
            }
            for q in questionnaire.skill_questions.values()
        }

    return cached_catalogue("question-html", build, questionnaire.role.pk, version)


def _question_html(
    fragments: dict[str, dict[int | None, str]], slug: str, chosen: int | None, url: str
) -> str:
    # The template's own escaped output with the URL (from reverse(), so safe) put in.
    return mark_safe(fragments[slug][chosen].replace(ANSWER_URL_SLOT, url))


def _questionnaire_context(
    assessment: Assessment,
    questionnaire: Questionnaire,
    answers: DraftAnswers,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The questions with their saved answers and errors, ready for the template. A
    question with no evidence and no error comes pre-rendered (`html`)."""
    errors = errors or {}
    fragments = _question_fragments(questionnaire)
    answer_url = reverse("assessments:answer", args=[assessment.pk])
    sections = [
        {
            "slug": section.slug,
            "name": section.name,
            "questions": [
                {
                    "q": q,
                    "chosen": answers.levels.get(q.slug),
                    "evidence": answers.evidence.get(q.slug, ""),
                    "error": errors.get(q.key, ""),
                    "evidence_error": errors.get(q.evidence_key, ""),
                    "html": ""
                    if answers.evidence.get(q.slug) or q.key in errors or q.evidence_key in errors
                    else _question_html(fragments, q.slug, answers.levels.get(q.slug), answer_url),
                }
                for q in section.questions
            ],
        }
        for section in questionnaire.sections
    ]
    experience = [
        {"q": q, "years": answers.years.get(q.slug), "error": errors.get(q.key, "")}
        for q in questionnaire.experience
    ]
    return {
        "assessment": assessment,
        "role": assessment.role,
        "sections": sections,
        "experience": experience,
        "education": answers.education,
        "education_error": errors.get(EDUCATION_KEY, ""),
        "education_choices": EDUCATION_CHOICES,
        "progress": _progress(questionnaire, answers),
        "minutes": minutes_to_answer(questionnaire.total),
    }


# --- views ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    role = Role.objects.published().select_related("track").filter(slug=slug).first()
    if role is None:
        raise Http404("No such role")
    if request.method == "POST":
        assessment, created = assessment_start(owner=_owner(request, create=True), role=role)
        if not created:
            messages.info(request, "Welcome back: here is your draft, as you left it.")
        return redirect(assessment)
    owner = _owner(request)
    draft = draft_for(owner=owner, role=role) if owner else None
    questions = questionnaire_for(role).total
    context = {"role": role, "draft": draft, "questions": questions}
    context["minutes"] = minutes_to_answer(questions)
    return render(request, "assessments/start.html", context)


def _assessment_versions(request: HttpRequest, kwargs: dict[str, Any]) -> list[str]:
    return [assessment_key(kwargs["pk"])]


@require_http_methods(["GET", "POST"])
@private_page(_assessment_versions)
def questionnaire(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_assessment_for_request(request, pk)
    if not assessment.is_draft:
        messages.info(request, "This assessment is submitted; here is its result.")
        return redirect(assessment)
    questions = questionnaire_for(assessment.role)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            errors = answers_save_all(
                assessment_id=assessment.pk, questionnaire=questions, data=request.POST
            )
        except AnswerError as exc:
            messages.error(request, str(exc))
            return redirect(assessment)
        if not errors:
            messages.success(request, "Your answers are saved.")
            if request.POST.get("then") == "review":
                return redirect("assessments:submit", pk=assessment.pk)
            return redirect(assessment)
        messages.warning(request, "Some answers need another look; the others are saved.")
    context = _questionnaire_context(assessment, questions, draft_answers(assessment), errors)
    return render(request, "assessments/questionnaire.html", context, status=422 if errors else 200)


# What "assessments/_answer_status.html" renders for a saved answer, with the progress
# partials ("_progress.html", "_section_badge.html") as out-of-band swaps, written here
# without the template engine: the autosave is the most frequent request of the site, and
# these few lines cost more to render than to save the answer. tests/perf pins that both
# give the same HTML.
_SAVED = '<span class="text-success" data-state="saved">Saved</span>'
_PROGRESS_OOB = (
    '<div id="progress-overall" class="mb-3" hx-swap-oob="true">'
    '<div class="d-flex justify-content-between small"><span>Progress</span>'
    '<span data-testid="progress-count">{answered} of {total} answered</span></div>'
    '<div class="progress" role="progressbar" aria-label="Questions answered" '
    'aria-valuenow="{answered}" aria-valuemin="0" aria-valuemax="{total}">'
    '<svg class="progress-svg" viewBox="0 0 100 1" preserveAspectRatio="none" '
    'aria-hidden="true" focusable="false"><rect class="progress-svg-fill" width="{percent}" '
    'height="1" fill="#198754"/></svg></div></div>'
)
_SECTION_BADGE_OOB = (
    '<span id="progress-{}" class="badge {}" hx-swap-oob="true">{} / {}'
    '<span class="visually-hidden"> answered</span></span>'
)


_MOBILE_COUNT_OOB = (
    '<span id="progress-count-mobile" class="small" hx-swap-oob="true">{} of {} answered</span>\n'
)


def answer_saved_html(progress: dict[str, Any]) -> str:
    overall = format_html(
        _PROGRESS_OOB,
        answered=progress["answered"],
        total=progress["total"],
        percent=progress["percent"],
    )
    badges = format_html_join(
        "",
        _SECTION_BADGE_OOB,
        (
            (
                section["slug"],
                "text-bg-success"
                if section["answered"] == section["total"]
                else "text-bg-light border",
                section["answered"],
                section["total"],
            )
            for section in progress["sections"]
        ),
    )
    mobile = format_html(_MOBILE_COUNT_OOB, progress["answered"], progress["total"])
    return _SAVED + overall + badges + mobile


@require_POST
def answer(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Autosave of one answer (htmx). Answers with the question's status and the progress.
    Ownership, the lock, the draft check, the save and the progress are one statement in
    the service on PostgreSQL."""
    owner = _owner(request)
    if owner is None:
        raise Http404("No such assessment")
    fields = [key for key in request.POST if key != "csrfmiddlewaretoken"]
    if len(fields) != 1:
        return HttpResponse("Send exactly one answer.", status=400, content_type="text/plain")
    key = fields[0]
    context: dict[str, Any] = {"key": key}
    try:
        _, progress = answer_autosave(owner=owner, assessment_id=pk, key=key, raw=request.POST[key])
    except AssessmentNotFound as exc:
        raise Http404("No such assessment") from exc
    except AnswerError as exc:
        submitted = isinstance(exc, AssessmentSubmittedError)
        context |= {"error": str(exc), "submitted": submitted}
        status = 409 if submitted else 422
        return render(request, "assessments/_answer_status.html", context, status=status)
    return HttpResponse(answer_saved_html(progress))


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_assessment_for_request(request, pk)
    if not assessment.is_draft:
        return redirect(assessment)
    if request.method == "POST":
        try:
            assessment = assessment_submit(assessment_id=assessment.pk)
        except AlreadySubmitted:
            assessment.refresh_from_db()
        except IncompleteAssessment as exc:
            count = len(exc.missing)
            messages.error(
                request,
                f"{count} question{'s' if count != 1 else ''} still "
                f"need{'' if count != 1 else 's'} an answer before you submit.",
            )
            return _render_review(request, assessment, status=422)
        else:
            messages.success(request, "Submitted. Here is where you stand.")
            report_pdf_prepare(assessment=assessment, base_url=request.build_absolute_uri("/"))
        if request.htmx:
            return HttpResponseClientRedirect(assessment.get_absolute_url())
        return redirect(assessment)
    return _render_review(request, assessment)


def _render_review(
    request: HttpRequest, assessment: Assessment, *, status: int = 200
) -> HttpResponse:
    questions = questionnaire_for(assessment.role)
    answers = draft_answers(assessment)
    context = _questionnaire_context(assessment, questions, answers)
    context["missing"] = answers.missing(questions)
    return render(request, "assessments/submit.html", context, status=status)


def _frozen_report_context(assessment: Assessment, pace: int | None) -> dict[str, Any]:
    """What the frozen part of the report shows, from the snapshot and frozen answers; the
    plan at `pace` hours a week when one is asked for (the scores never change)."""
    report, snapshot, answers = assessment.report, assessment.snapshot, assessment.answers_frozen
    if pace is not None and pace != report.get("pace_hours_per_week"):
        report = report_views.at_pace(report, pace)
    return {
        "assessment": assessment,
        "report": report,
        "snapshot": snapshot,
        "verdict_label": report_views.VERDICT_LABELS[report["verdict"]],
        "verdict_meaning": report_views.verdict_meaning(report["verdict"]),
        "standing": report_views.standing(report),
        "time_words": report_views.time_to_ready_words(report),
        "category_bars": charts.category_bars(report["categories"]),
        "skill_chart": charts.skill_chart(report["requirements"], report["categories"]),
        "gaps": report_views.gap_rows(
            report["requirements"],
            report["actions"],
            report.get("pace_hours_per_week", REFERENCE_PACE_HOURS),
        ),
        "strengths": report_views.strengths(report["requirements"]),
        "ladder": report_views.ladder_rungs(report),
        "branches": snapshot.get("branches", []),
        "action_groups": report_views.action_groups(report),
        "first_days": report_views.first_days(report),
        "plan_weeks": report["actions"][-1]["end_week"] if report["actions"] else 0,
        "pace": report.get("pace_hours_per_week", REFERENCE_PACE_HOURS),
        "straight_lined": report_views.straight_lined(answers),
        "closest_roles": report_views.closest_roles_shown(report.get("closest_roles", [])),
    }


FROZEN_REPORT_TEMPLATE = "assessments/_report_frozen.html"
PROGRESS_TEMPLATE = "assessments/_report_progress.html"
PROGRESS_MARKER = "<!--progress-->"
TREND_TEMPLATE = "assessments/_trend_chart.html"
# A submitted report never changes, so its HTML may stay as long as the cache keeps it.
REPORT_BODY_TIMEOUT = 30 * 24 * 60 * 60


# The code that words the kept HTML (gaps, charts, salary, the reader's wording): a change
# to it renews the key as a template change does.
_FROZEN_WORDING_MODULES = (
    report_views,
    charts,
    trend,
    inspect.getmodule(salary_section),
    inspect.getmodule(Viewpoint),
)


@functools.cache
def frozen_template_version() -> str:
    """Changes with the frozen report's templates and the code that words them, so a
    deploy never serves old HTML."""
    names = (
        FROZEN_REPORT_TEMPLATE,
        PROGRESS_TEMPLATE,
        "assessments/_chart_categories.html",
        "assessments/_chart_skills.html",
        "assessments/_salary.html",
        TREND_TEMPLATE,
    )
    sources = "".join(get_template(name).template.source for name in names)
    sources += "".join(inspect.getsource(module) for module in _FROZEN_WORDING_MODULES)
    return hashlib.sha256(sources.encode()).hexdigest()[:12]


def _salary_context(report: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"salary": salary_section(report, snapshot)}


def _viewpoint_context(context: dict[str, Any], viewpoint: Viewpoint) -> dict[str, Any]:
    """The words of the frozen context that depend on who reads the report."""
    report = context["report"]
    return {
        "pov": viewpoint,
        "standing": report_views.standing(report, viewpoint),
        "verdict_meaning": report_views.verdict_meaning(report["verdict"], viewpoint),
    }


def report_body(
    assessment: Assessment,
    *,
    pdf: bool = False,
    pace: int | None = None,
    viewpoint: Viewpoint = OWNER,
) -> dict[str, str]:
    """The frozen part of a submitted report, rendered once (per pace asked for and per
    viewpoint) and kept, split where the live progress section goes: a page view renders
    only what is per viewer."""
    variant = "pdf" if pdf else "page"
    key = (
        f"report-body:{frozen_template_version()}:{assessment.pk}:{variant}:{pace}:{viewpoint.key}"
    )
    html = cache.get(key)
    if html is None:
        report_closest_roles_backfill(assessment=assessment)
        context = _frozen_report_context(assessment, pace) | {"pdf": pdf}
        context |= _viewpoint_context(context, viewpoint)
        context |= _salary_context(context["report"], context["snapshot"])
        html = render_to_string(FROZEN_REPORT_TEMPLATE, context)
        cache.set(key, html, REPORT_BODY_TIMEOUT)
    head, _, main = html.partition(PROGRESS_MARKER)
    # Our own render of escaped template output, split in two: safe as it was.
    return {"head": mark_safe(head), "main": mark_safe(main)}


def report_progress_html(assessment: Assessment) -> str:
    """Progress since the owner's previous submission, with the readiness trend of their
    submissions of this role, rendered once per set of earlier submissions and kept: all
    are frozen, so only which submissions came before is read per view."""
    earlier = earlier_submissions(assessment)
    if not earlier:
        return ""
    previous = earlier[0]
    # Oldest first, this one last: the readiness each submission was scored with.
    history = [a for a in reversed(earlier) if a.role_id == assessment.role_id] + [assessment]
    ids = ",".join(str(a.pk) for a in earlier)
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    key = f"report-progress:{frozen_template_version()}:{assessment.pk}:{digest}"
    html = cache.get(key)
    if html is None:
        moments = [timezone.localtime(a.submitted_at) for a in history]
        previous_when, _ = trend.when_labels(
            [timezone.localtime(previous.submitted_at), moments[-1]]
        )
        progress = report_views.progress_between(
            snapshot=assessment.snapshot,
            report=assessment.report,
            answers=assessment.answers_frozen,
            previous_answers=previous.answers_frozen,
            previous_date=previous.submitted_at,
            previous_role_title=previous.role.title,
            previous_when=previous_when,
        )
        chart = trend.trend_chart(moments, [float(a.readiness) for a in history])
        context = {
            "progress": progress,
            "report": assessment.report,
            "chart": chart,
            "chart_id": "progress-trend",
        }
        html = render_to_string(PROGRESS_TEMPLATE, context)
        cache.set(key, html, REPORT_BODY_TIMEOUT)
    return mark_safe(html)  # our own render


def report_context(
    assessment: Assessment,
    *,
    owner_view: bool,
    pdf: bool = False,
    pace: int | None = None,
    viewpoint: Viewpoint | None = None,
) -> dict[str, Any]:
    """Everything the report shows: the frozen body (kept, see `report_body`) and what is
    live per viewer. `owner_view` adds what only the owner sees: progress against their
    earlier assessments, coaches' notes and calibrations, and their share links. The body
    speaks to the owner in the second person; to anyone else, by `viewpoint` (neutral by
    default: the PDF, which anyone the report reaches may download)."""
    if viewpoint is None:
        viewpoint = OWNER if owner_view else NEUTRAL
    context: dict[str, Any] = {
        "assessment": assessment,
        "report": assessment.report,
        "report_body": report_body(assessment, pdf=pdf, pace=pace, viewpoint=viewpoint),
        "owner_view": owner_view,
        "pov": viewpoint,
    }
    if owner_view:
        context["progress_html"] = report_progress_html(assessment)
        context["share_links"] = share_links_of(assessment)
        context["share_form"] = ShareLinkForm()
        context["coach_notes"] = notes_for_owner(assessment)
        context["calibration"] = [row for row in calibration_rows(assessment) if row.coach_name]
    return context


@require_safe
@private_page(_assessment_versions)
def result(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    # The kept report HTML shows the snapshot and answers: read only when it is made.
    assessment = _get_assessment_for_request(request, pk, defer=("snapshot", "answers_frozen"))
    if assessment.is_draft:
        return redirect(assessment)
    context = report_context(assessment, owner_view=True, pace=pace_asked(request))
    return render(request, "assessments/report.html", context)


def pace_asked(request: HttpRequest) -> int | None:
    """The hours a week the plan is shown at (`?pace=`, 1 to 40); anything else is the
    report's own pace. The number field allows only those values, so a bad one is a
    hand-made URL: it gets the default plan rather than an error."""
    raw = request.GET.get("pace", "")
    if not (raw.isascii() and raw.isdigit()):
        return None
    pace = int(raw)
    return pace if MIN_PACE_HOURS <= pace <= MAX_PACE_HOURS else None


def _get_submitted_for_request(request: HttpRequest, pk: uuid.UUID) -> Assessment:
    assessment = _get_assessment_for_request(request, pk)
    if assessment.is_draft:
        raise Http404("Not submitted yet")
    return assessment


@require_safe
def report_json(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    response = HttpResponse(
        report_document_json(assessment.report), content_type="application/json"
    )
    # Downloaded as a file, like the CSV and the PDF.
    response["Content-Disposition"] = f'attachment; filename="{_export_name(assessment)}.json"'
    return response


@require_safe
def report_csv(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    response = HttpResponse(report_document_csv(assessment.report), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(assessment)}.csv"'
    return response


# GET and HEAD read it; POST asks for a failed render again.
@require_http_methods(["GET", "HEAD", "POST"])
def report_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    return pdf_download(
        request,
        assessment,
        filename=f"{_export_name(assessment)}.pdf",
        back_url=assessment.get_absolute_url(),
    )


def pdf_download(
    request: HttpRequest, assessment: Assessment, *, filename: str, back_url: str
) -> HttpResponse:
    """The report's stored PDF (assessments/tasks.py renders it once, outside requests).
    Until it is ready, a page that refreshes itself (202); after a failed render, a page
    whose button POSTs here to try again (503)."""
    base_url = request.build_absolute_uri("/")
    if request.method == "POST":
        report_pdf_retry(assessment=assessment, base_url=base_url)
        return redirect(request.path)
    pdf = report_pdf_request(assessment=assessment, base_url=base_url)
    if pdf.is_ready:
        response = HttpResponse(bytes(pdf.content), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    failed = pdf.status == ReportPDF.Status.FAILED
    context = {"assessment": assessment, "failed": failed, "back_url": back_url}
    return render(request, "assessments/pdf_status.html", context, status=503 if failed else 202)


def _export_name(assessment: Assessment) -> str:
    return f"careerpath-{assessment.role.slug}-{assessment.submitted_at:%Y-%m-%d}"


@require_POST
def share_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(f"{assessment.get_absolute_url()}#sharing")
    link = share_link_create(
        assessment=assessment,
        days=form.cleaned_data["days"],
        display_name=form.cleaned_data["display_name"],
    )
    shown_as = f" as shared by {link.display_name}" if link.display_name else ""
    messages.success(
        request,
        f"Share link created; it works until {link.expires_at:%-d %b %Y}. Anyone with it can "
        f"read this report{shown_as}.",
    )
    return redirect(f"{assessment.get_absolute_url()}#sharing")


@require_POST
def share_revoke(request: HttpRequest, pk: uuid.UUID, link_id: int) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    link = assessment.share_links.filter(pk=link_id).first()
    if link is None:
        raise Http404("No such link")
    share_link_revoke(link=link)
    messages.success(request, "The link is revoked: it no longer opens this report.")
    return redirect(f"{assessment.get_absolute_url()}#sharing")


def _get_share_link(token: str) -> ShareLink:
    link = active_share_link(token)
    if link is None:
        raise Http404("This link has expired or was revoked")
    return link


@require_safe
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    link = _get_share_link(token)
    # The name the owner chose, never "your": the reader is not the owner.
    viewpoint = named(link.display_name)
    context = report_context(
        link.assessment, owner_view=False, pace=pace_asked(request), viewpoint=viewpoint
    )
    context |= {"shared": True, "share_link": link}
    return render(request, "assessments/report.html", context)


# GET and HEAD read it; POST asks for a failed render again, as the owner's does.
@require_http_methods(["GET", "HEAD", "POST"])
def shared_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    link = _get_share_link(token)
    return pdf_download(
        request,
        link.assessment,
        filename=f"{_export_name(link.assessment)}.pdf",
        back_url=link.get_absolute_url(),
    )


# --- the example report ----------------------------------------------------------------

EXAMPLE_TEMPLATE = "assessments/example.html"


def example_report_body(role: Role, pace: int | None) -> dict[str, str]:
    """The real report body for Maya's answers (assessments/example.py), rendered once per
    catalogue version and pace: it is scored against today's catalogue."""

    def build() -> str:
        assessment = example_assessment(role)
        context = _frozen_report_context(assessment, pace) | {"pdf": False}
        context |= _viewpoint_context(context, EXAMPLE_VIEWPOINT)
        context |= _salary_context(context["report"], context["snapshot"])
        return render_to_string(FROZEN_REPORT_TEMPLATE, context)

    html = cached_catalogue("example-report", build, role.pk, pace, frozen_template_version())
    # Our own render, split where an owner's progress would go (an example has none).
    head, _, main = html.partition(PROGRESS_MARKER)
    return {"head": mark_safe(head), "main": mark_safe(main)}


@require_safe
@cache_public_page
def example_report(request: HttpRequest) -> HttpResponse:
    """A report anyone may open without an account; nothing is saved."""
    role = featured_role()
    if role is None:
        raise Http404("No example report")
    context = {
        "role": role,
        "report_body": example_report_body(role, pace_asked(request)),
        "example_name": EXAMPLE_NAME,
    }
    return render(request, EXAMPLE_TEMPLATE, context)


@require_POST
def retake(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_assessment_for_request(request, pk)
    if assessment.is_draft:
        return redirect(assessment)
    draft, created = assessment_retake(assessment=assessment, owner=_owner(request))
    if created:
        messages.success(request, "A new assessment, filled in with your last answers.")
    else:
        messages.info(request, "You already have a draft for this role: here it is.")
    return redirect(draft)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_assessment_for_request(request, pk)
    if request.method == "POST":
        assessment_delete(assessment=assessment)
        messages.success(request, f"Your assessment for {assessment.role.title} is deleted.")
        return redirect("assessments:mine")
    return render(request, "assessments/delete.html", {"assessment": assessment})


@require_safe
def my_assessments(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    assessments = list(owned_assessments(owner)) if owner else []
    by_role: dict[int, dict[str, Any]] = {}
    for item in sorted(assessments, key=lambda a: a.created_at, reverse=True):
        entry = by_role.setdefault(
            item.role_id, {"role": item.role, "draft": None, "submitted": []}
        )
        if item.is_draft:
            entry["draft"] = item
        else:
            entry["submitted"].append(item)
    for entry in by_role.values():
        newest_first = entry["submitted"]
        moments = [timezone.localtime(a.submitted_at) for a in newest_first]
        # Two submissions of one day are told apart by their time.
        entry["rows"] = list(zip(newest_first, trend.when_labels(moments), strict=True))
        entry["trend"] = trend.trend_chart(
            moments[::-1], [float(a.readiness) for a in reversed(newest_first)]
        )
        entry["chart_id"] = f"trend-{entry['role'].slug}"
    return render(
        request,
        "assessments/my_assessments.html",
        {"groups": list(by_role.values()), "anonymous": not request.user.is_authenticated},
    )
