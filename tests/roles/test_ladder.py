"""The ladder: the published rungs up to a role, as an admin chose them, then its next steps.

Drafts and copies never show on a public page, in a ladder or in a link, and adding or
copying a role never takes a rung away from another role's ladder.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from roles.models import Role
from roles.selectors import ladder_for, next_steps, track_roles
from roles.services import catalogue_load, role_duplicate
from tests.factories import make_ladder, make_role, make_submitted_assessment, make_track

pytestmark = pytest.mark.django_db

ML_LADDER = ["junior-ml-engineer", "ml-engineer", "senior-ml-engineer", "ml-team-lead"]


def _slugs(roles: list[Role]) -> list[str]:
    return [r.slug for r in roles]


# --- the chain -------------------------------------------------------------------------


def test_ladder_follows_the_rung_below_each_role_was_given() -> None:
    junior, mid, senior = make_ladder(3)

    assert ladder_for(senior) == [junior, mid, senior]
    assert ladder_for(junior) == [junior]


def test_a_second_role_leading_to_a_rung_does_not_change_its_ladder() -> None:
    junior, mid, senior = make_ladder(3)
    # Same rank as mid, a slug sorting after it, and published: under the old
    # "highest-ranked predecessor, ties by slug" rule it took mid's place.
    sibling = make_role(track=junior.track, rank=2, slug="zz-sibling")
    sibling.next_roles.add(senior)

    assert ladder_for(senior) == [junior, mid, senior]


def test_the_admin_chosen_rung_below_decides_between_two_predecessors() -> None:
    junior, mid, senior = make_ladder(3)
    other = make_role(track=junior.track, rank=2, title="Other mid", ladder_previous=junior)
    other.next_roles.add(senior)
    senior.ladder_previous = other
    senior.save()

    assert ladder_for(senior) == [junior, other, senior]
    assert ladder_for(mid) == [junior, mid]


def test_an_unpublished_rung_is_stepped_over_and_the_walk_goes_on_below_it() -> None:
    junior, mid, senior, lead = make_ladder(4)
    Role.objects.filter(pk__in=[mid.pk, senior.pk]).update(is_published=False)

    assert ladder_for(lead) == [junior, lead]


def test_without_a_chosen_rung_below_the_one_published_role_leading_here_is_taken() -> None:
    track = make_track()
    junior = make_role(track=track, rank=1)
    senior = make_role(track=track, rank=2)
    junior.next_roles.add(senior)
    draft = make_role(track=track, rank=1, is_published=False)
    draft.next_roles.add(senior)

    assert ladder_for(senior) == [junior, senior]


def test_without_a_chosen_rung_below_two_published_predecessors_stop_the_ladder() -> None:
    track = make_track()
    senior = make_role(track=track, rank=2)
    for slug in ("a-junior", "b-junior"):
        make_role(track=track, rank=1, slug=slug).next_roles.add(senior)

    # Neither is picked by name: the admin chooses the rung below.
    assert ladder_for(senior) == [senior]


def test_a_role_of_another_track_leading_here_is_not_a_rung() -> None:
    junior, senior = make_ladder(2)
    outsider = make_role(track=make_track(), rank=5)
    outsider.next_roles.add(senior)
    senior.ladder_previous = None
    senior.save()

    assert ladder_for(senior) == [junior, senior]


@pytest.mark.parametrize("case", ["other track", "same rank", "higher rank"])
def test_rung_below_must_be_a_lower_rung_of_the_same_track(case: str) -> None:
    junior, senior = make_ladder(2)
    below = {
        "other track": make_role(track=make_track(), rank=1),
        "same rank": make_role(track=junior.track, rank=2),
        "higher rank": make_role(track=junior.track, rank=3),
    }[case]
    senior.ladder_previous = below

    with pytest.raises(ValidationError) as error:
        senior.full_clean()

    assert "ladder_previous" in error.value.message_dict


# --- next steps ------------------------------------------------------------------------


def test_next_steps_list_published_roles_only_and_step_over_drafts() -> None:
    junior, mid, senior = make_ladder(3)
    draft_branch = make_role(track=junior.track, rank=3, is_published=False)
    mid.next_roles.add(draft_branch)
    Role.objects.filter(pk=mid.pk).update(is_published=False)

    assert next_steps(junior) == [senior]  # through the draft mid rung
    assert next_steps(mid) == [senior]


def test_track_roles_list_published_roles_with_their_published_next_steps() -> None:
    junior, mid, senior = make_ladder(3)
    Role.objects.filter(pk=mid.pk).update(is_published=False)

    links = track_roles(junior.track)

    assert [(link.role, link.next_steps) for link in links] == [(junior, [senior]), (senior, [])]


# --- the data migration and the catalogue loader ---------------------------------------


def test_migration_takes_the_rung_below_from_the_roles_leading_here() -> None:
    migration = importlib.import_module(
        "roles.migrations.0003_role_rung_below_and_drafts_by_default"
    )
    track = make_track()
    junior = make_role(track=track, rank=1, slug="junior")
    senior = make_role(track=track, rank=2, slug="senior")
    copy = make_role(track=track, rank=1, slug="junior-copy", is_published=False)
    outsider = make_role(track=make_track(), rank=9)
    for source in (junior, copy, outsider):
        source.next_roles.add(senior)

    migration._set_rung_below(apps, None)

    senior.refresh_from_db()
    assert senior.ladder_previous == junior  # not the copy, nor the other track's role
    assert Role.objects.filter(ladder_previous__isnull=False).count() == 1


def test_the_shipped_catalogue_loads_with_its_ladder_chosen() -> None:
    catalogue_load()

    below = dict(Role.objects.values_list("slug", "ladder_previous__slug"))
    assert [below[slug] for slug in ML_LADDER] == [None, *ML_LADDER[:-1]]
    for branch in ("lead-ml-engineer", "ml-architect", "chief-ai-officer"):
        assert below[branch] == "ml-team-lead"
    assert below["ai-strategy-analyst"] is None


# --- duplicating Senior ML Engineer, end to end ----------------------------------------


def _ladder_html(page: str) -> str:
    """The role page's ladder list, as shown."""
    start = page.index('data-testid="ladder"')
    return page[start : page.index("</ol>", start)]


def _duplicate_through_the_admin(client: Client, role: Role) -> Role:
    response = client.post(
        reverse("admin:roles_role_changelist"),
        {"action": "duplicate", admin.helpers.ACTION_CHECKBOX_NAME: [role.pk]},
        follow=True,
    )
    assert response.status_code == 200
    return Role.objects.get(slug=f"{role.slug}-copy")


def test_duplicating_a_rung_leaves_every_public_ladder_as_it_was(
    client: Client, admin_client: Client
) -> None:
    catalogue_load()
    senior = Role.objects.get(slug="senior-ml-engineer")

    lead = Role.objects.get(slug="ml-team-lead")
    ladder_before = _ladder_html(client.get(lead.get_absolute_url()).content.decode())

    copy = _duplicate_through_the_admin(admin_client, senior)

    assert copy.title == f"{senior.title} (copy)" and not copy.is_published
    assert _slugs(ladder_for(lead)) == ML_LADDER
    assert "senior-ml-engineer-copy" not in _slugs(next_steps(Role.objects.get(slug="ml-engineer")))
    pages = [
        reverse("home"),
        reverse("roles:list"),
        reverse("roles:list") + "?q=senior",
        lead.get_absolute_url(),
        senior.get_absolute_url(),
        Role.objects.get(slug="ml-engineer").get_absolute_url(),
        lead.track.get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "(copy)" not in body and copy.get_absolute_url() not in body, url
    ladder_after = _ladder_html(client.get(lead.get_absolute_url()).content.decode())
    assert ladder_after == ladder_before
    titles = [Role.objects.get(slug=slug).title for slug in ML_LADDER]
    assert [ladder_after.index(title) for title in titles] == sorted(
        ladder_after.index(title) for title in titles
    )
    assert client.get(copy.get_absolute_url()).status_code == 404
    assert client.get(reverse("roles:assess", args=[copy.slug])).status_code == 404

    assessment = make_submitted_assessment(role=lead)

    assert [rung["slug"] for rung in assessment.snapshot["ladder"]] == ML_LADDER
    assert [rung["role"] for rung in assessment.report["ladder"]] == ML_LADDER
    assert assessment.report["next_step"] == "junior-ml-engineer"
    assert "senior-ml-engineer-copy" not in str(assessment.snapshot)


def test_a_copy_keeps_the_original_rung_below_for_its_own_preview() -> None:
    junior, mid, senior = make_ladder(3)

    copy = role_duplicate(role=mid)

    assert copy.ladder_previous == junior
    assert ladder_for(copy) == [junior, copy]
    assert ladder_for(senior) == [junior, mid, senior]
