"""Importing a framework from the admin: upload, choose by searching, preview (nothing
saved), import; a missing or bad file is refused with its name."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roles.cache import catalogue_version
from roles.models import FrameworkUpload, Role, Skill
from tests.factories import make_role, make_track, make_user

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"
ESCO_FILES = ("occupations_en.csv", "skills_en.csv", "occupationSkillRelations_en.csv")
DATA_SCIENTIST = "http://data.europa.eu/esco/occupation/258e46f9-0075-4a2e-adae-1ff0477e0f30"


def _files(folder: str, names: tuple[str, ...]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, (DATA / folder / name).read_bytes()) for name in names]


def _upload(client: Client, framework: str, files: list[SimpleUploadedFile]):
    return client.post(reverse("admin:roles_role_import"), {"framework": framework, "files": files})


def _uploaded_esco(client: Client) -> FrameworkUpload:
    response = _upload(client, "esco", _files("esco", ESCO_FILES))
    upload = FrameworkUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:roles_role_import_choose", args=[upload.pk])
    return upload


def test_the_role_list_links_to_the_import(admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:roles_role_changelist")).content.decode()
    assert reverse("admin:roles_role_import") in page


def test_choose_lists_occupations_and_searches_other_titles(admin_client: Client) -> None:
    upload = _uploaded_esco(admin_client)
    url = reverse("admin:roles_role_import_choose", args=[upload.pk])

    page = admin_client.get(url).content.decode()
    assert "3 occupations in the files" in page
    found = admin_client.get(url, {"q": "research data"}).content.decode()
    assert "1 occupation matching “research data”" in found
    assert f'value="{DATA_SCIENTIST}"' in found
    assert "Data analyst" not in found


def test_preview_says_what_would_be_created_and_linked_and_saves_nothing(
    admin_client: Client,
) -> None:
    upload = _uploaded_esco(admin_client)
    admin_client.post(
        reverse("admin:roles_role_import_run", args=[upload.pk]),
        {
            "occupations": [
                "http://data.europa.eu/esco/occupation/d3edb8f8-3a06-47a0-8fb9-9b212c006aa2"
            ]
        },
    )  # data analyst, imported first
    skills_before, roles_before = Skill.objects.count(), Role.objects.count()

    response = admin_client.post(
        reverse("admin:roles_role_import_preview", args=[upload.pk]),
        {"occupations": [DATA_SCIENTIST], "new_track": "Data careers"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    # 54 essential skills, 18 of them made with data analyst: 36 to create, 18 to link.
    assert (
        "1 role(s) created, 0 updated, 0 unchanged (already imported); 36 skill(s) created, "
        "18 existing skill(s) linked; track “Data careers” (new)"
    ) in page
    assert "linked: imported before" in page
    assert (Skill.objects.count(), Role.objects.count()) == (skills_before, roles_before)
    assert not Role.objects.filter(track__name="Data careers").exists()


def test_import_creates_the_unpublished_role_and_opens_it(admin_client: Client) -> None:
    upload = _uploaded_esco(admin_client)
    track = make_track(name="Data careers")

    response = admin_client.post(
        reverse("admin:roles_role_import_run", args=[upload.pk]),
        {"occupations": [DATA_SCIENTIST], "track": track.pk, "optional": "on"},
    )

    role = Role.objects.get(concept_uri=DATA_SCIENTIST)
    assert response["Location"] == reverse("admin:roles_role_change", args=[role.pk])
    assert role.track == track and role.is_published is False
    assert role.skill_requirements.count() == 57
    page = admin_client.get(response["Location"]).content.decode()
    assert "Imported: 1 role(s) created" in page


def test_a_zip_of_the_download_works_like_the_files(admin_client: Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ESCO_FILES:
            archive.write(DATA / "esco" / name, f"ESCO dataset - v1.2.0/{name}")
    response = _upload(admin_client, "esco", [SimpleUploadedFile("esco.zip", buffer.getvalue())])

    assert response.status_code == 302
    upload = FrameworkUpload.objects.get()
    assert upload.file_names == ", ".join(ESCO_FILES)


def test_onet_files_upload_and_import(admin_client: Client) -> None:
    names = ("Occupation Data.txt", "Skills.txt", "Knowledge.txt", "Content Model Reference.txt")
    response = _upload(admin_client, "onet", _files("onet", names))
    upload = FrameworkUpload.objects.get()
    assert response.status_code == 302

    admin_client.post(
        reverse("admin:roles_role_import_run", args=[upload.pk]),
        {"occupations": ["onet:15-2051.00"]},
    )
    assert Role.objects.get().title == "Data Scientists"


def test_a_missing_file_is_named_and_nothing_is_kept(admin_client: Client) -> None:
    response = _upload(admin_client, "esco", _files("esco", ESCO_FILES[:2]))

    assert response.status_code == 200
    assert "Missing for ESCO: occupationSkillRelations_en.csv." in response.content.decode()
    assert not FrameworkUpload.objects.exists()


def test_a_bad_file_is_refused_at_preview_naming_row_and_field(admin_client: Client) -> None:
    files = _files("esco", ESCO_FILES)
    relations = (DATA / "esco" / ESCO_FILES[2]).read_text().splitlines()
    relations[3] = relations[3].replace(",essential,", ",sometimes,")
    files[2] = SimpleUploadedFile(ESCO_FILES[2], ("\n".join(relations) + "\n").encode())
    _upload(admin_client, "esco", files)
    upload = FrameworkUpload.objects.get()

    response = admin_client.post(
        reverse("admin:roles_role_import_preview", args=[upload.pk]),
        {"occupations": [DATA_SCIENTIST]},
    )

    assert (
        "Nothing imported: occupationSkillRelations_en.csv, row 4, relationType: "
        "“sometimes” is neither essential nor optional"
    ) in response.content.decode()
    assert not Role.objects.exists()


def test_no_occupation_ticked_is_asked_again(admin_client: Client) -> None:
    upload = _uploaded_esco(admin_client)
    response = admin_client.post(reverse("admin:roles_role_import_preview", args=[upload.pk]), {})
    assert "Tick at least one occupation to import." in response.content.decode()


def test_staff_without_the_right_to_add_roles_cannot_import(client: Client) -> None:
    user = make_user(is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:roles_role_import"))
    assert response.status_code == 403


def test_visitors_are_sent_to_the_admin_login(client: Client) -> None:
    response = client.get(reverse("admin:roles_role_import"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_upload_left_for_a_day_is_deleted_by_the_next_one(admin_client: Client) -> None:
    old = _uploaded_esco(admin_client)
    FrameworkUpload.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - timedelta(hours=25)
    )
    recent = FrameworkUpload.objects.create(framework="esco", archive=b"", file_names="x")

    _upload(admin_client, "esco", _files("esco", ESCO_FILES))

    assert not FrameworkUpload.objects.filter(pk=old.pk).exists()
    assert FrameworkUpload.objects.filter(pk=recent.pk).exists()


def _anonymous_get(client: Client, url: str) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content, len(queries)


def test_uploading_and_previewing_leave_the_cached_public_pages_as_they_were(
    admin_client: Client, client: Client
) -> None:
    role = make_role(title="Machine learning engineer")
    urls = (reverse("roles:list"), role.get_absolute_url())
    pages = [_anonymous_get(client, url)[0] for url in urls]
    version = catalogue_version()

    upload = _uploaded_esco(admin_client)
    preview = admin_client.post(
        reverse("admin:roles_role_import_preview", args=[upload.pk]),
        {"occupations": [DATA_SCIENTIST], "new_track": "Data careers", "optional": "on"},
    )
    assert "57 skill(s) created" in preview.content.decode()

    # The preview wrote 57 skills, a track and a role, and rolled them back: the catalogue
    # is as it was, so is its version, and visitors still get the kept pages.
    assert catalogue_version() == version
    for url, page in zip(urls, pages, strict=True):
        assert _anonymous_get(client, url) == (page, 0)

    admin_client.post(
        reverse("admin:roles_role_import_run", args=[upload.pk]),
        {"occupations": [DATA_SCIENTIST], "new_track": "Data careers"},
    )
    assert catalogue_version() != version  # the import itself does renew them


DATA_ANALYST = "http://data.europa.eu/esco/occupation/d3edb8f8-3a06-47a0-8fb9-9b212c006aa2"


def _checked(page: str) -> set[str]:
    return set(re.findall(r'name="occupations" value="([^"]+)" checked', page))


def test_a_new_search_keeps_the_occupations_ticked_before(admin_client: Client) -> None:
    upload = _uploaded_esco(admin_client)
    url = reverse("admin:roles_role_import_choose", args=[upload.pk])

    # Ticked data scientist among the results of "scientist", then searched "analyst"
    # (the Search button posts the form back to this page).
    page = admin_client.post(
        url, {"q": "analyst", "occupations": [DATA_SCIENTIST], "new_track": "Data careers"}
    ).content.decode()

    assert "1 occupation matching “analyst”" in page
    assert "Ticked in earlier searches" in page
    assert _checked(page) == {DATA_SCIENTIST}
    assert 'value="Data careers"' in page

    # Both ticked now: the preview gets both.
    preview = admin_client.post(
        reverse("admin:roles_role_import_preview", args=[upload.pk]),
        {"q": "analyst", "occupations": [DATA_SCIENTIST, DATA_ANALYST]},
    )
    assert "2 role(s) created" in preview.content.decode()


def test_back_from_the_preview_keeps_the_choices(admin_client: Client) -> None:
    upload = _uploaded_esco(admin_client)
    preview = admin_client.post(
        reverse("admin:roles_role_import_preview", args=[upload.pk]),
        {"occupations": [DATA_ANALYST], "optional": "on"},
    ).content.decode()
    back = reverse("admin:roles_role_import_choose", args=[upload.pk])
    assert f'value="Back to the choice" formaction="{back}"' in preview

    page = admin_client.post(back, {"occupations": [DATA_ANALYST], "optional": "on"})

    assert _checked(page.content.decode()) == {DATA_ANALYST}
    assert page.context["form"]["optional"].value() is True
    assert not Role.objects.exists()


def test_an_occupation_not_in_the_files_is_not_kept_ticked(admin_client: Client) -> None:
    upload = _uploaded_esco(admin_client)
    url = reverse("admin:roles_role_import_choose", args=[upload.pk])

    page = admin_client.post(url, {"occupations": ["http://example.com/nope"], "track": "x"})

    assert page.status_code == 200
    assert _checked(page.content.decode()) == set()
