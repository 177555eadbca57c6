"""`import_esco`: ESCO occupations become unpublished roles, skills shared and reused,
safe to re-run, `--update` keeping an admin's edits, refusals naming file, row and field.

The sample (tests/data/esco, see its README): data scientist asks 54 essential skills
and knowledge items and 3 optional ones, data analyst 30 essential, 18 of them also
data scientist's; data quality specialist 19."""

from __future__ import annotations

import csv
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from assessments.questionnaire import questionnaire_for
from roles.importers.catalogue import unique_slug
from roles.models import PROFICIENCY_MEANING, Role, Skill, SkillRequirement, Track
from roles.selectors import role_list
from roles.services import catalogue_load, role_duplicate
from tests.factories import make_category, make_skill, make_track

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "esco"
DATA_SCIENTIST = "http://data.europa.eu/esco/occupation/258e46f9-0075-4a2e-adae-1ff0477e0f30"
DATA_MINING = "http://data.europa.eu/esco/skill/25f0ea33-b4a2-4f31-b7b4-7d20e827b180"
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
RESEARCH_ETHICS = "apply research ethics and scientific integrity principles in research activities"


def _import(*args: object, directory: Path = SAMPLE) -> str:
    out = StringIO()
    call_command("import_esco", str(directory), *map(str, args), stdout=out)
    return out.getvalue()


def _snapshot() -> tuple:
    roles = list(Role.objects.order_by("pk").values())
    skills = list(Skill.objects.order_by("pk").values())
    requirements = list(SkillRequirement.objects.order_by("pk").values())
    return roles, skills, requirements


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "esco"
    shutil.copytree(SAMPLE, target)
    return target


def _rewrite(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows = change(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_two_occupations_sharing_skills_create_each_skill_once() -> None:
    _import("--occupation", "data scientist", "--occupation", "data analyst")

    scientist = Role.objects.get(concept_uri=DATA_SCIENTIST)
    analyst = Role.objects.get(title="Data analyst")
    assert scientist.skill_requirements.count() == 54
    assert analyst.skill_requirements.count() == 30
    # 54 + 30 requirements over 54 + 30 − 18 shared = 66 skills, each made once.
    assert Skill.objects.filter(source="esco").count() == 66
    mining = Skill.objects.get(concept_uri=DATA_MINING)
    assert mining.name == "Data mining"
    assert set(mining.requirements.values_list("role__title", flat=True)) == {
        "Data scientist",
        "Data analyst",
    }


def test_imported_role_is_an_unpublished_draft_with_the_esco_content() -> None:
    _import("--occupation", DATA_SCIENTIST)

    role = Role.objects.get(concept_uri=DATA_SCIENTIST)
    assert role.is_published is False
    assert role.slug == "data-scientist"
    assert role.summary.startswith("Data scientists find and interpret rich data sources")
    assert role.alternative_title_list() == [
        "research data scientist",
        "data expert",
        "data engineer",
        "data research scientist",
    ]
    assert role.attribution == "ESCO, © European Union"
    assert role.track.slug == "imported-occupations" and role.track.is_ladder is False
    requirement = role.skill_requirements.get(skill__concept_uri=DATA_MINING)
    # ESCO rates no levels: an essential skill is asked at Practitioner, weight 4.
    assert (requirement.level, requirement.weight, requirement.essential) == (3, 4, True)


def test_optional_skills_come_only_when_asked_at_a_lower_level_and_weight() -> None:
    _import("--occupation", "data scientist")
    assert Role.objects.get().skill_requirements.count() == 54
    Role.objects.all().delete()

    _import("--occupation", "data scientist", "--optional")
    role = Role.objects.get()
    assert role.skill_requirements.count() == 57
    optional = role.skill_requirements.filter(essential=False)
    assert {(r.level, r.weight) for r in optional} == {(2, 2)}
    assert optional.count() == 3


def test_a_catalogue_skill_is_reused_not_duplicated() -> None:
    catalogue_load()
    python = Skill.objects.get(slug="python")
    skills_before = Skill.objects.count()

    output = _import("--occupation", "data scientist", "--optional")

    # ESCO's "Python (computer programming)" is also labelled "Python": the catalogue's
    # hand-written `python` skill stands for it, with its own level descriptions.
    role = Role.objects.get(concept_uri=DATA_SCIENTIST)
    assert role.skill_requirements.filter(skill=python).exists()
    assert not Skill.objects.filter(concept_uri=PYTHON).exists()
    assert Skill.objects.count() == skills_before + 56
    assert "linked to “Python programming” by its slug" in output


def test_an_existing_skill_with_the_same_label_is_reused() -> None:
    statistics = make_skill(name="Statistics", slug="stats")

    _import("--occupation", "data scientist")

    role = Role.objects.get()
    assert role.skill_requirements.filter(skill=statistics).exists()
    assert Skill.objects.filter(name__iexact="statistics").count() == 1


def test_running_the_same_import_again_changes_nothing() -> None:
    _import("--occupation", "data scientist", "--occupation", "data analyst", "--optional")
    before = _snapshot()

    output = _import("--occupation", "data scientist", "--occupation", "data analyst", "--optional")

    assert _snapshot() == before
    assert "0 role(s) created, 0 updated, 2 unchanged" in output


def test_update_refreshes_from_the_files_and_keeps_an_admins_edits(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _import("--occupation", "data scientist", directory=directory)
    role = Role.objects.get()
    by_label = {r.skill.name: r for r in role.skill_requirements.select_related("skill")}
    # The admin raises one level, lowers one weight, and adds a skill of their own.
    edited_level = by_label["Data mining"]
    edited_level.level = 5
    edited_level.save()
    edited_weight = by_label["Statistics"]
    edited_weight.weight = 1
    edited_weight.save()
    own = SkillRequirement.objects.create(role=role, skill=make_skill(), level=2, weight=3)

    # The next ESCO release makes three of those relations optional.
    made_optional = {
        DATA_MINING,
        edited_weight.skill.concept_uri,
        by_label["Normalise data"].skill.concept_uri,
    }
    _rewrite(
        directory / "occupationSkillRelations_en.csv",
        lambda rows: [
            [r[0], "optional", r[2], r[3]]
            if r[0] == DATA_SCIENTIST and r[3] in made_optional
            else r
            for r in rows
        ],
    )
    output = _import(
        "--occupation", "data scientist", "--optional", "--update", directory=directory
    )

    current = {r.skill.name: r for r in role.skill_requirements.select_related("skill")}
    # The edited values stay; what the admin left alone follows the files.
    assert (current["Data mining"].level, current["Data mining"].weight) == (5, 2)
    assert (current["Statistics"].level, current["Statistics"].weight) == (2, 1)
    assert (current["Normalise data"].level, current["Normalise data"].weight) == (2, 2)
    assert current["Normalise data"].essential is False
    assert SkillRequirement.objects.filter(pk=own.pk, level=2, weight=3).exists()
    assert "kept the edited level" in output
    # And again: nothing more changes.
    before = _snapshot()
    _import("--occupation", "data scientist", "--optional", "--update", directory=directory)
    assert _snapshot() == before


def test_update_drops_a_relation_the_files_no_longer_have_unless_edited(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _import("--occupation", "data scientist", directory=directory)
    role = Role.objects.get()
    mining = role.skill_requirements.get(skill__concept_uri=DATA_MINING)
    mining.weight = 5
    mining.save()
    gone = role.skill_requirements.exclude(pk=mining.pk).first()
    removed = {DATA_MINING, gone.skill.concept_uri}
    _rewrite(
        directory / "occupationSkillRelations_en.csv",
        lambda rows: [r for r in rows if not (r[0] == DATA_SCIENTIST and r[3] in removed)],
    )

    _import("--occupation", "data scientist", "--update", directory=directory)

    assert role.skill_requirements.filter(pk=mining.pk).exists()
    assert not role.skill_requirements.filter(pk=gone.pk).exists()
    assert role.skill_requirements.count() == 53


def test_a_bad_relation_type_is_refused_naming_file_row_and_field(tmp_path: Path) -> None:
    directory = _copy(tmp_path)

    def corrupt(rows: list[list[str]]) -> list[list[str]]:
        rows[4][1] = "vital"  # row 5 as a spreadsheet counts, the header being row 1
        return rows

    _rewrite(directory / "occupationSkillRelations_en.csv", corrupt)

    with pytest.raises(CommandError) as refused:
        _import("--occupation", "data scientist", directory=directory)

    assert str(refused.value) == (
        "nothing imported: occupationSkillRelations_en.csv, row 5, relationType: "
        "“vital” is neither essential nor optional"
    )
    assert not Role.objects.exists() and not Skill.objects.exists()


def test_a_missing_column_and_a_missing_skill_are_refused_by_name(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _rewrite(directory / "skills_en.csv", lambda rows: [r[:4] + r[5:] for r in rows])
    with pytest.raises(
        CommandError, match=r"skills_en\.csv, row 1: column missing from the header: preferredLabel"
    ):
        _import("--occupation", "data scientist", directory=directory)

    directory = _copy(tmp_path / "again")
    _rewrite(
        directory / "skills_en.csv",
        lambda rows: [r for r in rows if r[1] != DATA_MINING],
    )
    with pytest.raises(
        CommandError,
        match=r"occupationSkillRelations_en\.csv, row \d+, skillUri: no skill .*25f0ea33",
    ):
        _import("--occupation", "data scientist", directory=directory)
    assert not Role.objects.exists()


def test_an_unknown_occupation_is_refused() -> None:
    with pytest.raises(
        CommandError,
        match=r"occupations_en\.csv, preferredLabel: no occupation with the label or URI “astr",
    ):
        _import("--occupation", "astronaut")


def test_columns_are_read_by_header_name_in_any_order(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    for name in ("occupations_en.csv", "skills_en.csv", "occupationSkillRelations_en.csv"):
        _rewrite(
            directory / name,
            lambda rows: [[*reversed(r), "extra"] for r in rows],
        )

    _import("--occupation", "data scientist", directory=directory)

    role = Role.objects.get()
    assert role.title == "Data scientist"
    assert role.skill_requirements.count() == 54


def test_long_labels_keep_their_full_text_under_unique_slugs_that_fit() -> None:
    _import("--occupation", "data scientist")

    ethics = Skill.objects.get(name__iexact=RESEARCH_ETHICS)
    assert (
        ethics.name
        == "Apply research ethics and scientific integrity principles in research activities"
    )
    assert ethics.slug == "apply-research-ethics-and-scientific-integrity"
    slugs = list(Skill.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == len(slugs) == 54
    assert max(len(slug) for slug in slugs) <= 50


def test_a_taken_slug_gets_a_number_within_the_limit() -> None:
    long_label = RESEARCH_ETHICS
    make_skill(slug=unique_slug(Skill, long_label))
    second = unique_slug(Skill, long_label)
    assert second == "apply-research-ethics-and-scientific-integrity-2"
    make_skill(slug=second)
    assert unique_slug(Skill, long_label) == "apply-research-ethics-and-scientific-integrity-3"
    assert unique_slug(Skill, "x" * 80) == "x" * 50


def test_roles_go_to_the_chosen_track_or_a_new_one() -> None:
    track = make_track(slug="data-careers")
    _import("--occupation", "data scientist", "--track", "data-careers")
    assert Role.objects.get().track == track

    _import("--occupation", "data analyst", "--new-track", "Data and analytics")
    assert Role.objects.get(title="Data analyst").track.name == "Data and analytics"

    with pytest.raises(CommandError, match="--track: no track “nowhere”"):
        _import("--occupation", "data quality specialist", "--track", "nowhere")


def test_dry_run_saves_nothing() -> None:
    output = _import("--occupation", "data scientist", "--dry-run")
    assert "Dry run, nothing saved: would have 1 role(s) created" in output
    assert not Role.objects.exists() and not Skill.objects.exists()
    assert not Track.objects.exists()


def test_the_imported_role_page_says_where_its_content_comes_from(client: Client) -> None:
    _import("--occupation", "data scientist")
    role = Role.objects.get()
    assert client.get(role.get_absolute_url()).status_code == 404  # a draft

    role.is_published = True
    role.save()
    page = client.get(role.get_absolute_url()).content.decode()
    assert "ESCO, © European Union" in page
    assert "Also called: research data scientist, data expert" in page
    assert "Imported from ESCO" in page


def test_imported_skills_show_the_generic_scale_until_an_admin_writes_levels() -> None:
    _import("--occupation", "data scientist")
    role = Role.objects.get()
    role.is_published = True
    role.save()

    questions = questionnaire_for(role).skill_questions
    assert len(questions) == 54
    mining = next(q for q in questions.values() if q.name == "Data mining")
    assert mining.generic_levels is True
    assert [meaning for _, _, meaning in mining.levels] == [
        PROFICIENCY_MEANING[n] for n in range(6)
    ]

    skill = Skill.objects.get(concept_uri=DATA_MINING)
    for level in range(1, 6):
        setattr(skill, f"level_{level}", f"Data mining at {level}.")
    skill.save()
    mining = next(
        q for q in questionnaire_for(role).skill_questions.values() if q.name == "Data mining"
    )
    assert mining.generic_levels is False
    assert mining.levels[3][2] == "Data mining at 3."


def test_roles_are_found_by_an_alternative_title() -> None:
    _import("--occupation", "data scientist", "--occupation", "data analyst")
    Role.objects.update(is_published=True)

    assert [r.title for r in role_list(query="data expert")] == ["Data scientist"]


def test_a_catalogue_category_of_the_same_kind_is_not_touched() -> None:
    category = make_category(slug="technical", name="Technical foundations")
    _import("--occupation", "data scientist")
    assert not Skill.objects.filter(category=category).exists()
    assert set(Skill.objects.values_list("category__name", flat=True)) == {
        "Skills and competences",
        "Knowledge",
    }


def test_a_copy_of_an_imported_role_keeps_its_credit_and_a_reimport_finds_the_original() -> None:
    _import("--occupation", "data scientist")
    original = Role.objects.get()

    copy = role_duplicate(role=original)
    output = _import("--occupation", "data scientist")

    assert copy.attribution == "ESCO, © European Union" and copy.concept_uri == ""
    assert copy.alternative_title_list() == original.alternative_title_list()
    assert "unchanged, role “data-scientist”" in output


def test_the_v1_2_layout_imports_like_the_v1_1_layout() -> None:
    _import("--occupation", "data scientist", "--optional")
    v1_1 = {
        (r.skill.concept_uri, r.level, r.weight, r.essential)
        for r in Role.objects.get().skill_requirements.select_related("skill")
    }
    Role.objects.all().delete()
    Skill.objects.all().delete()

    _import("--occupation", "data scientist", "--optional", directory=SAMPLE.parent / "esco-v1.2")

    v1_2 = {
        (r.skill.concept_uri, r.level, r.weight, r.essential)
        for r in Role.objects.get().skill_requirements.select_related("skill")
    }
    assert v1_2 == v1_1 and len(v1_2) == 57
