"""Catalogue pages and questionnaires are cached under the catalogue's version: served
without a query, and changed at once by any edit in the admin (roles/cache.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.forms import BaseForm
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.services import Owner, assessment_start
from roles.models import Role
from tests.factories import make_category, make_role, make_skill, make_track, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead() -> Role:
    track = make_track(name="Machine Learning Engineering")
    category = make_category(name="Technical")
    skills = [make_skill(category=category, name=f"Skill {n}") for n in range(3)]
    return make_role(
        track=track, slug="lead", title="ML Team Lead", skills=[(s, 3, 3, False) for s in skills]
    )


def _get(client: Client, url: str, **headers: Any) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _form_values(form: BaseForm) -> dict[str, Any]:
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


def _admin_save(admin_client: Client, role: Role, **changes: Any) -> None:
    """Post the role's admin change form back as a browser would, with `changes`."""
    url = reverse("admin:roles_role_change", args=[role.pk])
    page = admin_client.get(url)
    data = _form_values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        existing = formset.forms[: formset.initial_form_count()]
        for form in existing:
            data |= _form_values(form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(existing))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(len(existing))
    for key, value in changes.items():
        if key.endswith("-TOTAL_FORMS"):
            continue
        data[key] = value
    for key in [k for k in changes if k.endswith("-TOTAL_FORMS")]:
        data[key] = changes[key]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_an_anonymous_catalogue_page_is_served_from_the_cache_without_a_query(client, lead):
    for url in (reverse("roles:list"), lead.get_absolute_url(), reverse("home")):
        first, _ = _get(client, url)
        again, queries = _get(client, url)
        assert again == first
        assert queries == 0


def test_an_admin_edit_shows_on_the_public_pages_at_once(client, admin_client, lead):
    _get(client, reverse("roles:list"))
    _get(client, lead.get_absolute_url())

    _admin_save(admin_client, lead, title="Machine Learning Team Lead")

    listing, _ = _get(client, reverse("roles:list"))
    page, _ = _get(client, lead.get_absolute_url())
    assert "Machine Learning Team Lead" in listing
    assert "Machine Learning Team Lead" in page


def test_unpublishing_and_publishing_in_the_admin_show_at_once(client, admin_client, lead):
    listing, _ = _get(client, reverse("roles:list"))
    assert "ML Team Lead" in listing

    def run(action: str) -> None:
        admin_client.post(
            reverse("admin:roles_role_changelist"),
            {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [lead.pk]},
        )

    run("unpublish")
    listing, _ = _get(client, reverse("roles:list"))
    assert "ML Team Lead" not in listing
    assert client.get(lead.get_absolute_url()).status_code == 404

    run("publish")
    listing, _ = _get(client, reverse("roles:list"))
    page, _ = _get(client, lead.get_absolute_url())
    assert "ML Team Lead" in listing
    assert "ML Team Lead" in page


def test_a_requirement_added_in_the_admin_is_asked_at_once(client, admin_client, lead):
    user = make_user()
    client.force_login(user)
    draft, _ = assessment_start(owner=Owner(user=user), role=lead)
    url = reverse("assessments:questionnaire", args=[draft.pk])
    client.get(url)  # the questionnaire is built and cached
    new_skill = make_skill(name="Prompt engineering")
    client.get(url)

    count = lead.skill_requirements.count()
    _admin_save(
        admin_client,
        lead,
        **{
            f"skill_requirements-{count}-skill": str(new_skill.pk),
            f"skill_requirements-{count}-level": "2",
            f"skill_requirements-{count}-weight": "3",
            "skill_requirements-TOTAL_FORMS": str(count + 1),
        },
    )

    assert "Prompt engineering" in client.get(url).content.decode()
    saved = client.post(
        reverse("assessments:answer", args=[draft.pk]), {f"skill-{new_skill.slug}": "2"}
    )
    assert saved.status_code == 200
    assert "Saved" in saved.content.decode()


def test_signed_in_visitors_get_their_own_page_not_the_cached_one(client, lead):
    anonymous, _ = _get(client, lead.get_absolute_url())
    client.force_login(make_user(email="ann@example.com"))
    signed_in, _ = _get(client, lead.get_absolute_url())
    assert "Log out" in signed_in
    assert "Log out" not in anonymous


def test_the_htmx_partial_and_the_full_page_are_cached_apart(client, lead):
    full, _ = _get(client, reverse("roles:list"))
    partial, _ = _get(client, reverse("roles:list"), HX_Request="true", HX_Target="role-results")
    assert "<html" in full
    assert "<html" not in partial
    again, queries = _get(client, reverse("roles:list"))
    assert (again, queries) == (full, 0)


def test_a_cached_page_is_served_compressed_to_who_accepts_it(client, lead):
    import gzip

    plain, _ = _get(client, reverse("roles:list"))
    response = client.get(reverse("roles:list"), headers={"Accept-Encoding": "gzip, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content).decode() == plain
    assert len(response.content) < len(plain) / 2


def test_a_page_served_from_memory_keeps_every_header_the_full_stack_adds(client, lead):
    url = reverse("roles:list")
    rendered = client.get(url)
    served = client.get(url)  # from this process's memory (roles.cache.PublicPageMiddleware)
    assert served.content == rendered.content
    for header in (
        "Content-Type",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert served[header] == rendered[header], header
    assert len(served["X-Request-ID"]) == 32
    assert served["X-Request-ID"] != rendered["X-Request-ID"]


def test_a_page_served_from_memory_still_refuses_an_unknown_host(client, lead):
    url = reverse("roles:list")
    client.get(url)
    assert client.get(url).status_code == 200
    assert client.get(url, headers={"Host": "evil.example.com"}).status_code == 400


def test_a_catalogue_change_in_this_process_shows_at_once_despite_the_version_memo(client, lead):
    listing, _ = _get(client, reverse("roles:list"))
    assert "ML Team Lead" in listing
    lead.title = "Machine Learning Team Lead"
    lead.save()  # within the memo's second: the bump writes the memo too
    listing, _ = _get(client, reverse("roles:list"))
    assert "Machine Learning Team Lead" in listing


def test_a_deploy_which_runs_migrate_renews_the_catalogue_version(db):
    from django.core.management import call_command

    from roles.cache import catalogue_version

    before = catalogue_version()
    call_command("migrate", verbosity=0)
    # Pages kept under the old version were rendered by the previous release's templates.
    assert catalogue_version() != before
