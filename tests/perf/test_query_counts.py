"""Query counts of the busiest pages, pinned flat: the same with 3 skills as with 40, with
few answers as with many, with 3 clients as with 1,000. Each count is the steady state,
once the catalogue's cached structures are built (a first view builds them)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ExperienceAnswer, SkillAnswer
from assessments.questionnaire import questionnaire_for
from careerpath.page_cache import forget_kept_pages
from coaching.models import CoachRelationship, SharedAssessment
from roles.models import EducationLevel, Role, Skill, SkillRequirement
from tests.factories import (
    make_assessment,
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
    make_user,
)

pytestmark = pytest.mark.django_db


def _role(skills: int, *, track: Any = None) -> Role:
    """A two-rung ladder whose target asks `skills` skills in three categories."""
    track = track or make_track()
    categories = [make_category() for _ in range(3)]
    made = [make_skill(category=categories[i % 3]) for i in range(skills)]
    junior = make_role(
        track=track,
        rank=1,
        skills=[(made[0], 2, 3, False)],
        experience=[("ml-work", "ML work", 1, 3, False)],
    )
    lead = make_role(
        track=track,
        rank=2,
        skills=[(s, 1 + i % 5, 1 + i % 5, i % 4 == 0) for i, s in enumerate(made)],
        experience=[("ml-work", "ML work", 4, 4, True), ("mgmt", "management", 2, 3, False)],
        education=(EducationLevel.MASTER, 2, False),
    )
    junior.next_roles.add(lead)
    return lead


def _count(client: Client, method: str, url: str, data: Any = None, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {}, **extra)
    assert response.status_code in (200, 302), response.content[:500]
    return len(queries)


def _steady(client: Client, method: str, url: str, data: Any = None, **extra: Any) -> int:
    """Queries of the second of two identical requests: the first builds what is cached.
    The second is rendered all the same: pages kept whole per viewer are dropped between
    (their own counts are in test_private_page_cache.py)."""
    getattr(client, method)(url, data or {}, **extra)
    forget_kept_pages()
    return _count(client, method, url, data, **extra)


@pytest.fixture
def ann(client: Client) -> Any:
    user = make_user(email="ann@example.com")
    client.force_login(user)
    return user


def _draft(owner: Any, role: Role, *, answered: bool) -> Assessment:
    skills = [r.skill for r in role.skill_requirements.select_related("skill")]
    return make_assessment(
        role=role,
        owner=owner,
        levels={s: 3 for s in skills} if answered else {},
        evidence={s: "A project" for s in skills} if answered else {},
        years={"ml-work": 2} if answered else {},
        education=EducationLevel.BACHELOR if answered else None,
    )


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"assessments:{name}", args=[assessment.pk])


# --- the questionnaire ----------------------------------------------------------------

# 1 session, 2 user, 3 the assessment with role and track, 4 skill answers,
# 5 experience answers, 6 whether the user is a coach (navigation).
QUESTIONNAIRE_GET = 6


def test_questionnaire_page_queries_are_flat_in_skills_and_answers(client, ann):
    counts = {
        (skills, answered): _steady(
            client, "get", _url("questionnaire", _draft(ann, _role(skills), answered=answered))
        )
        for skills in (3, 40)
        for answered in (False, True)
    }
    assert set(counts.values()) == {QUESTIONNAIRE_GET}


def _full_form(assessment: Assessment, level: int) -> dict[str, str]:
    """Everything the no-JavaScript "Save answers" button posts: every level, every
    evidence box, years and education."""
    questions = questionnaire_for(assessment.role)
    data = {q.key: str(level) for q in questions.skill_questions.values()}
    data |= {q.evidence_key: f"Evidence {level}" for q in questions.skill_questions.values()}
    data |= {q.key: "2.5" for q in questions.experience}
    data["education"] = "master"
    return data


# 1 session, 2 user, 3 the assessment (access check), 4 savepoint, 5 the assessment,
# owned and locked, 6 the saved skill answers, 7 one upsert of every level and evidence,
# 8 one upsert of every experience answer, 9 the assessment's education, 10 release
# savepoint. (It was 119 queries at 54 skills: one or two per answer.)
SAVE_ALL_POST = 10


def test_save_answers_post_queries_are_flat_in_skills(client, ann):
    counts = {}
    for skills in (3, 40):
        for answered in (False, True):
            draft = _draft(ann, _role(skills), answered=answered)
            client.get(_url("questionnaire", draft))  # the questionnaire, cached
            counts[skills, answered] = _count(
                client, "post", _url("questionnaire", draft), _full_form(draft, 4)
            )
            assert set(
                SkillAnswer.objects.filter(assessment=draft).values_list("level", "evidence")
            ) == {(4, "Evidence 4")}
            assert ExperienceAnswer.objects.filter(assessment=draft).count() == 2
    assert set(counts.values()) == {SAVE_ALL_POST}


# 1 session, 2 user, 3 savepoint, 4 the assessment, owned, locked and its last question
# updated (one UPDATE ... RETURNING), 5 the answer (an upsert, or an update for evidence,
# or the assessment's education), 6 release savepoint, 7 the answered skills and
# experience (the progress, one query).
AUTOSAVE = {"skill": 7, "evidence": 7, "experience": 7, "education": 7}
# On PostgreSQL, once the process knows the draft's role (from its first save), 3-7 are
# one statement for a level, years or education: the draft's row updated, the answer
# upserted and the answered skills and experience read back. Evidence, which must not
# create an answer, keeps the transaction.
AUTOSAVE_POSTGRESQL = {"skill": 3, "evidence": 7, "experience": 3, "education": 3}


@pytest.mark.parametrize("kind", AUTOSAVE)
def test_autosave_queries_are_flat_in_skills_and_answers(client, ann, kind):
    expected = AUTOSAVE_POSTGRESQL if connection.vendor == "postgresql" else AUTOSAVE
    counts = set()
    for skills in (3, 40):
        for answered in (False, True):
            draft = _draft(ann, _role(skills), answered=answered)
            slug = draft.role.skill_requirements.select_related("skill").first().skill.slug
            if kind == "evidence" and not answered:
                SkillAnswer.objects.create(
                    assessment=draft,
                    skill=draft.role.skill_requirements.first().skill,
                    level=2,
                )
            field, value = {
                "skill": (f"skill-{slug}", "4"),
                "evidence": (f"evidence-{slug}", "Shipped it"),
                "experience": ("exp-mgmt", "1.5"),
                "education": ("education", "phd"),
            }[kind]
            counts.add(_steady(client, "post", _url("answer", draft), {field: value}))
    assert counts == {expected[kind]}


# --- the report -----------------------------------------------------------------------

# 1 session, 2 user, 3 the assessment, 4 the previous submission (progress), 5 share
# links, 6 coaches' shared notes, 7 coaches' calibrations, 8 whether the user is a coach.
REPORT = 8


def test_report_page_queries_are_flat_in_skills_and_earlier_assessments(client, ann):
    counts, first_views = set(), set()
    for skills in (3, 40):
        role = _role(skills)
        for earlier in (0, 4):
            owner = make_user()
            for _ in range(earlier):
                make_submitted_assessment(role=role, owner=owner)
            latest = make_submitted_assessment(role=role, owner=owner)
            client.force_login(owner)
            # The first view makes the kept HTML: it reads the snapshot, the answers and the
            # previous answers besides (three more queries), whatever their size.
            first_views.add(_count(client, "get", _url("result", latest)) - (3 if earlier else 2))
            forget_kept_pages()
            counts.add(_count(client, "get", _url("result", latest)))
    assert counts == first_views == {REPORT}


def test_report_page_scores_nothing_once_its_body_is_kept(client, ann, monkeypatch):
    assessment = make_submitted_assessment(role=_role(5), owner=ann)
    first = _without_tokens(client.get(_url("result", assessment)))

    def no_scoring(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the report page scored a role")

    import assessments.report as report

    monkeypatch.setattr(report, "score_role", no_scoring)
    import assessments.charts as charts

    monkeypatch.setattr(charts, "skill_chart", no_scoring)
    forget_kept_pages()
    assert _without_tokens(client.get(_url("result", assessment))) == first


def _without_tokens(response: Any) -> str:
    """The page without its CSRF tokens, which are masked anew on every render."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# --- the coach dashboard --------------------------------------------------------------


def _clients(coach: Any, role: Role, count: int) -> None:
    """`count` clients sharing three submissions each, bulk-made, then their relationships'
    latest results refreshed as the sharing services do."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{coach.pk}-{i}@example.com", email=f"{coach.pk}-{i}@x.io")
        for i in range(count)
    )
    now = timezone.now()
    assessments = Assessment.objects.bulk_create(
        Assessment(
            owner=user,
            role=role,
            status=Assessment.Status.SUBMITTED,
            snapshot={"version": 1},
            answers_frozen={"skills": {}},
            report={"requirements": []},
            readiness=Decimal((i * 37 + k * 11) % 1000) / 10,
            verdict=("early", "developing", "close", "ready")[(i + k) % 4],
            submitted_at=now - timedelta(days=i % 50 + k),
        )
        for i, user in enumerate(users)
        for k in range(3)
    )
    relationships = CoachRelationship.objects.bulk_create(
        CoachRelationship(coach=coach, client=user) for user in users
    )
    by_client = {r.client_id: r for r in relationships}
    SharedAssessment.objects.bulk_create(
        SharedAssessment(relationship=by_client[a.owner_id], assessment=a) for a in assessments
    )
    CoachRelationship.objects.filter(coach=coach).refresh_results()


# 1 session, 2 user, 3 coach check, 4 role choices of the filter, 5 tag choices of the
# filter, 6 count, 7 the page, 8 the page's clients' tags (prefetched).
DASHBOARD = 8


@pytest.mark.parametrize(
    "sort",
    ["name", "-name", "readiness", "-readiness", "change", "-change", "activity", "-activity"],
)
def test_coach_dashboard_queries_are_flat_in_clients_for_every_sort(sort):
    role = _role(3)
    counts = set()
    for count in (3, 300):
        coach = make_coach()
        _clients(coach, role, count)
        browser = Client()
        browser.force_login(coach)
        url = reverse("coaching:clients")
        counts.add(_count(browser, "get", url, {"sort": sort}))
        counts.add(_count(browser, "get", url, {"sort": sort, "role": role.pk, "page": 2}))
        counts.add(_count(browser, "get", url, {"sort": sort, "verdict": "early"}))
    assert counts == {DASHBOARD}


def test_dashboard_latest_results_follow_shares_and_deletions(client):
    coach, ann = make_coach(), make_user()
    role = _role(3)
    first = make_submitted_assessment(role=role, owner=ann, levels={})
    relationship = make_relationship(coach=coach, client=ann)
    second = make_submitted_assessment(role=role, owner=ann)  # shared at once (scope all)
    relationship.refresh_from_db()
    assert relationship.latest_assessment_id == second.pk
    assert relationship.previous_readiness == first.readiness

    second.delete()
    relationship.refresh_from_db()
    assert relationship.latest_assessment_id == first.pk
    assert relationship.previous_readiness is None

    first.delete()
    relationship.refresh_from_db()
    assert (relationship.latest_assessment_id, relationship.latest_verdict) == (None, "")


# --- catalogue pages, signed in (rendered for the user) -------------------------------


def test_role_pages_queries_are_flat_in_skills_and_roles(client, ann):
    lists, details = set(), set()
    for skills in (3, 40):
        track = make_track()
        roles = [_role(skills, track=track) for _ in range(1 if skills == 3 else 4)]
        lists.add(_steady(client, "get", reverse("roles:list")))
        details.add(_steady(client, "get", roles[-1].get_absolute_url()))
    assert len(lists) == 1
    assert len(details) == 1


def _without_csrf(page: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.decode())


def test_prerendered_questions_are_the_page_a_live_render_gives(client, ann, monkeypatch):
    from assessments import views

    draft = _draft(ann, _role(12), answered=False)
    levels = draft.role.skill_requirements.select_related("skill")[:6]
    for n, requirement in enumerate(levels):  # some answered, one with evidence
        SkillAnswer.objects.create(
            assessment=draft, skill=requirement.skill, level=n, evidence="Led it" if n == 2 else ""
        )
    url = _url("questionnaire", draft)
    prerendered = _without_csrf(client.get(url).content)

    monkeypatch.setattr(views, "_question_html", lambda *args: "")
    forget_kept_pages()
    live = _without_csrf(client.get(url).content)

    assert prerendered == live
    assert live.count("checked") == 6


# --- a catalogue at the scale of imported frameworks: 100 roles, 2,000 skills ------------


def _big_catalogue(*, roles: int, skills: int, per_role: int) -> list[Role]:
    """`roles` published roles on one list track, each asking `per_role` of `skills`
    skills (built in bulk: the point is the size, not how it was made)."""
    track = make_track(is_ladder=False)
    category = make_category()
    made = Skill.objects.bulk_create(
        Skill(slug=f"{track.slug}-{i}", name=f"Bulk skill {i}", category=category, description="x")
        for i in range(skills)
    )
    created = Role.objects.bulk_create(
        Role(
            slug=f"{track.slug}-role-{i}",
            title=f"Bulk role {i:03d}",
            track=track,
            rank=1,
            summary="A role of a big catalogue.",
            alternative_titles=f"other name {i}",
            is_published=True,
        )
        for i in range(roles)
    )
    SkillRequirement.objects.bulk_create(
        SkillRequirement(role=role, skill=made[(n * per_role + k) % skills], level=3, weight=3)
        for n, role in enumerate(created)
        for k in range(per_role)
    )
    return created


def test_role_list_pages_and_role_page_stay_flat_at_100_roles_and_2000_skills(client, ann):
    small = _big_catalogue(roles=3, skills=10, per_role=3)
    small_list = _steady(client, "get", reverse("roles:list"))
    small_page = _steady(client, "get", small[0].get_absolute_url())
    Role.objects.all().delete()

    big = _big_catalogue(roles=100, skills=2000, per_role=60)
    # session, user, categories in use, count, one page of roles with their track and
    # skill count: the same with 100 roles as with 3, on every page.
    assert _steady(client, "get", reverse("roles:list")) == small_list
    assert _steady(client, "get", reverse("roles:list"), {"page": 4}) == small_list
    assert _steady(client, "get", big[-1].get_absolute_url()) == small_page
    page = client.get(reverse("roles:list"), {"page": 4})
    assert page.context["page"].paginator.num_pages == 4
    assert len(page.context["page"].object_list) == 10
    found = client.get(reverse("roles:list"), {"q": "other name 42"}).context["page"]
    assert [r.title for r in found.object_list] == ["Bulk role 042"]


def test_admin_skill_picker_answers_a_page_at_a_time_with_2000_skills(admin_client):
    role = _big_catalogue(roles=1, skills=2000, per_role=1)[0]
    url = reverse("admin:autocomplete")
    params = {
        "app_label": "roles",
        "model_name": "skillrequirement",
        "field_name": "skill",
        "term": "Bulk skill 1",
    }
    with CaptureQueriesContext(connection) as queries:
        answer = admin_client.get(url, params).json()
    assert len(answer["results"]) == 20 and answer["pagination"]["more"] is True
    assert len(queries) <= 5, [q["sql"] for q in queries]
    change = admin_client.get(reverse("admin:roles_role_change", args=[role.pk]))
    assert change.status_code == 200


# --- 60 skills in a catalogue of 100 roles and 2,000 skills (imported frameworks) ------
# ESCO's data scientist asks 54 essential skills and 3 optional ones; with a few imported
# occupations the catalogue holds thousands of skills. The counts pinned above at 3 and 40
# skills must hold there too.

SIXTY = 60


def _answered_draft(owner: Any, role: Role) -> Assessment:
    """A draft with every question answered, ready to submit."""
    skills = [r.skill for r in role.skill_requirements.select_related("skill")]
    return make_assessment(
        role=role,
        owner=owner,
        levels={s: 3 for s in skills},
        years={"ml-work": 2, "mgmt": 1},
        education=EducationLevel.BACHELOR,
    )


def test_questionnaire_page_stays_flat_at_60_skills_in_a_big_catalogue(client, ann):
    _big_catalogue(roles=100, skills=2000, per_role=SIXTY)
    counts = {
        answered: _steady(
            client, "get", _url("questionnaire", _draft(ann, _role(SIXTY), answered=answered))
        )
        for answered in (False, True)
    }
    assert counts == {False: QUESTIONNAIRE_GET, True: QUESTIONNAIRE_GET}


@pytest.mark.parametrize("kind", AUTOSAVE)
def test_autosave_stays_flat_at_60_skills_in_a_big_catalogue(client, ann, kind):
    expected = AUTOSAVE_POSTGRESQL if connection.vendor == "postgresql" else AUTOSAVE
    _big_catalogue(roles=100, skills=2000, per_role=SIXTY)
    draft = _draft(ann, _role(SIXTY), answered=True)
    slug = draft.role.skill_requirements.select_related("skill").last().skill.slug
    field, value = {
        "skill": (f"skill-{slug}", "4"),
        "evidence": (f"evidence-{slug}", "Shipped it"),
        "experience": ("exp-mgmt", "1.5"),
        "education": ("education", "phd"),
    }[kind]
    assert _steady(client, "post", _url("answer", draft), {field: value}) == expected[kind]


def test_report_page_stays_flat_at_60_skills_in_a_big_catalogue(client, ann):
    _big_catalogue(roles=100, skills=2000, per_role=SIXTY)
    role = _role(SIXTY)
    make_submitted_assessment(role=role, owner=ann)
    latest = make_submitted_assessment(role=role, owner=ann)
    assert _steady(client, "get", _url("result", latest)) == REPORT


def _submit_queries(client: Client, owner: Any, role: Role) -> int:
    draft = _answered_draft(owner, role)
    client.get(_url("questionnaire", draft))  # the questionnaire, cached
    queries = _count(client, "post", _url("submit", draft))
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.SUBMITTED
    return queries


def test_submission_queries_do_not_grow_with_skills_or_published_roles(client, ann):
    """Submitting scores closest roles over every published role: with 60 skills and 100
    published roles of 60 skills each it runs the same queries as with 3 skills and the
    two roles of the ladder."""
    small = _submit_queries(client, ann, _role(3))
    _big_catalogue(roles=100, skills=2000, per_role=SIXTY)
    role = _role(SIXTY)
    big = _submit_queries(client, ann, role)
    assert big == small
    closest = Assessment.objects.filter(role=role).get().report["closest_roles"]
    # Every published role was scored (the two small ladders' four and the hundred).
    assert len(closest) == Role.objects.published().count() == 104


def test_coach_pages_stay_flat_at_60_skills_in_a_big_catalogue(client):
    """The shared report, the client's page and the session view: the same queries for a
    client assessed on 60 skills in a catalogue of 100 roles as on 3 skills."""
    coach, owner = make_coach(), make_user()
    relationship = make_relationship(coach=coach, client=owner)
    client.force_login(coach)

    def queries(role: Role) -> dict[str, int]:
        make_submitted_assessment(role=role, owner=owner)
        latest = make_submitted_assessment(role=role, owner=owner)
        pages = {
            "report": reverse("coaching:report", args=[latest.pk]),
            "client": reverse("coaching:client", args=[relationship.pk]),
            "session": reverse("coaching:session", args=[relationship.pk]),
        }
        return {name: _steady(client, "get", url) for name, url in pages.items()}

    small = queries(_role(3))
    _big_catalogue(roles=100, skills=2000, per_role=SIXTY)
    assert queries(_role(SIXTY)) == small
