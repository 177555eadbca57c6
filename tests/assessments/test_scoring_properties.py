"""Properties of the scoring engine over generated roles and answers.

The example budget comes from the Hypothesis profile loaded in tests/conftest.py
(200 by default, 400 in CI); no test here lowers it.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st

from assessments.scoring import (
    EDUCATION_ORDER,
    ActionSpec,
    Answers,
    EducationSpec,
    ExperienceSpec,
    RoleSpec,
    SkillSpec,
    build_report,
    parse_answers,
    score_role,
)

VERDICT_RANK = {"early": 0, "developing": 1, "close": 2, "ready": 3}
CATEGORIES = ("Technical", "Data", "Leadership")

weights = st.integers(1, 5)


@st.composite
def role_specs(draw: st.DrawFn) -> RoleSpec:
    skills = tuple(
        SkillSpec(
            slug=f"skill-{i}",
            name=f"Skill {draw(st.integers(0, 3))}",  # repeated names exercise the tie-break
            category=draw(st.sampled_from(CATEGORIES)),
            required=draw(st.integers(1, 5)),
            weight=draw(weights),
            essential=draw(st.booleans()),
        )
        for i in range(draw(st.integers(1, 12)))
    )
    experience = tuple(
        ExperienceSpec(
            slug=f"exp-{i}",
            name=f"Experience {i}",
            years=draw(st.integers(1, 20)),
            weight=draw(weights),
            essential=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    education = draw(
        st.none()
        | st.builds(
            EducationSpec,
            required=st.sampled_from(EDUCATION_ORDER[1:]),
            weight=weights,
            essential=st.booleans(),
        )
    )
    return RoleSpec("role", "Role", skills=skills, experience=experience, education=education)


# Years as answered: whole, or in halves, up to the 60 allowed.
years_answers = st.integers(0, 60) | st.integers(0, 120).map(lambda halves: halves / 2)


@st.composite
def raw_answers(
    draw: st.DrawFn, role: RoleSpec, *, years_up_to_required: bool = False
) -> dict[str, Any]:
    """A valid answers document for `role`; a question left out is an unanswered one."""
    skills = {s.slug: draw(st.integers(0, 5)) for s in role.skills if draw(st.booleans())}
    experience = {
        e.slug: draw(
            st.integers(0, 2 * e.years).map(lambda halves: halves / 2)
            if years_up_to_required
            else years_answers
        )
        for e in role.experience
        if draw(st.booleans())
    }
    return {
        "skills": skills,
        "experience": experience,
        "education": draw(st.sampled_from(EDUCATION_ORDER)),
    }


@st.composite
def roles_and_answers(
    draw: st.DrawFn, *, years_up_to_required: bool = False
) -> tuple[RoleSpec, dict[str, Any]]:
    role = draw(role_specs())
    return role, draw(raw_answers(role, years_up_to_required=years_up_to_required))


@st.composite
def single_level_actions(draw: st.DrawFn, role: RoleSpec) -> list[ActionSpec]:
    slugs = [s.slug for s in role.skills]
    return [
        ActionSpec(skill, level, level + 1, f"Step {n}", effort)
        for n, (skill, level, effort) in enumerate(
            draw(
                st.lists(
                    st.tuples(st.sampled_from(slugs), st.integers(0, 4), st.integers(1, 20)),
                    max_size=12,
                )
            )
        )
    ]


def _parse(role: RoleSpec, raw: dict[str, Any]) -> Answers:
    return parse_answers(
        raw,
        skill_slugs=[s.slug for s in role.skills],
        experience_slugs=[e.slug for e in role.experience],
    )


def _rises(
    role: RoleSpec, raw: dict[str, Any], *, years_up_to_required: bool = False
) -> list[tuple[str, str]]:
    """Every single answer that can still go up: a level by 1, years by ½, education a step."""
    options = [("skills", s.slug) for s in role.skills if raw["skills"].get(s.slug, 0) < 5]
    options += [
        ("experience", e.slug)
        for e in role.experience
        if raw["experience"].get(e.slug, 0) + 0.5 <= (e.years if years_up_to_required else 60)
    ]
    if raw["education"] != EDUCATION_ORDER[-1]:
        options.append(("education", "education"))
    return options


def _raised(raw: dict[str, Any], section: str, slug: str) -> dict[str, Any]:
    skills, experience = dict(raw["skills"]), dict(raw["experience"])
    education = raw["education"]
    if section == "skills":
        skills[slug] = skills.get(slug, 0) + 1
    elif section == "experience":
        experience[slug] = experience.get(slug, 0) + 0.5
    else:
        education = EDUCATION_ORDER[EDUCATION_ORDER.index(education) + 1]
    return {"skills": skills, "experience": experience, "education": education}


def _all_met(role: RoleSpec, raw: dict[str, Any]) -> bool:
    """Worked out from the answers alone, not from the engine's coverage."""
    return (
        all(raw["skills"].get(s.slug, 0) >= s.required for s in role.skills)
        and all(raw["experience"].get(e.slug, 0) >= e.years for e in role.experience)
        and (
            role.education is None
            or EDUCATION_ORDER.index(raw["education"])
            >= EDUCATION_ORDER.index(role.education.required)
        )
    )


def _expected_readiness(role: RoleSpec, raw: dict[str, Any]) -> float:
    """100·Σw·c/Σw from the contract's formulas, cut to one decimal."""
    terms = [
        (s.weight, Fraction(min(raw["skills"].get(s.slug, 0), s.required), s.required))
        for s in role.skills
    ]
    terms += [
        (e.weight, Fraction(min(Fraction(raw["experience"].get(e.slug, 0)), e.years), e.years))
        for e in role.experience
    ]
    if role.education is not None:
        held = EDUCATION_ORDER.index(raw["education"])
        needed = EDUCATION_ORDER.index(role.education.required)
        terms.append((role.education.weight, Fraction(held >= needed)))
    ratio = sum(w * c for w, c in terms) / sum(w for w, _ in terms)
    return math.floor(ratio * 1000) / 10


def _report(
    role: RoleSpec, raw: dict[str, Any], actions: list[ActionSpec] | None = None
) -> dict[str, Any]:
    return build_report(
        target=role, ladder=[role], answers=_parse(role, raw), actions=actions or ()
    )


@given(roles_and_answers())
def test_valid_answers_are_accepted_as_given(case):
    role, raw = case
    answers = _parse(role, raw)
    assert (dict(answers.skills), dict(answers.experience), answers.education) == (
        raw["skills"],
        raw["experience"],
        raw["education"],
    )


# More experience than required scores its coverage as the float 1.0 (min() hands back the
# int requirement, and int / int is a float), so the sum is no longer exact: here
# (3·2/5 + 5 + 5 + 5·1)/18 = 16.2/18 = 0.9 exactly, but the engine sums 0.8999… → 89.9.
SURPLUS_YEARS_ROLE = RoleSpec(
    "role",
    "Role",
    skills=(
        SkillSpec("s", "S", "Technical", required=5, weight=3),
        SkillSpec("a", "A", "Technical", required=1, weight=5),
        SkillSpec("b", "B", "Technical", required=1, weight=5),
    ),
    experience=(ExperienceSpec("x", "X", years=1, weight=5),),
)


def _surplus_years_answers(years: float) -> dict[str, Any]:
    return {"skills": {"s": 2, "a": 1, "b": 1}, "experience": {"x": years}, "education": "none"}


@given(roles_and_answers())
def test_readiness_stays_within_0_and_100_at_one_decimal(case):
    role, raw = case
    readiness = _report(role, raw)["readiness"]
    assert 0.0 <= readiness <= 100.0
    assert round(readiness, 1) == readiness


@given(roles_and_answers())
@example((SURPLUS_YEARS_ROLE, _surplus_years_answers(2)))
def test_readiness_follows_the_formula_exactly(case):
    role, raw = case
    assert _report(role, raw)["readiness"] == _expected_readiness(role, raw)


@given(roles_and_answers(years_up_to_required=True))
def test_readiness_follows_the_formula_exactly_while_no_years_exceed_the_requirement(case):
    role, raw = case
    assert _report(role, raw)["readiness"] == _expected_readiness(role, raw)


@given(roles_and_answers())
def test_readiness_is_100_exactly_when_every_requirement_is_met(case):
    role, raw = case
    assert (_report(role, raw)["readiness"] == 100.0) is _all_met(role, raw)


@given(roles_and_answers())
def test_verdict_follows_readiness_and_essentials(case):
    role, raw = case
    score = score_role(role, _parse(role, raw))
    if score.readiness >= 90 and score.essential_met:
        expected = "ready"
    elif score.readiness >= 75:
        expected = "close"
    elif score.readiness >= 50:
        expected = "developing"
    else:
        expected = "early"
    assert score.verdict == expected


def _assert_rise_keeps_readiness_and_verdict(
    role: RoleSpec, raw: dict[str, Any], section: str, slug: str
) -> None:
    before = score_role(role, _parse(role, raw))
    after = score_role(role, _parse(role, _raised(raw, section, slug)))
    assert after.readiness >= before.readiness
    assert VERDICT_RANK[after.verdict] >= VERDICT_RANK[before.verdict]


@given(roles_and_answers(), st.integers(0, 100))
# x from 1 year (its requirement) to 1.5: 90.0 "ready" falls to 89.9 "close"
@example((SURPLUS_YEARS_ROLE, _surplus_years_answers(1)), 3)
def test_raising_one_answer_never_lowers_readiness_or_verdict(case, pick):
    role, raw = case
    options = _rises(role, raw)
    assume(options)
    _assert_rise_keeps_readiness_and_verdict(role, raw, *options[pick % len(options)])


@given(roles_and_answers(years_up_to_required=True), st.integers(0, 100))
def test_raising_one_answer_up_to_the_requirement_never_lowers_readiness_or_verdict(case, pick):
    role, raw = case
    options = _rises(role, raw, years_up_to_required=True)
    assume(options)
    _assert_rise_keeps_readiness_and_verdict(role, raw, *options[pick % len(options)])


@given(roles_and_answers())
def test_category_readiness_stays_within_0_and_100(case):
    role, raw = case
    report = _report(role, raw)
    assert report["categories"]
    for category in report["categories"]:
        assert 0.0 <= category["readiness"] <= 100.0


@given(roles_and_answers())
def test_coverage_is_within_0_and_1_and_full_exactly_when_there_is_no_gap(case):
    role, raw = case
    requirements = _report(role, raw)["requirements"]
    assert len(requirements) == (
        len(role.skills) + len(role.experience) + (role.education is not None)
    )
    for requirement in requirements:
        assert 0 <= requirement["coverage"] <= 1
        assert (requirement["gap"] == 0) is (requirement["coverage"] == 1)
        if requirement["kind"] == "skill":
            assert requirement["priority"] == requirement["weight"] * requirement["gap"]


@given(roles_and_answers())
def test_unmet_essentials_come_first_then_weighted_shortfall_then_name(case):
    role, raw = case
    report = _report(role, raw)
    requirements = report["requirements"]
    blocked = [r["essential"] and r["coverage"] < 1 for r in requirements]
    # every unmet essential requirement, of any kind, sits above every other requirement
    assert blocked == sorted(blocked, reverse=True)
    assert report["blockers"] == [
        r["slug"] for r, b in zip(requirements, blocked, strict=True) if b
    ]
    # within each group, the weighted shortfall never rises going down the list
    for group in (True, False):
        shortfalls = [
            r["weight"] * (1 - Fraction(str(r["coverage"])))
            for r, b in zip(requirements, blocked, strict=True)
            if b is group
        ]
        assert all(a >= b - Fraction(1, 1000) for a, b in itertools.pairwise(shortfalls))


paces = st.one_of(st.integers(1, 40), st.floats(1, 40, allow_nan=False).map(lambda x: round(x, 1)))


@given(roles_and_answers(), st.data(), paces, paces)
def test_a_higher_pace_never_lengthens_the_plan_and_never_changes_the_score(case, data, p1, p2):
    role, raw = case
    actions = data.draw(single_level_actions(role), label="actions")
    slow, fast = sorted((p1, p2))
    at_slow = build_report(
        target=role,
        ladder=[role],
        answers=_parse(role, raw),
        actions=actions,
        pace_hours_per_week=slow,
    )
    at_fast = build_report(
        target=role,
        ladder=[role],
        answers=_parse(role, raw),
        actions=actions,
        pace_hours_per_week=fast,
    )
    assert at_fast["time_to_ready_weeks"] <= at_slow["time_to_ready_weeks"]
    assert [a["title"] for a in at_fast["actions"]] == [a["title"] for a in at_slow["actions"]]
    for key in ("readiness", "verdict", "categories", "requirements", "blockers", "ladder"):
        assert at_fast[key] == at_slow[key]


@given(roles_and_answers(), st.data(), paces)
def test_the_plan_runs_its_actions_one_after_the_other_at_the_chosen_pace(case, data, pace):
    role, raw = case
    actions = data.draw(single_level_actions(role), label="actions")
    report = build_report(
        target=role,
        ladder=[role],
        answers=_parse(role, raw),
        actions=actions,
        pace_hours_per_week=pace,
    )
    start = 0
    for action in report["actions"]:
        assert math.isclose(action["start_week"], start, abs_tol=0.1)
        expected = action["effort_weeks"] * 5 / pace
        assert math.isclose(action["end_week"] - action["start_week"], expected, abs_tol=0.11)
        start = action["end_week"]
    assert report["time_to_ready_weeks"] >= math.floor(start)


@given(roles_and_answers(), st.data())
def test_raising_one_answer_never_lengthens_time_to_ready_without_actions(case, data):
    role, raw = case
    options = _rises(role, raw)
    assume(options)
    section, slug = data.draw(st.sampled_from(options), label="raised")
    before = _report(role, raw)["time_to_ready_weeks"]
    after = _report(role, _raised(raw, section, slug))["time_to_ready_weeks"]
    assert after <= before


@given(roles_and_answers(), st.data())
def test_raising_one_answer_never_lengthens_time_to_ready_with_level_by_level_actions(case, data):
    role, raw = case
    actions = data.draw(single_level_actions(role), label="actions")
    options = _rises(role, raw)
    assume(options)
    section, slug = data.draw(st.sampled_from(options), label="raised")
    before = _report(role, raw, actions)["time_to_ready_weeks"]
    after = _report(role, _raised(raw, section, slug), actions)["time_to_ready_weeks"]
    assert after <= before


@given(roles_and_answers(), st.data())
def test_time_to_ready_is_zero_exactly_when_skills_and_experience_are_met(case, data):
    role, raw = case
    actions = data.draw(single_level_actions(role), label="actions")
    report = _report(role, raw, actions)
    # education takes no time, so it is left out of the comparison
    without_education = RoleSpec(role.slug, role.title, role.skills, role.experience)
    assert (report["time_to_ready_weeks"] == 0) is _all_met(without_education, raw)


@given(role_specs(), st.data())
def test_all_met_answers_need_no_time_and_no_actions(role, data):
    raw = {
        "skills": {s.slug: data.draw(st.integers(s.required, 5)) for s in role.skills},
        "experience": {e.slug: data.draw(st.integers(e.years, 60)) for e in role.experience},
        "education": EDUCATION_ORDER[-1],
    }
    report = _report(role, raw, data.draw(single_level_actions(role)))
    assert (report["readiness"], report["actions"], report["time_to_ready_weeks"]) == (
        100.0,
        [],
        0,
    )
    assert report["verdict"] == "ready"
