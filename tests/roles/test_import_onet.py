"""`import_onet`: O*NET's level 0–7 on our 0–5, importance as the weight, the stated
thresholds, with hand-computed examples from the sample (tests/data/onet)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from roles.importers.onet import onet_level, onet_weight
from roles.models import Role, Skill

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "onet"


def _import(*args: object, directory: Path = SAMPLE) -> str:
    out = StringIO()
    call_command("import_onet", str(directory), *map(str, args), stdout=out)
    return out.getvalue()


def _requirements(role: Role) -> dict[str, tuple[int, int, bool]]:
    return {
        r.skill.name: (r.level, r.weight, r.essential)
        for r in role.skill_requirements.select_related("skill")
    }


@pytest.mark.parametrize(
    ("lv", "level"),
    [
        ("5.25", 4),  # 5.25 × 5 / 7 = 3.75, half up → 4
        ("4.88", 3),  # 3.486 → 3
        ("4.12", 3),  # 2.943 → 3
        ("3.50", 3),  # 2.5 exactly, half up → 3
        ("7.00", 5),  # the top of the scale is Expert
        ("0.62", 1),  # 0.443 → 0, and a requirement asks for at least level 1
        ("0.00", 1),
    ],
)
def test_onet_level_0_to_7_maps_onto_0_to_5(lv: str, level: int) -> None:
    assert onet_level(Decimal(lv)) == level


@pytest.mark.parametrize(
    ("im", "weight"),
    [("3.50", 4), ("3.49", 3), ("4.12", 4), ("4.62", 5), ("1.00", 1), ("5.00", 5)],
)
def test_onet_importance_1_to_5_is_the_weight_rounded_half_up(im: str, weight: int) -> None:
    assert onet_weight(Decimal(im)) == weight


def test_data_scientists_get_the_hand_computed_levels_weights_and_essentials() -> None:
    output = _import("--occupation", "15-2051.00")

    role = Role.objects.get(concept_uri="onet:15-2051.00")
    assert role.title == "Data Scientists" and role.is_published is False
    assert "CC BY 4.0" in role.attribution
    assert _requirements(role) == {
        # IM 3.50 → 4; LV 4.00 → 2.857 → 3; below the essential importance 4.
        "Reading Comprehension": (3, 4, False),
        # Skill IM 4.00, LV 5.25 → (4, 4); knowledge IM 4.25, LV 5.12 → 3.657 → (4, 4):
        # one catalogue skill by their shared label, essential from IM 4.
        "Mathematics": (4, 4, True),
        "Science": (1, 3, False),  # IM 3.00 is at the threshold: kept; LV 0.62 → 1
        "Critical Thinking": (3, 4, False),  # IM 3.75 → 4, LV 4.12 → 3
        "Programming": (3, 4, True),  # IM 4.12 → 4, LV 4.88 → 3
        "Computers and Electronics": (4, 4, True),  # IM 4.38 → 4, LV 5.00 → 3.571 → 4
        "English Language": (3, 3, False),  # IM 3.12 → 3, LV 4.00 → 3
    }
    assert "left out: Speaking (skill): importance 2.88 is below 3.0" in output
    assert "left out: Administration and Management (knowledge): importance 2.25" in output
    programming = Skill.objects.get(concept_uri="onet:2.B.3.e")
    assert programming.description == "Writing computer programs for various purposes."
    assert programming.source == "onet"


def test_the_thresholds_are_options() -> None:
    _import(
        "--occupation",
        "Data Scientists",
        "--min-importance",
        "2.5",
        "--essential-importance",
        "4.2",
    )

    requirements = _requirements(Role.objects.get())
    assert requirements["Speaking"] == (3, 3, False)  # IM 2.88 → 3, LV 3.62 → 2.586 → 3
    assert requirements["Programming"] == (3, 4, False)  # IM 4.12 is below 4.2 now
    assert "Administration and Management" not in requirements  # IM 2.25


def test_an_element_marked_not_relevant_is_left_out_and_skills_are_shared() -> None:
    output = _import("--occupation", "15-2051.00", "--occupation", "15-2041.00")

    statisticians = Role.objects.get(concept_uri="onet:15-2041.00")
    requirements = _requirements(statisticians)
    assert "Science" not in requirements
    assert "left out: Science (skill): marked not relevant in Skills.txt" in output
    # IM 4.62 → 5, LV 5.50 → 3.929 → 4; knowledge IM 4.88 → 5, LV 6.12 → 4.371 → 4.
    assert requirements["Mathematics"] == (4, 5, True)
    assert Skill.objects.filter(name="Programming").count() == 1
    assert statisticians.alternative_title_list() == ["Biostatistician"]


def test_a_bad_data_value_is_refused_naming_file_row_and_field(tmp_path: Path) -> None:
    directory = tmp_path / "onet"
    shutil.copytree(SAMPLE, directory)
    skills = directory / "Skills.txt"
    lines = skills.read_text().splitlines()
    lines[6] = lines[6].replace("\tLV\t5.25\t", "\tLV\t9.5\t")  # row 7: Mathematics LV
    skills.write_text("\n".join(lines) + "\n")

    with pytest.raises(CommandError) as refused:
        _import("--occupation", "15-2051.00", directory=directory)

    assert str(refused.value) == (
        "nothing imported: Skills.txt, row 7, Data Value: “9.5” is not a number from 0 to 7 (LV)"
    )
    assert not Role.objects.exists()


def test_a_missing_level_rating_is_refused_naming_the_scale(tmp_path: Path) -> None:
    directory = tmp_path / "onet"
    shutil.copytree(SAMPLE, directory)
    knowledge = directory / "Knowledge.txt"
    lines = knowledge.read_text().splitlines()
    del lines[4]  # the LV row of Computers and Electronics
    knowledge.write_text("\n".join(lines) + "\n")

    with pytest.raises(
        CommandError, match=r"Knowledge\.txt, row 4, Scale ID: 2\.C\.3\.a has no LV rating"
    ):
        _import("--occupation", "15-2051.00", directory=directory)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    directory = tmp_path / "onet"
    shutil.copytree(SAMPLE, directory)
    (directory / "Knowledge.txt").unlink()
    with pytest.raises(CommandError, match=r"Knowledge\.txt: file not found"):
        _import("--occupation", "15-2051.00", directory=directory)
    assert not Role.objects.exists()


def test_running_it_again_changes_nothing() -> None:
    _import("--occupation", "15-2051.00")
    before = list(Role.objects.values()), list(Skill.objects.values())
    output = _import("--occupation", "15-2051.00")
    assert (list(Role.objects.values()), list(Skill.objects.values())) == before
    assert "1 unchanged" in output
