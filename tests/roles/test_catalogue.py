"""The shipped catalogue: faithful to the seed profile, complete, and safe to load again."""

from __future__ import annotations

import io
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.services import Owner, assessment_start
from roles.models import (
    EducationLevel,
    LearningAction,
    Role,
    SalaryFigure,
    Skill,
    SkillRequirement,
    Track,
)
from roles.selectors import ladder_for
from roles.services import catalogue_load

pytestmark = pytest.mark.django_db

ML_LADDER = ["junior-ml-engineer", "ml-engineer", "senior-ml-engineer", "ml-team-lead"]
BRANCHES = {"lead-ml-engineer", "ml-architect", "chief-ai-officer"}
RELATED = {
    "ai-senior-technical-specialist",
    "ai-strategy-analyst",
    "ai-statistical-programming-manager",
    "ai-software-developer",
}


@pytest.fixture
def catalogue() -> None:
    catalogue_load()


def test_the_catalogue_has_the_eleven_roles_on_their_tracks(catalogue):
    ml = Track.objects.get(slug="machine-learning-engineering")
    assert ml.name == "Machine Learning Engineering"
    assert set(ml.roles.values_list("slug", flat=True)) == set(ML_LADDER) | BRANCHES
    related = set(Role.objects.exclude(track=ml).values_list("slug", flat=True))
    assert related == RELATED
    assert Role.objects.published().count() == 11


def test_the_ml_ladder_runs_junior_to_team_lead_and_branches_three_ways(catalogue):
    lead = Role.objects.get(slug="ml-team-lead")
    assert [r.slug for r in ladder_for(lead)] == ML_LADDER
    assert set(lead.next_roles.values_list("slug", flat=True)) == BRANCHES
    for branch in BRANCHES:
        assert [r.slug for r in ladder_for(Role.objects.get(slug=branch))] == [*ML_LADDER, branch]


def test_the_team_lead_carries_the_seed_profiles_requirements(catalogue):
    lead = Role.objects.get(slug="ml-team-lead")
    experience = {e.slug: (e.years, e.essential) for e in lead.experience_requirements.all()}
    assert experience == {"ml-experience": (5, True), "ml-team-leadership": (3, True)}
    assert lead.education_requirement.level == EducationLevel.MASTER
    skills = {r.skill.slug: r.level for r in lead.skill_requirements.select_related("skill")}
    # "Mastery of multiple deep learning frameworks", "advanced proficiency in Python and
    # its data analysis ecosystem", "familiarity with containerization and orchestration".
    assert skills["deep-learning-frameworks"] == 5
    assert skills["python"] == skills["python-data-ecosystem"] == 4
    assert skills["containers-orchestration"] == 3
    for slug in [
        "cloud-platforms", "mlops", "software-architecture", "project-management",
        "team-leadership", "mentoring", "stakeholder-communication", "ml-strategy",
        "problem-solving", "ethical-ai", "continuous-learning", "emotional-intelligence",
        "accountability", "time-management", "decision-making", "resilience-rigour",
    ]:  # fmt: skip
        assert slug in skills, slug


def test_salary_figures_are_the_seeds_with_their_source_and_only_where_it_has_them(catalogue):
    national = SalaryFigure.objects.get(role__slug="ml-team-lead", label="National average")
    assert (national.average, national.low, national.high) == (188940, 157399, 227416)
    assert national.source == "US market, 2024"
    new_york = SalaryFigure.objects.get(role__slug="ml-team-lead", label="New York, NY")
    assert new_york.average == 220680
    with_figures = set(SalaryFigure.objects.values_list("role__slug", flat=True))
    assert with_figures == {"ml-team-lead", "senior-ml-engineer"}


def test_every_skill_describes_every_level(catalogue):
    for skill in Skill.objects.all():
        descriptions = skill.level_descriptions()
        assert all(descriptions[level].strip() for level in range(1, 6)), skill.slug
        assert len(set(descriptions.values())) == 6, skill.slug


def test_every_level_step_of_every_ml_track_skill_has_a_learning_action(catalogue):
    skills = set(
        SkillRequirement.objects.filter(
            role__track__slug="machine-learning-engineering"
        ).values_list("skill__slug", flat=True)
    )
    covered = set(
        LearningAction.objects.filter(skill__slug__in=skills).values_list(
            "skill__slug", "from_level"
        )
    )
    missing = {(s, level) for s in skills for level in range(5)} - covered
    assert not missing


def test_a_rung_never_asks_less_than_the_rung_below_of_a_shared_skill(catalogue):
    rungs = [Role.objects.get(slug=slug) for slug in ML_LADDER]
    levels = [{r.skill_id: r.level for r in rung.skill_requirements.all()} for rung in rungs]
    for lower, upper in pairwise(levels):
        for skill_id, level in lower.items():
            assert upper.get(skill_id, 5) >= level


def test_every_role_says_where_its_content_comes_from(catalogue):
    assert not Role.objects.filter(source_note="").exists()


def test_the_team_lead_page_shows_the_seeds_requirements_and_salary(catalogue, client):
    body = client.get(reverse("roles:detail", args=["ml-team-lead"])).content.decode()
    assert "5+ years of professional ML / data-science experience" in body
    assert "3+ years of leading ML teams" in body
    assert "Master&#x27;s degree or higher" in body
    assert "Deep-learning frameworks (PyTorch, TensorFlow, Hugging Face)" in body
    assert "5</span> · Expert" in body
    assert "$188,940" in body and "$220,680" in body
    assert "Source: US market, 2024" in body
    assert "$225.91 billion" in body  # market context, with its source
    assert "Source: Market Demand section" in body


def test_loading_again_duplicates_nothing_and_keeps_admin_edits_and_user_data(
    catalogue, django_user_model
):
    counts = {model: model.objects.count() for model in (Role, Skill, SkillRequirement)}
    lead = Role.objects.get(slug="ml-team-lead")
    lead.title = "ML Team Lead (edited in admin)"
    lead.save()
    SkillRequirement.objects.filter(role=lead, skill__slug="python").update(level=5)
    user = django_user_model.objects.create_user("ann@example.com", "ann@example.com")
    draft, _ = assessment_start(owner=Owner(user=user), role=lead)

    call_command("load_catalogue", stdout=io.StringIO())

    assert {model: model.objects.count() for model in counts} == counts
    lead.refresh_from_db()
    assert lead.title == "ML Team Lead (edited in admin)"
    assert SkillRequirement.objects.get(role=lead, skill__slug="python").level == 5
    assert draft.__class__.objects.filter(pk=draft.pk).exists()


def test_update_puts_the_files_content_back(catalogue):
    Role.objects.filter(slug="ml-team-lead").update(title="Edited")
    catalogue_load(update=True)
    assert Role.objects.get(slug="ml-team-lead").title == "Machine Learning Team Lead"
    assert Role.objects.count() == 11
