"""A person's account page: their data as one JSON file, and deleting the account with
everything about them (issue "Production", Security)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, ExperienceAnswer, ShareLink, SkillAnswer
from assessments.services import share_link_create
from coaching.models import (
    Calibration,
    CoachNote,
    CoachRelationship,
    Invitation,
    SharedAssessment,
)
from coaching.services import calibration_save, note_create
from tests.factories import (
    make_category,
    make_coach,
    make_relationship,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct-horse-battery"


@pytest.fixture
def role() -> Any:
    category = make_category(name="Technical")
    skills = [make_skill(slug=slug, category=category) for slug in ("python", "sql")]
    return make_role(slug="lead", skills=[(s, 3, 3, True) for s in skills])


@pytest.fixture
def world(role) -> dict[str, Any]:
    """Ann, a coach of Ann (who is also a client of another coach), and Bob, a bystander."""
    ann = make_user(email="ann@example.com", password=PASSWORD)
    coach = make_coach(email="coach@example.com")
    coach_of_coach = make_coach(email="mentor@example.com")
    bob = make_user(email="bob@example.com")
    report = make_submitted_assessment(role=role, owner=ann, levels={"python": 2, "sql": 1})
    bob_report = make_submitted_assessment(role=role, owner=bob, levels={"python": 4})
    coach_report = make_submitted_assessment(role=role, owner=coach, levels={"sql": 5})
    share_link_create(assessment=report, days=30)
    share_link_create(assessment=bob_report, days=30)
    make_relationship(coach=coach, client=ann)
    make_relationship(coach=coach, client=bob)
    make_relationship(coach=coach_of_coach, client=coach)
    note_create(assessment=report, coach=coach, text="Ann: shared note", visibility="shared")
    note_create(assessment=report, coach=coach, text="Ann: private note", visibility="private")
    note_create(assessment=bob_report, coach=coach, text="Bob: private", visibility="private")
    note_create(assessment=coach_report, coach=coach_of_coach, text="To coach", visibility="shared")
    calibration_save(assessment=report, coach=coach, levels={"python": "3"})
    calibration_save(assessment=bob_report, coach=coach, levels={"python": "5"})
    Invitation.objects.create(coach=coach, email="ann@example.com")
    return {"ann": ann, "coach": coach, "bob": bob, "report": report, "bob_report": bob_report}


def _export(user) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("account_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="careerpath-data-')
    return json.loads(response.content)


def test_account_page_is_linked_from_the_navigation_and_shows_the_email(world):
    client = Client()
    client.force_login(world["ann"])
    roles_page = client.get(reverse("roles:list")).content.decode()
    assert f'href="{reverse("account")}"' in roles_page
    page = client.get(reverse("account")).content.decode()
    assert "ann@example.com" in page
    assert reverse("account_data") in page
    assert reverse("account_delete") in page


def test_account_page_needs_a_login():
    response = Client().get(reverse("account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_export_holds_the_persons_assessments_answers_reports_and_links(world):
    data = _export(world["ann"])
    assert data["account"]["email"] == "ann@example.com"
    [assessment] = data["assessments"]
    assert assessment["id"] == str(world["report"].pk)
    assert assessment["report"] == world["report"].report
    levels = {a["skill"]: a["level"] for a in assessment["answers"]["skills"]}
    assert levels == {"python": 2, "sql": 1}
    [link] = assessment["share_links"]
    assert link["url"] == world["report"].share_links.get().get_absolute_url()
    assert [n["text"] for n in assessment["coach_notes"]] == ["Ann: shared note"]
    assert [(c["skill"], c["level"]) for c in assessment["coach_calibrations"]] == [("python", 3)]
    [coach] = data["coaching"]["my_coaches"]
    assert coach["email"] == "coach@example.com"
    assert coach["shared_assessments"] == [str(world["report"].pk)]
    assert data["coaching"]["my_clients"] == []
    invitations = data["coaching"]["invitations"]
    assert sorted((i["direction"], i["status"]) for i in invitations) == [
        ("received", "accepted"),
        ("received", "pending"),
    ]


def test_export_holds_nothing_of_anyone_else(world):
    text = json.dumps(_export(world["ann"]))
    assert "bob@example.com" not in text
    assert str(world["bob_report"].pk) not in text
    assert "Bob: private" not in text
    # A coach's private note about Ann stays the coach's.
    assert "Ann: private note" not in text
    assert "mentor@example.com" not in text


def test_a_coachs_export_holds_their_clients_and_what_they_wrote(world):
    data = _export(world["coach"])
    clients = {c["email"] for c in data["coaching"]["my_clients"]}
    assert clients == {"ann@example.com", "bob@example.com"}
    written = {n["text"] for n in data["coaching"]["notes_written"]}
    assert written == {"Ann: shared note", "Ann: private note", "Bob: private"}
    assert len(data["coaching"]["calibrations_written"]) == 2
    [own] = data["assessments"]
    assert [n["text"] for n in own["coach_notes"]] == ["To coach"]
    assert [c["email"] for c in data["coaching"]["my_coaches"]] == ["mentor@example.com"]


def test_export_runs_a_fixed_number_of_queries(role, django_assert_max_num_queries):
    def person_with(assessments: int) -> Any:
        person = make_user()
        coach = make_coach()
        for _ in range(assessments):
            report = make_submitted_assessment(role=role, owner=person, levels={"python": 1})
            share_link_create(assessment=report, days=5)
            note_create(assessment=report, coach=coach, text="n", visibility="shared")
        make_relationship(coach=coach, client=person)
        return person

    small, large = person_with(1), person_with(8)
    client = Client()
    client.force_login(small)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("account_data"))
    client.force_login(large)
    # session and user, assessments and 6 prefetches, relationships on both sides with
    # their shares, invitations, notes and calibrations written: the same for 1 or 8.
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("account_data"))


def _delete(user, password: str) -> Any:
    client = Client()
    client.force_login(user)
    return client, client.post(reverse("account_delete"), {"password": password})


def test_deleting_needs_the_password_and_keeps_everything_when_wrong(world):
    _, response = _delete(world["ann"], "not-my-password")
    assert response.status_code == 200
    assert "This is not your password." in response.content.decode()
    assert User.objects.filter(pk=world["ann"].pk).exists()
    assert Assessment.objects.filter(owner=world["ann"]).count() == 1


def test_deleting_removes_the_person_and_everything_about_them(world):
    ann, report = world["ann"], world["report"]
    AccessAttempt.objects.create(
        username="ann@example.com", ip_address="10.0.0.1", user_agent="x", failures_since_start=1
    )
    counts_before = {
        "bob's assessments": Assessment.objects.filter(owner=world["bob"]).count(),
        "bob's links": ShareLink.objects.filter(assessment__owner=world["bob"]).count(),
        "notes about bob": CoachNote.objects.filter(assessment__owner=world["bob"]).count(),
        "calibrations of bob": Calibration.objects.filter(assessment__owner=world["bob"]).count(),
    }

    client, response = _delete(ann, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(pk=ann.pk).exists()
    assert Assessment.objects.filter(pk=report.pk).count() == 0
    assert SkillAnswer.objects.filter(assessment_id=report.pk).count() == 0
    assert ExperienceAnswer.objects.filter(assessment_id=report.pk).count() == 0
    assert ShareLink.objects.filter(assessment_id=report.pk).count() == 0
    assert SharedAssessment.objects.filter(assessment_id=report.pk).count() == 0
    assert CoachRelationship.objects.filter(client_id=ann.pk).count() == 0
    # The coach's notes and calibrations about Ann go with her, private ones included.
    assert CoachNote.objects.filter(text__startswith="Ann:").count() == 0
    assert Calibration.objects.filter(assessment_id=report.pk).count() == 0
    assert Invitation.objects.filter(email__iexact="ann@example.com").count() == 0
    assert AccessAttempt.objects.filter(username="ann@example.com").count() == 0
    # Nobody else lost anything.
    assert counts_before == {
        "bob's assessments": Assessment.objects.filter(owner=world["bob"]).count(),
        "bob's links": ShareLink.objects.filter(assessment__owner=world["bob"]).count(),
        "notes about bob": CoachNote.objects.filter(assessment__owner=world["bob"]).count(),
        "calibrations of bob": Calibration.objects.filter(assessment__owner=world["bob"]).count(),
    }
    assert CoachRelationship.objects.filter(client=world["bob"]).count() == 1


def test_deleting_a_coach_removes_what_they_wrote_and_their_clients_keep_their_own(world):
    coach, ann = world["coach"], world["ann"]
    coach.set_password(PASSWORD)
    coach.save()

    _delete(coach, PASSWORD)

    assert not User.objects.filter(pk=coach.pk).exists()
    assert CoachNote.objects.filter(coach_id=coach.pk).count() == 0
    assert Calibration.objects.filter(coach_id=coach.pk).count() == 0
    assert CoachRelationship.objects.filter(coach_id=coach.pk).count() == 0
    assert Invitation.objects.filter(coach_id=coach.pk).count() == 0
    assert Assessment.objects.filter(owner=ann).count() == 1
    assert ShareLink.objects.filter(assessment__owner=ann).count() == 1


def test_export_holds_the_action_items_between_a_client_and_their_coach(world):
    relationship = CoachRelationship.objects.get(coach=world["coach"], client=world["ann"])
    relationship.action_items.create(text="Ship the Python project", due_date=date(2027, 1, 15))
    other = CoachRelationship.objects.get(coach=world["coach"], client=world["bob"])
    other.action_items.create(text="Bob's item")

    [coach] = _export(world["ann"])["coaching"]["my_coaches"]
    clients = _export(world["coach"])["coaching"]["my_clients"]

    assert [(i["text"], i["due_date"], i["done_at"]) for i in coach["action_items"]] == [
        ("Ship the Python project", "2027-01-15", None)
    ]
    assert "Bob's item" not in json.dumps(_export(world["ann"]))
    by_client = {c["email"]: [i["text"] for i in c["action_items"]] for c in clients}
    assert by_client == {
        "ann@example.com": ["Ship the Python project"],
        "bob@example.com": ["Bob's item"],
    }
