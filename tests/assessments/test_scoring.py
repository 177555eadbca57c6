"""The scoring contract (docs/scoring.md, docs/report.md) pinned by hand.

Every expected number is worked out in a comment beside it, so a change to the
engine has to argue with arithmetic, not with a snapshot.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from assessments.scoring import (
    ActionSpec,
    Answers,
    AnswersError,
    EducationSpec,
    ExperienceSpec,
    RequirementScore,
    RoleSpec,
    SkillSpec,
    build_report,
    ladder_position,
    parse_answers,
    plan_actions,
    plan_skill,
    questionnaire_scope,
    schedule_plan,
    score_role,
    time_to_ready_weeks,
)

# --- the two worked examples -------------------------------------------------------------

ML_ENGINEER = RoleSpec(
    slug="ml-engineer",
    title="ML Engineer",
    skills=(
        SkillSpec("python", "Python", "Technical", required=4, weight=5, essential=True),
        SkillSpec("pytorch", "PyTorch", "ML frameworks", required=3, weight=3),
        SkillSpec("sql", "SQL", "Technical", required=2, weight=2),
    ),
    experience=(
        ExperienceSpec("ml-work", "Professional ML work", years=5, weight=4, essential=True),
    ),
    education=EducationSpec(required="master", weight=2),
)
JUNIOR_ML_ENGINEER = RoleSpec(
    slug="junior-ml-engineer",
    title="Junior ML Engineer",
    skills=(
        SkillSpec("python", "Python", "Technical", required=2, weight=3),
        SkillSpec("sql", "SQL", "Technical", required=2, weight=2),
    ),
)
ML_ENGINEER_ANSWERS = Answers(
    skills={"python": 2, "pytorch": 3, "sql": 4},  # sql 4 > 2 is a surplus
    experience={"ml-work": 4.5},
    education="bachelor",
)
ML_ENGINEER_ACTIONS = (
    ActionSpec("python", 1, 2, "Python basics", 3),  # below the self level: not needed
    ActionSpec("python", 2, 3, "Python testing course", 4, "course", "https://example.com/py"),
    ActionSpec("pytorch", 2, 3, "PyTorch tutorial", 2),  # pytorch is met: not needed
)

TEAM_LEAD = RoleSpec(
    slug="team-lead",
    title="Team Lead",
    skills=(
        SkillSpec(
            "leadership", "People leadership", "Leadership", required=4, weight=5, essential=True
        ),
        SkillSpec("strategy", "Strategy", "Business", required=3, weight=4),
        SkillSpec("comms", "Communication", "Leadership", required=3, weight=2),
    ),
    experience=(ExperienceSpec("mgmt", "People management", years=2, weight=3),),
)
TEAM_LEAD_ANSWERS = Answers(skills={"leadership": 1, "comms": 3}, experience={"mgmt": 2})
TEAM_LEAD_ACTIONS = (
    ActionSpec("leadership", 1, 2, "Lead a project", 8, "project"),
    ActionSpec("leadership", 1, 3, "Management programme", 12, "course"),
    ActionSpec("leadership", 1, 5, "Executive MBA", 52, "course"),  # overshoots 4
    ActionSpec("leadership", 3, 4, "Coached by a senior lead", 10, "mentoring"),
)


def test_ml_engineer_report_with_partial_answers_surplus_and_half_years():
    report = build_report(
        target=ML_ENGINEER,
        ladder=[JUNIOR_ML_ENGINEER, ML_ENGINEER],
        answers=ML_ENGINEER_ANSWERS,
        actions=ML_ENGINEER_ACTIONS,
    )
    assert report == {
        "role": "ml-engineer",
        "role_title": "ML Engineer",
        "scale": "0-5",
        # (5·2/4 + 3·3/3 + 2·min(4,2)/2 + 4·4.5/5 + 2·0) / (5+3+2+4+2)
        # = (2.5 + 3 + 2 + 3.6 + 0) / 16 = 11.1/16 = 0.69375 → 69.3 (cut)
        "readiness": 69.3,
        "verdict": "developing",  # 50 ≤ 69.3 < 75
        "categories": [
            # skill categories in the role's order, then Experience, then Education
            {"name": "Technical", "readiness": 64.2},  # (2.5 + 2)/7 = 0.642857… → 64.2
            {"name": "ML frameworks", "readiness": 100.0},  # 3/3
            {"name": "Experience", "readiness": 90.0},  # 4.5/5
            {"name": "Education", "readiness": 0.0},  # bachelor < master
        ],
        "requirements": [
            # python: gap 4−2 = 2, priority 5·2 = 10
            {
                "kind": "skill",
                "slug": "python",
                "name": "Python",
                "category": "Technical",
                "required": 4,
                "self": 2,
                "weight": 5,
                "essential": True,
                "coverage": 0.5,
                "gap": 2,
                "priority": 10,
            },
            # unmet essentials first by weight × (1 − coverage): python 5·0.5 = 2.5, then
            # ml-work 4·0.1 = 0.4 (4.5/5 = 0.9, gap 5 − 4.5 = 0.5 years)
            {
                "kind": "experience",
                "slug": "ml-work",
                "name": "Professional ML work",
                "category": "Experience",
                "required": 5,
                "self": 4.5,
                "weight": 4,
                "essential": True,
                "coverage": 0.9,
                "gap": 0.5,
            },
            # then the other gaps: education 2·1 = 2 (bachelor is one level short of master)
            {
                "kind": "education",
                "slug": "education",
                "name": "Master's degree",
                "category": "Education",
                "required": "master",
                "self": "bachelor",
                "weight": 2,
                "essential": False,
                "coverage": 0.0,
                "gap": 1,
            },
            # met requirements last, by name: PyTorch < SQL
            {
                "kind": "skill",
                "slug": "pytorch",
                "name": "PyTorch",
                "category": "ML frameworks",
                "required": 3,
                "self": 3,
                "weight": 3,
                "essential": False,
                "coverage": 1.0,
                "gap": 0,
                "priority": 0,
            },
            # surplus: min(4, 2)/2 = 1, gap max(0, 2−4) = 0, shown as a strength
            {
                "kind": "skill",
                "slug": "sql",
                "name": "SQL",
                "category": "Technical",
                "required": 2,
                "self": 4,
                "weight": 2,
                "essential": False,
                "coverage": 1.0,
                "gap": 0,
                "priority": 0,
            },
        ],
        "ladder": [
            # junior: (3·2/2 + 2·min(4,2)/2)/5 = 5/5 → 100.0, no essentials
            {
                "role": "junior-ml-engineer",
                "title": "Junior ML Engineer",
                "readiness": 100.0,
                "verdict": "ready",
            },
            {
                "role": "ml-engineer",
                "title": "ML Engineer",
                "readiness": 69.3,
                "verdict": "developing",
            },
        ],
        "current_rung": "junior-ml-engineer",
        "next_step": "ml-engineer",
        "blockers": ["python", "ml-work"],
        "actions": [
            {
                "skill": "python",
                "from": 2,
                "to": 3,
                "title": "Python testing course",
                "effort_weeks": 4,
                "start_week": 0,
                "end_week": 4,
                "kind": "course",
                "url": "https://example.com/py",
            },
            # no action from level 3: the default step
            {
                "skill": "python",
                "from": 3,
                "to": 4,
                "title": "Practise to reach Advanced",
                "effort_weeks": 6,
                "start_week": 4,
                "end_week": 10,
                "kind": "",
                "url": "",
            },
        ],
        "pace_hours_per_week": 5,
        # skills 4 + 6 = 10 weeks; experience ceil(0.5·52) = 26 → max = 26
        "time_to_ready_weeks": 26,
    }
    assert json.loads(json.dumps(report)) == report


def test_team_lead_report_with_a_missing_answer_and_no_rung_ready():
    report = build_report(
        target=TEAM_LEAD, ladder=[TEAM_LEAD], answers=TEAM_LEAD_ANSWERS, actions=TEAM_LEAD_ACTIONS
    )
    practise = {"skill": "strategy", "effort_weeks": 6, "kind": "", "url": ""}
    assert report == {
        "role": "team-lead",
        "role_title": "Team Lead",
        "scale": "0-5",
        # strategy unanswered = 0
        # (5·1/4 + 4·0/3 + 2·3/3 + 3·2/2) / (5+4+2+3) = (1.25 + 0 + 2 + 3)/14
        # = 6.25/14 = 0.446428… → 44.6
        "readiness": 44.6,
        "verdict": "early",
        "categories": [
            {"name": "Leadership", "readiness": 46.4},  # (1.25 + 2)/7 = 0.464285… → 46.4
            {"name": "Business", "readiness": 0.0},
            {"name": "Experience", "readiness": 100.0},
        ],
        "requirements": [
            # leadership gap 3, priority 5·3 = 15; strategy gap 3, priority 4·3 = 12
            {
                "kind": "skill",
                "slug": "leadership",
                "name": "People leadership",
                "category": "Leadership",
                "required": 4,
                "self": 1,
                "weight": 5,
                "essential": True,
                "coverage": 0.25,
                "gap": 3,
                "priority": 15,
            },
            {
                "kind": "skill",
                "slug": "strategy",
                "name": "Strategy",
                "category": "Business",
                "required": 3,
                "self": 0,
                "weight": 4,
                "essential": False,
                "coverage": 0.0,
                "gap": 3,
                "priority": 12,
            },
            {
                "kind": "skill",
                "slug": "comms",
                "name": "Communication",
                "category": "Leadership",
                "required": 3,
                "self": 3,
                "weight": 2,
                "essential": False,
                "coverage": 1.0,
                "gap": 0,
                "priority": 0,
            },
            {
                "kind": "experience",
                "slug": "mgmt",
                "name": "People management",
                "category": "Experience",
                "required": 2,
                "self": 2,
                "weight": 3,
                "essential": False,
                "coverage": 1.0,
                "gap": 0,
            },
        ],
        "ladder": [
            {"role": "team-lead", "title": "Team Lead", "readiness": 44.6, "verdict": "early"}
        ],
        "current_rung": None,
        "next_step": "team-lead",  # nothing ready: the first rung
        "blockers": ["leadership"],
        "actions": [
            # at 1: 1→2, 1→3 fit under 4, 1→5 overshoots; furthest is 1→3
            {
                "skill": "leadership",
                "from": 1,
                "to": 3,
                "title": "Management programme",
                "effort_weeks": 12,
                "start_week": 0,
                "end_week": 12,
                "kind": "course",
                "url": "",
            },
            {
                "skill": "leadership",
                "from": 3,
                "to": 4,
                "title": "Coached by a senior lead",
                "effort_weeks": 10,
                "start_week": 12,
                "end_week": 22,
                "kind": "mentoring",
                "url": "",
            },
            practise
            | {"from": 0, "to": 1, "title": "Practise to reach Awareness"}
            | {"start_week": 22, "end_week": 28},
            practise
            | {"from": 1, "to": 2, "title": "Practise to reach Working"}
            | {"start_week": 28, "end_week": 34},
            practise
            | {"from": 2, "to": 3, "title": "Practise to reach Practitioner"}
            | {"start_week": 34, "end_week": 40},
        ],
        "pace_hours_per_week": 5,
        # 12 + 10 + 3·6 = 40 weeks of skills; no experience shortfall
        "time_to_ready_weeks": 40,
    }


def test_experience_self_and_gap_are_ints_when_whole_and_floats_otherwise():
    def ml_work(answers: Answers) -> RequirementScore:
        return next(r for r in score_role(ML_ENGINEER, answers).requirements if r.slug == "ml-work")

    whole = ml_work(Answers(experience={"ml-work": 3.0}))
    half = ml_work(Answers(experience={"ml-work": 2.5}))
    assert (whole.to_dict()["self"], whole.to_dict()["gap"]) == (3, 2)
    assert type(whole.to_dict()["self"]) is int
    assert type(whole.to_dict()["gap"]) is int
    assert (half.to_dict()["self"], half.to_dict()["gap"]) == (2.5, 2.5)
    assert type(half.to_dict()["self"]) is float


def test_coverage_is_cut_to_four_decimals_in_the_document():
    role = RoleSpec("r", "R", skills=(SkillSpec("s", "S", "C", required=3, weight=1),))
    requirement = score_role(role, Answers(skills={"s": 2})).requirements[0]
    assert requirement.to_dict()["coverage"] == 0.6666  # 2/3 = 0.666…, cut not rounded


# --- readiness and verdicts --------------------------------------------------------------


def _met(slug: str, weight: int, *, essential: bool = False) -> SkillSpec:
    """A level-1 skill; answered 1 it is met, left out it is unmet (coverage 0)."""
    return SkillSpec(
        slug, slug.title(), "Technical", required=1, weight=weight, essential=essential
    )


def _verdict_case(
    met: list[SkillSpec], unmet: list[SkillSpec], experience: tuple[ExperienceSpec, ...] = ()
) -> tuple[float, str]:
    role = RoleSpec("r", "R", skills=(*met, *unmet), experience=experience)
    answers = Answers(
        skills={s.slug: 1 for s in met}, experience={e.slug: e.years - 0.5 for e in experience}
    )
    score = score_role(role, answers)
    return score.readiness, score.verdict


# One year of 60 missed by half a year, weight 1: coverage 59.5/60 = 119/120.
HALF_YEAR_SHORT = (ExperienceSpec("exp", "Experience", years=60, weight=1),)


@pytest.mark.parametrize(
    ("met", "unmet", "experience", "expected"),
    [
        # all met: 10/10
        ([_met("a", 5), _met("b", 5)], [], (), (100.0, "ready")),
        # (5 + 4)/(5+4+1) = 0.9 → 90.0, the unmet one is not essential
        ([_met("a", 5), _met("b", 4)], [_met("c", 1)], (), (90.0, "ready")),
        # (5+5+5+2 + 119/120)/20 = 0.8995833… → 89.9 (rounding would say 90.0)
        (
            [_met("a", 5), _met("b", 5), _met("c", 5), _met("d", 2)],
            [_met("e", 2)],
            HALF_YEAR_SHORT,
            (89.9, "close"),
        ),
        # 3/(3+1) = 0.75 → 75.0
        ([_met("a", 3)], [_met("b", 1)], (), (75.0, "close")),
        # (5+5+4 + 119/120)/20 = 0.7495833… → 74.9
        (
            [_met("a", 5), _met("b", 5), _met("c", 4)],
            [_met("d", 5)],
            HALF_YEAR_SHORT,
            (74.9, "developing"),
        ),
        # 1/2 → 50.0
        ([_met("a", 1)], [_met("b", 1)], (), (50.0, "developing")),
        # (5+4 + 119/120)/20 = 0.4995833… → 49.9
        (
            [_met("a", 5), _met("b", 4)],
            [_met("c", 5), _met("d", 5)],
            HALF_YEAR_SHORT,
            (49.9, "early"),
        ),
        # nothing answered: 0/5
        ([], [_met("a", 5)], (), (0.0, "early")),
    ],
    ids=["100", "90.0", "89.9", "75.0", "74.9", "50.0", "49.9", "0.0"],
)
def test_verdict_thresholds_and_values_just_under(met, unmet, experience, expected):
    assert _verdict_case(met, unmet, experience) == expected


def test_readiness_is_cut_not_rounded():
    role = RoleSpec("r", "R", skills=(SkillSpec("s", "S", "C", required=3, weight=1),))
    # 2/3 = 0.6666… → 66.6, where rounding would show 66.7
    assert score_role(role, Answers(skills={"s": 2})).readiness == 66.6


def test_readiness_shows_100_only_when_every_requirement_is_met():
    # 19 weight met + half a year short of 60 at weight 1:
    # (19 + 119/120)/20 = 2399/2400 = 0.99958… → 99.9, not 100.0
    met = [_met("a", 5), _met("b", 5), _met("c", 5), _met("d", 4)]
    assert _verdict_case(met, [], HALF_YEAR_SHORT) == (99.9, "ready")


def test_an_unmet_essential_keeps_a_readiness_of_90_at_close():
    # (5 + 4)/10 = 90.0, but c is essential and unanswered
    assert _verdict_case([_met("a", 5), _met("b", 4)], [_met("c", 1, essential=True)]) == (
        90.0,
        "close",
    )


def test_a_partly_covered_essential_is_not_met():
    role = RoleSpec(
        "r",
        "R",
        skills=(
            _met("a", 5),
            _met("b", 5),
            _met("c", 5),
            SkillSpec("d", "D", "Technical", required=4, weight=1, essential=True),
        ),
    )
    score = score_role(role, Answers(skills={"a": 1, "b": 1, "c": 1, "d": 3}))
    # (15 + 1·3/4)/16 = 15.75/16 = 0.984375 → 98.4, d short of 4
    assert (score.readiness, score.verdict) == (98.4, "close")


def test_an_unmet_essential_education_blocks_ready():
    role = RoleSpec(
        "r", "R", skills=(_met("a", 5), _met("b", 5)), education=EducationSpec("master", 1, True)
    )
    score = score_role(role, Answers(skills={"a": 1, "b": 1}, education="bachelor"))
    # (5 + 5 + 1·0)/11 = 0.90909… → 90.9
    assert (score.readiness, score.verdict) == (90.9, "close")
    met = score_role(role, Answers(skills={"a": 1, "b": 1}, education="phd"))
    assert (met.readiness, met.verdict) == (100.0, "ready")  # phd ≥ master


@pytest.mark.parametrize(
    ("required", "held", "coverage", "gap"),
    [
        ("phd", "none", 0, 3),
        ("phd", "bachelor", 0, 2),
        ("master", "bachelor", 0, 1),
        ("master", "master", 1, 0),
        ("bachelor", "phd", 1, 0),
    ],
)
def test_education_gap_counts_levels_short(required, held, coverage, gap):
    role = RoleSpec("r", "R", education=EducationSpec(required, weight=2))
    requirement = score_role(role, Answers(education=held)).requirements[0]
    assert (requirement.coverage, requirement.gap) == (coverage, gap)


def test_decimal_years_are_scored_exactly():
    role = RoleSpec(
        "r", "R", experience=(ExperienceSpec("x", "X", years=7, weight=1, essential=False),)
    )
    answers = parse_answers({"experience": {"x": 6.3}}, skill_slugs=[], experience_slugs=["x"])
    score = score_role(role, answers)
    # 6.3/7 = 0.9 exactly → 90.0, ready; gap 7 − 6.3 = 0.7
    assert (score.readiness, score.verdict) == (90.0, "ready")
    assert score.requirements[0].to_dict()["gap"] == 0.7


def test_more_years_than_required_keep_readiness_exact():
    role = RoleSpec(
        "r",
        "R",
        skills=(
            SkillSpec("s", "S", "Technical", required=5, weight=3),
            _met("a", 5),
            _met("b", 5),
        ),
        experience=(ExperienceSpec("x", "X", years=1, weight=5),),
    )

    def score(years: float) -> tuple[float, str]:
        result = score_role(role, Answers(skills={"s": 2, "a": 1, "b": 1}, experience={"x": years}))
        return result.readiness, result.verdict

    # (3·2/5 + 5 + 5 + 5·min(y, 1)/1)/18 = 16.2/18 = 0.9 → 90.0 for any y ≥ 1
    assert score(1) == (90.0, "ready")
    assert score(2) == (90.0, "ready")


# --- categories and ordering -------------------------------------------------------------


def test_categories_follow_the_roles_skill_order_then_experience_then_education():
    role = RoleSpec(
        "r",
        "R",
        skills=(
            SkillSpec("z", "Z", "Zeta", required=2, weight=1),
            SkillSpec("a", "A", "Alpha", required=4, weight=3),
            SkillSpec("z2", "Z2", "Zeta", required=2, weight=3),
        ),
        experience=(ExperienceSpec("x", "X", years=4, weight=2),),
        education=EducationSpec("bachelor", weight=1),
    )
    score = score_role(role, Answers(skills={"z": 1, "a": 3, "z2": 2}, experience={"x": 1}))
    assert score.categories == (
        ("Zeta", 87.5),  # (1·1/2 + 3·2/2)/4 = 3.5/4
        ("Alpha", 75.0),  # 3/4
        ("Experience", 25.0),  # 1/4
        ("Education", 0.0),  # none < bachelor
    )


def test_a_role_without_experience_or_education_has_no_such_categories():
    role = RoleSpec("r", "R", skills=(SkillSpec("s", "S", "Data", required=2, weight=1),))
    assert score_role(role, Answers(skills={"s": 1})).categories == (("Data", 50.0),)


def test_gaps_of_every_kind_unmet_essentials_first_then_weighted_shortfall_then_name():
    def skill(slug: str, name: str, required: int, weight: int, essential: bool = False):
        return SkillSpec(slug, name, "Technical", required, weight, essential)

    role = RoleSpec(
        "r",
        "R",
        education=EducationSpec("bachelor", weight=1),
        experience=(
            ExperienceSpec("y2", "Leading teams", years=1, weight=1, essential=True),
            ExperienceSpec("y1", "First", years=9, weight=5),
        ),
        skills=(
            skill("eps", "Epsilon", 1, 1),
            skill("delta", "Delta", 2, 1),
            skill("chi", "Chi", 3, 2),
            skill("gamma", "Gamma", 5, 5),
            skill("zeta", "Zeta", 1, 1, essential=True),
            skill("beta", "Beta", 3, 3, essential=True),
            skill("alpha", "Alpha", 4, 2),
        ),
    )
    answers = Answers(
        skills={"eps": 1, "delta": 0, "chi": 0, "gamma": 4, "zeta": 1, "beta": 1, "alpha": 1}
    )
    score = score_role(role, answers)
    assert [(r.slug, r.priority) for r in score.requirements] == [
        # unmet essentials, by weight × (1 − coverage)
        ("beta", 6),  # 3·(1 − 1/3) = 2; priority 3·(3−1) = 6
        ("y2", None),  # 1·(1 − 0/1) = 1: a missing essential year is never below a skill
        # then every other gap
        ("y1", None),  # 5·(1 − 0/9) = 5
        ("chi", 6),  # 2·(1 − 0/3) = 2
        ("alpha", 6),  # 2·(1 − 1/4) = 1.5
        ("education", None),  # 1·(1 − 0) = 1, "Bachelor's degree" first of the ties at 1
        ("delta", 2),  # 1·(1 − 0/2) = 1
        ("gamma", 5),  # 5·(1 − 4/5) = 1
        # met ones last, by name
        ("eps", 0),
        ("zeta", 0),
    ]
    assert [r.slug for r in score.blockers] == ["beta", "y2"]


# --- the ladder ---------------------------------------------------------------------------


def _rungs() -> list[RoleSpec]:
    return [
        RoleSpec(f"rung-{i}", f"Rung {i}", skills=(_met(f"s{i}", 1, essential=True),))
        for i in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    ("ready", "current", "next_step"),
    [
        ((), None, "rung-1"),  # nothing ready: the first rung
        ((1,), "rung-1", "rung-2"),
        ((1, 2), "rung-2", "rung-3"),
        ((2,), "rung-2", "rung-3"),  # the highest ready rung, even above an unready one
        ((1, 3), "rung-3", None),
        ((1, 2, 3), "rung-3", None),  # the target is ready: nothing above
    ],
)
def test_ladder_current_rung_and_next_step(ready, current, next_step):
    ladder = _rungs()
    answers = Answers(skills={f"s{i}": 1 for i in ready})
    report = build_report(target=ladder[-1], ladder=ladder, answers=answers)
    assert (report["current_rung"], report["next_step"]) == (current, next_step)
    assert [rung["verdict"] == "ready" for rung in report["ladder"]] == [
        i in ready for i in (1, 2, 3)
    ]


def test_ladder_position_of_no_rungs_is_nowhere():
    assert ladder_position([]) == (None, None)


def test_questionnaire_covers_the_union_of_the_ladder_in_order():
    assert questionnaire_scope([JUNIOR_ML_ENGINEER, ML_ENGINEER, TEAM_LEAD]) == (
        ["python", "sql", "pytorch", "leadership", "strategy", "comms"],
        ["ml-work", "mgmt"],
    )


# --- actions and time to ready ------------------------------------------------------------


def test_plan_without_actions_practises_six_weeks_a_level():
    steps = plan_skill("s", 1, 4, [])
    assert [(p.from_level, p.to_level, p.title, p.effort_weeks) for p in steps] == [
        (1, 2, "Practise to reach Working", 6),
        (2, 3, "Practise to reach Practitioner", 6),
        (3, 4, "Practise to reach Advanced", 6),
    ]


def test_plan_climbs_furthest_without_overshooting_then_least_effort():
    actions = [
        ActionSpec("s", 0, 1, "Intro", 1),
        ActionSpec("s", 0, 2, "Bootcamp", 20),  # furthest from 0, even if dearer
        ActionSpec("s", 0, 4, "Degree", 3),  # overshoots a target of 3
        ActionSpec("s", 2, 3, "Slow project", 9),
        ActionSpec("s", 2, 3, "Quick project", 4),  # same climb, less effort
        ActionSpec("other", 2, 3, "Other skill", 1),
    ]
    steps = plan_skill("s", 0, 3, actions)
    assert [(p.from_level, p.to_level, p.title, p.effort_weeks) for p in steps] == [
        (0, 2, "Bootcamp", 20),
        (2, 3, "Quick project", 4),
    ]


def test_plan_is_empty_when_the_skill_is_met():
    assert plan_skill("s", 4, 3, [ActionSpec("s", 4, 5, "More", 1)]) == []
    assert plan_skill("s", 3, 3, []) == []


def test_time_to_ready_without_actions_is_six_weeks_per_level_of_gap():
    role = RoleSpec(
        "r",
        "R",
        skills=(
            SkillSpec("a", "A", "C", required=5, weight=1),
            SkillSpec("b", "B", "C", required=3, weight=5),
            SkillSpec("c", "C", "C", required=2, weight=2),
        ),
        experience=(ExperienceSpec("x", "X", years=3, weight=1),),
    )
    report = build_report(
        target=role, ladder=[role], answers=Answers(skills={"a": 2, "c": 4}, experience={"x": 2.5})
    )
    # gaps: a 3, b 3, c 0 → 6 levels · 6 = 36 weeks; experience ceil(0.5·52) = 26
    assert report["time_to_ready_weeks"] == 36
    # b (priority 15) before a (priority 3)
    assert [(a["skill"], a["from"]) for a in report["actions"]] == [
        ("b", 0),
        ("b", 1),
        ("b", 2),
        ("a", 2),
        ("a", 3),
        ("a", 4),
    ]


@pytest.mark.parametrize(
    ("years", "weeks"),
    [
        ({"x": 4.9, "y": 2}, 6),  # 0.1·52 = 5.2 → 6
        ({"x": 3.5, "y": 2}, 78),  # 1.5·52 = 78
        ({"x": 4, "y": 0}, 104),  # the largest shortfall, 2 years, not the sum of 1 + 2
    ],
)
def test_time_to_ready_is_dominated_by_the_largest_experience_shortfall(years, weeks):
    role = RoleSpec(
        "r",
        "R",
        skills=(SkillSpec("s", "S", "C", required=2, weight=1),),
        experience=(
            ExperienceSpec("x", "X", years=5, weight=1),
            ExperienceSpec("y", "Y", years=2, weight=1),
        ),
    )
    score = score_role(role, Answers(skills={"s": 1}, experience=years))
    plan = schedule_plan(plan_actions(score, [ActionSpec("s", 1, 2, "Course", 3)]))
    assert time_to_ready_weeks(score, plan) == weeks  # skills alone would be 3


def test_time_to_ready_ignores_education():
    role = RoleSpec("r", "R", education=EducationSpec("phd", weight=5, essential=True))
    report = build_report(target=role, ladder=[role], answers=Answers())
    assert (report["readiness"], report["actions"], report["time_to_ready_weeks"]) == (0.0, [], 0)


def test_time_to_ready_is_zero_when_every_requirement_is_met():
    answers = Answers(
        skills={"python": 5, "pytorch": 3, "sql": 2}, experience={"ml-work": 6}, education="phd"
    )
    report = build_report(target=ML_ENGINEER, ladder=[ML_ENGINEER], answers=answers)
    assert (report["readiness"], report["verdict"]) == (100.0, "ready")
    assert (report["actions"], report["time_to_ready_weeks"]) == ([], 0)


def test_actions_close_only_the_targets_gaps():
    # junior asks for sql at 2, answered 0; the target does not ask for sql
    target = RoleSpec("t", "T", skills=(SkillSpec("python", "Python", "C", 1, 1),))
    report = build_report(
        target=target,
        ladder=[JUNIOR_ML_ENGINEER, target],
        answers=Answers(skills={"python": 1}),
        actions=[ActionSpec("sql", 0, 1, "SQL course", 2)],
    )
    assert (report["actions"], report["time_to_ready_weeks"]) == ([], 0)


def test_time_to_ready_does_not_grow_when_a_skill_answer_rises():
    role = RoleSpec("r", "R", skills=(SkillSpec("s", "S", "C", required=2, weight=1),))
    actions = [ActionSpec("s", 0, 2, "Two-level course", 1)]

    def weeks(level: int) -> int:
        return build_report(
            target=role, ladder=[role], answers=Answers(skills={"s": level}), actions=actions
        )["time_to_ready_weeks"]

    # from 0 the course climbs 0→2 in 1 week; from 1 no action starts at 1, so 6 weeks
    assert weeks(1) <= weeks(0)


# --- parsing answers ----------------------------------------------------------------------

SKILLS = ["python", "sql"]
EXPERIENCE = ["ml-work"]


def _parse(raw: object) -> Answers:
    return parse_answers(raw, skill_slugs=SKILLS, experience_slugs=EXPERIENCE)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"skills": {"python": 7}}, "skills.python"),
        ({"skills": {"python": -1}}, "skills.python"),
        ({"skills": {"python": 2.5}}, "skills.python"),
        ({"skills": {"python": True}}, "skills.python"),
        ({"skills": {"python": "3"}}, "skills.python"),
        ({"skills": {"python": None}}, "skills.python"),
        ({"skills": {"sql": 3, "rust": 2}}, "skills.rust"),
        ({"skills": ["python"]}, "skills"),
        ({"experience": {"sales": 2}}, "experience.sales"),
        ({"experience": {"ml-work": -0.5}}, "experience.ml-work"),
        ({"experience": {"ml-work": "abc"}}, "experience.ml-work"),
        ({"experience": {"ml-work": float("nan")}}, "experience.ml-work"),
        ({"experience": {"ml-work": float("inf")}}, "experience.ml-work"),
        ({"experience": {"ml-work": 61}}, "experience.ml-work"),
        ({"experience": {"ml-work": True}}, "experience.ml-work"),
        ({"experience": [1]}, "experience"),
        ({"education": "diploma"}, "education"),
        ({"education": 2}, "education"),
        ({"hobbies": {}}, "hobbies"),
        ([{"skills": {}}], "answers"),
        ("python=3", "answers"),
        (3, "answers"),
    ],
)
def test_parse_answers_rejects_naming_the_key(raw, key):
    with pytest.raises(AnswersError) as excinfo:
        _parse(raw)
    assert excinfo.value.key == key
    assert str(excinfo.value).startswith(f"{key}: ")


def test_parse_answers_rejects_an_enormous_whole_number_of_years():
    with pytest.raises(AnswersError) as excinfo:
        _parse({"experience": {"ml-work": 10**400}})
    assert excinfo.value.key == "experience.ml-work"


@pytest.mark.parametrize(
    "section",
    [pytest.param(value, id=repr(value)) for value in ([], "", 0)],
)
def test_parse_answers_rejects_a_falsy_section_that_is_not_an_object(section):
    with pytest.raises(AnswersError) as excinfo:
        _parse({"skills": section})
    assert excinfo.value.key == "skills"


def test_parse_answers_accepts_the_edges_of_each_range():
    answers = _parse(
        {"skills": {"python": 0, "sql": 5}, "experience": {"ml-work": 60}, "education": "phd"}
    )
    assert answers == Answers(
        skills={"python": 0, "sql": 5}, experience={"ml-work": 60}, education="phd"
    )
    assert _parse({"experience": {"ml-work": 0}}).years("ml-work") == 0
    assert _parse({"experience": {"ml-work": 4.5}}).years("ml-work") == 4.5


def test_parse_answers_treats_missing_parts_as_zero():
    assert _parse(None) == Answers()
    assert _parse({}) == Answers()
    assert _parse({"skills": None, "experience": None, "education": None}) == Answers()
    answers = _parse({"skills": {"sql": 2}})
    assert (answers.skill_level("python"), answers.years("ml-work"), answers.education) == (
        0,
        0,
        "none",
    )


# --- role specs as data ------------------------------------------------------------------


@pytest.mark.parametrize("role", [ML_ENGINEER, TEAM_LEAD, RoleSpec("empty", "Empty")])
def test_role_spec_round_trips_through_json(role):
    data = json.loads(json.dumps(role.to_dict()))
    assert RoleSpec.from_dict(data) == role


def test_role_spec_to_dict_is_plain_data():
    assert TEAM_LEAD.to_dict() == {
        "slug": "team-lead",
        "title": "Team Lead",
        "skills": [
            {
                "slug": "leadership",
                "name": "People leadership",
                "category": "Leadership",
                "required": 4,
                "weight": 5,
                "essential": True,
            },
            {
                "slug": "strategy",
                "name": "Strategy",
                "category": "Business",
                "required": 3,
                "weight": 4,
                "essential": False,
            },
            {
                "slug": "comms",
                "name": "Communication",
                "category": "Leadership",
                "required": 3,
                "weight": 2,
                "essential": False,
            },
        ],
        "experience": [
            {
                "slug": "mgmt",
                "name": "People management",
                "years": 2,
                "weight": 3,
                "essential": False,
            }
        ],
        "education": None,
    }
    assert ML_ENGINEER.to_dict()["education"] == {
        "required": "master",
        "weight": 2,
        "essential": False,
    }


# --- the plan at a chosen pace -------------------------------------------------------------


def test_plan_at_a_chosen_pace_and_its_first_90_days():
    plan = plan_actions(score_role(TEAM_LEAD, TEAM_LEAD_ANSWERS), TEAM_LEAD_ACTIONS)
    # efforts 12, 10, 6, 6, 6 weeks at 5 hours a week; at 3 hours each lasts effort·5/3
    schedule = schedule_plan(plan, pace_hours_per_week=3)
    assert [(s.start, s.end) for s in schedule] == [
        (0, 20),  # 12·5/3
        (20, Fraction(110, 3)),  # + 10·5/3 = 36.67
        (Fraction(110, 3), Fraction(140, 3)),  # + 10
        (Fraction(140, 3), Fraction(170, 3)),
        (Fraction(170, 3), Fraction(200, 3)),  # 66.67
    ]
    assert [s.to_dict()["end_week"] for s in schedule] == [20, 36.7, 46.7, 56.7, 66.7]
    # the first 90 days: what starts before week 13
    assert [s.in_first_days for s in schedule] == [True, False, False, False, False]
    assert [s.in_first_days for s in schedule_plan(plan, pace_hours_per_week=10)] == [
        True,  # 0–6
        True,  # 6–11
        True,  # 11–14: starts in week 11
        False,  # 14–17
        False,
    ]
    report = build_report(
        target=TEAM_LEAD,
        ladder=[TEAM_LEAD],
        answers=TEAM_LEAD_ANSWERS,
        actions=TEAM_LEAD_ACTIONS,
        pace_hours_per_week=3,
    )
    assert report["time_to_ready_weeks"] == 67  # 66.67 rounded up; no experience gap


@pytest.mark.parametrize("pace", [0, 0.5, 41, -1, float("nan"), "5", True])
def test_a_pace_outside_1_to_40_hours_is_refused(pace):
    with pytest.raises(AnswersError) as excinfo:
        parse_answers({"pace_hours_per_week": pace}, skill_slugs=[], experience_slugs=[])
    assert excinfo.value.key == "pace_hours_per_week"
