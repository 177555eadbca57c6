"""The report of a submitted assessment: its page, its exports, its share links, progress
between assessments and the trend on "My assessments" (issue "The report")."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import secrets
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.exports import CSV_COLUMNS
from assessments.models import Assessment, ShareLink
from assessments.report import VERDICT_LABELS, answers_from_frozen
from assessments.services import Owner, assessment_start, report_from_snapshot
from careerpath.page_cache import forget_kept_pages
from roles.models import (
    EducationLevel,
    ExperienceRequirement,
    LearningAction,
    Role,
    SalaryFigure,
    SkillRequirement,
)
from roles.services import catalogue_load
from tests.factories import (
    make_action,
    make_category,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
)

pytestmark = pytest.mark.django_db

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
PASSWORD = "correct-horse-battery"

# Answers to the ladder below: the junior rung is met, the lead rung is not.
ANSWERS = {
    "levels": {"python": 3, "sql": 3, "mlops": 2, "leadership": 1},
    "years": {"ml-work": 3, "leading-teams": 1.5},
    "education": "bachelor",
}


@pytest.fixture
def ladder() -> SimpleNamespace:
    """Junior → Lead on one track, Lead branching to Architect.

    junior: python 2 (w3), sql 2 (w2); ml-work 1 year (w3)
    lead:   python 4 (w3, essential), sql 3 (w2), mlops 3 (w2), leadership 3 (w5, essential);
            ml-work 5 years (w4, essential), leading ML teams 3 years (w3); master's (w2)
    """
    track = make_track(slug="ml", name="Machine Learning Engineering")
    technical = make_category(name="Technical", order=1)
    people = make_category(name="People", order=2)
    python = make_skill(slug="python", name="Python", category=technical)
    sql = make_skill(slug="sql", name="SQL", category=technical)
    # A long name: the skill-by-skill chart shows it in full, wrapped.
    mlops = make_skill(
        slug="mlops", name="Cloud deployment and MLOps pipelines (CI/CD)", category=technical
    )
    leadership = make_skill(slug="leadership", name="Team leadership", category=people)
    strategy = make_skill(slug="strategy", name="ML strategy", category=people)
    junior = make_role(
        slug="junior",
        title="Junior ML Engineer",
        track=track,
        rank=1,
        skills=[(python, 2, 3, False), (sql, 2, 2, False)],
        experience=[("ml-work", "professional ML work", 1, 3, False)],
    )
    lead = make_role(
        slug="lead",
        title="ML Team Lead",
        track=track,
        rank=2,
        skills=[
            (python, 4, 3, True),
            (sql, 3, 2, False),
            (mlops, 3, 2, False),
            (leadership, 3, 5, True),
        ],
        experience=[
            ("ml-work", "professional ML work", 5, 4, True),
            ("leading-teams", "leading ML teams", 3, 3, False),
        ],
        education=(EducationLevel.MASTER, 2, False),
    )
    architect = make_role(slug="architect", title="ML Architect", track=track, rank=3)
    junior.next_roles.add(lead)
    lead.next_roles.add(architect)
    make_action(
        skill=leadership,
        from_level=1,
        title="Lead a small project",
        kind=LearningAction.Kind.PROJECT,
        effort_weeks=8,
    )
    make_action(skill=python, from_level=3, title="Advanced Python course", effort_weeks=5)
    SalaryFigure.objects.create(
        role=lead, label="National average", average=188_940, source="The seed profile"
    )
    return SimpleNamespace(
        track=track,
        junior=junior,
        lead=lead,
        python=python,
        sql=sql,
        mlops=mlops,
        leadership=leadership,
        strategy=strategy,
    )


@pytest.fixture
def ann(django_user_model: Any) -> Any:
    return _user(django_user_model, "ann@example.com")


def _user(django_user_model: Any, email: str) -> Any:
    return django_user_model.objects.create_user(username=email, email=email, password=PASSWORD)


def _submit(role: Any, owner: Any, **answers: Any) -> Assessment:
    return make_submitted_assessment(role=role, owner=owner, **(ANSWERS | answers))


def _url(name: str, assessment: Assessment, *args: Any) -> str:
    return reverse(f"assessments:{name}", args=[assessment.pk, *args])


def _page(client: Client, assessment: Assessment) -> str:
    response = client.get(_url("result", assessment))
    assert response.status_code == 200
    return response.content.decode()


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _by_testid(page: str, testid: str) -> str:
    """The text of the first element with this data-testid (its tags stripped)."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, flags=re.DOTALL)
    assert match, f"no data-testid={testid} on the page"
    return _text(match.group(2))


def _has_testid(page: str, testid: str) -> bool:
    return f'data-testid="{testid}"' in page


def _ladder_on_page(page: str) -> list[tuple[str, str]]:
    """(title, "readiness · Verdict") of each rung, top first."""
    return [
        (html.unescape(title), html.unescape(score))
        for title, score in re.findall(
            r'<span class="rung-title">([^<]*)</span>\s*<span class="rung-score">([^<]*)</span>',
            page,
        )
    ]


def _engine(assessment: Assessment) -> dict[str, Any]:
    return report_from_snapshot(assessment.snapshot, answers_from_frozen(assessment.answers_frozen))


def _comparable(page: str) -> str:
    """The page without what legitimately differs between two renders of the same report:
    CSRF tokens, and "Roles you are closest to", which the page says is scored against
    today's catalogue rather than the snapshot."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    return re.sub(
        r'<section[^>]*aria-labelledby="closest-heading".*?</section>', "", page, flags=re.S
    )


# --- the page shows the engine's numbers for the snapshot -----------------------------


def _assert_page_matches_engine(page: str, engine: dict[str, Any]) -> None:
    assert _by_testid(page, "readiness") == f"{engine['readiness']:.1f}"
    assert _by_testid(page, "verdict") == VERDICT_LABELS[engine["verdict"]]
    assert _by_testid(page, "time-to-ready") == f"{engine['time_to_ready_weeks']} weeks"
    assert _ladder_on_page(page) == [
        (rung["title"], f"{rung['readiness']:.1f} · {rung['verdict'].capitalize()}")
        for rung in reversed(engine["ladder"])
    ]


def test_report_page_shows_the_engines_numbers_for_the_snapshot(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    page = _page(client, assessment)

    engine = _engine(assessment)
    assert engine == assessment.report
    _assert_page_matches_engine(page, engine)
    # By hand: (3·3/4 + 2·1 + 2·2/3 + 5·1/3 + 4·3/5 + 3·1.5/3 + 2·0) / 21 = 11.15/21 → 53.0;
    # the junior rung is met. Skills take 8 + 6 + 5 + 6 = 25 weeks, 2 years of ML work 104.
    assert _by_testid(page, "readiness") == "53.0"
    assert _by_testid(page, "verdict") == "Developing"
    assert _by_testid(page, "time-to-ready") == "104 weeks"
    assert _ladder_on_page(page) == [
        ("ML Team Lead", "53.0 · Developing"),
        ("Junior ML Engineer", "100.0 · Ready"),
    ]
    assert "You are here" in page
    assert "Your next step" in page
    # What stands between this person and the next verdict, in words: 75 − 53.0 = 22.0
    assert "22.0 more points of readiness make it Close (75 or more)." in page
    # and why the time is what it is: 2 years of ML work (104 weeks) outweigh 25 of skills
    assert "mostly the 2 years of experience still to gain" in page
    # The learning steps are editorial, and the page says so where it lists them.
    assert "editorial suggestions" in _by_testid(page, "actions-source")


def test_each_gap_says_what_it_takes_in_concrete_steps(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    gaps = _by_testid(_page(client, assessment), "gaps")
    # Team leadership 1 → 3: "Lead a small project" (1 → 2, 8 weeks), then the uncovered
    # step 2 → 3 (6 weeks): 14 weeks. Python 3 → 4: the course, 5 weeks. MLOps 2 → 3 has
    # no action: practice, 6 weeks. Experience and education say what is missing.
    for words in (
        "Raise Team leadership by 2 levels: Lead a small project, then 1 more step; 14 weeks"
        " at 5 hours a week",
        "Raise Python by 1 level: Advanced Python course; 5 weeks at 5 hours a week",
        "Raise Cloud deployment and MLOps pipelines (CI/CD) by 1 level: Practise to reach"
        " Practitioner; 6 weeks at 5 hours a week",
        "2 more years of professional ML work",
        "A master's degree or higher",
    ):
        assert words in gaps
    # At 10 hours a week the same steps take half the weeks: 14 × 5 / 10 = 7.
    response = client.get(_url("result", assessment), {"pace": "10"})
    at_ten = _by_testid(response.content.decode(), "gaps")
    assert "then 1 more step; 7 weeks at 10 hours a week" in at_ten
    assert "Advanced Python course; 2.5 weeks at 10 hours a week" in at_ten


def test_report_page_of_the_catalogues_team_lead_matches_the_engine(client, ann):
    catalogue_load()
    role = Role.objects.get(slug="ml-team-lead")
    levels = {
        "python": 4,
        "deep-learning-frameworks": 3,
        "team-leadership": 2,
        "ml-algorithms": 3,
        "stakeholder-communication": 3,
        "project-management": 2,
    }
    assessment = make_submitted_assessment(
        role=role,
        owner=ann,
        levels=levels,
        years={"ml-experience": 4, "ml-team-leadership": 1},
        education="master",
    )
    client.force_login(ann)
    page = _page(client, assessment)
    _assert_page_matches_engine(page, _engine(assessment))
    assert len(_ladder_on_page(page)) == 4


# --- a role edit after submission changes nothing -------------------------------------


def _edit_required_level(ladder: SimpleNamespace) -> None:
    SkillRequirement.objects.filter(role=ladder.lead, skill=ladder.python).update(level=5)


def _edit_weight(ladder: SimpleNamespace) -> None:
    SkillRequirement.objects.filter(role=ladder.lead, skill=ladder.leadership).update(weight=1)


def _delete_requirement(ladder: SimpleNamespace) -> None:
    SkillRequirement.objects.filter(role=ladder.lead, skill=ladder.sql).delete()
    ExperienceRequirement.objects.filter(role=ladder.lead, slug="leading-teams").delete()


def _add_skill_requirement(ladder: SimpleNamespace) -> None:
    SkillRequirement.objects.create(
        role=ladder.lead, skill=ladder.strategy, level=4, weight=5, essential=True
    )


def _change_salary(ladder: SimpleNamespace) -> None:
    SalaryFigure.objects.filter(role=ladder.lead).update(average=250_000)


@pytest.mark.parametrize(
    "edit",
    [
        _edit_required_level,
        _edit_weight,
        _delete_requirement,
        _add_skill_requirement,
        _change_salary,
    ],
    ids=["required-level", "weight", "delete-requirement", "add-skill", "salary"],
)
def test_editing_the_role_after_submission_changes_neither_page_nor_exports(
    client, ladder, ann, edit
):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)

    def everything() -> tuple[str, bytes, bytes]:
        return (
            _comparable(_page(client, assessment)),
            client.get(_url("report_json", assessment)).content,
            client.get(_url("report_csv", assessment)).content,
        )

    before = everything()
    edit(ladder)
    after = everything()

    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]
    assert "$188,940" in after[0]  # the salary the snapshot froze


def _closest_section(page: str) -> str:
    match = re.search(r'<section[^>]*aria-labelledby="closest-heading".*?</section>', page, re.S)
    assert match, "no closest roles on the page"
    return _text(match.group(0))


def test_closest_roles_are_frozen_at_submission(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    page_before = _closest_section(_page(client, assessment))
    json_before = client.get(_url("report_json", assessment)).json()["closest_roles"]
    assert "ML Team Lead : 53.0 (developing), on 100% of its requirements" in page_before

    # The catalogue changes after submission, as an admin would change it: a requirement
    # of a scored role is raised, and a new role is published that the answers cover.
    requirement = SkillRequirement.objects.get(role=ladder.junior, skill=ladder.python)
    requirement.level = 5
    requirement.save()
    make_role(
        slug="analyst",
        title="Data Analyst",
        track=ladder.track,
        rank=1,
        skills=[(ladder.sql, 2, 3, False)],
    )

    assert _closest_section(_page(client, assessment)) == page_before
    assert client.get(_url("report_json", assessment)).json()["closest_roles"] == json_before
    assert "analyst" not in {entry["role"] for entry in json_before}
    # A new submission with the same answers sees the catalogue as it is now.
    later = _submit(ladder.lead, ann)
    assert "analyst" in {entry["role"] for entry in later.report["closest_roles"]}


def test_a_report_without_closest_roles_gets_them_once_and_keeps_them(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    # As reports submitted before closest roles were frozen were stored.
    report = {k: v for k, v in assessment.report.items() if k != "closest_roles"}
    snapshot = {k: v for k, v in assessment.snapshot.items() if k != "closest_roles"}
    Assessment.objects.filter(pk=assessment.pk).update(report=report, snapshot=snapshot)
    client.force_login(ann)

    first = _closest_section(_page(client, assessment))
    assessment.refresh_from_db()
    assert [e["role"] for e in assessment.report["closest_roles"]] == ["junior", "lead"]
    assert assessment.snapshot["closest_roles"] == assessment.report["closest_roles"]
    make_role(slug="analyst", title="Data Analyst", skills=[(ladder.sql, 2, 3, False)])
    assert _closest_section(_page(client, assessment)) == first


# --- exports --------------------------------------------------------------------------


def _assess_command(tmp_path: Path, assessment: Assessment) -> str:
    frozen = assessment.answers_frozen
    answers = {key: frozen[key] for key in ("skills", "experience", "education")}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    out = io.StringIO()
    call_command("assess", "--role", assessment.role.slug, "--answers", str(path), stdout=out)
    return out.getvalue()


def test_json_export_is_the_document_the_assess_command_prints(client, ladder, ann, tmp_path):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    response = client.get(_url("report_json", assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    name = f"careerpath-{assessment.role.slug}-{assessment.submitted_at:%Y-%m-%d}.json"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert json.loads(response.content) == json.loads(_assess_command(tmp_path, assessment))


def test_json_export_is_byte_for_byte_the_assess_commands_output(client, ladder, ann, tmp_path):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    exported = client.get(_url("report_json", assessment)).content.decode()
    # The command ends its output with a newline; the file does not.
    assert _assess_command(tmp_path, assessment) == exported + "\n"


def test_csv_export_has_the_documented_header_and_a_row_per_requirement(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    response = client.get(_url("report_csv", assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]

    lines = response.content.decode().splitlines()
    assert (
        lines[0] == "kind,slug,name,category,required,self,weight,essential,coverage,gap,priority"
    )
    assert tuple(lines[0].split(",")) == CSV_COLUMNS
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    requirements = assessment.report["requirements"]
    assert len(rows) == len(requirements) == 7
    assert [(r["kind"], r["slug"]) for r in rows] == [(r["kind"], r["slug"]) for r in requirements]
    python = next(r for r in rows if r["slug"] == "python")
    assert python | {"name": ""} == {
        "kind": "skill",
        "slug": "python",
        "name": "",
        "category": "Technical",
        "required": "4",
        "self": "3",
        "weight": "3",
        "essential": "yes",
        "coverage": "0.75",
        "gap": "1",
        "priority": "3",
    }
    teams = next(r for r in rows if r["slug"] == "leading-teams")
    assert (teams["self"], teams["gap"], teams["essential"], teams["priority"]) == (
        "1.5",
        "1.5",
        "no",
        "",
    )


def test_pdf_export_is_a_readable_pdf_of_the_report(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    response = client.get(_url("report_pdf", assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "53.0" in text
    assert "Place on the ladder" in text  # one PDF for whoever the report reaches: no "you"
    # The skill-by-skill chart, by category with its scale, each skill's name in full (it
    # wraps, never cut) in gap order: Python (essential, 3 of 4), then the MLOps pipelines
    # (weight 2, 2 of 3), then SQL (met).
    chart = text[text.index("Skill by skill") :]
    assert (
        "Technical 0 1 2 3 4 5 Python Essential Cloud deployment and MLOps pipelines (CI/CD) "
        "SQL People 0 1 2 3 4 5 Team leadership Essential"
    ) in chart


# --- share links ----------------------------------------------------------------------


def _share(client: Client, assessment: Assessment, days: Any) -> Any:
    return client.post(_url("share_create", assessment), {"days": days}, follow=True)


def test_owner_creates_a_link_for_thirty_days_by_default(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    page = _page(client, assessment)
    assert re.search(r'<input type="number" name="days" id="id_days"[^>]*value="30"', page)

    response = _share(client, assessment, "30")
    assert response.status_code == 200
    link = ShareLink.objects.get(assessment=assessment)
    assert abs(link.expires_at - link.created_at - timedelta(days=30)) < timedelta(seconds=5)
    body = response.content.decode()
    assert "Share link created" in body
    assert link.get_absolute_url() in body


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "A link must last at least 1 day."),
        ("400", "A link can last at most 365 days."),
        ("soon", "Enter a number of days."),
    ],
)
def test_a_link_of_the_wrong_length_is_refused_with_a_message(client, ladder, ann, days, message):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    response = _share(client, assessment, days)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ShareLink.objects.exists()


def test_a_shared_link_opens_the_report_read_only_for_anyone(client, ladder, ann):
    _submit(ladder.lead, ann, levels={"python": 2, "sql": 3, "mlops": 2, "leadership": 1})
    assessment = _submit(ladder.lead, ann)  # a second one: the owner sees progress
    client.force_login(ann)
    assert _has_testid(_page(client, assessment), "progress")
    _share(client, assessment, "30")
    link = ShareLink.objects.get()

    response = Client().get(link.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert _by_testid(page, "readiness") == "53.0"
    assert "A read-only report, through careerpath" in page
    for control in ("Retake this assessment", "Share this report", "Revoke", "Download PDF"):
        assert control not in page
    for name in ("retake", "delete", "share_create", "report_pdf", "report_json", "result"):
        assert _url(name, assessment) not in page
    assert str(assessment.pk) not in page  # the link reveals nothing of the assessment's id
    assert not _has_testid(page, "progress")


def test_a_revoked_link_is_404(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    _share(client, assessment, "30")
    link = ShareLink.objects.get()
    assert Client().get(link.get_absolute_url()).status_code == 200

    response = client.post(_url("share_revoke", assessment, link.pk), follow=True)
    assert "The link is revoked" in response.content.decode()
    assert Client().get(link.get_absolute_url()).status_code == 404


def test_an_expired_link_is_404(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    link = ShareLink.objects.create(
        assessment=assessment, expires_at=timezone.now() + timedelta(days=1)
    )
    assert Client().get(link.get_absolute_url()).status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(link.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("token", [secrets.token_urlsafe(32), "x", "../../admin"])
def test_an_unknown_token_is_404(client, ladder, ann, token):
    assessment = _submit(ladder.lead, ann)
    ShareLink.objects.create(assessment=assessment, expires_at=timezone.now() + timedelta(days=1))
    assert client.get(f"/shared/{token}/").status_code == 404


def test_share_tokens_are_long_and_unique(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    for _ in range(5):
        _share(client, assessment, "7")
    tokens = list(ShareLink.objects.values_list("token", flat=True))
    assert len(tokens) == len(set(tokens)) == 5
    assert all(len(token) >= 40 for token in tokens)


def test_another_user_can_neither_create_nor_revoke_links_of_someone_elses_report(
    client, ladder, ann, django_user_model
):
    assessment = _submit(ladder.lead, ann)
    link = ShareLink.objects.create(
        assessment=assessment, expires_at=timezone.now() + timedelta(days=30)
    )
    mallory = _user(django_user_model, "mallory@example.com")
    own = _submit(ladder.lead, mallory)
    client.force_login(mallory)

    assert client.post(_url("share_create", assessment), {"days": "30"}).status_code == 404
    assert client.post(_url("share_revoke", assessment, link.pk)).status_code == 404
    # Nor through her own assessment's URL with his link's id.
    assert client.post(_url("share_revoke", own, link.pk)).status_code == 404

    assert list(ShareLink.objects.values_list("pk", "revoked_at")) == [(link.pk, None)]


# --- progress between assessments -----------------------------------------------------


def _progress_section(page: str) -> str:
    match = re.search(r'<section[^>]*data-testid="progress">(.*?)</section>', page, flags=re.S)
    assert match, "no progress section"
    return match.group(1)


def test_a_second_assessment_shows_progress_since_the_first(client, ladder, ann):
    first = _submit(ladder.lead, ann, levels={"python": 3, "sql": 2, "mlops": 2, "leadership": 1})
    second = _submit(ladder.lead, ann, levels={"python": 4, "sql": 3, "mlops": 2, "leadership": 1})
    client.force_login(ann)

    assert not _has_testid(_page(client, first), "progress")

    section = _progress_section(_page(client, second))
    before = _engine(first)["readiness"]  # the same requirements: the role did not change
    after = second.report["readiness"]
    delta = round(after - before, 1)
    assert delta > 0
    assert _by_testid(section, "readiness-delta") == f"+{delta:.1f}"
    assert f"went from {before:.1f} to {after:.1f}" in _text(section)
    assert "Python: Practitioner → Advanced (+1 level)" in _text(section)
    assert "SQL: Working → Practitioner (+1 level)" in _text(section)
    closed = _text(section.split("Gaps closed")[1].split("Gaps opened")[0])
    assert closed == "Python SQL"


def test_progress_is_measured_against_the_later_assessments_requirements(client, ladder, ann):
    first = _submit(ladder.lead, ann, levels={"python": 4, "sql": 3, "mlops": 3, "leadership": 3})
    requirement = SkillRequirement.objects.get(role=ladder.lead, skill=ladder.python)
    requirement.level = 5
    requirement.save()  # as the admin saves it
    second = _submit(ladder.lead, ann, levels={"python": 5, "sql": 3, "mlops": 3, "leadership": 3})
    client.force_login(ann)

    section = _progress_section(_page(client, second))
    against_now = report_from_snapshot(second.snapshot, answers_from_frozen(first.answers_frozen))
    assert against_now["readiness"] < float(first.readiness)  # python 4 no longer meets it
    assert f"went from {against_now['readiness']:.1f} to" in _text(section)
    closed = _text(section.split("Gaps closed")[1].split("Gaps opened")[0])
    assert closed == "Python"


def test_other_peoples_assessments_never_count_as_progress(client, ladder, ann, django_user_model):
    mallory = _user(django_user_model, "mallory@example.com")
    low = {"python": 0, "sql": 0, "mlops": 0, "leadership": 0}
    _submit(ladder.lead, mallory, levels=low)
    first = _submit(ladder.lead, ann)
    _submit(ladder.lead, mallory, levels=low)
    make_submitted_assessment(role=ladder.lead, visitor_token="someone-else", levels=low)
    second = _submit(ladder.lead, ann)
    client.force_login(ann)

    assert not _has_testid(_page(client, first), "progress")
    section = _progress_section(_page(client, second))
    assert _by_testid(section, "readiness-delta") == "0.0"
    assert f"went from {first.report['readiness']:.1f}" in _text(section)


# --- straight-lining ------------------------------------------------------------------


def test_the_page_flags_answers_that_rate_every_skill_the_same(client, ladder, ann):
    same = _submit(ladder.lead, ann, levels={"python": 3, "sql": 3, "mlops": 3, "leadership": 3})
    client.force_login(ann)
    page = _page(client, same)
    assert _has_testid(page, "straight-lining")
    assert "every skill was rated at the same level" in _by_testid(page, "straight-lining")


def test_the_page_does_not_flag_varied_answers(client, ladder, ann):
    varied = _submit(ladder.lead, ann)
    client.force_login(ann)
    assert not _has_testid(_page(client, varied), "straight-lining")


# --- the trend on "My assessments" ----------------------------------------------------


def test_my_assessments_shows_a_trend_once_a_role_has_two_submissions(client, ladder, ann):
    client.force_login(ann)
    first = _submit(ladder.lead, ann, levels={"python": 1, "sql": 1, "mlops": 1, "leadership": 0})
    page = client.get(reverse("assessments:mine")).content.decode()
    assert not _has_testid(page, "trend")

    second = _submit(ladder.lead, ann)
    page = client.get(reverse("assessments:mine")).content.decode()
    expected = f": {first.readiness:.1f}; "
    assert first.readiness != second.readiness
    assert expected in _by_testid(page, "trend")
    assert f": {second.readiness:.1f}" in _by_testid(page, "trend")
    assert page.count('data-testid="trend"') == 1


# --- who may see a report -------------------------------------------------------------

REPORT_URLS = [
    ("result", "get"),
    ("report_json", "get"),
    ("report_csv", "get"),
    ("report_pdf", "get"),
    ("share_create", "post"),
]


@pytest.mark.parametrize(("name", "method"), REPORT_URLS[1:])
def test_a_draft_has_no_report(client, ladder, ann, name, method):
    draft, _ = assessment_start(owner=Owner(user=ann), role=ladder.lead)
    client.force_login(ann)
    response = getattr(client, method)(_url(name, draft), {"days": "30"})
    assert response.status_code == 404
    assert not ShareLink.objects.exists()


def test_a_drafts_result_page_sends_back_to_the_questionnaire(client, ladder, ann):
    draft, _ = assessment_start(owner=Owner(user=ann), role=ladder.lead)
    client.force_login(ann)
    response = client.get(_url("result", draft))
    assert response.status_code == 302
    assert response["Location"] == _url("questionnaire", draft)


@pytest.mark.parametrize("intruder", ["other user", "visitor"])
@pytest.mark.parametrize(("name", "method"), [*REPORT_URLS, ("share_revoke", "post")])
def test_anyone_but_the_owner_gets_404_on_every_report_url(
    client, ladder, ann, django_user_model, intruder, name, method
):
    assessment = _submit(ladder.lead, ann)
    link = ShareLink.objects.create(
        assessment=assessment, expires_at=timezone.now() + timedelta(days=30)
    )
    if intruder == "other user":
        mallory = _user(django_user_model, "mallory@example.com")
        _submit(ladder.lead, mallory)
        client.force_login(mallory)
    args = [link.pk] if name == "share_revoke" else []

    response = getattr(client, method)(_url(name, assessment, *args), {"days": "30"})

    assert response.status_code == 404
    assert list(ShareLink.objects.values_list("pk", "revoked_at")) == [(link.pk, None)]


# --- queries --------------------------------------------------------------------------

# The report page, whatever the number of skills or earlier assessments:
#  1. the session
#  2. the user
#  3. the assessment with its role and track (_get_assessment_for_request)
#  4. the owner's previous submission on the track (progress)
#  5. the share links
#  6. the coach notes shared with the owner
#  7. the coaches' calibrations
#  8. whether the user is a coach (the navigation)
# The frozen part of the report, closest roles included, is rendered once and kept.
REPORT_QUERIES = 8


def _queries_of_report(client: Client, assessment: Assessment) -> int:
    """Queries of a render of the report. The first view makes the kept HTML (tests/perf
    counts it); the whole page kept for this viewer is dropped, so it is rendered again
    (tests/perf/test_private_page_cache.py counts a kept page)."""
    _page(client, assessment)
    forget_kept_pages()
    with CaptureQueriesContext(connection) as queries:
        _page(client, assessment)
    return len(queries)


def _role_with_skills(count: int) -> Any:
    category = make_category()
    skills = [make_skill(category=category) for _ in range(count)]
    return make_role(
        skills=[(skill, 1 + i % 5, 1 + i % 5, i % 3 == 0) for i, skill in enumerate(skills)],
        experience=[("ml-work", "ML work", 3, 4, True)],
        education=(EducationLevel.BACHELOR, 2, False),
    )


def test_report_page_queries_do_not_grow_with_the_number_of_skills(client, ann):
    small = make_submitted_assessment(role=_role_with_skills(3), owner=ann)
    large = make_submitted_assessment(role=_role_with_skills(30), owner=ann)
    client.force_login(ann)
    assert len(large.report["requirements"]) == 32
    assert _queries_of_report(client, small) == REPORT_QUERIES
    assert _queries_of_report(client, large) == REPORT_QUERIES


def test_report_page_queries_do_not_grow_with_earlier_assessments(
    client, ladder, django_user_model
):
    counts = {}
    for earlier in (1, 6):
        owner = _user(django_user_model, f"owner-{earlier}@example.com")
        for _ in range(earlier):
            _submit(ladder.lead, owner)
        latest = _submit(ladder.lead, owner)
        client.force_login(owner)
        ShareLink.objects.create(assessment=latest, expires_at=timezone.now() + timedelta(days=1))
        assert _has_testid(_page(client, latest), "progress")
        counts[earlier] = _queries_of_report(client, latest)
    assert counts == {1: REPORT_QUERIES, 6: REPORT_QUERIES}


def test_the_pace_changes_the_plan_and_never_the_score(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    url = _url("result", assessment)

    at_five = client.get(url).content.decode()
    at_ten = client.get(url, {"pace": "10"}).content.decode()
    at_one = client.get(url, {"pace": "1"}).content.decode()

    # Skills take 8 + 6 + 5 + 6 = 25 weeks at 5 hours a week: 12.5 at 10, 125 at 1.
    assert "at 5 hours a week these steps take 25 weeks." in at_five
    assert "at 10 hours a week these steps take 12.5 weeks." in at_ten
    assert "at 1 hour a week these steps take 125 weeks." in at_one
    # Two years of ML work (104 weeks) set the time to ready until the plan is longer.
    assert _by_testid(at_ten, "time-to-ready") == "104 weeks"
    assert _by_testid(at_one, "time-to-ready") == "125 weeks"
    for page in (at_ten, at_one):
        assert _by_testid(page, "readiness") == _by_testid(at_five, "readiness") == "53.0"
        assert _by_testid(page, "verdict") == "Developing"
    # "Start here": what starts before week 13; at 1 hour a week only the first step does
    first_days = at_one[at_one.index('data-testid="first-days"') :]
    assert first_days[: first_days.index("</ol>")].count("<li>") == 1
    # nothing about the submitted report changed
    assessment.refresh_from_db()
    assert assessment.report["pace_hours_per_week"] == 5


@pytest.mark.parametrize("pace", ["0", "41", "abc", "5.5", "٤", "-3"])
def test_a_pace_outside_1_to_40_shows_the_reports_own_plan(client, ladder, ann, pace):
    assessment = _submit(ladder.lead, ann)
    client.force_login(ann)
    response = client.get(_url("result", assessment), {"pace": pace})
    assert response.status_code == 200
    assert "at 5 hours a week these steps take 25 weeks." in response.content.decode()


def test_a_shared_report_takes_a_pace_too(client, ladder, ann):
    assessment = _submit(ladder.lead, ann)
    link = ShareLink.objects.create(
        assessment=assessment, expires_at=timezone.now() + timedelta(days=3)
    )
    page = client.get(link.get_absolute_url(), {"pace": "10"}).content.decode()
    assert "at 10 hours a week these steps take 12.5 weeks." in page


# --- the pages around the report ------------------------------------------------------


def test_the_pages_around_the_report_speak_to_the_reader_not_in_editors_words(client):
    catalogue_load()
    pages = (
        "/",
        reverse("roles:list"),
        reverse("roles:detail", args=["ml-team-lead"]),
        reverse("roles:track", args=[Role.objects.get(slug="ml-team-lead").track.slug]),
        reverse("assessments:example"),
    )
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.content.decode())
        # "Rung 3" numbers a ladder as the catalogue stores it; the pages name the roles.
        assert not re.search(r"\bRung \d", text), url
        assert "source profile" not in text, url
