"""Education with an alternative route: a lower degree accepted with years of experience.

"B.S. ... with 10+ years of experience, or M.S. in a related field with 8+ years" is met by
a master's or higher, or by a bachelor's or higher together with 10 years of the named
experience (docs/scoring.md).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.scoring import (
    Answers,
    EducationSpec,
    ExperienceSpec,
    RoleSpec,
    SkillSpec,
    build_report,
    score_role,
)
from roles.models import EducationLevel, EducationRequirement
from roles.selectors import ladder_specs
from roles.services import catalogue_load, role_duplicate
from tests.factories import make_category, make_role, make_skill, make_user

ROUTE = EducationSpec(
    required="master",
    weight=3,
    alternative_level="bachelor",
    alternative_experience="stat-work",
    alternative_years=10,
)
# skill s: required 4, weight 2; experience stat-work: 8 years, weight 5; education: weight 3.
MANAGER = RoleSpec(
    slug="manager",
    title="Statistical Programming Manager",
    skills=(SkillSpec(slug="s", name="SAS", category="Data", required=4, weight=2),),
    experience=(ExperienceSpec(slug="stat-work", name="relevant experience", years=8, weight=5),),
    education=ROUTE,
)


def _education(role: RoleSpec, answers: Answers) -> Any:
    return next(r for r in score_role(role, answers).requirements if r.kind == "education")


# --- scoring ---------------------------------------------------------------------------


def test_a_bachelor_with_ten_years_meets_the_education_by_the_alternative_route():
    answers = Answers(skills={"s": 3}, experience={"stat-work": 10}, education="bachelor")
    education = _education(MANAGER, answers)
    assert (education.coverage, education.gap) == (1, 0)
    # s 3/4·2 = 1.5, stat-work 8/8·5 = 5, education 1·3 = 3: 9.5 / 10 = 95.0
    score = score_role(MANAGER, answers)
    assert (score.readiness, score.verdict) == (95.0, "ready")


def test_a_bachelor_with_nine_and_a_half_years_does_not_meet_it():
    answers = Answers(skills={"s": 3}, experience={"stat-work": 9.5}, education="bachelor")
    education = _education(MANAGER, answers)
    assert (education.coverage, education.gap) == (0, 1)  # one degree short
    # s 1.5, stat-work min(9.5, 8)/8·5 = 5, education 0: 6.5 / 10 = 65.0
    score = score_role(MANAGER, answers)
    assert (score.readiness, score.verdict) == (65.0, "developing")


def test_a_master_meets_the_main_level_whatever_the_years():
    answers = Answers(skills={"s": 3}, experience={"stat-work": 2}, education="master")
    assert _education(MANAGER, answers).coverage == 1
    # s 1.5, stat-work 2/8·5 = 1.25, education 3: 5.75 / 10 = 57.5
    assert score_role(MANAGER, answers).readiness == 57.5


def test_a_phd_meets_it_too():
    assert _education(MANAGER, Answers(education="phd")).coverage == 1


def test_years_without_the_alternative_degree_do_not_meet_it():
    answers = Answers(experience={"stat-work": 30}, education="none")
    assert (_education(MANAGER, answers).coverage, _education(MANAGER, answers).gap) == (0, 2)


def test_years_of_another_experience_do_not_count_for_the_route():
    spec = RoleSpec(
        slug="r",
        title="R",
        experience=(
            ExperienceSpec(slug="stat-work", name="relevant", years=8, weight=5),
            ExperienceSpec(slug="other", name="other", years=1, weight=1),
        ),
        education=ROUTE,
    )
    answers = Answers(experience={"other": 12, "stat-work": 4}, education="bachelor")
    assert _education(spec, answers).coverage == 0


def test_the_requirement_names_the_route_in_the_report():
    report = build_report(target=MANAGER, ladder=[MANAGER], answers=Answers(education="none"))
    education = next(r for r in report["requirements"] if r["kind"] == "education")
    assert education["name"] == "Master's degree, or Bachelor's degree with 10+ years' experience"
    assert (education["required"], education["coverage"]) == ("master", 0)


def test_without_an_alternative_the_snapshot_keeps_the_old_keys():
    plain = EducationSpec(required="master", weight=2)
    assert plain.to_dict() == {"required": "master", "weight": 2, "essential": False}
    assert _education(RoleSpec(slug="r", title="R", education=plain), Answers()).name == (
        "Master's degree"
    )


def test_a_route_survives_the_snapshot_round_trip():
    assert RoleSpec.from_dict(json.loads(json.dumps(MANAGER.to_dict()))) == MANAGER


def test_an_old_snapshot_without_the_new_keys_loads_and_scores_as_before():
    old = {
        "slug": "lead",
        "title": "Lead",
        "skills": [],
        "experience": [
            {"slug": "ml", "name": "ML work", "years": 5, "weight": 4, "essential": True}
        ],
        "education": {"required": "master", "weight": 2, "essential": False},
    }
    spec = RoleSpec.from_dict(old)
    assert spec.education == EducationSpec(required="master", weight=2)
    answers = Answers(experience={"ml": 20}, education="bachelor")
    # ml 4, education 0 (no route, however many years): 4 / 6 = 66.66… → 66.6
    assert (_education(spec, answers).coverage, score_role(spec, answers).readiness) == (0, 66.6)


# --- the catalogue model ---------------------------------------------------------------

needs_db = pytest.mark.django_db


ROUTE_FIELDS = {
    "alternative_level": EducationLevel.BACHELOR,
    "alternative_experience_slug": "stat-work",
    "alternative_years": 10,
}


def _role_with_experience() -> Any:
    category = make_category()
    return make_role(
        skills=[(make_skill(category=category), 3, 3, False)],
        experience=[("stat-work", "relevant professional experience", 8, 5, True)],
    )


@needs_db
def test_an_alternative_must_name_an_experience_requirement_of_its_role():
    role = _role_with_experience()
    education = EducationRequirement(
        role=role,
        level=EducationLevel.MASTER,
        alternative_level=EducationLevel.BACHELOR,
        alternative_experience_slug="leading-teams",
        alternative_years=10,
    )
    with pytest.raises(ValidationError) as excinfo:
        education.full_clean()
    assert "no experience requirement “leading-teams”" in str(excinfo.value)
    education.alternative_experience_slug = "stat-work"
    education.full_clean()  # now valid


@needs_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"alternative_level": EducationLevel.BACHELOR}, "needs all three"),
        (
            {
                "alternative_level": EducationLevel.MASTER,
                "alternative_experience_slug": "stat-work",
                "alternative_years": 10,
            },
            "must be below the main one",
        ),
    ],
)
def test_an_incomplete_or_not_lower_alternative_is_refused_with_a_message(fields, message):
    role = _role_with_experience()
    education = EducationRequirement(role=role, level=EducationLevel.MASTER, **fields)
    with pytest.raises(ValidationError) as excinfo:
        education.full_clean()
    assert message in str(excinfo.value)


@needs_db
def test_the_database_refuses_an_alternative_that_is_not_lower():
    role = _role_with_experience()
    with pytest.raises(IntegrityError), transaction.atomic():
        EducationRequirement.objects.create(
            role=role,
            level=EducationLevel.BACHELOR,
            alternative_level=EducationLevel.BACHELOR,
            alternative_experience_slug="stat-work",
            alternative_years=10,
        )


@needs_db
def test_the_role_spec_carries_the_route_and_a_duplicate_keeps_it():
    role = _role_with_experience()
    EducationRequirement.objects.create(
        role=role,
        level=EducationLevel.MASTER,
        weight=3,
        alternative_level=EducationLevel.BACHELOR,
        alternative_experience_slug="stat-work",
        alternative_years=10,
    )
    copy = role_duplicate(role=role)
    for each in (role, copy):
        education = ladder_specs(each)[-1].education
        assert (
            education.alternative_level,
            education.alternative_experience,
            education.alternative_years,
        ) == ("bachelor", "stat-work", 10)


@needs_db
def test_the_admin_role_page_shows_the_alternative_route(client):
    role = _role_with_experience()
    EducationRequirement.objects.create(
        role=role,
        level=EducationLevel.MASTER,
        alternative_level=EducationLevel.BACHELOR,
        alternative_experience_slug="stat-work",
        alternative_years=10,
    )
    client.force_login(make_user(is_staff=True, is_superuser=True))
    body = client.get(reverse("admin:roles_role_change", args=[role.pk])).content.decode()
    assert 'name="education_requirement-0-alternative_experience_slug" value="stat-work"' in (body)
    assert 'name="education_requirement-0-alternative_years" value="10"' in body
    assert 'name="education_requirement-0-alternative_level"' in body


# --- end to end, from the shipped catalogue -------------------------------------------


def _assess(tmp_path: Path, answers: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "assess", "--role", "ai-statistical-programming-manager", "--answers", str(path), stdout=out
    )
    return json.loads(out.getvalue())


@needs_db
@pytest.mark.parametrize(("years", "coverage"), [(10, 1), (9.5, 0)])
def test_assess_scores_the_catalogues_bachelor_route(tmp_path, years, coverage):
    catalogue_load()
    report = _assess(
        tmp_path,
        {"experience": {"statistical-programming-experience": years}, "education": "bachelor"},
    )
    education = next(r for r in report["requirements"] if r["kind"] == "education")
    assert education["coverage"] == coverage


@needs_db
def test_the_role_page_states_the_route_without_an_extra_query(client, django_assert_num_queries):
    warm, plain, routed = (_role_with_experience() for _ in range(3))
    for role, alternative in ((warm, {}), (plain, {}), (routed, ROUTE_FIELDS)):
        EducationRequirement.objects.create(role=role, level=EducationLevel.MASTER, **alternative)
    # Each page once: a page already seen may come from the cache.
    client.get(warm.get_absolute_url())
    with CaptureQueriesContext(connection) as plain_queries:
        client.get(plain.get_absolute_url())
    with django_assert_num_queries(len(plain_queries)):
        body = client.get(routed.get_absolute_url()).content.decode()
    assert (
        "Master&#x27;s degree with 8+ years of relevant professional experience, "
        "or Bachelor&#x27;s degree with 10+ years" in body
    )
