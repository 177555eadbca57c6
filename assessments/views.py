from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from assessments import report as report_views
from assessments.exports import render_pdf, report_document_csv, report_document_json
from assessments.forms import ShareLinkForm
from assessments.models import Assessment
from assessments.questionnaire import (
    EDUCATION_CHOICES,
    EDUCATION_KEY,
    AnswerError,
    Questionnaire,
    questionnaire_for,
)
from assessments.scoring import LEVEL_NAMES
from assessments.selectors import (
    previous_submission,
    published_role_specs,
    share_links_of,
    shared_assessment,
)
from assessments.services import (
    AlreadySubmitted,
    DraftAnswers,
    IncompleteAssessment,
    Owner,
    answer_save,
    answers_save_all,
    assessment_delete,
    assessment_retake,
    assessment_start,
    assessment_submit,
    draft_answers,
    draft_for,
    owned_assessments,
    share_link_create,
    share_link_revoke,
)
from coaching.selectors import calibration_rows, notes_for_owner
from roles.models import Role

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


def _get_assessment_for_request(request: HttpRequest, pk: uuid.UUID) -> Assessment:
    """The assessment if it belongs to whoever asks; a 404 otherwise, so ids reveal nothing."""
    owner = _owner(request)
    if owner is None:
        raise Http404("No such assessment")
    assessment = (
        Assessment.objects.select_related("role__track").filter(pk=pk, **owner.filter()).first()
    )
    if assessment is None:
        raise Http404("No such assessment")
    return assessment


# --- page context ---------------------------------------------------------------------


def _progress(questionnaire: Questionnaire, answers: DraftAnswers) -> dict[str, Any]:
    sections = [
        {
            "slug": section.slug,
            "name": section.name,
            "answered": sum(1 for q in section.questions if q.slug in answers.levels),
            "total": len(section.questions),
        }
        for section in questionnaire.sections
    ]
    background = sum(1 for q in questionnaire.experience if q.slug in answers.years) + (
        answers.education is not None
    )
    sections.append(
        {
            "slug": "background",
            "name": "Experience and education",
            "answered": background,
            "total": len(questionnaire.experience) + 1,
        }
    )
    answered = sum(s["answered"] for s in sections)
    return {
        "sections": sections,
        "answered": answered,
        "total": questionnaire.total,
        "percent": round(100 * answered / questionnaire.total),
    }


def _questionnaire_context(
    assessment: Assessment,
    questionnaire: Questionnaire,
    answers: DraftAnswers,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The questions with their saved answers and errors, ready for the template."""
    errors = errors or {}
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
    return render(request, "assessments/start.html", {"role": role, "draft": draft})


@require_http_methods(["GET", "POST"])
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


@require_POST
def answer(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Autosave of one answer (htmx). Answers with the question's status and the progress."""
    assessment = _get_assessment_for_request(request, pk)
    fields = [key for key in request.POST if key != "csrfmiddlewaretoken"]
    if len(fields) != 1:
        return HttpResponse("Send exactly one answer.", status=400, content_type="text/plain")
    key = fields[0]
    questions = questionnaire_for(assessment.role)
    context: dict[str, Any] = {"key": key}
    try:
        assessment = answer_save(
            assessment_id=assessment.pk,
            questionnaire=questions,
            key=key,
            raw=request.POST[key],
        )
    except AnswerError as exc:
        assessment.refresh_from_db()
        submitted = not assessment.is_draft
        context |= {"error": str(exc), "submitted": submitted}
        status = 409 if submitted else 422
        return render(request, "assessments/_answer_status.html", context, status=status)
    context["progress"] = _progress(questions, draft_answers(assessment))
    return render(request, "assessments/_answer_status.html", context)


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


def report_context(assessment: Assessment, *, owner_view: bool) -> dict[str, Any]:
    """Everything the report shows, from the assessment's snapshot and frozen answers.

    `owner_view` adds what only the owner sees: progress against their earlier
    assessments and their share links."""
    report, snapshot, answers = assessment.report, assessment.snapshot, assessment.answers_frozen
    skills = [r for r in report["requirements"] if r["kind"] == "skill"]
    salaries = snapshot.get("salaries", {})
    next_step = report["next_step"]
    ladder_titles = {rung["role"]: rung["title"] for rung in report["ladder"]}
    context: dict[str, Any] = {
        "assessment": assessment,
        "report": report,
        "snapshot": snapshot,
        "verdict_label": report_views.VERDICT_LABELS[report["verdict"]],
        "verdict_meaning": report_views.verdict_meaning(report["verdict"]),
        "radar": report_views.radar_chart(skills),
        "skills": [
            r | {"self_name": LEVEL_NAMES[r["self"]], "required_name": LEVEL_NAMES[r["required"]]}
            for r in skills
        ],
        "gaps": report_views.gap_rows(report["requirements"]),
        "strengths": report_views.strengths(report["requirements"]),
        "ladder": report_views.ladder_rungs(report),
        "branches": snapshot.get("branches", []),
        "action_groups": report_views.action_groups(report),
        "straight_lined": report_views.straight_lined(answers),
        "target_salary": salaries.get(report["role"], []),
        "next_step_title": ladder_titles.get(next_step, ""),
        "next_step_salary": salaries.get(next_step, []) if next_step != report["role"] else [],
        "closest_roles": report_views.closest_roles(answers, published_role_specs()),
        "evidence": answers.get("evidence", {}),
        "owner_view": owner_view,
    }
    if owner_view:
        previous = previous_submission(assessment)
        context["progress"] = previous and report_views.progress_between(
            snapshot=snapshot,
            report=report,
            answers=answers,
            previous_answers=previous.answers_frozen,
            previous_date=previous.submitted_at,
            previous_role_title=previous.role.title,
        )
        context["share_links"] = share_links_of(assessment)
        context["share_form"] = ShareLinkForm()
        context["coach_notes"] = notes_for_owner(assessment)
        context["calibration"] = [row for row in calibration_rows(assessment) if row.coach_name]
    return context


def result(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_assessment_for_request(request, pk)
    if assessment.is_draft:
        return redirect(assessment)
    return render(request, "assessments/report.html", report_context(assessment, owner_view=True))


def _get_submitted_for_request(request: HttpRequest, pk: uuid.UUID) -> Assessment:
    assessment = _get_assessment_for_request(request, pk)
    if assessment.is_draft:
        raise Http404("Not submitted yet")
    return assessment


def report_json(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    response = HttpResponse(
        report_document_json(assessment.report), content_type="application/json"
    )
    response["Content-Disposition"] = f'inline; filename="{_export_name(assessment)}.json"'
    return response


def report_csv(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    response = HttpResponse(report_document_csv(assessment.report), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(assessment)}.csv"'
    return response


def report_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    html = render_to_string(
        "assessments/report_pdf.html",
        report_context(assessment, owner_view=False) | {"pdf": True},
        request,
    )
    response = HttpResponse(
        render_pdf(html, base_url=request.build_absolute_uri("/")), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(assessment)}.pdf"'
    return response


def _export_name(assessment: Assessment) -> str:
    return f"careerpath-{assessment.role.slug}-{assessment.submitted_at:%Y-%m-%d}"


@require_POST
def share_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    assessment = _get_submitted_for_request(request, pk)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(form.errors.get("days", ["Choose how long the link lasts."]))
        )
        return redirect(assessment)
    link = share_link_create(assessment=assessment, days=form.cleaned_data["days"])
    messages.success(
        request,
        f"Share link created; it works until {link.expires_at:%-d %b %Y}. Anyone with it can "
        "read this report.",
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


def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    assessment = shared_assessment(token)
    if assessment is None:
        raise Http404("This link has expired or was revoked")
    context = report_context(assessment, owner_view=False) | {"shared": True}
    return render(request, "assessments/report.html", context)


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
        oldest_first = [float(a.readiness) for a in reversed(entry["submitted"])]
        entry["trend"] = report_views.sparkline(oldest_first)
    return render(
        request,
        "assessments/my_assessments.html",
        {"groups": list(by_role.values()), "anonymous": not request.user.is_authenticated},
    )
