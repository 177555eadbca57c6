"""The example report the home page offers: a fictional person's answers for the featured
role, scored by the engine against today's published catalogue, never saved.

The answers are Maya's, a senior ML engineer who wants to lead a team. They name the
catalogue's skills; a skill the catalogue adds later is answered at Working (2), and one
it drops is left out, so the example always scores against the questionnaire as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from assessments.models import Assessment
from assessments.report import closest_roles
from assessments.scoring import parse_answers, questionnaire_scope
from assessments.selectors import published_role_specs
from assessments.services import report_from_snapshot, snapshot_data
from assessments.viewpoint import Viewpoint, named
from roles.models import Role
from roles.selectors import ladder_specs

EXAMPLE_NAME = "Maya"
EXAMPLE_VIEWPOINT: Viewpoint = named(EXAMPLE_NAME)
# A level for a skill the answers below do not name (one the catalogue added since).
UNNAMED_SKILL_LEVEL = 2

EXAMPLE_ANSWERS: dict[str, Any] = {
    "skills": {
        "python": 5,
        "deep-learning-frameworks": 4,
        "ml-algorithms": 4,
        "model-evaluation": 4,
        "software-architecture": 3,
        "data-analysis": 4,
        "python-data-ecosystem": 4,
        "cloud-platforms": 3,
        "containers-orchestration": 3,
        "mlops": 3,
        "project-management": 3,
        "mentoring": 3,
        "team-leadership": 2,
        "ethical-ai": 2,
        "ml-strategy": 2,
        "research-innovation": 3,
        "technical-writing": 3,
        "stakeholder-communication": 3,
        "accountability": 4,
        "collaboration": 4,
        "continuous-learning": 4,
        "decision-making": 3,
        "discipline-focus": 3,
        "emotional-intelligence": 3,
        "problem-solving": 4,
        "resilience-rigour": 3,
        "time-management": 3,
    },
    "experience": {"ml-experience": 6, "ml-team-leadership": 1},
    "education": "master",
}


def example_answers(skill_slugs: list[str], experience_slugs: list[str]) -> dict[str, Any]:
    """Maya's answers to the questionnaire of these slugs, every question answered."""
    skills = EXAMPLE_ANSWERS["skills"]
    years = EXAMPLE_ANSWERS["experience"]
    return {
        "skills": {slug: skills.get(slug, UNNAMED_SKILL_LEVEL) for slug in skill_slugs},
        "experience": {slug: years.get(slug, 0) for slug in experience_slugs},
        "education": EXAMPLE_ANSWERS["education"],
    }


def example_assessment(role: Role) -> Assessment:
    """An unsaved, submitted-looking assessment of `role` with Maya's answers, frozen and
    scored as a submission is (a snapshot of today's catalogue, then the engine), for the
    report body to render. Reads the catalogue, writes nothing."""
    ladder = ladder_specs(role)
    skill_slugs, experience_slugs = questionnaire_scope(ladder)
    raw = example_answers(skill_slugs, experience_slugs)
    answers = parse_answers(raw, skill_slugs=skill_slugs, experience_slugs=experience_slugs)
    snapshot = snapshot_data(ladder, role=role)
    # Closest roles from the cached specs of every published role, as the report
    # preview does: the example is kept under the catalogue version anyway.
    snapshot["closest_roles"] = closest_roles(
        answers,
        published_role_specs(),
        asked_skills=skill_slugs,
        asked_experience=experience_slugs,
    )
    report = report_from_snapshot(snapshot, answers)
    return Assessment(
        role=role,
        status=Assessment.Status.SUBMITTED,
        submitted_at=timezone.now(),
        report=report,
        snapshot=snapshot,
        answers_frozen=raw,
        readiness=report["readiness"],
        verdict=report["verdict"],
    )
