"""Assessment workflows: starting, answering, submitting, retaking, deleting, claiming."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from assessments.models import (
    Assessment,
    ExperienceAnswer,
    ReportSkillGap,
    ShareLink,
    SkillAnswer,
)
from assessments.questionnaire import (
    EDUCATION_KEY,
    EVIDENCE_PREFIX,
    SKILL_PREFIX,
    AnswerError,
    ParsedAnswer,
    Questionnaire,
    questionnaire_built,
    questionnaire_for,
    questionnaire_of_role,
)
from assessments.report import answers_from_frozen, closest_roles
from assessments.scoring import (
    EDUCATION_ORDER,
    ActionSpec,
    Answers,
    RoleSpec,
    build_report,
    parse_answers,
    questionnaire_scope,
)
from assessments.selectors import draft_progress, published_role_specs
from careerpath.page_cache import assessment_key, data_changed
from coaching.services import shares_for_new_submission
from roles.models import Role, SalaryFigure
from roles.selectors import action_specs, ladder_specs


def report_preview(*, role: Role, raw_answers: object, pace: object = None) -> dict[str, Any]:
    """Score raw answers against `role` and its ladder as the catalogue stands, saving nothing.

    `pace` (hours a week) overrides the answers' own; it sets the plan, never the score.
    Raises AnswersError (naming the key) for answers outside the role's questionnaire.
    """
    ladder = ladder_specs(role)
    skill_slugs, experience_slugs = questionnaire_scope(ladder)
    answers = parse_answers(raw_answers, skill_slugs=skill_slugs, experience_slugs=experience_slugs)
    # Only what scoring reads: a submission's snapshot also keeps branches and salaries.
    actions = action_specs(s.slug for s in ladder[-1].skills)
    report = build_report(
        target=ladder[-1],
        ladder=ladder,
        answers=answers,
        actions=actions,
        pace_hours_per_week=answers.pace_hours_per_week if pace is None else pace,
    )
    report["closest_roles"] = closest_roles(
        answers,
        published_role_specs(),
        asked_skills=skill_slugs,
        asked_experience=experience_slugs,
    )
    return report


# --- snapshots ------------------------------------------------------------------------


def snapshot_data(ladder: list[RoleSpec], *, role: Role) -> dict[str, Any]:
    """What a submitted assessment is scored against, frozen: the ladder up to the target,
    the learning actions for the target's skills, its branches, and the salary figures of
    every rung and branch (the next step may be any of them)."""
    target = ladder[-1]
    next_roles = list(role.next_roles.filter(is_published=True).order_by("rank", "title"))
    salary_slugs = [rung.slug for rung in ladder] + [r.slug for r in next_roles]
    salaries: dict[str, list[dict[str, Any]]] = {}
    figures = SalaryFigure.objects.filter(role__slug__in=salary_slugs).select_related("role")
    for figure in figures:
        salaries.setdefault(figure.role.slug, []).append(
            {
                "label": figure.label,
                "average": figure.average,
                "low": figure.low,
                "high": figure.high,
                "currency": figure.currency,
                "source": figure.source,
            }
        )
    return {
        "version": 1,
        "role": {"slug": role.slug, "title": role.title, "track": role.track.name},
        "ladder": [rung.to_dict() for rung in ladder],
        "actions": [asdict(a) for a in action_specs(s.slug for s in target.skills)],
        "branches": [{"slug": r.slug, "title": r.title} for r in next_roles],
        "salaries": salaries,
    }


def report_from_snapshot(snapshot: Mapping[str, Any], answers: Answers) -> dict[str, Any]:
    """The report document from a snapshot, its closest roles as they were frozen."""
    ladder = [RoleSpec.from_dict(rung) for rung in snapshot["ladder"]]
    report = build_report(
        target=ladder[-1],
        ladder=ladder,
        answers=answers,
        actions=[ActionSpec(**a) for a in snapshot["actions"]],
    )
    if "closest_roles" in snapshot:
        report["closest_roles"] = snapshot["closest_roles"]
    return report


def closest_roles_frozen(snapshot: Mapping[str, Any], answers: Answers) -> list[dict[str, Any]]:
    """Closest roles for a submission: every published role as the catalogue stands now
    (read from it, not from the cache), scored on what the snapshot's questionnaire asked."""
    ladder = [RoleSpec.from_dict(rung) for rung in snapshot["ladder"]]
    skill_slugs, experience_slugs = questionnaire_scope(ladder)
    return closest_roles(
        answers,
        published_role_specs(cached=False),
        asked_skills=skill_slugs,
        asked_experience=experience_slugs,
    )


# --- starting and answering -----------------------------------------------------------

# Fields of the full questionnaire form that are not answers.
NOT_ANSWERS = frozenset({"csrfmiddlewaretoken", "then"})


@dataclass(frozen=True)
class Owner:
    """Who an assessment belongs to: a user, or a visitor's browser session."""

    user: AbstractBaseUser | None = None
    visitor_token: str = ""

    def filter(self) -> dict[str, Any]:
        if self.user is not None:
            return {"owner": self.user}
        return {"owner__isnull": True, "visitor_token": self.visitor_token}


def draft_for(*, owner: Owner, role: Role) -> Assessment | None:
    return Assessment.objects.drafts().filter(role=role, **owner.filter()).first()


def assessment_start(*, owner: Owner, role: Role) -> tuple[Assessment, bool]:
    """The owner's draft for `role`, or a new one. Returns it and whether it was created."""
    existing = draft_for(owner=owner, role=role)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return (
                Assessment.objects.create(
                    role=role, owner=owner.user, visitor_token=owner.visitor_token
                ),
                True,
            )
    except IntegrityError:
        # A double click raced us to create the same draft: resume that one.
        return draft_for(owner=owner, role=role), False  # type: ignore[return-value]


class AssessmentNotFound(Assessment.DoesNotExist):
    """No assessment with this id belongs to whoever asked."""


class AssessmentSubmittedError(AnswerError):
    """An answer to an assessment that was submitted meanwhile (another tab, a retry)."""


def _locked_draft(assessment_id: Any, owner: Owner | None = None) -> Assessment:
    """The draft's row, locked until the transaction ends: ownership, lock and status in
    one query. Only the columns an answer changes or needs are loaded."""
    rows = Assessment.objects.select_for_update().only("id", "role_id", "status", "education")
    if owner is not None:
        rows = rows.filter(**owner.filter())
    assessment = rows.filter(pk=assessment_id).first()
    if assessment is None:
        raise AssessmentNotFound("No such assessment")
    if not assessment.is_draft:
        raise AssessmentSubmittedError(
            "This assessment was submitted and can no longer be changed."
        )
    return assessment


def _resumed_at(key: str) -> str:
    """The question to resume at after answering `key`: evidence belongs to its skill's
    question. Cut to the column's length: a key that long is no question, and its answer
    is refused (and the row's update rolled back) once parsed."""
    if key.startswith(EVIDENCE_PREFIX):
        key = SKILL_PREFIX + key.removeprefix(EVIDENCE_PREFIX)
    return key[: Assessment._meta.get_field("last_question").max_length]


def _db_now(model: type[models.Model]) -> Any:
    """Now, as `model`'s updated_at column takes it in raw SQL."""
    return model._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection)


def _draft_of_owner(assessment_id: Any, owner: Owner | None) -> tuple[str, list[Any]]:
    """WHERE clause (and its parameters) matching the assessment only while it is a draft
    and, with `owner`, only when it is theirs."""
    quote = connection.ops.quote_name
    where = [f"{quote('id')} = %s", f"{quote('status')} = %s"]
    params: list[Any] = [
        Assessment._meta.pk.get_db_prep_value(assessment_id, connection),
        Assessment.Status.DRAFT,
    ]
    if owner is not None and owner.user is not None:
        where.append(f"{quote('owner_id')} = %s")
        params.append(owner.user.pk)
    elif owner is not None:
        where.append(f"{quote('owner_id')} IS NULL AND {quote('visitor_token')} = %s")
        params.append(owner.visitor_token)
    return " AND ".join(where), params


def _touched_draft(assessment_id: Any, owner: Owner | None, last_question: str) -> Assessment:
    """Lock the draft's row by updating it (its last question and time), returning what an
    answer needs: ownership, lock, status and update in one statement, an UPDATE ...
    RETURNING (which the ORM does not write), where a SELECT ... FOR UPDATE and an UPDATE
    took two round trips on the busiest write of the site. The row stays locked until the
    transaction ends, so saves from two tabs apply one after the other."""
    field = Assessment._meta.get_field
    quote = connection.ops.quote_name
    where, where_params = _draft_of_owner(assessment_id, owner)
    sql = (
        f"UPDATE {quote(Assessment._meta.db_table)} "
        f"SET {quote('last_question')} = %s, {quote('updated_at')} = %s "
        f"WHERE {where} RETURNING {quote('role_id')}, {quote('education')}"
    )
    params = [last_question, _db_now(Assessment), *where_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        # Not a draft of theirs: submitted meanwhile ("submitted" outranks any complaint
        # about the answer), or none at all; _locked_draft raises the one that applies.
        _locked_draft(assessment_id, owner)
        raise AssessmentNotFound("No such assessment")
    return Assessment(
        pk=field("id").to_python(assessment_id),
        role_id=row[0],
        status=Assessment.Status.DRAFT,
        education=row[1],
        last_question=last_question,
    )


def _skill_answers_upsert(rows: Iterable[SkillAnswer], *, fields: list[str]) -> None:
    """Insert or update in one statement, keyed by (assessment, skill)."""
    SkillAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["assessment", "skill"],
        update_fields=[*fields, "updated_at"],
    )


def _experience_answers_upsert(rows: Iterable[ExperienceAnswer]) -> None:
    ExperienceAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["assessment", "slug"],
        update_fields=["years", "updated_at"],
    )


def _store(assessment: Assessment, answer: ParsedAnswer, questionnaire: Questionnaire) -> None:
    """Store one answer, one statement at most; education is left on `assessment` for the
    caller's update of the row."""
    if answer.kind == "education":
        assessment.education = EDUCATION_ORDER.index(str(answer.value))
    elif answer.kind == "experience":
        _experience_answers_upsert(
            [ExperienceAnswer(assessment_id=assessment.pk, slug=answer.slug, years=answer.value)]
        )
    elif answer.kind == "skill":
        skill_id = questionnaire.skill_questions[answer.slug].skill_id
        _skill_answers_upsert(
            [SkillAnswer(assessment_id=assessment.pk, skill_id=skill_id, level=answer.value)],
            fields=["level"],
        )
    else:
        skill_id = questionnaire.skill_questions[answer.slug].skill_id
        updated = SkillAnswer.objects.filter(assessment_id=assessment.pk, skill_id=skill_id).update(
            evidence=answer.value, updated_at=timezone.now()
        )
        if not updated:
            # Evidence before a level: kept on the page until a level is chosen.
            raise AnswerError("Choose a level for this skill before adding evidence.")


def answer_save(
    *,
    assessment_id: Any,
    key: str,
    raw: str,
    questionnaire: Questionnaire | None = None,
    owner: Owner | None = None,
) -> Assessment:
    """Save one answer and return the assessment as saved (its id, role, status and
    education). The assessment row is locked, so concurrent saves from two tabs apply one
    after the other and each question keeps the last answer given. With `owner`, an
    assessment of anyone else's is AssessmentNotFound. A refused answer changes nothing:
    the error rolls the transaction back."""
    with transaction.atomic():
        assessment = _touched_draft(assessment_id, owner, _resumed_at(key))
        questionnaire = questionnaire or questionnaire_of_role(assessment.role_id)
        answer = questionnaire.parse(key, raw)
        _store(assessment, answer, questionnaire)
        if answer.kind == "education":
            Assessment.objects.filter(pk=assessment.pk).update(education=assessment.education)
    # An upsert and update(): no signal. Once committed (unless a caller's transaction
    # goes on), so the most frequent write of the site bumps its version once.
    data_changed(assessment_key(assessment.pk))
    return assessment


# The role of each draft this process has saved an answer to. An assessment's role never
# changes, so with it known the questionnaire parses the answer before anything is written,
# and the save can be one statement. Bounded: forgotten wholesale when full.
_draft_roles: dict[str, int] = {}
_DRAFT_ROLES_KEPT = 10_000


def _draft_role_remember(assessment: Assessment) -> None:
    if len(_draft_roles) >= _DRAFT_ROLES_KEPT:
        _draft_roles.clear()
    _draft_roles[str(assessment.pk)] = assessment.role_id


def answer_autosave(
    *, owner: Owner, assessment_id: Any, key: str, raw: str
) -> tuple[Assessment, dict[str, Any]]:
    """Save one answer, as `answer_save` does, and return the draft with its progress after
    the answer. On PostgreSQL, once the draft's role is known, a level, years or education
    is saved in one statement (see `_answer_saved_at_once`); everything else, and every
    refusal, takes `answer_save`, whose errors say what applies."""
    role_id = _draft_roles.get(str(assessment_id))
    if role_id is not None and connection.vendor == "postgresql":
        questionnaire = questionnaire_of_role(role_id)
        try:
            answer = questionnaire.parse(key, raw)
        except AnswerError:
            answer = None  # refused below, after the checks that outrank it
        if answer is not None and answer.kind != "evidence":
            saved = _answer_saved_at_once(
                owner=owner,
                assessment_id=assessment_id,
                role_id=role_id,
                answer=answer,
                questionnaire=questionnaire,
                last_question=_resumed_at(key),
            )
            if saved is not None:
                data_changed(assessment_key(saved[0].pk))
                return saved
    assessment = answer_save(owner=owner, assessment_id=assessment_id, key=key, raw=raw)
    _draft_role_remember(assessment)
    questionnaire = questionnaire_of_role(assessment.role_id)
    return assessment, draft_progress(assessment, questionnaire)


def _answer_saved_at_once(
    *,
    owner: Owner,
    assessment_id: Any,
    role_id: int,
    answer: ParsedAnswer,
    questionnaire: Questionnaire,
    last_question: str,
) -> tuple[Assessment, dict[str, Any]] | None:
    """One PostgreSQL statement (the autosave is the site's busiest write): it updates the
    draft's row (ownership, status and role in its WHERE, which also locks the row, so two
    tabs' saves apply one after the other), upserts the answer only when that row was
    updated, and reads back what the draft has answered, for its progress. None when no
    draft of theirs was updated: the caller's `answer_save` then finds out why.

    The statement's reads see the tables as they were when it began, so the answer it
    saves is added to them from the upsert's RETURNING. (Another tab's new answer that
    committed while this statement waited for the row lock is kept, the upsert sees it,
    but is missing from this one response's progress count; the next save counts it.)"""
    quote = connection.ops.quote_name
    where, where_params = _draft_of_owner(assessment_id, owner)
    set_education, education_params = "", []
    if answer.kind == "education":
        set_education = f", {quote('education')} = %s"
        education_params = [EDUCATION_ORDER.index(str(answer.value))]
    skill_table = quote(SkillAnswer._meta.db_table)
    experience_table = quote(ExperienceAnswer._meta.db_table)
    if answer.kind == "skill":
        upsert = (
            f"INSERT INTO {skill_table} ({quote('assessment_id')}, {quote('skill_id')}, "
            f"{quote('level')}, {quote('evidence')}, {quote('updated_at')}) "
            f"SELECT {quote('id')}, %s, %s, '', %s FROM touched "
            f"ON CONFLICT ({quote('assessment_id')}, {quote('skill_id')}) DO UPDATE SET "
            f"{quote('level')} = EXCLUDED.{quote('level')}, "
            f"{quote('updated_at')} = EXCLUDED.{quote('updated_at')} "
            f"RETURNING {quote('skill_id')}::bigint, NULL::text"
        )
        skill_id = questionnaire.skill_questions[answer.slug].skill_id
        upsert_params = [skill_id, answer.value, _db_now(SkillAnswer)]
    elif answer.kind == "experience":
        upsert = (
            f"INSERT INTO {experience_table} ({quote('assessment_id')}, {quote('slug')}, "
            f"{quote('years')}, {quote('updated_at')}) "
            f"SELECT {quote('id')}, %s, %s, %s FROM touched "
            f"ON CONFLICT ({quote('assessment_id')}, {quote('slug')}) DO UPDATE SET "
            f"{quote('years')} = EXCLUDED.{quote('years')}, "
            f"{quote('updated_at')} = EXCLUDED.{quote('updated_at')} "
            f"RETURNING NULL::bigint, {quote('slug')}::text"
        )
        upsert_params = [answer.slug, answer.value, _db_now(ExperienceAnswer)]
    else:
        upsert = "SELECT NULL::bigint, NULL::text WHERE false"
        upsert_params = []
    sql = (
        # This one transaction commits without waiting for its WAL flush, as PostgreSQL
        # allows per transaction (`synchronous_commit`): that wait was the autosave's main
        # cost. What it risks: after a crash of the database server (not of the app) the
        # last fraction of a second of autosaves may be missing, never half-written; the
        # page then shows the answer given before. Submissions and everything else still
        # wait for the flush. docs/operations.md ("Durability") says so.
        "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)), "
        f"touched AS (UPDATE {quote(Assessment._meta.db_table)} "
        f"SET {quote('last_question')} = %s, {quote('updated_at')} = %s{set_education} "
        f"WHERE {where} AND {quote('role_id')} = %s RETURNING {quote('id')}, {quote('education')}"
        f"), saved AS ({upsert}) "
        f"SELECT true, {quote('education')}::integer, NULL::bigint, NULL::text "
        "FROM touched, relaxed "
        # By the id itself, not through `touched`: half the planning time. What these read
        # is only used when `touched` updated the draft, which checked who asks.
        f"UNION ALL SELECT false, NULL, {quote('skill_id')}, NULL FROM {skill_table} "
        f"WHERE {quote('assessment_id')} = %s "
        f"UNION ALL SELECT false, NULL, NULL, {quote('slug')}::text FROM {experience_table} "
        f"WHERE {quote('assessment_id')} = %s "
        f"UNION ALL SELECT false, NULL, * FROM saved"
    )
    assessment_pk = where_params[0]
    params = [
        last_question,
        _db_now(Assessment),
        *education_params,
        *where_params,
        role_id,
        *upsert_params,
        assessment_pk,
        assessment_pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    drafts = [education for is_draft, education, _, _ in rows if is_draft]
    if not drafts:
        return None
    assessment = Assessment(
        pk=Assessment._meta.pk.to_python(assessment_id),
        role_id=role_id,
        status=Assessment.Status.DRAFT,
        education=drafts[0],
        last_question=last_question,
    )
    slugs = questionnaire.skill_slugs_by_id
    progress = questionnaire.progress(
        skills={slugs[s] for is_draft, _, s, _ in rows if s in slugs},
        experience={slug for _, _, _, slug in rows if slug is not None},
        education=assessment.education is not None,
    )
    return assessment, progress


@transaction.atomic
def answers_save_all(
    *,
    assessment_id: Any,
    data: Mapping[str, str],
    questionnaire: Questionnaire | None = None,
    owner: Owner | None = None,
) -> dict[str, str]:
    """Save every answer of a full form post. Valid answers are saved even when others are
    not; returns the errors by field so the page can show them beside their questions.
    A fixed number of statements, however many questions the form holds."""
    assessment = _locked_draft(assessment_id, owner)
    questionnaire = questionnaire or questionnaire_of_role(assessment.role_id)
    errors: dict[str, str] = {}
    levels: dict[str, int] = {}
    evidence: dict[str, str] = {}
    years: dict[str, Decimal] = {}
    for key, raw in data.items():
        if key in NOT_ANSWERS or raw == "":
            continue
        try:
            answer = questionnaire.parse(key, raw)
        except AnswerError as exc:
            errors[key] = str(exc)
            continue
        if answer.kind == "education":
            assessment.education = EDUCATION_ORDER.index(str(answer.value))
        elif answer.kind == "experience":
            years[answer.slug] = Decimal(answer.value)
        elif answer.kind == "skill":
            levels[answer.slug] = int(answer.value)
        else:
            evidence[answer.slug] = str(answer.value)
    if levels or evidence:
        _skill_answers_store(assessment, questionnaire, levels, evidence, errors)
    if years:
        _experience_answers_upsert(
            ExperienceAnswer(assessment_id=assessment.pk, slug=slug, years=value)
            for slug, value in years.items()
        )
    Assessment.objects.filter(pk=assessment.pk).update(
        education=assessment.education, updated_at=timezone.now()
    )
    data_changed(assessment_key(assessment.pk))  # upserts and update(): no signal
    return errors


def _skill_answers_store(
    assessment: Assessment,
    questionnaire: Questionnaire,
    levels: Mapping[str, int],
    evidence: Mapping[str, str],
    errors: dict[str, str],
) -> None:
    """Levels and evidence of many skills in one upsert: what the post leaves out keeps
    its saved value; evidence for a skill with no level, saved or given, is refused."""
    questions = questionnaire.skill_questions
    saved = {
        skill_id: (level, text)
        for skill_id, level, text in SkillAnswer.objects.filter(
            assessment_id=assessment.pk
        ).values_list("skill_id", "level", "evidence")
    }
    rows = []
    for slug in sorted(levels.keys() | evidence.keys()):
        skill_id = questions[slug].skill_id
        saved_level, saved_evidence = saved.get(skill_id, (None, ""))
        level = levels.get(slug, saved_level)
        if level is None:
            errors[f"{EVIDENCE_PREFIX}{slug}"] = (
                "Choose a level for this skill before adding evidence."
            )
            continue
        rows.append(
            SkillAnswer(
                assessment_id=assessment.pk,
                skill_id=skill_id,
                level=level,
                evidence=evidence.get(slug, saved_evidence),
            )
        )
    if rows:
        _skill_answers_upsert(rows, fields=["level", "evidence"])


# --- reading answers ------------------------------------------------------------------


@dataclass(frozen=True)
class DraftAnswers:
    levels: dict[str, int]
    evidence: dict[str, str]
    years: dict[str, Decimal]
    education: str | None

    def missing(self, questionnaire: Questionnaire) -> list[tuple[str, str]]:
        """Unanswered questions as (anchor key, question name), in page order."""
        missing = [
            (q.key, q.name)
            for section in questionnaire.sections
            for q in section.questions
            if q.slug not in self.levels
        ]
        missing += [(q.key, q.name) for q in questionnaire.experience if q.slug not in self.years]
        if self.education is None:
            missing.append((EDUCATION_KEY, "Highest education"))
        return missing

    def to_answers(self) -> Answers:
        return Answers(
            skills=dict(self.levels),
            experience={slug: float(years) for slug, years in self.years.items()},
            education=self.education or "none",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "skills": dict(self.levels),
            "experience": {slug: float(years) for slug, years in self.years.items()},
            "education": self.education or "none",
            "evidence": {slug: text for slug, text in self.evidence.items() if text},
        }


def draft_answers(assessment: Assessment) -> DraftAnswers:
    skill_rows = list(
        SkillAnswer.objects.filter(assessment=assessment).values_list(
            "skill__slug", "level", "evidence"
        )
    )
    experience_rows = ExperienceAnswer.objects.filter(assessment=assessment).values_list(
        "slug", "years"
    )
    return DraftAnswers(
        levels={slug: level for slug, level, _ in skill_rows},
        evidence={slug: evidence for slug, _, evidence in skill_rows},
        years=dict(experience_rows),
        education=None if assessment.education is None else EDUCATION_ORDER[assessment.education],
    )


# --- submitting -----------------------------------------------------------------------


class IncompleteAssessment(Exception):
    def __init__(self, missing: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(missing)} questions unanswered")
        self.missing = missing


class AlreadySubmitted(Exception):
    """Submitting twice (a double click, a second tab) is not an error for the person."""


@transaction.atomic
def assessment_submit(*, assessment_id: Any) -> Assessment:
    """Freeze the answers, the requirements scored against, and the report, at once."""
    assessment = (
        Assessment.objects.select_for_update().select_related("role__track").get(pk=assessment_id)
    )
    if not assessment.is_draft:
        raise AlreadySubmitted
    # Read from the catalogue, not the cache: this is what the report is frozen against.
    questionnaire = questionnaire_built(assessment.role)
    answers = draft_answers(assessment)
    missing = answers.missing(questionnaire)
    if missing:
        raise IncompleteAssessment(missing)
    snapshot = snapshot_data(list(questionnaire.ladder), role=assessment.role)
    # Frozen with the report: a role edited or published later changes nothing here.
    snapshot["closest_roles"] = closest_roles_frozen(snapshot, answers.to_answers())
    report = report_from_snapshot(snapshot, answers.to_answers())
    assessment.snapshot = snapshot
    assessment.answers_frozen = answers.to_json()
    assessment.report = report
    assessment.readiness = Decimal(str(report["readiness"]))
    assessment.verdict = report["verdict"]
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save()
    ReportSkillGap.objects.bulk_create(ReportSkillGap.rows_of(assessment))
    shares_for_new_submission(assessment=assessment)
    return assessment


def report_closest_roles_backfill(*, assessment: Assessment) -> None:
    """Give a report submitted before closest roles were frozen its closest roles, once:
    scored on today's catalogue (the best there is) and stored, so no page scores them."""
    if "closest_roles" in assessment.report:
        return
    answers = answers_from_frozen(assessment.answers_frozen or {})
    closest = closest_roles_frozen(assessment.snapshot, answers)
    assessment.snapshot = dict(assessment.snapshot) | {"closest_roles": closest}
    assessment.report = dict(assessment.report) | {"closest_roles": closest}
    Assessment.objects.filter(pk=assessment.pk).update(
        snapshot=assessment.snapshot, report=assessment.report
    )
    data_changed(assessment_key(assessment.pk))


@transaction.atomic
def assessment_retake(*, assessment: Assessment, owner: Owner) -> tuple[Assessment, bool]:
    """A new draft for the same role pre-filled with the submitted answers; an existing
    draft for the role is resumed instead. Returns the draft and whether it was created."""
    draft, created = assessment_start(owner=owner, role=assessment.role)
    if not created:
        return draft, False
    draft.retake_of = assessment
    frozen = assessment.answers_frozen or {}
    questionnaire = questionnaire_for(assessment.role)
    questions = questionnaire.skill_questions
    evidence = frozen.get("evidence", {})
    SkillAnswer.objects.bulk_create(
        SkillAnswer(
            assessment=draft,
            skill_id=questions[slug].skill_id,
            level=level,
            evidence=evidence.get(slug, ""),
        )
        for slug, level in frozen.get("skills", {}).items()
        if slug in questions  # a skill dropped from the role since is not carried over
    )
    ExperienceAnswer.objects.bulk_create(
        ExperienceAnswer(assessment=draft, slug=slug, years=Decimal(str(years)))
        for slug, years in frozen.get("experience", {}).items()
        if slug in questionnaire.experience_slugs
    )
    education = frozen.get("education")
    draft.education = EDUCATION_ORDER.index(education) if education in EDUCATION_ORDER else None
    draft.save()
    return draft, True


def assessment_delete(*, assessment: Assessment) -> None:
    assessment.delete()


# --- handing a visitor's work to their account ----------------------------------------


@transaction.atomic
def assessments_claim(*, user: AbstractBaseUser, visitor_token: str) -> int:
    """Attach what a visitor did in this browser to the account they signed up or logged
    in with. Where both have a draft for the same role, the visitor's answers (the most
    recent) are merged into the account's draft, so nothing is lost. Returns how many."""
    if not visitor_token:
        return 0
    claimed = 0
    for visitor_assessment in Assessment.objects.select_for_update().filter(
        owner__isnull=True, visitor_token=visitor_token
    ):
        existing = (
            draft_for(owner=Owner(user=user), role=visitor_assessment.role)
            if visitor_assessment.is_draft
            else None
        )
        if existing is None:
            visitor_assessment.owner = user
            visitor_assessment.visitor_token = ""
            visitor_assessment.save(update_fields=["owner", "visitor_token", "updated_at"])
            shares_for_new_submission(assessment=visitor_assessment)
        else:
            _merge_draft(source=visitor_assessment, target=existing)
        claimed += 1
    return claimed


def _merge_draft(*, source: Assessment, target: Assessment) -> None:
    for answer in source.skill_answers.all():
        # The visitor's level wins; their evidence only when they wrote some.
        defaults = {"level": answer.level} | (
            {"evidence": answer.evidence} if answer.evidence else {}
        )
        SkillAnswer.objects.update_or_create(
            assessment=target, skill_id=answer.skill_id, defaults=defaults
        )
    for answer in source.experience_answers.all():
        ExperienceAnswer.objects.update_or_create(
            assessment=target, slug=answer.slug, defaults={"years": answer.years}
        )
    if source.education is not None:
        target.education = source.education
    target.last_question = source.last_question or target.last_question
    target.save()
    source.delete()


def owned_assessments(owner: Owner) -> Iterable[Assessment]:
    return Assessment.objects.filter(**owner.filter()).select_related("role__track")


# --- share links ----------------------------------------------------------------------


def share_link_create(*, assessment: Assessment, days: int, display_name: str = "") -> ShareLink:
    return ShareLink.objects.create(
        assessment=assessment,
        expires_at=timezone.now() + timedelta(days=days),
        display_name=display_name,
    )


def share_link_revoke(*, link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
