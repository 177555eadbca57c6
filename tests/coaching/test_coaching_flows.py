"""Coaching workflows through their views: invitations and consent, what a coach sees as
consent changes, notes, calibration and the coach's exports (issue "Coaching")."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import Owner, assessment_retake, share_link_create
from careerpath.page_cache import forget_kept_pages
from coaching.models import (
    NOTE_MAX_LENGTH,
    Calibration,
    CoachNote,
    CoachRelationship,
    Invitation,
    SharedAssessment,
)
from coaching.selectors import CalibrationRow
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

# Self levels of the client's report: Python 2, SQL 2, MLOps 3.
LEVELS = {"python": 2, "sql": 2, "mlops": 3}


@pytest.fixture
def role() -> Any:
    category = make_category(name="Technical")
    skills = {
        slug: make_skill(slug=slug, name=name, category=category)
        for slug, name in [("python", "Python"), ("sql", "SQL"), ("mlops", "MLOps")]
    }
    return make_role(
        slug="lead",
        title="ML Team Lead",
        track=make_track(),
        skills=[
            (skills["python"], 4, 3, True),
            (skills["sql"], 2, 1, False),
            (skills["mlops"], 3, 2, False),
        ],
    )


@pytest.fixture
def people(role: Any) -> SimpleNamespace:
    """Cora the coach, and Cleo with one submitted assessment and no coach yet."""
    cleo = make_user(email="cleo@example.com")
    return SimpleNamespace(
        coach=make_coach(email="cora@example.com", first_name="Cora", last_name="Coach"),
        client=cleo,
        first=make_submitted_assessment(role=role, owner=cleo, levels=LEVELS),
    )


def _logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response: Any, level: int | None = None) -> list[str]:
    return [
        str(m) for m in get_messages(response.wsgi_request) if level is None or m.level == level
    ]


def _errors(response: Any) -> list[str]:
    return _messages(response, message_levels.ERROR)


def _accept(client: Client, invitation: Invitation, scope: str = "all", chosen: tuple = ()) -> Any:
    data = {"decision": "accept", "scope": scope, "assessments": [str(a.pk) for a in chosen]}
    return client.post(reverse("coaching:invitation", args=[invitation.token]), data)


def _shared_ids(relationship: CoachRelationship) -> set[Any]:
    return set(relationship.shares.values_list("assessment_id", flat=True))


def _consent_state() -> list[list[tuple]]:
    return [
        list(
            Invitation.objects.order_by("pk").values_list(
                "pk", "status", "client_id", "responded_at"
            )
        ),
        list(CoachRelationship.objects.order_by("pk").values_list("pk", "scope", "revoked_at")),
        list(
            SharedAssessment.objects.order_by("pk").values_list("relationship_id", "assessment_id")
        ),
    ]


def _report_status(coach: Client, assessment: Assessment) -> int:
    return coach.get(reverse("coaching:report", args=[assessment.pk])).status_code


# --- invitations ----------------------------------------------------------------------


def test_invitation_by_email_sends_one_mail_with_a_single_use_link_and_the_code(
    people: SimpleNamespace, mailoutbox: list
) -> None:
    coach = _logged_in(people.coach)

    response = coach.post(reverse("coaching:invite"), {"email": " Cleo@Example.com "})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "cleo@example.com"
    assert invitation.status == Invitation.Status.PENDING
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["cleo@example.com"]
    assert "Cora Coach" in mail.subject
    link = f"http://testserver{reverse('coaching:invitation', args=[invitation.token])}"
    assert link in mail.body
    assert invitation.code in mail.body
    assert any(invitation.code in m for m in _messages(response))

    # The link works once: after it was accepted, it is refused.
    cleo = _logged_in(people.client)
    assert _accept(cleo, invitation).status_code == 302
    again = _accept(cleo, invitation)
    assert "already used" in " ".join(_errors(again))
    assert CoachRelationship.objects.count() == 1


def test_invitation_without_email_sends_no_mail_and_shows_the_code(
    people: SimpleNamespace, mailoutbox: list
) -> None:
    coach = _logged_in(people.coach)

    coach.post(reverse("coaching:invite"), {"email": ""})
    page = coach.get(reverse("coaching:invite")).content.decode()

    invitation = Invitation.objects.get()
    assert mailoutbox == []
    assert f'<code data-testid="invitation-code">{invitation.code}</code>' in page


def test_invitation_with_a_bad_email_is_refused_and_creates_nothing(
    people: SimpleNamespace, mailoutbox: list
) -> None:
    response = _logged_in(people.coach).post(reverse("coaching:invite"), {"email": "not-a-mail"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: f"{code[:4]}-{code[4:]}",
        lambda code: " ".join(code.lower()),
        lambda code: f"  {code[:4].lower()} - {code[4:]}  ",
    ],
    ids=["lower-case", "dash", "spaces", "mixed"],
)
def test_join_by_code_ignores_case_dashes_and_spaces(people: SimpleNamespace, typed: Any) -> None:
    invitation = Invitation.objects.create(coach=people.coach)

    response = _logged_in(people.client).post(
        reverse("coaching:join"), {"code": typed(invitation.code)}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:invitation", args=[invitation.token])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ABCD", "A code has 8 letters and digits."),
        ("ZZZZZZZZ", "No invitation has this code."),
    ],
)
def test_join_with_a_wrong_code_says_why(people: SimpleNamespace, code: str, message: str) -> None:
    Invitation.objects.create(coach=people.coach, code="ABCDEFGH")

    response = _logged_in(people.client).post(reverse("coaching:join"), {"code": code})

    assert response.status_code == 200
    assert message in response.content.decode()


def test_join_with_an_expired_code_says_it_expired(people: SimpleNamespace) -> None:
    invitation = Invitation.objects.create(
        coach=people.coach, expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = _logged_in(people.client).post(reverse("coaching:join"), {"code": invitation.code})

    assert response.status_code == 200
    assert "This invitation has expired." in response.content.decode()


# --- accepting ------------------------------------------------------------------------


def test_accept_all_creates_one_relationship_sharing_every_submission(
    people: SimpleNamespace, role: Any
) -> None:
    second = make_submitted_assessment(role=role, owner=people.client, levels={"python": 3})
    draft, _ = assessment_retake(assessment=second, owner=Owner(user=people.client))
    invitation = Invitation.objects.create(coach=people.coach)

    response = _accept(_logged_in(people.client), invitation, "all")

    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:my_coaches")
    relationship = CoachRelationship.objects.get()
    assert (relationship.coach, relationship.client) == (people.coach, people.client)
    assert relationship.scope == "all"
    assert _shared_ids(relationship) == {people.first.pk, second.pk}
    assert draft.pk not in _shared_ids(relationship)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.client == people.client
    assert invitation.responded_at is not None


def test_accept_chosen_shares_only_the_chosen(people: SimpleNamespace, role: Any) -> None:
    second = make_submitted_assessment(role=role, owner=people.client, levels={"python": 3})
    invitation = Invitation.objects.create(coach=people.coach)

    response = _accept(_logged_in(people.client), invitation, "chosen", (second,))

    assert response.status_code == 302
    relationship = CoachRelationship.objects.get()
    assert relationship.scope == "chosen"
    assert _shared_ids(relationship) == {second.pk}
    coach = _logged_in(people.coach)
    assert _report_status(coach, second) == 200
    assert _report_status(coach, people.first) == 404


def test_accept_chosen_without_choosing_is_refused_and_changes_nothing(
    people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(coach=people.coach)
    before = _consent_state()

    response = _accept(_logged_in(people.client), invitation, "chosen")

    assert response.status_code == 200
    assert "Choose at least one assessment" in response.content.decode()
    assert _consent_state() == before


def test_accept_chosen_with_someone_elses_assessment_is_refused(
    people: SimpleNamespace, role: Any
) -> None:
    stranger = make_user(email="mallory@example.com")
    theirs = make_submitted_assessment(role=role, owner=stranger, levels={"python": 5})
    invitation = Invitation.objects.create(coach=people.coach)
    before = _consent_state()

    response = _accept(_logged_in(people.client), invitation, "chosen", (theirs,))

    assert response.status_code == 200
    assert _consent_state() == before


def _accepted_by_someone(invitation: Invitation, people: SimpleNamespace) -> None:
    other = make_user(email="olga@example.com")
    assert _accept(_logged_in(other), invitation).status_code == 302


def _declined(invitation: Invitation, people: SimpleNamespace) -> None:
    url = reverse("coaching:invitation", args=[invitation.token])
    assert _logged_in(people.client).post(url, {"decision": "decline"}).status_code == 302


def _cancelled(invitation: Invitation, people: SimpleNamespace) -> None:
    url = reverse("coaching:invitation_cancel", args=[invitation.pk])
    assert _logged_in(people.coach).post(url).status_code == 302


def _expired(invitation: Invitation, people: SimpleNamespace) -> None:
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save(update_fields=["expires_at"])


def _accepted_already(invitation: Invitation, people: SimpleNamespace) -> None:
    assert _accept(_logged_in(people.client), invitation).status_code == 302


@pytest.mark.parametrize(
    ("spoil", "message", "notice"),
    [
        (_accepted_already, "already used", "already used or cancelled"),
        (_accepted_by_someone, "already used", "already used or cancelled"),
        (_declined, "already used", "already used or cancelled"),
        (_cancelled, "already used", "already used or cancelled"),
        (_expired, "has expired", "This invitation has expired."),
    ],
    ids=["accepted-twice", "used", "declined", "cancelled", "expired"],
)
def test_an_unusable_invitation_is_refused_with_a_message_and_nothing_changes(
    people: SimpleNamespace, spoil: Any, message: str, notice: str
) -> None:
    invitation = Invitation.objects.create(coach=people.coach)
    spoil(invitation, people)
    cleo = _logged_in(people.client)
    before = _consent_state()

    page = cleo.get(reverse("coaching:invitation", args=[invitation.token]))
    accepted = _accept(cleo, invitation, "all")
    declined = cleo.post(
        reverse("coaching:invitation", args=[invitation.token]), {"decision": "decline"}
    )

    assert notice in page.content.decode()
    assert 'data-testid="consent-form"' not in page.content.decode()
    for response in (accepted, declined):
        assert response.status_code == 200
        assert message in " ".join(_errors(response))
    assert _consent_state() == before


def test_a_coach_cannot_accept_their_own_invitation(people: SimpleNamespace) -> None:
    make_submitted_assessment(role=people.first.role, owner=people.coach, levels={"sql": 1})
    invitation = Invitation.objects.create(coach=people.coach)
    before = _consent_state()

    response = _accept(_logged_in(people.coach), invitation, "all")

    assert response.status_code == 200
    assert "your own invitation" in " ".join(_errors(response))
    assert _consent_state() == before


def test_another_coach_cancelling_my_invitation_gets_the_404_of_a_missing_one(
    people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(coach=people.coach)
    other_coach = _logged_in(make_coach(email="bob@example.com"))
    missing = reverse("coaching:invitation_cancel", args=[invitation.pk + 1000])

    response = other_coach.post(reverse("coaching:invitation_cancel", args=[invitation.pk]))

    assert response.status_code == other_coach.post(missing).status_code == 404
    assert not _errors(response)  # nothing says the invitation exists
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_a_cancelled_invitation_leaves_the_open_list_and_its_code_leads_to_a_refusal(
    people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(coach=people.coach)
    coach = _logged_in(people.coach)

    coach.post(reverse("coaching:invitation_cancel", args=[invitation.pk]))

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELLED
    assert invitation.code not in coach.get(reverse("coaching:invite")).content.decode()
    assert "already used" in " ".join(_errors(_accept(_logged_in(people.client), invitation)))


def test_decline_shares_nothing(people: SimpleNamespace) -> None:
    invitation = Invitation.objects.create(coach=people.coach)

    response = _logged_in(people.client).post(
        reverse("coaching:invitation", args=[invitation.token]), {"decision": "decline"}
    )

    assert response.status_code == 302
    assert any("declined" in m for m in _messages(response))
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert CoachRelationship.objects.count() == 0
    assert _report_status(_logged_in(people.coach), people.first) == 404


# --- consent over time ----------------------------------------------------------------


def test_a_new_submission_is_visible_at_once_to_a_coach_who_sees_all(
    people: SimpleNamespace, role: Any
) -> None:
    relationship = make_relationship(coach=people.coach, client=people.client, scope="all")
    coach = _logged_in(people.coach)

    later = make_submitted_assessment(role=role, owner=people.client, levels={"python": 4})

    assert later.pk in _shared_ids(relationship)
    assert _report_status(coach, later) == 200
    detail = coach.get(reverse("coaching:client", args=[relationship.pk])).content.decode()
    assert reverse("coaching:report", args=[later.pk]) in detail


def test_a_new_submission_stays_hidden_from_a_coach_who_sees_the_chosen(
    people: SimpleNamespace, role: Any
) -> None:
    make_relationship(
        coach=people.coach, client=people.client, scope="chosen", assessments=[people.first]
    )

    later = make_submitted_assessment(role=role, owner=people.client, levels={"python": 4})

    assert _report_status(_logged_in(people.coach), later) == 404


def test_changing_the_scope_to_chosen_hides_the_others_at_once(
    people: SimpleNamespace, role: Any
) -> None:
    second = make_submitted_assessment(role=role, owner=people.client, levels={"python": 4})
    relationship = make_relationship(coach=people.coach, client=people.client, scope="all")
    coach = _logged_in(people.coach)
    assert _report_status(coach, people.first) == _report_status(coach, second) == 200
    prefix = f"r{relationship.pk}"

    response = _logged_in(people.client).post(
        reverse("coaching:coach_scope", args=[relationship.pk]),
        {f"{prefix}-scope": "chosen", f"{prefix}-assessments": [str(second.pk)]},
    )

    assert response.status_code == 302
    assert not _errors(response)
    relationship.refresh_from_db()
    assert relationship.scope == "chosen"
    assert _shared_ids(relationship) == {second.pk}
    assert _report_status(coach, second) == 200
    assert _report_status(coach, people.first) == 404
    for name in ("coaching:report_csv", "coaching:report_pdf"):
        assert coach.get(reverse(name, args=[people.first.pk])).status_code == 404


def test_changing_the_scope_back_to_all_shares_every_submission_again(
    people: SimpleNamespace, role: Any
) -> None:
    second = make_submitted_assessment(role=role, owner=people.client, levels={"python": 4})
    relationship = make_relationship(
        coach=people.coach, client=people.client, scope="chosen", assessments=[second]
    )
    prefix = f"r{relationship.pk}"

    _logged_in(people.client).post(
        reverse("coaching:coach_scope", args=[relationship.pk]), {f"{prefix}-scope": "all"}
    )

    assert _shared_ids(relationship) == {people.first.pk, second.pk}


def test_revoking_ends_access_at_once(people: SimpleNamespace) -> None:
    relationship = make_relationship(coach=people.coach, client=people.client)
    coach = _logged_in(people.coach)
    assert _report_status(coach, people.first) == 200

    response = _logged_in(people.client).post(
        reverse("coaching:coach_revoke", args=[relationship.pk])
    )

    assert response.status_code == 302
    relationship.refresh_from_db()
    assert relationship.revoked_at is not None
    assert _report_status(coach, people.first) == 404
    assert coach.get(reverse("coaching:client", args=[relationship.pk])).status_code == 404
    my_coaches = _logged_in(people.client).get(reverse("coaching:my_coaches")).content.decode()
    assert "cora@example.com" not in my_coaches and "Cora Coach" not in my_coaches


def test_a_revoked_coach_invited_again_sees_only_what_is_shared_anew(
    people: SimpleNamespace, role: Any
) -> None:
    old = make_relationship(coach=people.coach, client=people.client)
    _logged_in(people.client).post(reverse("coaching:coach_revoke", args=[old.pk]))
    second = make_submitted_assessment(role=role, owner=people.client, levels={"python": 4})

    make_relationship(
        coach=people.coach, client=people.client, scope="chosen", assessments=[second]
    )

    coach = _logged_in(people.coach)
    assert _report_status(coach, second) == 200
    assert _report_status(coach, people.first) == 404


# --- notes ----------------------------------------------------------------------------


@pytest.fixture
def coached(people: SimpleNamespace) -> SimpleNamespace:
    people.relationship = make_relationship(coach=people.coach, client=people.client)
    return people


def _add_note(coach: Client, assessment: Assessment, text: str, visibility: str) -> Any:
    return coach.post(
        reverse("coaching:note_add", args=[assessment.pk]),
        {"text": text, "visibility": visibility},
    )


def _owner_report(people: SimpleNamespace, assessment: Assessment | None = None) -> str:
    url = reverse("assessments:result", args=[(assessment or people.first).pk])
    return _logged_in(people.client).get(url).content.decode()


def test_the_client_sees_shared_notes_with_the_coachs_name_and_date_never_private_ones(
    coached: SimpleNamespace,
) -> None:
    coach = _logged_in(coached.coach)

    shared = _add_note(coach, coached.first, "Great progress on SQL.", "shared")
    private = _add_note(coach, coached.first, "Ask about the <team> size.", "private")

    assert shared.status_code == private.status_code == 302
    assert "Note shared with your client." in _messages(shared)
    assert "Note saved." in _messages(private)
    note = CoachNote.objects.get(visibility="shared")
    page = _owner_report(coached)
    assert page.count('data-testid="coach-note"') == 1
    assert "Great progress on SQL." in page
    assert f"Cora Coach · {note.created_at:%-d %b %Y}" in page
    assert "the <team> size" not in page and "the &lt;team&gt; size" not in page
    coach_page = coach.get(reverse("coaching:report", args=[coached.first.pk])).content.decode()
    assert "Great progress on SQL." in coach_page
    assert "Ask about the &lt;team&gt; size." in coach_page


def test_notes_stay_off_the_exports_and_the_share_link(coached: SimpleNamespace) -> None:
    coach = _logged_in(coached.coach)
    _add_note(coach, coached.first, "Shared remark.", "shared")
    _add_note(coach, coached.first, "Private remark.", "private")
    link = share_link_create(assessment=coached.first, days=7)
    owner = _logged_in(coached.client)

    shared_page = Client().get(link.get_absolute_url()).content.decode()
    json_text = owner.get(reverse("assessments:report_json", args=[coached.first.pk]))
    csv_text = owner.get(reverse("assessments:report_csv", args=[coached.first.pk]))

    for body in (shared_page, json_text.content.decode(), csv_text.content.decode()):
        assert "Shared remark." not in body
        assert "Private remark." not in body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required."),
        ("   \n ", "This field is required."),
        ("x" * (NOTE_MAX_LENGTH + 1), "at most 5000 characters"),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_an_empty_or_too_long_note_is_refused_with_a_message(
    coached: SimpleNamespace, text: str, message: str
) -> None:
    response = _add_note(_logged_in(coached.coach), coached.first, text, "shared")

    assert response.status_code == 302
    assert message in " ".join(_errors(response))
    assert CoachNote.objects.count() == 0


def test_a_note_of_exactly_the_maximum_length_is_kept(coached: SimpleNamespace) -> None:
    response = _add_note(_logged_in(coached.coach), coached.first, "x" * NOTE_MAX_LENGTH, "private")

    assert not _errors(response)
    assert len(CoachNote.objects.get().text) == NOTE_MAX_LENGTH


def test_a_note_with_an_unknown_visibility_is_refused(coached: SimpleNamespace) -> None:
    response = _add_note(_logged_in(coached.coach), coached.first, "Hello.", "public")

    assert _errors(response)
    assert CoachNote.objects.count() == 0


# --- calibration ----------------------------------------------------------------------


def _calibrate(coach: Client, assessment: Assessment, **levels: str) -> Any:
    data = {f"level-{slug}": value for slug, value in levels.items()}
    return coach.post(reverse("coaching:calibrate", args=[assessment.pk]), data)


def _calibrations() -> dict[str, int]:
    return dict(Calibration.objects.values_list("skill", "level"))


def _frozen(assessment: Assessment) -> tuple:
    assessment.refresh_from_db()
    return (
        assessment.answers_frozen,
        assessment.report,
        assessment.snapshot,
        assessment.readiness,
        assessment.verdict,
        assessment.status,
    )


def test_calibration_saves_and_clears_levels_and_never_changes_the_clients_report(
    coached: SimpleNamespace,
) -> None:
    coach = _logged_in(coached.coach)
    before = _frozen(coached.first)

    saved = _calibrate(coach, coached.first, python="4", sql="1")
    assert _calibrations() == {"python": 4, "sql": 1}
    assert "Your view of 2 skills saved." in _messages(saved)

    changed = _calibrate(coach, coached.first, python="", sql="2", mlops="0")
    assert _calibrations() == {"sql": 2, "mlops": 0}
    assert "Your view of 2 skills saved." in _messages(changed)

    assert _frozen(coached.first) == before
    page = coach.get(reverse("coaching:report", args=[coached.first.pk])).content.decode()
    assert re.search(r'<option value="2" selected>2 ·', page)


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"python": "7"}, "Choose a level from 0 (None) to 5 (Expert)."),
        ({"python": "-1"}, "Choose a level from 0 (None) to 5 (Expert)."),
        ({"python": "three"}, "Choose a level from 0 (None) to 5 (Expert)."),
        ({"rust": "3"}, "That skill is not part of this report."),
        ({"sql": "3", "python": "7"}, "Choose a level from 0 (None) to 5 (Expert)."),
    ],
    ids=["level-7", "negative", "not-a-number", "unknown-skill", "one-bad-of-two"],
)
def test_a_bad_calibration_is_refused_with_a_message_and_saves_nothing(
    coached: SimpleNamespace, levels: dict[str, str], message: str
) -> None:
    coach = _logged_in(coached.coach)
    _calibrate(coach, coached.first, mlops="3")
    before = _frozen(coached.first)

    response = _calibrate(coach, coached.first, **levels)

    assert response.status_code == 302
    assert message in _errors(response)
    assert _calibrations() == {"mlops": 3}
    assert _frozen(coached.first) == before


def _calibration_rows(page: str) -> dict[str, tuple[bool, str]]:
    """Skill name → (highlighted, difference cell) in the owner's calibration table."""
    table = page.split('data-testid="calibration-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr( class="table-warning")?>\s*<th scope="row" class="fw-normal">([^<]+)</th>'
        r"(?:\s*<td>.*?</td>){3}\s*<td>(.*?)</td>",
        table,
        flags=re.S,
    )
    return {name: (bool(flag), re.sub(r"<[^>]+>", "", cell).strip()) for flag, name, cell in rows}


def test_the_owners_report_flags_differences_of_two_levels_or_more_either_way(
    coached: SimpleNamespace,
) -> None:
    # Self: Python 2, SQL 2, MLOps 3.
    _calibrate(_logged_in(coached.coach), coached.first, python="4", sql="1", mlops="1")

    page = _owner_report(coached)

    assert 'data-testid="calibration-table"' in page
    assert _calibration_rows(page) == {
        "Python": (True, "+2 Coach sees more"),
        "SQL": (False, "-1"),
        "MLOps": (True, "-2 Coach sees less"),
    }
    assert "Cora Coach" in page.split('data-testid="calibration-table"', 1)[1]


def test_the_owners_report_has_no_calibration_section_without_one(
    coached: SimpleNamespace,
) -> None:
    assert 'data-testid="calibration-table"' not in _owner_report(coached)


@pytest.mark.parametrize("difference", range(-5, 6))
def test_a_calibration_is_flagged_from_two_levels_apart(difference: int) -> None:
    self_level = 0 if difference >= 0 else 5
    row = CalibrationRow(
        slug="python",
        name="Python",
        self_level=self_level,
        coach_level=self_level + difference,
        coach_name="Cora",
    )
    assert row.difference == difference
    assert row.flagged is (abs(difference) >= 2)


# --- the coach's exports --------------------------------------------------------------


def test_the_coach_downloads_a_shared_report_as_pdf(coached: SimpleNamespace) -> None:
    response = _logged_in(coached.coach).get(
        reverse("coaching:report_pdf", args=[coached.first.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_the_coach_downloads_a_shared_report_as_csv(coached: SimpleNamespace) -> None:
    response = _logged_in(coached.coach).get(
        reverse("coaching:report_csv", args=[coached.first.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    skills = {row["slug"]: row for row in rows if row.get("kind") == "skill"}
    assert set(skills) == {"python", "sql", "mlops"}
    assert skills["python"]["self"] == "2"
    assert skills["python"]["required"] == "4"
    owner_csv = _logged_in(coached.client).get(
        reverse("assessments:report_csv", args=[coached.first.pk])
    )
    assert response.content == owner_csv.content


def test_the_coach_downloads_the_client_list_as_csv(coached: SimpleNamespace, role: Any) -> None:
    make_submitted_assessment(role=role, owner=coached.client, levels=LEVELS | {"python": 4})
    dora = make_user(email="dora@example.com")
    make_relationship(coach=coached.coach, client=dora)  # nothing shared yet
    someone_elses = make_user(email="zed@example.com")
    make_relationship(coach=make_coach(email="bob@example.com"), client=someone_elses)

    response = _logged_in(coached.coach).get(reverse("coaching:clients_csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "name",
        "email",
        "target_role",
        "readiness",
        "verdict",
        "top_gap",
        "change",
        "last_activity",
    ]
    today = timezone.now().date().isoformat()
    # Cleo: 75.0 (Python 2/4, SQL 2/2, MLOps 3/3) then 100.0 with Python at 4: no gap left.
    assert rows[1:] == [
        [
            "cleo@example.com",
            "cleo@example.com",
            "ML Team Lead",
            "100.0",
            "ready",
            "",
            "25.0",
            today,
        ],
        ["dora@example.com", "dora@example.com", "", "", "", "", "", ""],
    ]


# --- two coaches ----------------------------------------------------------------------


def test_a_coach_never_sees_another_coachs_notes_or_calibrations(
    coached: SimpleNamespace,
) -> None:
    bob = make_coach(email="bob@example.com")
    make_relationship(coach=bob, client=coached.client)
    cora = _logged_in(coached.coach)
    _add_note(cora, coached.first, "Cora private thought.", "private")
    _add_note(cora, coached.first, "Cora shared thought.", "shared")
    _calibrate(cora, coached.first, python="5")

    page = _logged_in(bob).get(reverse("coaching:report", args=[coached.first.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "Cora private thought." not in body
    assert "Cora shared thought." not in body
    assert not re.search(r'<option value="5" selected>', body)


def test_the_owner_sees_every_coachs_calibration_with_their_name(
    coached: SimpleNamespace,
) -> None:
    bob = make_coach(email="bob@example.com")
    make_relationship(coach=bob, client=coached.client)
    _calibrate(_logged_in(coached.coach), coached.first, python="4")
    _calibrate(_logged_in(bob), coached.first, python="3")

    table = _owner_report(coached).split('data-testid="calibration-table"', 1)[1]

    assert "Cora Coach" in table and "bob@example.com" in table


def test_choosing_no_assessment_when_changing_the_scope_is_refused(
    coached: SimpleNamespace,
) -> None:
    prefix = f"r{coached.relationship.pk}"
    before = _consent_state()

    response = _logged_in(coached.client).post(
        reverse("coaching:coach_scope", args=[coached.relationship.pk]),
        {f"{prefix}-scope": "chosen"},
    )

    assert response.status_code == 302
    assert "Choose at least one assessment" in " ".join(_errors(response))
    assert _consent_state() == before


def test_cancelling_an_answered_invitation_says_it_was_already_answered(
    people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(coach=people.coach)
    _accept(_logged_in(people.client), invitation)

    response = _logged_in(people.coach).post(
        reverse("coaching:invitation_cancel", args=[invitation.pk])
    )

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert CoachRelationship.objects.active().count() == 1
    assert not any("cancelled" in m for m in _messages(response, message_levels.SUCCESS))
    assert _errors(response)


# --- queries --------------------------------------------------------------------------


def _count_queries(browser: Client, url: str) -> int:
    """Queries of a render: a page kept whole for a viewer is dropped first."""
    forget_kept_pages()
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries)


def _notes_and_calibrations(assessment: Assessment, coach: Any, notes: int) -> None:
    CoachNote.objects.bulk_create(
        CoachNote(assessment=assessment, coach=coach, text=f"Note {k}.", visibility="shared")
        for k in range(notes)
    )
    Calibration.objects.bulk_create(
        Calibration(assessment=assessment, coach=coach, skill=slug, level=level)
        for slug, level in LEVELS.items()
    )


def test_report_queries_do_not_grow_with_notes_and_calibrations(
    coached: SimpleNamespace,
) -> None:
    owner = _logged_in(coached.client)
    cora = _logged_in(coached.coach)
    owner_url = reverse("assessments:result", args=[coached.first.pk])
    coach_url = reverse("coaching:report", args=[coached.first.pk])
    _notes_and_calibrations(coached.first, coached.coach, notes=1)
    _count_queries(owner, owner_url)  # the first view makes the kept report HTML
    few = (_count_queries(owner, owner_url), _count_queries(cora, coach_url))

    for n in range(5):
        coach = make_coach(email=f"coach-{n}@example.com")
        make_relationship(coach=coach, client=coached.client)
        _notes_and_calibrations(coached.first, coach, notes=6)
    many = (_count_queries(owner, owner_url), _count_queries(cora, coach_url))

    assert CoachNote.objects.count() == 1 + 30
    assert few == many
