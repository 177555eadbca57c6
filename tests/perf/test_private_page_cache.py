"""Pages kept whole per viewer (careerpath/page_cache.py): served from memory while nothing
they show has changed, changed at once by every write that changes them, and never
served to anyone but the session they were rendered for."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from assessments.questionnaire import questionnaire_for
from assessments.views import answer_saved_html
from coaching.models import CoachNote, Invitation
from coaching.services import invitation_accept, relationship_revoke
from roles.models import Role
from tests.factories import (
    make_assessment,
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

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def _role(skills: int = 4, *, title: str = "ML Team Lead") -> Role:
    category = make_category()
    made = [make_skill(category=category, name=f"Skill {n}") for n in range(skills)]
    return make_role(track=make_track(), title=title, skills=[(s, 3, 3, False) for s in made])


def _page(client: Client, url: str, **headers: Any) -> tuple[str, int]:
    """The page without its CSRF tokens (masked anew on every response), and its queries."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return TOKEN.sub("", response.content.decode()), len(queries)


def _kept(client: Client, url: str) -> str:
    """Render the page, then check the next view is served kept (the session's query
    alone), and return it."""
    first, _ = _page(client, url)
    again, queries = _page(client, url)
    assert (again, queries) == (first, 1)
    return again


@pytest.fixture
def ann(client: Client) -> Any:
    user = make_user(email="ann@example.com", first_name="Ann")
    client.force_login(user)
    return user


def _result(assessment: Assessment) -> str:
    return reverse("assessments:result", args=[assessment.pk])


def _questionnaire(assessment: Assessment) -> str:
    return reverse("assessments:questionnaire", args=[assessment.pk])


# --- served kept, and what it costs -----------------------------------------------------


@pytest.mark.parametrize("skills", [3, 40])
def test_a_kept_report_questionnaire_and_dashboard_read_only_the_session(client, skills):
    """Warm: one query (the session, in the database under tests; in Redis in
    production), whatever the size of the page."""
    coach, owner = make_coach(), make_user()
    role = _role(skills)
    report = make_submitted_assessment(role=role, owner=owner)
    draft = make_assessment(role=_role(skills), owner=owner)
    for _ in range(skills // 3):
        make_relationship(coach=coach, client=make_user())
    client.force_login(owner)
    _kept(client, _result(report))
    _kept(client, _questionnaire(draft))
    client.force_login(coach)
    _kept(client, reverse("coaching:clients"))
    _kept(client, reverse("coaching:clients") + "?sort=-change")


def test_a_kept_page_gives_every_response_a_csrf_token_of_its_own_that_works(ann):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ann)
    report = make_submitted_assessment(role=_role(), owner=ann)
    tokens = set()
    for _ in range(3):
        response = browser.get(_result(report))
        tokens |= set(TOKEN.findall(response.content.decode()))
    assert len(tokens) >= 3  # masked anew each time, as a render does
    posted = browser.post(
        reverse("assessments:share_create", args=[report.pk]),
        {"days": "7", "csrfmiddlewaretoken": tokens.pop()},
    )
    assert posted.status_code == 302


def test_a_kept_page_is_served_compressed_as_the_plain_page(client, ann):
    report = make_submitted_assessment(role=_role(), owner=ann)
    plain = _kept(client, _result(report))
    for _ in range(2):
        response = client.get(_result(report), headers={"Accept-Encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"] and "Cookie" in response["Vary"]
        assert TOKEN.sub("", gzip.decompress(response.content).decode()) == plain


def test_a_kept_page_keeps_the_security_headers(client, ann):
    report = make_submitted_assessment(role=_role(), owner=ann)
    _kept(client, _result(report))
    response = client.get(_result(report))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
    assert "Referrer-Policy" in response
    assert len(response["X-Request-ID"]) == 32


# --- never someone else's ----------------------------------------------------------------


def test_another_user_never_gets_someone_elses_kept_report(client, ann):
    report = make_submitted_assessment(role=_role(), owner=ann)
    _kept(client, _result(report))
    client.force_login(make_user(email="bob@example.com"))
    assert client.get(_result(report)).status_code == 404
    client.logout()
    assert client.get(_result(report)).status_code == 404


def test_a_visitor_never_gets_a_signed_in_users_kept_page(client, ann):
    draft = make_assessment(role=_role(), owner=ann)
    _kept(client, _questionnaire(draft))
    assert Client().get(_questionnaire(draft)).status_code == 404  # no session of ann's


def test_two_users_each_get_their_own_dashboard(client):
    first, second = make_coach(), make_coach()
    make_relationship(coach=first, client=make_user(email="client-of-first@example.com"))
    make_relationship(coach=second, client=make_user(email="client-of-second@example.com"))
    client.force_login(first)
    page = _kept(client, reverse("coaching:clients"))
    assert "client-of-first@example.com" in page
    client.force_login(second)
    page, _ = _page(client, reverse("coaching:clients"))
    assert "client-of-second@example.com" in page
    assert "client-of-first@example.com" not in page


def test_a_password_change_ends_the_other_sessions_kept_pages(client, ann):
    report = make_submitted_assessment(role=_role(), owner=ann)
    _kept(client, _result(report))
    ann.set_password("a-new-password-for-ann")
    ann.save()
    response = client.get(_result(report))
    assert response.status_code == 404  # signed out: the report is nobody's to see


def test_a_revoked_consent_takes_the_client_off_the_kept_dashboard_at_once(client):
    coach, ann = make_coach(), make_user(email="ann@example.com")
    report = make_submitted_assessment(role=_role(), owner=ann)
    relationship = make_relationship(coach=coach, client=ann)
    client.force_login(coach)
    assert "ann@example.com" in _kept(client, reverse("coaching:clients"))
    relationship_revoke(relationship=relationship)
    page, _ = _page(client, reverse("coaching:clients"))
    assert "ann@example.com" not in page
    assert client.get(reverse("coaching:report", args=[report.pk])).status_code == 404


# --- every write that changes a kept page shows on the next view -------------------------


def test_an_autosave_shows_on_the_next_questionnaire_view(client, ann):
    draft = make_assessment(role=_role(3), owner=ann)
    assert "0 of 4 answered" in _kept(client, _questionnaire(draft))
    slug = draft.role.skill_requirements.select_related("skill").first().skill.slug
    saved = client.post(reverse("assessments:answer", args=[draft.pk]), {f"skill-{slug}": "4"})
    assert saved.status_code == 200
    page, _ = _page(client, _questionnaire(draft))
    assert "1 of 4 answered" in page


def test_saving_the_whole_form_shows_on_the_next_questionnaire_view(client, ann):
    draft = make_assessment(role=_role(3), owner=ann)
    _kept(client, _questionnaire(draft))
    client.post(_questionnaire(draft), {"education": "master"})
    page, _ = _page(client, _questionnaire(draft))
    assert "1 of 4 answered" in page


def test_a_share_link_made_and_revoked_shows_on_the_next_report_view(client, ann):
    report = make_submitted_assessment(role=_role(), owner=ann)
    assert "Works until" not in _kept(client, _result(report))
    client.post(reverse("assessments:share_create", args=[report.pk]), {"days": "7"})
    _page(client, _result(report))  # with the message: shown once, so not kept
    page = _kept(client, _result(report))
    assert "Works until" in page
    link = report.share_links.get()
    client.post(reverse("assessments:share_revoke", args=[report.pk, link.pk]))
    _page(client, _result(report))  # the message
    page, _ = _page(client, _result(report))
    assert "Revoked" in page and "Works until" not in page


def test_a_coachs_shared_note_and_calibration_show_on_the_owners_kept_report(client, ann):
    coach = make_coach(first_name="Cora", last_name="Coach")
    report = make_submitted_assessment(role=_role(), owner=ann)
    make_relationship(coach=coach, client=ann)
    before = _kept(client, _result(report))
    assert "Keep going with the projects" not in before

    coach_browser = Client()
    coach_browser.force_login(coach)
    coach_browser.post(
        reverse("coaching:note_add", args=[report.pk]),
        {"text": "Keep going with the projects", "visibility": CoachNote.Visibility.SHARED},
    )
    page = _kept(client, _result(report))
    assert "Keep going with the projects" in page

    skill = report.report["requirements"][0]["slug"]
    coach_browser.post(reverse("coaching:calibrate", args=[report.pk]), {f"level-{skill}": "5"})
    after, _ = _page(client, _result(report))
    assert after != page
    assert "Cora Coach" in after


def _shared_note(ann: Any) -> tuple[Client, Assessment, CoachNote]:
    coach = make_coach(first_name="Cora")
    report = make_submitted_assessment(role=_role(), owner=ann)
    make_relationship(coach=coach, client=ann)
    note = CoachNote.objects.create(
        assessment=report, coach=coach, text="Keep going with the projects", visibility="shared"
    )
    coach_browser = Client()
    coach_browser.force_login(coach)
    return coach_browser, report, note


@pytest.mark.parametrize(
    ("data", "gone"),
    [
        ({"text": "Start with the SQL course", "visibility": "shared"}, False),
        ({"text": "Keep going with the projects", "visibility": "private"}, True),
    ],
    ids=["new-text", "made-private"],
)
def test_a_coachs_note_edit_shows_on_the_owners_kept_report_at_once(client, ann, data, gone):
    coach_browser, report, note = _shared_note(ann)
    assert "Keep going with the projects" in _kept(client, _result(report))

    coach_browser.post(reverse("coaching:note_edit", args=[report.pk, note.pk]), data)

    page = _kept(client, _result(report))
    assert "Keep going with the projects" not in page
    assert ("Start with the SQL course" in page) is not gone


def test_a_coachs_note_deletion_shows_on_the_owners_kept_report_at_once(client, ann):
    coach_browser, report, note = _shared_note(ann)
    assert "Keep going with the projects" in _kept(client, _result(report))

    coach_browser.post(reverse("coaching:note_delete", args=[report.pk, note.pk]))

    page = _kept(client, _result(report))
    assert "Keep going with the projects" not in page
    assert 'data-testid="coach-note"' not in page


def test_a_new_shared_submission_shows_on_the_coachs_kept_dashboard(client):
    coach, ann = make_coach(), make_user(email="ann@example.com")
    role = _role()
    make_relationship(coach=coach, client=ann)
    client.force_login(coach)
    before = _kept(client, reverse("coaching:clients"))
    assert role.title not in before
    make_submitted_assessment(role=role, owner=ann)  # shared at once: scope "all"
    after, _ = _page(client, reverse("coaching:clients"))
    assert role.title in after


def test_an_accepted_invitation_shows_on_the_coachs_kept_dashboard(client):
    coach, ann = make_coach(), make_user(email="ann@example.com")
    client.force_login(coach)
    assert "ann@example.com" not in _kept(client, reverse("coaching:clients"))
    invitation = Invitation.objects.create(coach=coach)
    invitation_accept(invitation_id=invitation.pk, client=ann, scope="all")
    page, _ = _page(client, reverse("coaching:clients"))
    assert "ann@example.com" in page


def test_becoming_a_coach_shows_on_the_next_kept_page(client, ann):
    from django.contrib.auth.models import Group

    from coaching.models import COACHES_GROUP

    draft = make_assessment(role=_role(), owner=ann)
    assert 'href="/coaching/clients/"' not in _kept(client, _questionnaire(draft))
    ann.groups.add(Group.objects.get_or_create(name=COACHES_GROUP)[0])
    page, _ = _page(client, _questionnaire(draft))
    assert 'href="/coaching/clients/"' in page


def test_a_catalogue_edit_shows_on_the_next_kept_page(client, ann):
    draft = make_assessment(role=_role(title="ML Team Lead"), owner=ann)
    assert "ML Team Lead" in _kept(client, _questionnaire(draft))
    role = draft.role
    role.title = "Machine Learning Team Lead"
    role.save()
    page, _ = _page(client, _questionnaire(draft))
    assert "Machine Learning Team Lead" in page


def test_a_submission_turns_the_kept_questionnaire_into_a_redirect(client, ann):
    role = _role(3)
    draft = make_assessment(role=role, owner=ann)
    _kept(client, _questionnaire(draft))
    questions = questionnaire_for(role)
    data = {q.key: "3" for q in questions.skill_questions.values()}
    data |= {q.key: "2" for q in questions.experience} | {"education": "master"}
    client.post(_questionnaire(draft), data)
    client.post(reverse("assessments:submit", args=[draft.pk]))
    response = client.get(_questionnaire(draft))
    assert response.status_code == 302
    assert response["Location"] == _result(draft)


# --- the autosave's answer ---------------------------------------------------------------


def test_the_autosave_status_is_the_html_its_templates_render():
    progress = {
        "answered": 7,
        "total": 12,
        "percent": 58,
        "sections": [
            {"slug": "technical", "name": "Technical", "answered": 4, "total": 4},
            {"slug": "background", "name": "Experience and education", "answered": 3, "total": 8},
        ],
    }
    template = render_to_string("assessments/_answer_status.html", {"progress": progress})

    def squeezed(html: str) -> str:
        return re.sub(r">\s+<", "><", html.strip())

    assert squeezed(answer_saved_html(progress)) == squeezed(template)


def test_a_visitor_with_a_draft_is_sent_to_log_in_from_the_coach_dashboard(client):
    role = _role()
    client.post(reverse("roles:assess", args=[role.slug]))  # a visitor's session
    for _ in range(2):
        response = client.get(reverse("coaching:clients"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
