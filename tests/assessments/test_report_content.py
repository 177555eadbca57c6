"""The report page's content (assessments/report.py): pure functions over a report document,
tested with hand-built documents and hand-computed numbers. No database."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.report import (
    action_groups,
    closest_roles,
    closest_roles_shown,
    gap_rows,
    ladder_rungs,
    progress_between,
    sparkline,
    standing,
    straight_lined,
    strengths,
    time_to_ready_words,
)
from assessments.scoring import Answers, ExperienceSpec, RoleSpec, SkillSpec


def _skill(slug: str, required: int, self_level: int, **extra: Any) -> dict[str, Any]:
    gap = max(0, required - self_level)
    weight = extra.pop("weight", 3)
    return {
        "kind": "skill",
        "slug": slug,
        "name": extra.pop("name", slug.capitalize()),
        "category": "Technical",
        "required": required,
        "self": self_level,
        "weight": weight,
        "essential": extra.pop("essential", False),
        "coverage": round(min(self_level, required) / required, 4),
        "gap": gap,
        "priority": weight * gap,
        **extra,
    }


def _experience(slug: str, name: str, required: int, self_years: float) -> dict[str, Any]:
    gap = max(0, required - self_years)
    return {
        "kind": "experience",
        "slug": slug,
        "name": name,
        "category": "Experience",
        "required": required,
        "self": self_years,
        "weight": 4,
        "essential": True,
        "coverage": round(min(self_years, required) / required, 4),
        "gap": int(gap) if gap == int(gap) else gap,
    }


# --- gaps in words --------------------------------------------------------------------


def test_gap_rows_describe_each_unmet_requirement_in_words():
    requirements = [
        _skill("python", 4, 2, name="Python programming"),
        _experience("ml-team-leadership", "leading ML teams", 3, 1),
        _experience("ml-experience", "professional ML work", 5, 3.5),
        _experience("mgmt", "people management", 2, 1),
        {
            "kind": "education",
            "slug": "education",
            "name": "Master's degree",
            "category": "Education",
            "required": "master",
            "self": "bachelor",
            "weight": 2,
            "essential": False,
            "coverage": 0,
            "gap": 1,
        },
    ]
    rows = gap_rows(requirements)
    assert [(row.change, row.words) for row in rows] == [
        ("Working → Advanced", "Raise Python programming by 2 levels"),
        ("1 → 3 years", "2 more years of leading ML teams"),
        ("3.5 → 5 years", "1.5 more years of professional ML work"),
        ("1 → 2 years", "1 more year of people management"),
        ("Bachelor's degree → Master's degree", "A master's degree or higher"),
    ]
    assert [row.kind for row in rows] == [
        "skill",
        "experience",
        "experience",
        "experience",
        "education",
    ]
    assert rows[0].priority == 6
    assert rows[1].priority is None
    assert rows[1].essential is True


def test_gap_rows_say_one_level_in_the_singular():
    (row,) = gap_rows([_skill("sql", 3, 2, name="SQL")])
    assert row.change == "Working → Practitioner"
    assert row.words == "Raise SQL by 1 level"


GAP_REQUIREMENTS = [
    _skill("python", 4, 2, name="Python programming"),
    _skill("sql", 3, 2, name="SQL"),
    _skill("git", 2, 1, name="Git"),
    _experience("ml-experience", "professional ML work", 5, 3.5),
]


def _gap_actions() -> list[dict[str, Any]]:
    return [
        _action("python", 2, 3, 6, "Build a data pipeline end to end"),
        _action("python", 3, 4, 4.5, "Review a colleague's model code weekly"),
        _action("sql", 2, 3, 6, "Practise to reach Practitioner"),
        _action("other", 0, 1, 3),
    ]


def test_a_skill_gap_says_what_it_takes_from_the_plan():
    rows = gap_rows(GAP_REQUIREMENTS, _gap_actions())
    assert [row.words for row in rows] == [
        # 6 + 4.5 = 10.5 weeks of effort at the reference pace, the plan's first step named.
        "Raise Python programming by 2 levels: Build a data pipeline end to end, then 1 more"
        " step; 10.5 weeks at 5 hours a week",
        "Raise SQL by 1 level: Practise to reach Practitioner; 6 weeks at 5 hours a week",
        # No planned step for it: the levels alone.
        "Raise Git by 1 level",
        "1.5 more years of professional ML work",
    ]


@pytest.mark.parametrize(
    ("pace", "python", "sql"),
    [
        # 10.5 × 5 / 3 = 17.5 and 6 × 5 / 3 = 10
        (3, "17.5 weeks at 3 hours a week", "10 weeks at 3 hours a week"),
        # 10.5 × 5 / 20 = 2.625 → 2.6 and 6 × 5 / 20 = 1.5
        (20, "2.6 weeks at 20 hours a week", "1.5 weeks at 20 hours a week"),
        # 10.5 × 5 / 1 = 52.5 and 6 × 5 = 30, one hour a week
        (1, "52.5 weeks at 1 hour a week", "30 weeks at 1 hour a week"),
    ],
)
def test_a_skill_gaps_weeks_follow_the_chosen_pace(pace, python, sql):
    rows = gap_rows(GAP_REQUIREMENTS, _gap_actions(), pace)
    assert rows[0].words.endswith(f"then 1 more step; {python}")
    assert rows[1].words.endswith(f"Practitioner; {sql}")


def test_gap_rows_leave_out_what_is_met_and_keep_the_documents_order():
    requirements = [
        _skill("c", 5, 1),
        _skill("met", 3, 3),
        _skill("a", 4, 2),
        _skill("surplus", 2, 5),
        _skill("b", 2, 0),
        _experience("years", "ML work", 2, 2),
    ]
    assert [row.name for row in gap_rows(requirements)] == ["C", "A", "B"]


def test_gap_rows_of_a_fully_met_document_are_empty():
    assert gap_rows([_skill("a", 3, 3), _experience("x", "ML work", 2, 4)]) == []


# --- strengths ------------------------------------------------------------------------


def test_strengths_are_met_skills_with_the_largest_surplus_first():
    requirements = [
        _skill("just-met", 3, 3, name="Just met"),
        _skill("gap", 4, 2, name="Gap"),
        _skill("plus-two", 2, 4, name="Plus two"),
        _skill("plus-one-b", 3, 4, name="B plus one"),
        _skill("plus-one-a", 4, 5, name="A plus one"),
        _experience("years", "ML work", 2, 5),  # experience is never a strength here
    ]
    assert [(s.name, s.level, s.surplus) for s in strengths(requirements)] == [
        ("Plus two", "Advanced", 2),
        ("A plus one", "Expert", 1),
        ("B plus one", "Advanced", 1),
        ("Just met", "Practitioner", 0),
    ]


# --- the ladder -----------------------------------------------------------------------


def _ladder_report(current: str | None, next_step: str | None) -> dict[str, Any]:
    return {
        "role": "lead",
        "ladder": [
            {"role": "junior", "title": "Junior", "readiness": 100.0, "verdict": "ready"},
            {"role": "engineer", "title": "Engineer", "readiness": 92.5, "verdict": "ready"},
            {"role": "lead", "title": "Lead", "readiness": 61.5, "verdict": "developing"},
        ],
        "current_rung": current,
        "next_step": next_step,
    }


def test_ladder_rungs_are_top_first_with_current_and_next_flagged():
    rungs = ladder_rungs(_ladder_report("engineer", "lead"))
    assert [(r.slug, r.title, r.readiness, r.verdict) for r in rungs] == [
        ("lead", "Lead", 61.5, "developing"),
        ("engineer", "Engineer", 92.5, "ready"),
        ("junior", "Junior", 100.0, "ready"),
    ]
    assert [(r.is_current, r.is_next, r.is_target) for r in rungs] == [
        (False, True, True),
        (True, False, False),
        (False, False, False),
    ]


def test_ladder_without_a_ready_rung_flags_only_the_next_step():
    rungs = ladder_rungs(_ladder_report(None, "junior"))
    assert [r.slug for r in rungs if r.is_current] == []
    assert [r.slug for r in rungs if r.is_next] == ["junior"]


# --- next steps -----------------------------------------------------------------------


def _action(skill: str, start: int, end: int, weeks: int, title: str = "") -> dict[str, Any]:
    return {
        "skill": skill,
        "from": start,
        "to": end,
        "title": title or f"{skill} {start}→{end}",
        "effort_weeks": weeks,
        "kind": "course",
        "url": "",
    }


def test_action_groups_sum_weeks_per_skill_in_priority_order():
    report = {
        "requirements": [
            _skill("leadership", 4, 1, name="Team leadership", essential=True),
            _skill("python", 4, 2, name="Python"),
            _skill("sql", 2, 2, name="SQL"),
            _skill("mlops", 3, 2, name="MLOps"),
        ],
        "actions": [
            _action("leadership", 1, 3, 10, "Leadership programme"),
            _action("leadership", 3, 4, 6),
            _action("python", 2, 3, 5),
            _action("python", 3, 4, 7),
            _action("mlops", 2, 3, 6),
        ],
    }
    groups = action_groups(report)
    assert [(g.skill, g.skill_name, g.essential, g.weeks) for g in groups] == [
        ("leadership", "Team leadership", True, 16),
        ("python", "Python", False, 12),
        ("mlops", "MLOps", False, 6),
    ]
    first = groups[0].steps[0]
    assert (first["title"], first["from_name"], first["to_name"]) == (
        "Leadership programme",
        "Awareness",
        "Practitioner",
    )
    assert [len(g.steps) for g in groups] == [2, 2, 1]


def test_action_groups_are_empty_without_actions():
    assert action_groups({"requirements": [_skill("a", 2, 2)], "actions": []}) == []


# --- straight-lining ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("skills", "expected"),
    [
        ({"a": 3, "b": 3, "c": 3}, True),
        ({"a": 0, "b": 0, "c": 0, "d": 0}, True),
        ({"a": 3, "b": 3, "c": 4}, False),
        ({"a": 3, "b": 3}, False),  # two answers say too little to flag
        ({}, False),
    ],
)
def test_straight_lined_only_when_three_or_more_skills_share_one_level(skills, expected):
    answers = {"skills": skills, "experience": {"x": 3}, "education": "master"}
    assert straight_lined(answers) is expected


def test_straight_lined_without_a_skills_section_is_false():
    assert straight_lined({"education": "phd"}) is False


# --- progress between two assessments -------------------------------------------------

# The target as THIS assessment's snapshot has it: python 4 (w3), sql 2 (w1), leadership 3 (w2).
LEAD = {
    "slug": "lead",
    "title": "ML Team Lead",
    "skills": [
        {"slug": "python", "name": "Python", "category": "Tech", "required": 4, "weight": 3},
        {"slug": "sql", "name": "SQL", "category": "Tech", "required": 2, "weight": 1},
        {
            "slug": "leadership",
            "name": "Leadership",
            "category": "People",
            "required": 3,
            "weight": 2,
        },
    ],
    "experience": [],
    "education": None,
}


def _progress_report(levels: dict[str, int], readiness: float) -> dict[str, Any]:
    by_slug = {s["slug"]: s for s in LEAD["skills"]}
    return {
        "readiness": readiness,
        "requirements": [
            _skill(slug, by_slug[slug]["required"], level) for slug, level in levels.items()
        ],
    }


def test_progress_measures_the_earlier_answers_against_this_snapshot():
    previous = {"skills": {"python": 2, "sql": 2, "leadership": 0}, "education": "none"}
    now = {"skills": {"python": 4, "sql": 1, "leadership": 3}, "education": "none"}
    # Before: (3·2/4 + 1·1 + 2·0) / 6 = 2.5/6 → 41.6. Now: (3 + 1·1/2 + 2) / 6 → 91.6.
    progress = progress_between(
        snapshot={"ladder": [LEAD]},
        report=_progress_report(now["skills"], 91.6),
        answers=now,
        previous_answers=previous,
        previous_date="2025-01-01",
        previous_role_title="ML Engineer",
    )
    assert progress.readiness_before == 41.6
    assert progress.readiness_after == 91.6
    assert progress.delta == 50.0
    assert [(c.name, c.before, c.after, c.delta) for c in progress.changes] == [
        ("Leadership", 0, 3, 3),
        ("Python", 2, 4, 2),
        ("SQL", 2, 1, -1),
    ]
    assert progress.gaps_closed == ["Leadership", "Python"]
    assert progress.gaps_opened == ["SQL"]
    assert progress.previous_role_title == "ML Engineer"


def test_progress_ignores_what_the_earlier_assessment_was_scored_against():
    # The same earlier answers give a different "before" when this snapshot asks for more:
    # python now required at 5 instead of 4.
    harder = LEAD | {"skills": [LEAD["skills"][0] | {"required": 5}, *LEAD["skills"][1:]]}
    previous = {"skills": {"python": 4, "sql": 2, "leadership": 3}}
    answers = {"skills": {"python": 5, "sql": 2, "leadership": 3}}
    report = {
        "readiness": 100.0,
        "requirements": [_skill("python", 5, 5), _skill("sql", 2, 2), _skill("leadership", 3, 3)],
    }
    progress = progress_between(
        snapshot={"ladder": [harder]},
        report=report,
        answers=answers,
        previous_answers=previous,
        previous_date=None,
        previous_role_title="ML Team Lead",
    )
    # (3·4/5 + 1 + 2) / 6 = 5.4/6 → 90.0, not the 100 the earlier assessment had.
    assert progress.readiness_before == 90.0
    assert progress.delta == 10.0
    assert progress.gaps_closed == ["Python"]
    assert progress.gaps_opened == []


def test_progress_with_unchanged_answers_shows_no_change():
    answers = {"skills": {"python": 3, "sql": 2, "leadership": 1}}
    # (3·3/4 + 1 + 2·1/3) / 6 = (9/4 + 5/3)/6 = 47/72 → 65.2
    progress = progress_between(
        snapshot={"ladder": [LEAD]},
        report=_progress_report(answers["skills"], 65.2),
        answers=answers,
        previous_answers=answers,
        previous_date=None,
        previous_role_title="ML Team Lead",
    )
    assert progress.readiness_before == 65.2
    assert progress.delta == 0.0
    assert (progress.changes, progress.gaps_closed, progress.gaps_opened) == ([], [], [])


def test_progress_names_a_changed_lower_rung_skill_by_its_name():
    junior = {
        "slug": "junior",
        "title": "Junior",
        "skills": [{"slug": "sql", "name": "SQL", "category": "Tech", "required": 2, "weight": 1}],
    }
    target = LEAD | {"skills": LEAD["skills"][:1]}  # python only; sql is a junior skill
    previous = {"skills": {"python": 4, "sql": 1}}
    answers = {"skills": {"python": 4, "sql": 2}}
    progress = progress_between(
        snapshot={"ladder": [junior, target]},
        report={"readiness": 100.0, "requirements": [_skill("python", 4, 4)]},
        answers=answers,
        previous_answers=previous,
        previous_date=None,
        previous_role_title="ML Team Lead",
    )
    assert [(c.name, c.delta) for c in progress.changes] == [("SQL", 1)]


# --- closest roles --------------------------------------------------------------------


def _spec(
    slug: str,
    title: str,
    *skills: tuple[str, int, int],
    experience: tuple[tuple[str, int, int], ...] = (),
) -> RoleSpec:
    """Skills as (slug, required level, weight), experience as (slug, years, weight)."""
    return RoleSpec(
        slug=slug,
        title=title,
        skills=tuple(
            SkillSpec(slug=s, name=s, category="Tech", required=level, weight=weight)
            for s, level, weight in skills
        ),
        experience=tuple(
            ExperienceSpec(slug=e, name=e, years=years, weight=weight)
            for e, years, weight in experience
        ),
    )


ASKED = {"asked_skills": {"python", "sql", "leadership"}, "asked_experience": {"ml-work"}}


def test_closest_roles_score_each_role_on_what_was_asked_with_the_share_asked():
    answers = Answers(skills={"python": 4, "sql": 2, "leadership": 1}, experience={"ml-work": 2})
    roles = [
        # python 1 + leadership 1/4, weights 3 and 1: (3 + 0.25) / 4 → 81.2; all asked.
        _spec("lead", "Lead", ("python", 4, 3), ("leadership", 4, 1)),
        # asked: python (w2) sql (w2) ml-work (w1) of 2+2+1+rust 3 = 8: 5/8 asked;
        # (2·1 + 2·1/2 + 1·2/4) / 5 = 3.5/5 → 70.0
        _spec(
            "engineer",
            "Engineer",
            ("python", 4, 2),
            ("sql", 4, 2),
            ("rust", 3, 3),
            experience=(("ml-work", 4, 1),),
        ),
        # asked: sql (w1) of 1 + rust (w2) + go (w2) = 5: 1/5 asked, below half.
        _spec("backend", "Backend developer", ("sql", 2, 1), ("rust", 3, 2), ("go", 3, 2)),
        # Exactly half asked still compares: sql 2/2 → 100.0.
        _spec("analyst", "Analyst", ("sql", 2, 2), ("excel", 3, 2)),
        _spec("empty", "No requirements"),  # nothing to compare: left out
    ]

    closest = closest_roles(answers, roles, **ASKED)

    assert [(e["role"], e["readiness"], e["verdict"], e["asked_share"]) for e in closest] == [
        ("analyst", 100.0, "ready", 0.5),
        ("lead", 81.2, "close", 1.0),
        ("engineer", 70.0, "developing", 0.625),
        ("backend", None, None, 0.2),
    ]
    assert [e["to_rate"] for e in closest] == [1, 0, 1, 2]
    assert closest[0]["title"] == "Analyst"


def test_closest_roles_that_cannot_be_compared_come_by_fewest_to_rate_then_title():
    answers = Answers(skills={"python": 3})
    roles = [
        _spec("b", "Beta", ("python", 3, 1), ("go", 3, 2), ("rust", 3, 2)),
        _spec("a", "Alpha", ("python", 3, 1), ("go", 3, 2), ("rust", 3, 2)),
        _spec("c", "Gamma", ("python", 3, 1), ("go", 3, 5)),
    ]
    closest = closest_roles(answers, roles, asked_skills={"python"}, asked_experience=set())
    assert [(e["role"], e["to_rate"]) for e in closest] == [("c", 1), ("a", 2), ("b", 2)]
    assert all(e["readiness"] is None for e in closest)


def test_closest_roles_count_unasked_requirements_as_not_asked_even_if_answered_zero():
    # Asked means the questionnaire asked it; an unasked skill is not a skill rated 0.
    answers = Answers(skills={"python": 5})
    role = _spec("r", "R", ("python", 5, 1), ("sql", 5, 1))
    (entry,) = closest_roles(answers, [role], asked_skills={"python"}, asked_experience=set())
    assert (entry["readiness"], entry["asked_share"]) == (100.0, 0.5)


def test_closest_roles_shown_splits_compared_from_to_compare_and_keeps_the_limit():
    entries = [
        {
            "role": f"r{i}",
            "title": f"R{i}",
            "readiness": 90.0 - i,
            "verdict": "ready",
            "asked_share": 0.75,
            "to_rate": 1,
        }
        for i in range(7)
    ] + [
        {
            "role": "x",
            "title": "X",
            "readiness": None,
            "verdict": None,
            "asked_share": 0.2,
            "to_rate": 4,
        }
    ]
    shown = closest_roles_shown(entries)
    assert [e["role"] for e in shown.compared] == ["r0", "r1", "r2", "r3", "r4"]
    assert shown.compared[0]["asked_percent"] == 75
    assert [e["role"] for e in shown.to_compare] == ["x"]


# --- the readiness trend --------------------------------------------------------------


def test_sparkline_text_lists_readiness_oldest_first_to_one_decimal():
    line = sparkline([54.0, 61.5])
    assert line is not None
    assert line.text == "54.0 → 61.5"
    assert sparkline([40, 55.5, 72.5]).text == "40.0 → 55.5 → 72.5"  # type: ignore[union-attr]


@pytest.mark.parametrize("values", [[], [61.5]])
def test_sparkline_needs_two_values(values):
    assert sparkline(values) is None


def test_sparkline_draws_on_a_fixed_0_to_100_scale():
    line = sparkline([0.0, 50.0, 100.0], width=160, height=36)
    assert line is not None
    # 4 units of padding all round: x from 4 to 156, y from 32 (0) up to 4 (100).
    assert [(x, y) for x, y, _ in line.dots] == [(4.0, 32.0), (80.0, 18.0), (156.0, 4.0)]
    assert line.points == "4.0,32.0 80.0,18.0 156.0,4.0"


# --- the headline ----------------------------------------------------------------------


def _headline_report(answers: Answers) -> dict[str, Any]:
    from assessments.scoring import build_report

    lead = RoleSpec(
        "lead",
        "Team Lead",
        skills=(
            SkillSpec("python", "Python", "Technical", required=3, weight=5),
            SkillSpec("design", "System design", "Technical", required=4, weight=5),
        ),
        experience=(
            ExperienceSpec("leading", "Leading ML teams", years=3, weight=2, essential=True),
        ),
    )
    return build_report(target=lead, ladder=[lead], answers=answers)


def test_headline_names_the_blocker_when_readiness_is_90_or_more():
    # python 5·1, design 5·1, leading 2·1.5/3 = 1 → 11/12 = 91.66… → 91.6, blocked
    report = _headline_report(
        Answers(skills={"python": 3, "design": 4}, experience={"leading": 1.5})
    )
    assert (report["readiness"], report["verdict"]) == (91.6, "close")
    assert standing(report) == [
        "91.6, but not ready yet: Leading ML teams needs 3 years, you have 1.5 years."
    ]
    # 1.5 years still to gain: 78 weeks, longer than any plan (there is none)
    assert report["time_to_ready_weeks"] == 78
    assert time_to_ready_words(report) == "mostly the 1.5 years of experience still to gain"


def test_headline_puts_blockers_first_then_the_points_to_the_next_verdict():
    # python 5·2/3, design 5·2/4, leading 2·1/3 → (10/3 + 2.5 + 2/3)/12 = 6.5/12 → 54.1
    report = _headline_report(Answers(skills={"python": 2, "design": 2}, experience={"leading": 1}))
    assert (report["readiness"], report["verdict"]) == (54.1, "developing")
    assert standing(report) == [
        "Essential: Leading ML teams needs 3 years, you have 1 year.",
        "20.9 more points of readiness make it Close (75 or more).",
    ]


def test_headline_without_blockers_gives_the_points_and_the_plan_sets_the_time():
    # everything but design met: (5 + 5·2/4 + 2)/12 = 9.5/12 = 79.16… → 79.1, close
    report = _headline_report(Answers(skills={"python": 3, "design": 2}, experience={"leading": 3}))
    assert standing(report) == ["10.9 more points of readiness make it Ready (90 or more)."]
    # design 2 → 4: two uncovered steps of 6 weeks at 5 hours a week
    assert report["time_to_ready_weeks"] == 12
    assert time_to_ready_words(report) == "the learning steps below at 5 hours a week"


def test_a_ready_person_has_nothing_standing_in_the_way():
    report = _headline_report(Answers(skills={"python": 5, "design": 4}, experience={"leading": 3}))
    assert report["verdict"] == "ready"
    assert standing(report) == []


def test_an_unmet_requirement_in_words_for_each_kind():
    from assessments.report import requirement_words

    skill = {"kind": "skill", "name": "Python", "required": 4, "self": 2}
    years = {"kind": "experience", "name": "leading ML teams", "required": 3, "self": 0.5}
    degree = {"kind": "education", "name": "Master's degree"}
    assert requirement_words(skill) == "Python needs Advanced, you are at Working"
    assert requirement_words(years) == "Leading ML teams needs 3 years, you have 0.5 years"
    assert requirement_words(degree) == "The role asks for a master's degree"
