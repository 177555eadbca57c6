"""The shipped catalogue: faithful to the job-market profile, complete, and safe to load again."""

from __future__ import annotations

import io
import json
import re
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.services import Owner, assessment_start
from roles.models import (
    ContentSource,
    EducationLevel,
    EducationRequirement,
    LearningAction,
    MarketFact,
    Role,
    SalaryFigure,
    Skill,
    SkillRequirement,
    Track,
)
from roles.selectors import ladder_for
from roles.services import CATALOGUE_DIR, catalogue_load

pytestmark = pytest.mark.django_db

ML_LADDER = ["junior-ml-engineer", "ml-engineer", "senior-ml-engineer", "ml-team-lead"]
BRANCHES = {"lead-ml-engineer", "ml-architect", "chief-ai-officer"}
RELATED = {
    "ai-senior-technical-specialist",
    "ai-strategy-analyst",
    "ai-statistical-programming-manager",
    "ai-software-developer",
}


PROFILE_PATH = CATALOGUE_DIR / "profile" / "machine-learning-team-lead.txt"


def _normalised(text: str) -> str:
    """Case, spacing and British or American spelling aside, the same words."""
    text = re.sub(r"\s+", " ", text.lower()).strip()
    return re.sub(r"is(e|ed|es|ing|ation|ations|ational)\b", r"iz\1", text)


PROFILE = _normalised(PROFILE_PATH.read_text(encoding="utf-8"))


def _profile_section(start: str, end: str) -> str:
    raw = PROFILE_PATH.read_text(encoding="utf-8")
    return raw[raw.index(start) + len(start) : raw.index(end)]


def _fixture(name: str) -> list[dict[str, Any]]:
    return json.loads((CATALOGUE_DIR / name).read_text(encoding="utf-8"))


def _strings(value: Any) -> list[str]:
    """Every string in a fixture document, keys aside."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d[\d,]*(?:\.\d+)?", text)


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
    names = {e.slug: e.name for e in lead.experience_requirements.all()}
    # "5+ years of combined professional and academic experience in machine learning, data
    # science, or related fields"; "3+ years of experience managing and leading machine
    # learning teams".
    assert names["ml-experience"].startswith("combined professional and academic experience")
    assert names["ml-team-leadership"] == "managing and leading machine learning teams"
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
        "research-innovation",  # "contribute to open-source projects or research publications"
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
    assert set(SalaryFigure.objects.values_list("source", flat=True)) == {"US market, 2024"}


def test_the_team_lead_carries_top_tech_and_principal_engineer_pay_with_their_qualifiers(
    catalogue,
):
    figures = {
        f.label: (f.average, f.low, f.high)
        for f in SalaryFigure.objects.filter(role__slug="ml-team-lead")
    }
    # "Total compensation packages: Often exceed $250,000 annually"; "Example (Meta):
    # $231,000 - $338,000 total cash compensation"; "Principal Machine Learning Engineers
    # (7+ years experience): Base salary: Approximately $153,820; Total compensation: Up
    # to $218,603 annually".
    assert figures["Top tech companies: total compensation packages often exceed"] == (
        250000,
        None,
        None,
    )
    assert figures["Top tech companies, example (Meta): total cash compensation"] == (
        None,
        231000,
        338000,
    )
    principal = "Principal ML engineers (7+ years experience)"
    assert figures[f"{principal}: base salary, approximately"] == (153820, None, None)
    assert figures[f"{principal}: total compensation, up to"] == (218603, None, None)


def test_every_salary_figure_is_a_number_of_the_profile(catalogue):
    for figure in SalaryFigure.objects.all():
        for amount in (figure.average, figure.low, figure.high):
            if amount is not None:
                assert f"${amount:,}" in PROFILE, (figure.label, amount)
        for number in _numbers(f"{figure.label} {figure.source}"):
            assert number in PROFILE, (figure.label, number)


def test_every_market_fact_quotes_only_numbers_of_the_profile(catalogue):
    facts = list(MarketFact.objects.all())
    assert facts
    for fact in facts:
        for number in _numbers(fact.text):
            assert number in PROFILE, (fact.text, number)


def test_the_team_lead_carries_the_profiles_trends(catalogue):
    trends = " ".join(
        MarketFact.objects.filter(role__slug="ml-team-lead", topic="trends").values_list(
            "text", flat=True
        )
    )
    # "The global AI and ML market is projected to reach $1,811.8 billion by 2030, growing
    # at a 37.3% annual rate from 2023 to 2030."
    assert "$1,811.8 billion by 2030" in trends and "37.3% annual rate" in trends
    for trend in ["AutoML", "MLOps", "TinyML", "unsupervised ML"]:
        assert trend in trends, trend


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
    assert (
        "5+ years of combined professional and academic experience in machine learning, "
        "data science or related fields" in body
    )
    assert "3+ years of managing and leading machine learning teams" in body
    assert "Master&#x27;s degree or higher" in body
    assert "Deep-learning frameworks (PyTorch, TensorFlow, Hugging Face)" in body
    assert "5</span> · Expert" in body
    assert "$188,940" in body and "$220,680" in body
    assert "Source: US market, 2024" in body
    assert "$225.91 billion" in body  # market context, with its source
    assert "Source: Market Demand and industry trends sections" in body
    assert "$1,811.8 billion" in body
    assert "Often exceed" not in body and "often exceed" in body  # the profile's qualifier
    assert "$153,820" in body and "$218,603" in body


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


def test_the_team_lead_has_the_eight_key_responsibilities_of_a_team_lead(catalogue):
    section = _profile_section("Key Responsibilities as Team Lead", "Essential Skills")
    key = [line.strip(" •\n") for line in section.splitlines() if line.strip().startswith("•")]
    assert len(key) == 8
    lines = {
        _normalised(line) for line in Role.objects.get(slug="ml-team-lead").responsibility_lines()
    }
    for responsibility in key:
        assert _normalised(responsibility) in lines, responsibility


def test_the_team_lead_names_the_profiles_tools_and_research_contributions(catalogue):
    lead = Role.objects.get(slug="ml-team-lead")
    # "project management software, collaboration platforms, machine learning platforms,
    # and development environments"
    for tool in [
        "project management software",
        "collaboration platforms",
        "machine learning platforms",
        "development environments",
    ]:
        assert tool in lead.summary, tool
    assert "Contribute to open-source projects or research publications" in (
        lead.responsibility_lines()
    )
    research = lead.skill_requirements.get(skill__slug="research-innovation")
    assert research.level >= 4  # "Conduct advanced research"


def test_every_skill_and_action_says_where_its_text_comes_from(catalogue):
    for name in ("skills.json", "actions.json"):
        for entry in _fixture(name):
            assert entry.get("source") in ContentSource.values, (name, entry.get("slug"))
    assert not Skill.objects.exclude(source__in=ContentSource.values).exists()
    assert not LearningAction.objects.exclude(source__in=ContentSource.values).exists()
    drawn = Skill.objects.exclude(source=ContentSource.EDITORIAL)
    assert drawn.count() >= 20
    assert not drawn.filter(source_note="").exists()


def test_every_quoted_source_note_is_the_profiles_own_wording(catalogue):
    notes = list(Skill.objects.exclude(source_note="").values_list("slug", "source_note"))
    notes += list(
        LearningAction.objects.exclude(source_note="").values_list("title", "source_note")
    )
    assert notes
    for name, note in notes:
        for fragment in note.split("; "):
            assert _normalised(fragment) in PROFILE, (name, fragment)


FORBIDDEN_IN_DESCRIPTIONS = re.compile(
    # "on-call for production models" is a duty, not a call for a level.
    r"\b(the role|this role|a role|requires?|required|(?<!on-)calls? for|needed for"
    r"|expected of (a|an|the) \w+ (role|lead|engineer)|mastery|not just one"
    r"|team leads? (need|should)|at (lead|senior) level)\b",
    re.IGNORECASE,
)


def test_no_skill_level_or_action_text_hints_at_a_required_level(catalogue):
    texts = []
    for skill in Skill.objects.all():
        texts += [(skill.slug, text) for text in skill.level_descriptions().values()]
        texts.append((skill.slug, skill.description))
    for action in LearningAction.objects.select_related("skill"):
        texts += [(action.skill.slug, action.title), (action.skill.slug, action.description)]
    hints = [(slug, text) for slug, text in texts if FORBIDDEN_IN_DESCRIPTIONS.search(text)]
    assert not hints


def test_the_hint_check_catches_the_anchoring_sentence_it_was_written_for():
    sentence = "The role calls for mastery of several of these frameworks, not just one."
    assert FORBIDDEN_IN_DESCRIPTIONS.search(sentence)


def test_every_role_says_what_is_from_the_profile_and_what_is_editorial(catalogue):
    for role in Role.objects.all():
        assert "From the job-market profile" in role.source_note, role.slug
        assert "Editorial" in role.source_note, role.slug


def test_no_shipped_text_speaks_of_our_source(catalogue):
    for name in ("tracks.json", "roles.json", "skills.json", "actions.json"):
        for text in _strings(_fixture(name)):
            assert not re.search(r"\bour\b|source profile|\bseed\b", text, re.IGNORECASE), (
                name,
                text,
            )


def test_the_statistical_programming_manager_has_both_routes_of_the_profile(catalogue, client):
    role = Role.objects.get(slug="ai-statistical-programming-manager")
    education = role.education_requirement
    experience = role.experience_requirements.get()
    # "B.S. ... with 10+ years of experience, or M.S. in a related field with 8+ years"
    assert (education.level, experience.years) == (EducationLevel.MASTER, 8)
    assert (
        education.alternative_level,
        education.alternative_experience_slug,
        education.alternative_years,
    ) == (EducationLevel.BACHELOR, experience.slug, 10)
    body = client.get(role.get_absolute_url()).content.decode()
    assert (
        "Master&#x27;s degree with 8+ years of relevant professional experience, "
        "or Bachelor&#x27;s degree with 10+ years" in body
    )


def test_the_role_page_shows_each_skill_description_with_its_source(catalogue, client):
    body = client.get(reverse("roles:detail", args=["ml-team-lead"])).content.decode()
    data_analysis = Skill.objects.get(slug="data-analysis")
    assert data_analysis.description in body
    assert "(From the job-market profile)" in body
    assert "(Adapted from the job-market profile, with editorial examples)" in body
    shown = body.count('data-testid="skill-source"')
    assert shown == SkillRequirement.objects.filter(role__slug="ml-team-lead").count()


def test_the_command_loads_an_empty_database_then_again_without_change(django_user_model):
    out = io.StringIO()
    call_command("load_catalogue", stdout=out)
    assert Role.objects.count() == 11
    counts = {
        model: model.objects.count()
        for model in (Skill, LearningAction, SkillRequirement, SalaryFigure, MarketFact)
    }
    call_command("load_catalogue", stdout=io.StringIO())
    assert {model: model.objects.count() for model in counts} == counts


def test_update_puts_sources_and_education_routes_back(catalogue):
    Skill.objects.update(source=ContentSource.EDITORIAL, source_note="")
    EducationRequirement.objects.update(
        alternative_level=None, alternative_experience_slug="", alternative_years=None
    )
    catalogue_load(update=True)
    assert Skill.objects.get(slug="data-analysis").source == ContentSource.PROFILE
    education = EducationRequirement.objects.get(role__slug="ai-statistical-programming-manager")
    assert education.alternative_years == 10
