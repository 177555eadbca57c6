"""Client tags: a coach's own labels for grouping clients. Made once per name in any case,
added and removed on the session view, renamed and deleted from the cohort page, at most
TAGS_PER_COACH of them; the dashboard filters by them and shows them; another coach's tag
or client is a 404, and clients never see tags."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching.models import ClientTag, CoachRelationship
from coaching.services import TAGS_PER_COACH, CoachingError, tag_add, tag_delete, tag_rename
from tests.coaching.test_dashboard import DASHBOARD_QUERIES
from tests.factories import (
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_track,
    make_user,
)

pytestmark = pytest.mark.django_db


def _browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def cora() -> SimpleNamespace:
    """Cora coaches Ana and Ben; Nora coaches Dee and has a tag of her own on her."""
    role = make_role(
        title="ML Team Lead",
        track=make_track(),
        skills=[(make_skill(slug="python", name="Python", category=make_category()), 3, 2, False)],
    )
    coach = make_coach(email="cora@example.com", first_name="Cora")
    ana = make_user(email="ana@example.com", first_name="Ana")
    ben = make_user(email="ben@example.com", first_name="Ben")
    report = make_submitted_assessment(role=role, owner=ana, levels={"python": 1})
    make_submitted_assessment(role=role, owner=ben, levels={"python": 3})
    nora = make_coach(email="nora@example.com")
    dee = make_user(email="dee@example.com")
    dee_relationship = make_relationship(coach=nora, client=dee)
    return SimpleNamespace(
        coach=coach,
        ana=make_relationship(coach=coach, client=ana),
        ben=make_relationship(coach=coach, client=ben),
        report=report,
        nora=nora,
        dee=dee_relationship,
        nora_tag=tag_add(coach=nora, relationship=dee_relationship, name="Nora's own"),
        browser=_browser(coach),
    )


def _tags_of(relationship: CoachRelationship) -> list[str]:
    return sorted(relationship.tags.values_list("name", flat=True))


def _state() -> list[Any]:
    return [
        sorted(ClientTag.objects.values_list("pk", "coach_id", "name")),
        sorted(CoachRelationship.tags.through.objects.values_list("pk", "clienttag_id")),
    ]


def _add(browser: Client, relationship: CoachRelationship, name: str, **extra: Any) -> Any:
    url = reverse("coaching:client_tag_add", args=[relationship.pk])
    return browser.post(url, {"name": name}, **extra)


# --- adding, in any case -------------------------------------------------------------------


def test_a_tag_is_made_once_and_reused_in_any_case(cora: SimpleNamespace) -> None:
    first = tag_add(coach=cora.coach, relationship=cora.ana, name="  Spring   cohort ")
    second = tag_add(coach=cora.coach, relationship=cora.ben, name="SPRING COHORT")

    assert first.pk == second.pk
    assert first.name == "Spring cohort"  # trimmed, inner spaces made one
    assert ClientTag.objects.filter(coach=cora.coach).count() == 1
    assert _tags_of(cora.ana) == _tags_of(cora.ben) == ["Spring cohort"]


def test_the_same_name_is_another_tag_for_another_coach(cora: SimpleNamespace) -> None:
    mine = tag_add(coach=cora.coach, relationship=cora.ana, name="nora's OWN")
    assert mine.pk != cora.nora_tag.pk
    assert mine.coach_id == cora.coach.pk


def test_tagging_a_client_twice_changes_nothing(cora: SimpleNamespace) -> None:
    for _ in range(2):
        response = _add(cora.browser, cora.ana, "Spring")
        assert response.status_code == 302
    assert cora.ana.tags.count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the tag a name."),
        ("    ", "Give the tag a name."),
        ("x" * 41, "Keep a tag to 40 characters."),
        ("a\x00b", "This text holds an invisible null character."),
    ],
    ids=["empty", "spaces", "41-characters", "null-character"],
)
def test_a_bad_name_is_refused_with_a_message(
    cora: SimpleNamespace, name: str, message: str
) -> None:
    before = _state()
    plain = _add(cora.browser, cora.ana, name, follow=True)
    htmx = _add(cora.browser, cora.ana, name, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tags")

    assert message.split(".")[0] in plain.content.decode()
    assert htmx.status_code == 422
    assert message.split(".")[0] in htmx.content.decode()
    assert _state() == before


def test_forty_characters_are_enough(cora: SimpleNamespace) -> None:
    tag = tag_add(coach=cora.coach, relationship=cora.ana, name="y" * 40)
    assert tag.name == "y" * 40


def test_a_coach_has_at_most_a_hundred_tags(cora: SimpleNamespace) -> None:
    ClientTag.objects.bulk_create(
        ClientTag(coach=cora.coach, name=f"Group {n}") for n in range(TAGS_PER_COACH)
    )
    with pytest.raises(CoachingError, match="100 tags, the most there can be"):
        tag_add(coach=cora.coach, relationship=cora.ana, name="One more")
    # An existing one is still there to use.
    tag_add(coach=cora.coach, relationship=cora.ana, name="group 7")
    assert _tags_of(cora.ana) == ["Group 7"]
    assert ClientTag.objects.filter(coach=cora.coach).count() == TAGS_PER_COACH


# --- the session view's block --------------------------------------------------------------


def test_the_session_view_shows_the_clients_tags_and_offers_the_others(
    cora: SimpleNamespace,
) -> None:
    tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    tag_add(coach=cora.coach, relationship=cora.ben, name="Career change")

    page = cora.browser.get(reverse("coaching:session", args=[cora.ana.pk])).content.decode()
    block = page.split('data-testid="client-tags"', 1)[1].split("</section>", 1)[0]

    assert 'aria-label="Remove the tag Spring"' in block
    assert '<datalist id="coach-tags"><option value="Career change"></option></datalist>' in block
    assert "Nora" not in block
    assert 'list="coach-tags"' in block and 'for="tag-name"' in block


def test_with_htmx_the_block_comes_back_alone(cora: SimpleNamespace) -> None:
    response = _add(cora.browser, cora.ana, "Spring", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<section class="card mb-4 no-print" id="tags"')
    assert 'data-testid="tag-chip"' in page and "Tagged “Spring”." in page


def test_without_javascript_it_comes_back_to_the_session_view(cora: SimpleNamespace) -> None:
    response = _add(cora.browser, cora.ana, "Spring")
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:session", args=[cora.ana.pk]) + "#tags"


def test_removing_takes_the_tag_off_that_client_only(cora: SimpleNamespace) -> None:
    tag = tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    tag_add(coach=cora.coach, relationship=cora.ben, name="Spring")

    url = reverse("coaching:client_tag_remove", args=[cora.ana.pk, tag.pk])
    response = cora.browser.post(url, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Tag “Spring” removed." in response.content.decode()
    assert _tags_of(cora.ana) == []
    assert _tags_of(cora.ben) == ["Spring"]
    assert ClientTag.objects.filter(pk=tag.pk).exists()


# --- renaming and deleting -----------------------------------------------------------------


def test_renaming_changes_the_tag_on_every_client(cora: SimpleNamespace) -> None:
    tag = tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    tag_add(coach=cora.coach, relationship=cora.ben, name="Spring")

    response = cora.browser.post(
        reverse("coaching:tag_rename", args=[tag.pk]), {"name": " Spring 2027 "}, follow=True
    )

    assert "Tag “Spring” renamed “Spring 2027”." in response.content.decode()
    assert _tags_of(cora.ana) == _tags_of(cora.ben) == ["Spring 2027"]


def test_renaming_to_another_tags_name_is_refused_but_a_new_case_is_not(
    cora: SimpleNamespace,
) -> None:
    spring = tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    tag_add(coach=cora.coach, relationship=cora.ben, name="Autumn")

    with pytest.raises(CoachingError, match="already have a tag named “Autumn”"):
        tag_rename(coach=cora.coach, tag=spring, name="AUTUMN")
    assert tag_rename(coach=cora.coach, tag=spring, name="SPRING").name == "SPRING"


def test_deleting_takes_the_tag_off_every_client_and_keeps_them(cora: SimpleNamespace) -> None:
    tag = tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    tag_add(coach=cora.coach, relationship=cora.ben, name="Spring")

    response = cora.browser.post(reverse("coaching:tag_delete", args=[tag.pk]))

    assert response.status_code == 302
    assert not ClientTag.objects.filter(pk=tag.pk).exists()
    assert _tags_of(cora.ana) == _tags_of(cora.ben) == []
    assert CoachRelationship.objects.active().filter(coach=cora.coach).count() == 2


def test_a_service_refuses_another_coachs_tag(cora: SimpleNamespace) -> None:
    with pytest.raises(CoachingError):
        tag_delete(coach=cora.coach, tag=cora.nora_tag)
    with pytest.raises(CoachingError):
        tag_add(coach=cora.coach, relationship=cora.dee, name="Mine now")
    assert ClientTag.objects.filter(pk=cora.nora_tag.pk).exists()


# --- who may -------------------------------------------------------------------------------


def test_another_coachs_tag_or_client_is_a_404_and_changes_nothing(
    cora: SimpleNamespace,
) -> None:
    mine = tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    before = _state()
    attempts = [
        (reverse("coaching:client_tag_add", args=[cora.dee.pk]), {"name": "Spring"}),
        (reverse("coaching:client_tag_remove", args=[cora.dee.pk, cora.nora_tag.pk]), {}),
        (reverse("coaching:client_tag_remove", args=[cora.ana.pk, cora.nora_tag.pk]), {}),
        (reverse("coaching:client_tag_remove", args=[cora.dee.pk, mine.pk]), {}),
        (reverse("coaching:tag_rename", args=[cora.nora_tag.pk]), {"name": "Taken"}),
        (reverse("coaching:tag_delete", args=[cora.nora_tag.pk]), {}),
        (reverse("coaching:tag_delete", args=[999_999]), {}),
    ]
    for url, data in attempts:
        assert cora.browser.post(url, data).status_code == 404, url
    assert _state() == before


def test_a_client_who_is_not_a_coach_gets_404(cora: SimpleNamespace) -> None:
    tag = tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    ana = _browser(cora.ana.client)
    before = _state()
    assert _add(ana, cora.ana, "Mine").status_code == 404
    assert ana.post(reverse("coaching:tag_delete", args=[tag.pk])).status_code == 404
    assert ana.get(reverse("coaching:cohort")).status_code == 404
    assert _state() == before


def test_the_client_never_sees_tags(cora: SimpleNamespace) -> None:
    tag_add(coach=cora.coach, relationship=cora.ana, name="Needs a push")
    ana = _browser(cora.ana.client)
    pages = [
        reverse("coaching:my_coaches"),
        reverse("assessments:result", args=[cora.report.pk]),
        reverse("assessments:mine"),
    ]
    for url in pages:
        response = ana.get(url)
        assert response.status_code == 200, url
        assert "Needs a push" not in response.content.decode(), url


# --- the dashboard -------------------------------------------------------------------------


def _names(page: str) -> list[str]:
    from tests.coaching.test_dashboard import _names as dashboard_names

    return dashboard_names(page)


def test_the_dashboard_shows_each_clients_tags(cora: SimpleNamespace) -> None:
    tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    tag_add(coach=cora.coach, relationship=cora.ana, name="Career change")

    page = cora.browser.get(reverse("coaching:clients")).content.decode()
    ana_row = page.split(">Ana</a>", 1)[1].split("</tr>", 1)[0]

    assert (
        '<span class="badge tag-badge">Career change</span><span class="visually-hidden">, '
        '</span> <span class="badge tag-badge">Spring</span>'
    ) in ana_row
    assert "tag-badge" not in page.split(">Ben</a>", 1)[1].split("</tr>", 1)[0]


def test_a_tag_shows_at_once_on_the_kept_dashboard(cora: SimpleNamespace) -> None:
    # The dashboard is kept whole per coach (careerpath/page_cache.py): a tag must bump it.
    url = reverse("coaching:clients")
    assert "tag-badge" not in cora.browser.get(url).content.decode()
    tag = tag_add(coach=cora.coach, relationship=cora.ana, name="Spring")
    assert ">Spring</span>" in cora.browser.get(url).content.decode()
    tag_rename(coach=cora.coach, tag=tag, name="Autumn")
    page = cora.browser.get(url).content.decode()
    assert ">Autumn</span>" in page and ">Spring</span>" not in page
    tag_delete(coach=cora.coach, tag=tag)
    assert "tag-badge" not in cora.browser.get(url).content.decode()


def test_the_dashboard_filters_by_tag_and_the_csv_follows(cora: SimpleNamespace) -> None:
    tag = tag_add(coach=cora.coach, relationship=cora.ben, name="Spring")

    page = cora.browser.get(reverse("coaching:clients"), {"tag": tag.pk}).content.decode()
    export = cora.browser.get(reverse("coaching:clients_csv"), {"tag": tag.pk})
    rows = list(csv.reader(io.StringIO(export.content.decode())))

    assert _names(page) == ["Ben"]
    assert f'<option value="{tag.pk}" selected>Spring</option>' in page
    assert f"?tag={tag.pk}" in page  # the CSV link and the cohort view keep the tag
    assert [row[1] for row in rows[1:]] == ["ben@example.com"]


@pytest.mark.parametrize("value", ["nora", "abc", "-1", "²", "99999999999999999999"])
def test_a_tag_that_is_not_the_coachs_is_ignored_on_the_dashboard(
    cora: SimpleNamespace, value: str
) -> None:
    tag = str(cora.nora_tag.pk) if value == "nora" else value
    page = cora.browser.get(reverse("coaching:clients"), {"tag": tag})
    export = cora.browser.get(reverse("coaching:clients_csv"), {"tag": tag})

    assert page.status_code == export.status_code == 200
    assert _names(page.content.decode()) == ["Ana", "Ben"]
    assert "Nora" not in page.content.decode()
    assert len(list(csv.reader(io.StringIO(export.content.decode())))) == 3


def test_tags_add_no_query_per_row_to_the_dashboard(cora: SimpleNamespace) -> None:
    # Ana and Ben with three tags each: the page's tags are one query, as with none.
    for name in ("Spring", "Autumn", "Career change"):
        tag = tag_add(coach=cora.coach, relationship=cora.ana, name=name)
        tag_add(coach=cora.coach, relationship=cora.ben, name=name)
    for params in ({}, {"tag": tag.pk}):
        with CaptureQueriesContext(connection) as queries:
            response = cora.browser.get(reverse("coaching:clients"), params)
        assert response.status_code == 200
        assert len(queries) == DASHBOARD_QUERIES
        assert response.content.decode().count("tag-badge") == 6


# --- several clients at once, from the dashboard ---------------------------------------


def _tag_ticked(
    browser: Client, *relationships: Any, name: str = "Spring", follow: bool = False, **data: Any
) -> Any:
    clients = [str(r if isinstance(r, (int, str)) else r.pk) for r in relationships]
    url = reverse("coaching:clients_tag")
    return browser.post(url, {"client": clients, "name": name, **data}, follow=follow)


def test_the_ticked_clients_are_tagged_and_the_dashboard_keeps_its_filters(
    cora: SimpleNamespace,
) -> None:
    tag_add(coach=cora.coach, relationship=cora.ana, name="spring")  # Ana has it already

    response = _tag_ticked(
        cora.browser, cora.ana, cora.ben, name="SPRING", query="q=a&verdict=early&evil=1"
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('coaching:clients')}?q=a&verdict=early"
    assert _tags_of(cora.ana) == _tags_of(cora.ben) == ["spring"]
    assert ClientTag.objects.filter(coach=cora.coach).count() == 1
    page = cora.browser.get(response["Location"]).content.decode()
    assert "Tagged 2 clients “spring”." in page


def test_the_dashboard_shows_a_tick_box_per_client_for_the_tagging_form(
    cora: SimpleNamespace,
) -> None:
    page = cora.browser.get(reverse("coaching:clients")).content.decode()

    assert page.count('data-testid="row-tick"') == 2
    assert 'form="bulk-tag"' in page and 'aria-label="Tick Ana to tag"' in page


def test_nothing_ticked_or_a_bad_name_is_refused_and_tags_nobody(cora: SimpleNamespace) -> None:
    before = _state()

    nothing = cora.browser.post(reverse("coaching:clients_tag"), {"name": "Spring"}, follow=True)
    blank = _tag_ticked(cora.browser, cora.ana, name="   ", follow=True)
    long = _tag_ticked(cora.browser, cora.ana, name="x" * 41, follow=True)

    assert "Tick the clients to tag first." in nothing.content.decode()
    assert "Give the tag a name." in blank.content.decode()
    assert "Keep a tag to 40 characters." in long.content.decode()
    assert _state() == before


@pytest.mark.parametrize("foreign", ["another coach's client", "revoked", "no such id"])
def test_a_client_not_the_coach_s_own_is_a_404_that_tags_nobody(
    cora: SimpleNamespace, foreign: str
) -> None:
    if foreign == "revoked":
        other = make_relationship(coach=cora.coach, client=make_user())
        CoachRelationship.objects.filter(pk=other.pk).update(revoked_at=cora.ana.created_at)
        target: Any = other
    else:
        target = cora.dee if foreign == "another coach's client" else 999_999
    before = _state()

    response = _tag_ticked(cora.browser, cora.ana, target)

    assert response.status_code == 404
    assert _state() == before


def test_garbled_ids_are_ignored_not_a_500(cora: SimpleNamespace) -> None:
    response = _tag_ticked(cora.browser, cora.ben, "²", "1e3", "-1", "")

    assert response.status_code == 302
    assert _tags_of(cora.ben) == ["Spring"]


def test_a_non_coach_gets_a_404(cora: SimpleNamespace) -> None:
    response = _tag_ticked(_browser(cora.ana.client), cora.ana)

    assert response.status_code == 404
    assert _tags_of(cora.ana) == []


def test_tagging_25_clients_costs_what_tagging_2_does(cora: SimpleNamespace) -> None:
    many = [make_relationship(coach=cora.coach, client=make_user()) for _ in range(23)]

    def queries(relationships: list[Any], name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = _tag_ticked(cora.browser, *relationships, name=name)
        count = len(captured.captured_queries)
        assert response.status_code == 302
        return count

    assert queries([cora.ana, cora.ben], "Two") == queries([cora.ana, cora.ben, *many], "All")
    assert CoachRelationship.tags.through.objects.filter(clienttag__name="All").count() == 25
