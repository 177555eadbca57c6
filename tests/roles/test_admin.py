from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.forms import BaseForm
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roles.admin import LEVEL_OUT_OF_RANGE, WEIGHT_OUT_OF_RANGE
from roles.models import CareerDirection, Role, Skill, SkillRequirement
from tests.factories import (
    make_action,
    make_category,
    make_ladder,
    make_role,
    make_skill,
    make_track,
)

pytestmark = pytest.mark.django_db

INLINE_PREFIXES = (
    "skill_requirements",
    "experience_requirements",
    "education_requirement",
    "salary_figures",
    "market_facts",
)


def _change_url(role: Role) -> str:
    return reverse("admin:roles_role_change", args=[role.pk])


def _form_values(form: BaseForm) -> dict[str, Any]:
    """What a browser would send back for `form` untouched: unticked boxes send nothing."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def _change_form_data(client: Client, role: Role) -> dict[str, Any]:
    """The role's change form as rendered, with every inline's saved rows and management
    form; the blank extra rows are left out, so a test adds its own rows explicitly."""
    response = client.get(_change_url(role))
    assert response.status_code == 200
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial_forms = formset.forms[: formset.initial_form_count()]
        for form in initial_forms:
            data |= _form_values(form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(initial_forms))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(len(initial_forms))
        data[f"{formset.prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{formset.prefix}-MAX_NUM_FORMS"] = "1000"
    return data


def _add_skill_row(data: dict[str, Any], *, skill_id: int, level: int, weight: int) -> None:
    index = int(data["skill_requirements-TOTAL_FORMS"])
    prefix = f"skill_requirements-{index}"
    data[f"{prefix}-skill"] = str(skill_id)
    data[f"{prefix}-level"] = str(level)
    data[f"{prefix}-weight"] = str(weight)
    data["skill_requirements-TOTAL_FORMS"] = str(index + 1)


def _errors_of(response: Any) -> str:
    """Every error on the re-rendered change form, main form and inlines, as one string."""
    errors = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        errors += [str(e) for e in inline.formset.errors]
        errors.append(str(inline.formset.non_form_errors()))
    return " ".join(errors)


def _run_action(client: Client, action: str, roles: list[Role]) -> Any:
    return client.post(
        reverse("admin:roles_role_changelist"),
        {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [r.pk for r in roles]},
        follow=True,
    )


def test_role_change_page_renders_with_its_inlines(admin_client: Client) -> None:
    role = make_role(skills=[(make_skill(), 3, 4, True)], education=(1, 2, False))

    response = admin_client.get(_change_url(role))

    assert response.status_code == 200
    html = response.content.decode()
    for prefix in INLINE_PREFIXES:
        assert f'name="{prefix}-TOTAL_FORMS"' in html
    assert "admin/js/autocomplete.js" in html  # the skill picker is an autocomplete


def test_role_change_form_saves_a_changed_level_and_an_added_requirement(
    admin_client: Client,
) -> None:
    kept, added = make_skill(), make_skill()
    role = make_role(skills=[(kept, 2, 3, False)], experience=[("ml", "ML work", 2, 4, True)])
    data = _change_form_data(admin_client, role)
    data["skill_requirements-0-level"] = "4"
    _add_skill_row(data, skill_id=added.pk, level=3, weight=5)

    response = admin_client.post(_change_url(role), data)

    assert response.status_code == 302, _errors_of(response)
    levels = {r.skill_id: (r.level, r.weight) for r in role.skill_requirements.all()}
    assert levels == {kept.pk: (4, 3), added.pk: (3, 5)}
    assert role.experience_requirements.get().years == 2  # untouched inline rows survive


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("level", "7", LEVEL_OUT_OF_RANGE),
        ("level", "0", LEVEL_OUT_OF_RANGE),
        ("weight", "0", WEIGHT_OUT_OF_RANGE),
        ("weight", "6", WEIGHT_OUT_OF_RANGE),
    ],
)
def test_inline_value_outside_1_to_5_is_refused_with_a_clear_message(
    admin_client: Client, field: str, value: str, message: str
) -> None:
    skill = make_skill()
    role = make_role(title="Analyst", skills=[(skill, 2, 3, False)])
    data = _change_form_data(admin_client, role)
    data["title"] = "Renamed analyst"
    data[f"skill_requirements-0-{field}"] = value
    _add_skill_row(data, skill_id=make_skill().pk, level=3, weight=3)

    response = admin_client.post(_change_url(role), data)

    assert response.status_code == 200
    assert message in _errors_of(response)
    assert message in response.content.decode()
    role.refresh_from_db()
    assert role.title == "Analyst"
    assert list(role.skill_requirements.values_list("skill", "level", "weight")) == [
        (skill.pk, 2, 3)
    ]


def test_added_requirement_with_level_7_is_refused_and_not_saved(admin_client: Client) -> None:
    role = make_role()
    data = _change_form_data(admin_client, role)
    _add_skill_row(data, skill_id=make_skill().pk, level=7, weight=0)

    response = admin_client.post(_change_url(role), data)

    assert response.status_code == 200
    errors = _errors_of(response)
    assert LEVEL_OUT_OF_RANGE in errors
    assert WEIGHT_OUT_OF_RANGE in errors
    assert not SkillRequirement.objects.filter(role=role).exists()


def test_experience_weight_outside_1_to_5_is_refused_with_a_clear_message(
    admin_client: Client,
) -> None:
    role = make_role(experience=[("ml", "ML work", 2, 4, True)])
    data = _change_form_data(admin_client, role)
    data["experience_requirements-0-weight"] = "9"

    response = admin_client.post(_change_url(role), data)

    assert response.status_code == 200
    assert WEIGHT_OUT_OF_RANGE in _errors_of(response)
    assert role.experience_requirements.get().weight == 4


def test_same_skill_twice_in_the_inline_is_refused(admin_client: Client) -> None:
    skill = make_skill()
    role = make_role(skills=[(skill, 2, 3, False)])
    data = _change_form_data(admin_client, role)
    _add_skill_row(data, skill_id=skill.pk, level=4, weight=3)

    response = admin_client.post(_change_url(role), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for skill." in _errors_of(response)
    assert role.skill_requirements.count() == 1


def test_role_leading_to_itself_is_refused(admin_client: Client) -> None:
    role = make_role(title="Data Scientist")
    data = _change_form_data(admin_client, role)
    data["next_roles"] = [str(role.pk)]

    response = admin_client.post(_change_url(role), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["next_roles"] == [
        "“Data Scientist” cannot lead to itself."
    ]
    assert not role.next_roles.exists()


def test_role_branching_into_a_cycle_is_refused(admin_client: Client) -> None:
    track = make_track()
    junior = make_role(track=track, title="Junior", rank=1)
    senior = make_role(track=track, title="Senior", rank=2)
    data = _change_form_data(admin_client, junior)
    data["next_roles"] = [str(senior.pk)]
    assert admin_client.post(_change_url(junior), data).status_code == 302

    data = _change_form_data(admin_client, senior)
    data["next_roles"] = [str(junior.pk)]
    response = admin_client.post(_change_url(senior), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["next_roles"] == [
        "“Senior” cannot lead to “Junior”: that role already leads back to it (a cycle)."
    ]
    assert list(junior.next_roles.all()) == [senior]
    assert not senior.next_roles.exists()


def test_publish_action_publishes_the_selected_roles_and_says_how_many(
    admin_client: Client,
) -> None:
    chosen = [make_role(is_published=False), make_role(is_published=False)]
    other = make_role(is_published=False)

    response = _run_action(admin_client, "publish", chosen)

    assert "Published 2 roles." in response.content.decode()
    assert set(Role.objects.published()) == set(chosen)
    other.refresh_from_db()
    assert not other.is_published


def test_unpublish_action_unpublishes_the_selected_roles_and_says_how_many(
    admin_client: Client,
) -> None:
    chosen, other = make_role(), make_role()

    response = _run_action(admin_client, "unpublish", [chosen])

    assert "Unpublished 1 role." in response.content.decode()
    assert list(Role.objects.published()) == [other]


def test_duplicate_action_copies_the_requirements_unpublished(admin_client: Client) -> None:
    skills = [make_skill() for _ in range(3)]
    role = make_role(
        slug="ml-engineer",
        skills=[(s, 3, 4, i == 0) for i, s in enumerate(skills)],
        experience=[("ml", "ML work", 2, 4, True), ("lead", "Leading", 1, 2, False)],
        education=(2, 2, False),
    )

    response = _run_action(admin_client, "duplicate", [role])

    copy = Role.objects.get(slug="ml-engineer-copy")
    assert "Created 1 unpublished copy: ml-engineer-copy." in response.content.decode()
    assert not copy.is_published
    assert copy.skill_requirements.count() == 3
    assert copy.experience_requirements.count() == 2
    assert copy.education_requirement.level == 2
    assert set(copy.skill_requirements.values_list("skill", "level", "weight", "essential")) == set(
        role.skill_requirements.values_list("skill", "level", "weight", "essential")
    )
    assert role.skill_requirements.count() == 3  # the original keeps its own


def _role_changelist_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:roles_role_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_role_changelist_query_count_does_not_grow_with_roles(admin_client: Client) -> None:
    make_ladder(3, skills_per_rung=2)
    with_three = _role_changelist_queries(admin_client)
    for _ in range(9):
        make_ladder(3, skills_per_rung=2)

    # session, user, the tracks offered by the track filter, filtered count, total count,
    # one page of roles with their track joined and their skill count annotated
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:roles_role_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 30
    assert len(queries) == with_three == 6, [q["sql"] for q in queries]
    assert {role.skill_total for role in response.context["cl"].result_list} == {2}


def test_skill_autocomplete_for_the_requirement_inline_finds_skills_by_name(
    admin_client: Client,
) -> None:
    wanted = make_skill(name="Feature engineering")
    make_skill(name="Negotiation")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "roles",
            "model_name": "skillrequirement",
            "field_name": "skill",
            "term": "feature",
        },
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(wanted.pk)]


def test_every_catalogue_admin_page_renders(admin_client: Client) -> None:
    category = make_category()
    skill = make_skill(category=category)
    make_action(skill=skill, from_level=1)
    rungs = make_ladder(2)
    CareerDirection.objects.create(track=rungs[0].track, kind="alternative", name="Research")
    catalogue = [m for m in admin.site._registry if m._meta.app_label == "roles"]
    # The other catalogue models are edited inline on these pages.
    assert {m.__name__ for m in catalogue} == {
        "Track",
        "Role",
        "SkillCategory",
        "Skill",
        "LearningAction",
    }

    for model in catalogue:
        info = model._meta.app_label, model._meta.model_name
        some = model.objects.first()
        for url in (
            reverse("admin:{}_{}_changelist".format(*info)),
            reverse("admin:{}_{}_add".format(*info)),
            reverse("admin:{}_{}_change".format(*info), args=[some.pk]),
        ):
            assert admin_client.get(url).status_code == 200, url


def test_learning_action_changelist_filters_by_kind_category_and_start_level(
    admin_client: Client,
) -> None:
    skill = make_skill()
    wanted = make_action(skill=skill, from_level=2, kind="project")
    make_action(skill=skill, from_level=2, kind="course", title="Other")
    make_action(skill=make_skill(), from_level=2, kind="project")

    response = admin_client.get(
        reverse("admin:roles_learningaction_changelist"),
        {"kind": "project", "skill__category__id__exact": skill.category_id, "from_level": 2},
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_role_search_finds_roles_by_skill_name_once_each(admin_client: Client) -> None:
    kubernetes = make_skill(name="Kubernetes operations")
    helm = make_skill(name="Kubernetes packaging")
    platform = make_role(title="Platform engineer", skills=[(kubernetes, 3, 3, False)])
    platform_lead = make_role(
        title="Platform lead", skills=[(kubernetes, 4, 3, False), (helm, 3, 3, False)]
    )
    make_role(title="Barista", skills=[(make_skill(name="Coffee"), 3, 3, False)])

    response = admin_client.get(reverse("admin:roles_role_changelist"), {"q": "kubernetes"})

    assert response.status_code == 200
    found = list(response.context["cl"].result_list)
    assert sorted(r.title for r in found) == [platform.title, platform_lead.title]
    assert {r.title: r.skill_total for r in found} == {platform.title: 1, platform_lead.title: 2}


def test_role_search_needs_every_word_in_the_role_or_its_skills(admin_client: Client) -> None:
    wanted = make_role(
        title="Platform engineer", skills=[(make_skill(name="Kubernetes"), 3, 3, False)]
    )
    make_role(title="Platform designer")

    response = admin_client.get(
        reverse("admin:roles_role_changelist"), {"q": 'platform "kubernetes"'}
    )

    assert list(response.context["cl"].result_list) == [wanted]


def _change_page_queries(client: Client, role: Role) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_change_url(role))
    assert response.status_code == 200
    return len(queries)


def test_role_change_page_query_count_does_not_grow_with_skills(admin_client: Client) -> None:
    category = make_category()
    few = make_role(skills=[(make_skill(category=category), 3, 3, False) for _ in range(3)])
    many = make_role(skills=[(make_skill(category=category), 3, 3, False) for _ in range(54)])
    admin_client.get(_change_url(few))  # the admin caches content types on a first visit

    # session, user, the role, its skill requirements with their skills, experience,
    # education, salaries, market facts, the tracks to choose from, the role's current
    # next roles (the rung below and next roles are searched, not listed)
    assert _change_page_queries(admin_client, many) == _change_page_queries(admin_client, few)
    assert _change_page_queries(admin_client, many) == 10


def test_role_pickers_search_rather_than_list_every_role(admin_client: Client) -> None:
    junior, senior = make_ladder(2)
    junior.next_roles.add(senior)
    small = _change_page_queries(admin_client, senior)
    for n in range(100):
        make_role(
            track=junior.track,
            rank=3,
            title=f"Imported occupation {n:03d}",
            slug=f"imported-occupation-{n:03d}",
            summary="An occupation of a framework.",
        )

    response = admin_client.get(_change_url(senior))
    page = response.content.decode()

    # Only the chosen rung below is an option, labelled with its rung and track: the other
    # 101 roles are found by typing in the picker.
    assert _change_page_queries(admin_client, senior) == small
    assert "Imported occupation" not in page
    assert f"{junior.title} (rung 1 of {junior.track.name})" in page
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "roles",
            "model_name": "role",
            "field_name": "next_roles",
            "term": "occupation 04",
        },
    ).json()
    assert [r["text"] for r in found["results"]] == [
        f"Imported occupation {n:03d}" for n in (4, *range(40, 50))
    ]


def test_a_role_of_another_track_as_rung_below_is_refused_in_words(
    admin_client: Client,
) -> None:
    _junior, senior = make_ladder(2)
    data = _change_form_data(admin_client, senior)
    data["ladder_previous"] = str(make_role(title="Elsewhere").pk)

    response = admin_client.post(_change_url(senior), data)

    assert response.context["adminform"].form.errors["ladder_previous"] == [
        "Choose a role of this role's track, ranked below it."
    ]


def test_rung_below_offers_only_the_roles_of_the_same_track(admin_client: Client) -> None:
    junior, mid, senior = make_ladder(3)
    make_role(title="Elsewhere")

    response = admin_client.get(_change_url(senior))

    offered = response.context["adminform"].form.fields["ladder_previous"].queryset
    assert set(offered) == {junior, mid}


def test_rung_below_from_another_track_is_refused(admin_client: Client) -> None:
    junior, senior = make_ladder(2)
    data = _change_form_data(admin_client, senior)
    data["ladder_previous"] = str(make_role(title="Elsewhere").pk)

    response = admin_client.post(_change_url(senior), data)

    assert response.status_code == 200
    assert "ladder_previous" in response.context["adminform"].form.errors
    senior.refresh_from_db()
    assert senior.ladder_previous == junior


def test_admin_chooses_the_rung_below_among_two_predecessors(admin_client: Client) -> None:
    junior, _mid, senior = make_ladder(3)
    other = make_role(track=junior.track, rank=2, ladder_previous=junior)
    other.next_roles.add(senior)
    data = _change_form_data(admin_client, senior)
    data["ladder_previous"] = str(other.pk)

    response = admin_client.post(_change_url(senior), data)

    assert response.status_code == 302, _errors_of(response)
    senior.refresh_from_db()
    assert senior.ladder_previous == other


def test_a_role_added_in_the_admin_starts_unpublished(admin_client: Client) -> None:
    track = make_track()
    response = admin_client.get(reverse("admin:roles_role_add"))
    assert response.context["adminform"].form["is_published"].value() is False

    response = admin_client.post(
        reverse("admin:roles_role_add"),
        {
            "title": "New role",
            "slug": "new-role",
            "track": str(track.pk),
            "rank": "1",
            "summary": "Does new things.",
            **{f"{prefix}-TOTAL_FORMS": "0" for prefix in INLINE_PREFIXES},
            **{f"{prefix}-INITIAL_FORMS": "0" for prefix in INLINE_PREFIXES},
        },
    )

    assert response.status_code == 302, _errors_of(response)
    assert not Role.objects.get(slug="new-role").is_published


def test_unpublishing_takes_a_role_off_the_public_pages_at_once(
    admin_client: Client, client: Client
) -> None:
    junior, senior = make_ladder(2)
    assert client.get(senior.get_absolute_url()).status_code == 200
    assert senior.title in client.get(junior.track.get_absolute_url()).content.decode()

    _run_action(admin_client, "unpublish", [senior])

    assert client.get(senior.get_absolute_url()).status_code == 404
    assert senior.title not in client.get(junior.track.get_absolute_url()).content.decode()
    assert senior.get_absolute_url() not in client.get(junior.get_absolute_url()).content.decode()


def _bulk_catalogue(*, roles: int, skills: int, per_role: int) -> None:
    """`roles` roles asking `per_role` skills each among `skills` skills, built in bulk."""
    track, category = make_track(is_ladder=False), make_category()
    made = Skill.objects.bulk_create(
        Skill(slug=f"bulk-{i}", name=f"Bulk skill {i:04d}", category=category, description="x")
        for i in range(skills)
    )
    created = Role.objects.bulk_create(
        Role(slug=f"bulk-role-{i}", title=f"Bulk role {i:03d}", track=track, rank=1, summary="x")
        for i in range(roles)
    )
    SkillRequirement.objects.bulk_create(
        SkillRequirement(role=role, skill=made[(n * per_role + k) % skills], level=3, weight=3)
        for n, role in enumerate(created)
        for k in range(per_role)
    )


def _changelist(client: Client, name: str, params: dict[str, str] | None = None) -> Any:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:roles_{name}_changelist"), params or {})
    assert response.status_code == 200
    return response.context["cl"], len(queries)


def test_skill_and_role_lists_page_and_search_at_100_roles_and_2000_skills(
    admin_client: Client,
) -> None:
    _bulk_catalogue(roles=3, skills=10, per_role=3)
    _changelist(admin_client, "skill")  # the admin caches content types on a first visit
    small = {name: _changelist(admin_client, name)[1] for name in ("skill", "role")}
    Role.objects.all().delete()
    Skill.objects.all().delete()

    _bulk_catalogue(roles=100, skills=2000, per_role=60)

    skills, queries = _changelist(admin_client, "skill", {"p": "3"})
    assert queries == small["skill"]
    assert (skills.result_count, len(skills.result_list), skills.paginator.num_pages) == (
        2000,
        100,
        20,
    )
    roles, queries = _changelist(admin_client, "role")
    assert queries == small["role"]
    assert {r.skill_total for r in roles.result_list} == {60}
    found, _ = _changelist(admin_client, "skill", {"q": "Bulk skill 1999"})
    assert [s.name for s in found.result_list] == ["Bulk skill 1999"]
    # Role n asks skills 60n to 60n + 59, counted round the 2,000: skill 61 is asked by
    # roles 1 (60-119), 34 (2040-2099, i.e. 40-99) and 67 (4020-4079, i.e. 20-79).
    found, _ = _changelist(admin_client, "role", {"q": "Bulk skill 0061"})
    assert [r.title for r in found.result_list] == [
        "Bulk role 001",
        "Bulk role 034",
        "Bulk role 067",
    ]
