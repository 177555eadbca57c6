"""`manage.py assess`: scores answers against a role's ladder and prints the report."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from roles.models import LearningAction
from tests.factories import make_action, make_category, make_role, make_skill, make_track

pytestmark = pytest.mark.django_db

BACHELOR, MASTER = 1, 2


@pytest.fixture
def ladder() -> dict[str, Any]:
    """Junior → engineer → lead on one track, and a skill no rung asks for.

    junior:   python 2 (w3), sql 2 (w2); ml-work 1 year (w3)
    engineer: python 3 (w4, essential), sql 3 (w2), mlops 2 (w3); ml-work 3 (w4, essential);
              bachelor (w2)
    lead:     python 4 (w3), mlops 3 (w2), leadership 3 (w5, essential);
              ml-work 5 (w4, essential), mgmt 2 (w3); master (w2)
    """
    track = make_track(slug="ml")
    technical = make_category(name="Technical", order=1)
    people = make_category(name="Leadership", order=2)
    python = make_skill(slug="python", name="Python", category=technical)
    sql = make_skill(slug="sql", name="SQL", category=technical)
    mlops = make_skill(slug="mlops", name="MLOps", category=technical)
    leadership = make_skill(slug="leadership", name="People leadership", category=people)
    make_skill(slug="rust", name="Rust", category=technical)

    junior = make_role(
        slug="junior",
        title="Junior ML Engineer",
        track=track,
        rank=1,
        skills=[(python, 2, 3, False), (sql, 2, 2, False)],
        experience=[("ml-work", "Professional ML work", 1, 3, False)],
    )
    engineer = make_role(
        slug="engineer",
        title="ML Engineer",
        track=track,
        rank=2,
        skills=[(python, 3, 4, True), (sql, 3, 2, False), (mlops, 2, 3, False)],
        experience=[("ml-work", "Professional ML work", 3, 4, True)],
        education=(BACHELOR, 2, False),
    )
    lead = make_role(
        slug="lead",
        title="ML Team Lead",
        track=track,
        rank=3,
        skills=[(python, 4, 3, False), (mlops, 3, 2, False), (leadership, 3, 5, True)],
        experience=[
            ("ml-work", "Professional ML work", 5, 4, True),
            ("mgmt", "People management", 2, 3, False),
        ],
        education=(MASTER, 2, False),
    )
    junior.next_roles.add(engineer)
    engineer.next_roles.add(lead)

    project, mentoring = LearningAction.Kind.PROJECT, LearningAction.Kind.MENTORING
    make_action(
        skill=leadership, from_level=1, title="Lead a small team", kind=project, effort_weeks=8
    )
    make_action(skill=leadership, from_level=2, title="Management course", effort_weeks=4)
    make_action(
        skill=leadership, from_level=1, to_level=3, title="Leadership programme", effort_weeks=10
    )
    make_action(skill=leadership, from_level=1, to_level=5, title="Executive MBA", effort_weeks=52)
    make_action(skill=python, from_level=3, title="Advanced Python course", effort_weeks=5)
    make_action(
        skill=python,
        from_level=3,
        title="Python mentoring",
        kind=mentoring,
        effort_weeks=7,
        url="https://example.com/mentor",
    )
    make_action(skill=sql, from_level=2, title="SQL deep dive", effort_weeks=1)  # not a lead skill
    return {"junior": junior, "engineer": engineer, "lead": lead}


ANSWERS = {
    "skills": {"python": 3, "sql": 2, "mlops": 2, "leadership": 1},
    "experience": {"ml-work": 4, "mgmt": 0.5},
    "education": "bachelor",
}


def _assess(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("assess", *args, stdout=out)
    return json.loads(out.getvalue())


def _answers_file(tmp_path: Path, answers: object) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def _rejected(tmp_path: Path, answers: object, role: str = "lead") -> str:
    with pytest.raises(CommandError) as excinfo:
        _assess("--role", role, "--answers", _answers_file(tmp_path, answers))
    assert excinfo.value.returncode == 1  # manage.py exits non-zero
    return str(excinfo.value)


def test_assess_prints_the_report_for_the_target_and_its_ladder(ladder, tmp_path):
    report = _assess("--role", "lead", "--answers", _answers_file(tmp_path, ANSWERS))

    assert (report["role"], report["role_title"], report["scale"]) == (
        "lead",
        "ML Team Lead",
        "0-5",
    )
    # python 3/4·3 = 2.25, mlops 2/3·2 = 4/3, leadership 1/3·5 = 5/3,
    # ml-work 4/5·4 = 3.2, mgmt 0.5/2·3 = 0.75, education bachelor < master: 0
    # (2.25 + 4/3 + 5/3 + 3.2 + 0.75 + 0) / (3+2+5+4+3+2) = 9.2/19 = 0.48421… → 48.4
    assert (report["readiness"], report["verdict"]) == (48.4, "early")
    assert report["categories"] == [
        {"name": "Technical", "readiness": 71.6},  # (2.25 + 4/3)/5 = 43/60 = 0.71666…
        {"name": "Leadership", "readiness": 33.3},  # 1/3
        {"name": "Experience", "readiness": 56.4},  # (3.2 + 0.75)/7 = 0.56428…
        {"name": "Education", "readiness": 0.0},
    ]
    # Unmet essentials first, by weight × (1 − coverage): leadership 5·2/3 = 3.33,
    # ml-work 4·0.2 = 0.8; then the rest: mgmt 3·0.75 = 2.25, education 2·1 = 2,
    # python 3·0.25 = 0.75, mlops 2·1/3 = 0.67. Priorities (skills): weight × gap.
    assert [
        (r["slug"], r["self"], r["coverage"], r["gap"], r.get("priority"))
        for r in report["requirements"]
    ] == [
        ("leadership", 1, 0.3333, 2, 10),
        ("ml-work", 4, 0.8, 1, None),
        ("mgmt", 0.5, 0.25, 1.5, None),
        ("education", "bachelor", 0.0, 1, None),
        ("python", 3, 0.75, 1, 3),
        ("mlops", 2, 0.6666, 1, 2),
    ]
    assert report["blockers"] == ["leadership", "ml-work"]
    assert report["ladder"] == [
        # (3·2/2 + 2·2/2 + 3·1)/8 = 100.0
        {"role": "junior", "title": "Junior ML Engineer", "readiness": 100.0, "verdict": "ready"},
        # (4·3/3 + 2·2/3 + 3·2/2 + 4·1 + 2·1)/15 = (43/3)/15 = 0.95555… → 95.5, essentials met
        {"role": "engineer", "title": "ML Engineer", "readiness": 95.5, "verdict": "ready"},
        {"role": "lead", "title": "ML Team Lead", "readiness": 48.4, "verdict": "early"},
    ]
    assert (report["current_rung"], report["next_step"]) == ("engineer", "lead")
    assert report["actions"] == [
        # leadership at 1: 1→3 climbs furthest without passing 3 (1→5 overshoots)
        {
            "skill": "leadership",
            "from": 1,
            "to": 3,
            "title": "Leadership programme",
            "effort_weeks": 10,
            "start_week": 0,
            "end_week": 10,
            "kind": "course",
            "url": "",
        },
        # python at 3: two actions to 4, the 5-week one is less effort than 7
        {
            "skill": "python",
            "from": 3,
            "to": 4,
            "title": "Advanced Python course",
            "effort_weeks": 5,
            "start_week": 10,
            "end_week": 15,
            "kind": "course",
            "url": "",
        },
        # mlops at 2: no action, the default step
        {
            "skill": "mlops",
            "from": 2,
            "to": 3,
            "title": "Practise to reach Practitioner",
            "effort_weeks": 6,
            "start_week": 15,
            "end_week": 21,
            "kind": "",
            "url": "",
        },
    ]
    assert report["pace_hours_per_week"] == 5
    # skills 10 + 5 + 6 = 21 weeks; experience max(1, 1.5 years)·52 = 78 → 78
    assert report["time_to_ready_weeks"] == 78


def test_assess_pace_changes_the_plan_and_never_the_score(ladder, tmp_path):
    answers = ANSWERS | {"experience": {"ml-work": 5, "mgmt": 2}, "education": "master"}
    at_five = _assess("--role", "lead", "--answers", _answers_file(tmp_path, answers))
    at_ten = _assess(
        "--role", "lead", "--answers", _answers_file(tmp_path, answers), "--pace", "10"
    )
    at_two = _assess(
        "--role", "lead", "--answers", _answers_file(tmp_path, answers | {"pace_hours_per_week": 2})
    )
    # 10 hours a week halves every action: 10/2 = 5, 5/2 = 2.5, 6/2 = 3 → ends 5, 7.5, 10.5
    assert [(a["start_week"], a["end_week"]) for a in at_ten["actions"]] == [
        (0, 5),
        (5, 7.5),
        (7.5, 10.5),
    ]
    assert (at_ten["pace_hours_per_week"], at_ten["time_to_ready_weeks"]) == (10, 11)
    # 2 hours a week: 10·5/2 = 25, 5·5/2 = 12.5, 6·5/2 = 15 → 52.5 weeks, 53 rounded up
    assert [a["end_week"] for a in at_two["actions"]] == [25, 37.5, 52.5]
    assert at_two["time_to_ready_weeks"] == 53
    assert at_five["time_to_ready_weeks"] == 21
    for report in (at_ten, at_two):
        assert (report["readiness"], report["requirements"]) == (
            at_five["readiness"],
            at_five["requirements"],
        )


@pytest.mark.parametrize("pace", ["0", "41", "nan", "-3"])
def test_assess_rejects_a_pace_outside_1_to_40_hours(ladder, tmp_path, pace):
    with pytest.raises(CommandError, match="pace_hours_per_week"):
        _assess("--role", "lead", "--answers", _answers_file(tmp_path, ANSWERS), "--pace", pace)


def test_assess_time_to_ready_follows_skills_once_experience_is_met(ladder, tmp_path):
    answers = ANSWERS | {"experience": {"ml-work": 5, "mgmt": 2}, "education": "master"}
    report = _assess("--role", "lead", "--answers", _answers_file(tmp_path, answers))
    # (2.25 + 4/3 + 5/3 + 4 + 3 + 2)/19 = 14.25/19 = 0.75 → 75.0; leadership short
    assert (report["readiness"], report["verdict"]) == (75.0, "close")
    assert report["time_to_ready_weeks"] == 21  # 10 + 5 + 6


def test_assess_reads_answers_from_standard_input(ladder, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(ANSWERS)))
    report = _assess("--role", "lead", "--answers", "-")
    assert (report["readiness"], report["current_rung"], report["time_to_ready_weeks"]) == (
        48.4,
        "engineer",
        78,
    )


def test_assess_without_answers_scores_everything_as_zero(ladder):
    report = _assess("--role", "lead")
    assert (report["readiness"], report["verdict"]) == (0.0, "early")
    assert [(r["role"], r["readiness"], r["verdict"]) for r in report["ladder"]] == [
        ("junior", 0.0, "early"),
        ("engineer", 0.0, "early"),
        ("lead", 0.0, "early"),
    ]
    assert (report["current_rung"], report["next_step"]) == (None, "junior")
    # leadership 0→1 practise 6, 1→3 programme 10; python 0→3 practise 3·6, 3→4 course 5;
    # mlops 0→3 practise 3·6 → 16 + 23 + 18 = 57 weeks; experience 5 years·52 = 260
    assert sum(a["effort_weeks"] for a in report["actions"]) == 57
    assert report["time_to_ready_weeks"] == 260


def test_assess_a_middle_rung_stops_the_ladder_at_it(ladder, tmp_path):
    answers = {
        "skills": {"python": 3, "sql": 2, "mlops": 2},
        "experience": {"ml-work": 4},
        "education": "bachelor",
    }
    report = _assess("--role", "engineer", "--answers", _answers_file(tmp_path, answers))
    assert [r["role"] for r in report["ladder"]] == ["junior", "engineer"]
    # the target is ready: it is the current rung and nothing is above it
    assert (report["readiness"], report["verdict"]) == (95.5, "ready")
    assert (report["current_rung"], report["next_step"]) == ("engineer", None)
    # sql 2→3 is the only gap: the "SQL deep dive" action, 1 week
    assert [(a["skill"], a["title"]) for a in report["actions"]] == [("sql", "SQL deep dive")]
    assert report["time_to_ready_weeks"] == 1


def test_assess_accepts_a_skill_asked_only_on_a_lower_rung(ladder, tmp_path):
    # sql is asked on junior and engineer, not on lead: it is in the questionnaire
    answers = ANSWERS | {"skills": ANSWERS["skills"] | {"sql": 5}}
    report = _assess("--role", "lead", "--answers", _answers_file(tmp_path, answers))
    assert report["readiness"] == 48.4  # lead does not ask for sql
    assert "sql" not in [r["slug"] for r in report["requirements"]]


def test_assess_rejects_a_skill_asked_only_above_the_target(ladder, tmp_path):
    # leadership and mgmt are lead's, not on the ladder up to engineer
    assert "skills.leadership" in _rejected(tmp_path, {"skills": {"leadership": 1}}, "engineer")
    assert "experience.mgmt" in _rejected(tmp_path, {"experience": {"mgmt": 1}}, "engineer")


def test_assess_rejects_a_skill_of_no_rung(ladder, tmp_path):
    message = _rejected(tmp_path, {"skills": {"rust": 3}})
    assert "skills.rust" in message


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"skills": {"python": 7}}, "skills.python"),
        ({"skills": {"python": -1}}, "skills.python"),
        ({"skills": {"python": 2.5}}, "skills.python"),
        ({"skills": {"python": True}}, "skills.python"),
        ({"skills": {"python": "3"}}, "skills.python"),
        ({"skills": {"nonexistent": 1}}, "skills.nonexistent"),
        ({"experience": {"sales": 2}}, "experience.sales"),
        ({"experience": {"ml-work": -1}}, "experience.ml-work"),
        ({"experience": {"ml-work": "abc"}}, "experience.ml-work"),
        ({"experience": {"ml-work": 61}}, "experience.ml-work"),
        ({"education": "diploma"}, "education"),
        ({"skills": ["python"]}, "skills"),
        ({"hobbies": {}}, "hobbies"),
        ([1, 2], "answers"),
    ],
)
def test_assess_rejects_bad_answers_naming_the_key(ladder, tmp_path, answers, key):
    message = _rejected(tmp_path, answers)
    assert message.startswith(f"answers rejected, {key}: ")


def test_assess_rejects_nan_years(ladder, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('{"experience": {"ml-work": NaN}}', encoding="utf-8")  # Python's json reads NaN
    with pytest.raises(CommandError, match=r"experience\.ml-work"):
        _assess("--role", "lead", "--answers", str(path))


def test_assess_rejects_an_enormous_whole_number_of_years(ladder, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('{"experience": {"ml-work": 1' + "0" * 400 + "}}", encoding="utf-8")
    with pytest.raises(CommandError, match=r"experience\.ml-work"):
        _assess("--role", "lead", "--answers", str(path))


def test_assess_rejects_invalid_json(ladder, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('{"skills": {"python": 3,}}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"^answers: not valid JSON \(line 1"):
        _assess("--role", "lead", "--answers", str(path))


def test_assess_rejects_invalid_json_on_standard_input(ladder, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("skills: python=3"))
    with pytest.raises(CommandError, match="not valid JSON"):
        _assess("--role", "lead", "--answers", "-")


def test_assess_rejects_a_missing_answers_file(ladder, tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(CommandError, match=r"^answers: cannot read .*nope\.json"):
        _assess("--role", "lead", "--answers", str(missing))


def test_assess_rejects_an_answers_file_that_is_not_utf8(ladder, tmp_path):
    path = tmp_path / "answers.json"
    path.write_bytes('{"education": "bachelor", "note": "café"}'.encode("latin-1"))
    with pytest.raises(CommandError, match="answers"):
        _assess("--role", "lead", "--answers", str(path))


def test_assess_rejects_an_unknown_role_naming_the_slug(ladder):
    with pytest.raises(CommandError, match="'no-such-role'"):
        _assess("--role", "no-such-role")


def test_assess_a_role_led_to_from_another_track_scores_its_own_track(ladder):
    # ranked above engineer, so the walk back from lead takes it as the rung below
    other = make_role(slug="other-track-role", track=make_track(), rank=5)
    other.next_roles.add(ladder["lead"])
    report = _assess("--role", "lead")
    assert [r["role"] for r in report["ladder"]] == ["junior", "engineer", "lead"]
