"""The coach's attention queue (coaching/attention.py): new submissions since the last
visit, quiet clients, disagreements, answers to invitations and revoked consents, each
with what to do; the nudge by e-mail; and a constant number of queries."""

from __future__ import annotations

import html as html_lib
import re
import threading
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ReportSkillGap
from assessments.services import Owner, assessment_start
from careerpath.page_cache import forget_kept_pages
from coaching.models import Calibration, CoachRelationship, Invitation, SharedAssessment
from coaching.services import (
    CoachingError,
    calibration_save,
    client_nudge,
    relationship_revoke,
)
from tests.concurrency import run_together
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

HTMX = {"HTTP_HX_REQUEST": "true"}
GROUPS = ("submissions", "quiet", "disagreements", "invitations")


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def _text(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _queue(browser: Client, **params: str) -> dict[str, list[str]]:
    """The dashboard's queue as the coach reads it: each group's items, in words."""
    response = browser.get(reverse("coaching:attention"), params, **HTMX)
    assert response.status_code == 200
    return _groups(response.content.decode())


def _groups(page: str) -> dict[str, list[str]]:
    groups = {}
    for slug in GROUPS:
        found = re.search(rf'data-testid="attention-{slug}">(.*?)</section>', page, re.S)
        body = found.group(1) if found else ""
        items = re.findall(r'<li class="attention-item".*?</li>', body, re.S)
        groups[slug] = [_text(item) for item in items]
    return groups


def _browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def world() -> SimpleNamespace:
    """Cora coaches Ana (ML Team Lead: Python, SQL, Statistics). Ana accepted 60 days ago
    and shared a report 40 days ago; Cora has opened neither, and no answer to an
    invitation is news any more, so the queue starts with Ana's report only."""
    category = make_category()
    skills = [
        make_skill(slug="python", name="Python", category=category),
        make_skill(slug="sql", name="SQL", category=category),
        make_skill(slug="statistics", name="Statistics", category=category),
    ]
    track = make_track()
    role = make_role(
        title="ML Team Lead",
        track=track,
        skills=[(skills[0], 4, 3, True), (skills[1], 3, 2, False), (skills[2], 2, 1, False)],
    )
    secret = make_role(
        title="Underwater Basket Weaver", track=track, skills=[(skills[0], 2, 1, False)]
    )
    coach = make_coach(email="cora@example.com", first_name="Cora Coach")
    ana = make_user(email="ana@example.com", first_name="Ana")
    relationship = make_relationship(coach=coach, client=ana)
    report = make_submitted_assessment(
        role=role, owner=ana, levels={"python": 2, "sql": 3, "statistics": 2}
    )
    _dated(relationship, created=_ago(60), report=report, submitted=_ago(40))
    Invitation.objects.filter(coach=coach).update(responded_at=_ago(60))
    return SimpleNamespace(
        role=role,
        secret=secret,
        coach=coach,
        ana=ana,
        relationship=relationship,
        report=report,
        browser=_browser(coach),
    )


def _dated(
    relationship: CoachRelationship,
    *,
    created: datetime,
    report: Assessment | None = None,
    submitted: datetime | None = None,
) -> None:
    """Move a consent and its client's report back in time, as if it all happened then."""
    if report is not None and submitted is not None:
        Assessment.objects.filter(pk=report.pk).update(submitted_at=submitted, updated_at=submitted)
    CoachRelationship.objects.filter(pk=relationship.pk).update(created_at=created)
    CoachRelationship.objects.filter(pk=relationship.pk).refresh_results()


def _client_of(
    coach: Any, email: str, name: str = "", *, days_ago: float = 60
) -> CoachRelationship:
    client = make_user(email=email, first_name=name)
    relationship = make_relationship(coach=coach, client=client)
    CoachRelationship.objects.filter(pk=relationship.pk).update(created_at=_ago(days_ago))
    Invitation.objects.filter(relationship=relationship).update(responded_at=_ago(days_ago))
    return relationship


# --- new submissions ------------------------------------------------------------------


def test_a_report_shared_after_the_last_visit_is_new_until_the_session_is_opened(
    world: SimpleNamespace,
) -> None:
    CoachRelationship.objects.filter(pk=world.relationship.pk).update(coach_seen_at=_ago(50))

    queue = _queue(world.browser)

    assert queue["submissions"] == [
        f"Ana shared a new report on {_day(_ago(40))} (ML Team Lead). Open session Mark seen"
    ]
    session = world.browser.get(reverse("coaching:session", args=[world.relationship.pk]))
    assert session.status_code == 200
    assert _queue(world.browser)["submissions"] == []


def test_opening_one_of_the_clients_reports_also_marks_it_seen(world: SimpleNamespace) -> None:
    assert len(_queue(world.browser)["submissions"]) == 1

    world.browser.get(reverse("coaching:report", args=[world.report.pk]))

    assert _queue(world.browser)["submissions"] == []


def test_a_report_shared_before_the_last_visit_is_not_new(world: SimpleNamespace) -> None:
    CoachRelationship.objects.filter(pk=world.relationship.pk).update(coach_seen_at=_ago(39))

    assert _queue(world.browser)["submissions"] == []


def test_a_client_never_opened_counts_from_the_day_they_accepted(world: SimpleNamespace) -> None:
    # Shared before accepting: what they brought along is not news since the consent.
    CoachRelationship.objects.filter(pk=world.relationship.pk).update(created_at=_ago(30))

    assert _queue(world.browser)["submissions"] == []


def test_mark_seen_clears_it_and_without_javascript_goes_back_to_the_dashboard(
    world: SimpleNamespace,
) -> None:
    url = reverse("coaching:attention_seen", args=[world.relationship.pk])

    first = world.browser.post(url, follow=True)
    again = world.browser.post(url)

    assert first.redirect_chain == [(reverse("coaching:clients"), 302)]
    assert "Marked seen: Ana" in first.content.decode()
    assert again.status_code == 302
    assert _queue(world.browser)["submissions"] == []


def test_mark_seen_with_htmx_answers_with_the_queue_and_its_message(
    world: SimpleNamespace,
) -> None:
    url = reverse("coaching:attention_seen", args=[world.relationship.pk])

    response = world.browser.post(url, {"where": "dashboard"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="attention"')
    assert 'id="messages"' in page and 'hx-swap-oob="true"' in page
    assert "Marked seen: Ana" in page
    assert _groups(page)["submissions"] == []
    # The group is gone: the keyboard focus goes to the queue (htmx focuses autofocus).
    assert 'data-testid="attention" tabindex="-1" autofocus' in page


# --- quiet clients ----------------------------------------------------------------------


def test_a_client_without_activity_for_n_days_is_quiet(world: SimpleNamespace) -> None:
    CoachRelationship.objects.filter(pk=world.relationship.pk).update(coach_seen_at=_ago(1))

    thirty = _queue(world.browser)["quiet"]
    sixty = _queue(world.browser, quiet_days="60")["quiet"]

    assert thirty == [
        f"Ana has shown no activity since {_day(_ago(40))} (40 days). Nudge to retake"
    ]
    assert sixty == []


def test_a_client_working_on_a_draft_is_not_quiet_and_the_draft_stays_private(
    world: SimpleNamespace,
) -> None:
    draft, _ = assessment_start(owner=Owner(user=world.ana), role=world.secret)
    Assessment.objects.filter(pk=draft.pk).update(updated_at=_ago(10))

    on_thirty = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()
    on_seven = world.browser.get(reverse("coaching:attention"), {"quiet_days": "7"}, **HTMX)

    assert _groups(on_thirty)["quiet"] == []
    assert _groups(on_seven.content.decode())["quiet"] == [
        f"Ana has shown no activity since {_day(_ago(10))} (10 days). Nudge to retake"
    ]
    for page in (on_thirty, on_seven.content.decode()):
        assert "Underwater Basket Weaver" not in page


def test_a_new_client_with_nothing_yet_counts_from_the_day_they_accepted(
    world: SimpleNamespace,
) -> None:
    _client_of(world.coach, "bo@example.com", "Bo", days_ago=10)

    assert not any("Bo" in item for item in _queue(world.browser)["quiet"])
    assert any(
        item.startswith(f"Bo has shown no activity since {_day(_ago(10))} (10 days).")
        for item in _queue(world.browser, quiet_days="7")["quiet"]
    )


@pytest.mark.parametrize("days", ["abc", "8", "-30", "0", "", "9" * 40, "30.5"])
def test_a_quiet_days_not_offered_falls_back_to_thirty(world: SimpleNamespace, days: str) -> None:
    response = world.browser.get(reverse("coaching:attention"), {"quiet_days": days}, **HTMX)

    assert response.status_code == 200
    assert '<option value="30" selected>' in response.content.decode()
    assert len(_groups(response.content.decode())["quiet"]) == 1  # Ana, quiet 40 days


# --- disagreements ----------------------------------------------------------------------


def _calibrate(world: SimpleNamespace, coach: Any = None, **levels: int) -> None:
    calibration_save(
        assessment=world.report,
        coach=coach or world.coach,
        levels={slug: str(level) for slug, level in levels.items()},
    )


def test_a_calibration_two_levels_from_the_clients_own_is_a_disagreement(
    world: SimpleNamespace,
) -> None:
    # Ana rates Python 2, SQL 3, Statistics 2.
    _calibrate(world, python=4, sql=2, statistics=0)

    assert _queue(world.browser)["disagreements"] == [
        f"You and Ana differ by 2 levels or more on 2 skills of the report of {_day(_ago(40))}. "
        "Open session"
    ]


def test_one_level_apart_is_not_a_disagreement(world: SimpleNamespace) -> None:
    _calibrate(world, python=3, sql=2, statistics=1)

    assert _queue(world.browser)["disagreements"] == []


def test_another_coachs_calibrations_are_not_this_coachs_disagreements(
    world: SimpleNamespace,
) -> None:
    other = make_coach(email="otto@example.com")
    make_relationship(coach=other, client=world.ana)
    _calibrate(world, coach=other, python=5)

    assert _queue(world.browser)["disagreements"] == []
    assert len(_queue(_browser(other))["disagreements"]) == 1


def test_only_the_latest_shared_report_is_read(world: SimpleNamespace) -> None:
    _calibrate(world, python=5)
    newer = make_submitted_assessment(role=world.role, owner=world.ana, levels={"python": 5})

    assert _queue(world.browser)["disagreements"] == []
    calibration_save(assessment=newer, coach=world.coach, levels={"python": "1"})
    assert len(_queue(world.browser)["disagreements"]) == 1


# --- invitations and consent ------------------------------------------------------------


def _invitation(world: SimpleNamespace, **fields: Any) -> Invitation:
    return Invitation.objects.create(coach=world.coach, **fields)


def test_answers_and_expiries_of_the_last_30_days_are_listed_newest_first(
    world: SimpleNamespace,
) -> None:
    bo = _client_of(world.coach, "bo@example.com", "Bo", days_ago=2)
    Invitation.objects.filter(relationship=bo).update(responded_at=_ago(2))
    declined_by = make_user(email="dee@example.com", first_name="Dee")
    _invitation(
        world, email="dee@example.com", status="declined", client=declined_by, responded_at=_ago(3)
    )
    _invitation(world, email="eve@example.com", expires_at=_ago(4))
    code_only = _invitation(world, expires_at=_ago(5))
    # Not news: older than 30 days, still open, cancelled.
    _invitation(world, email="old@example.com", status="declined", responded_at=_ago(31))
    _invitation(world, email="old2@example.com", expires_at=_ago(31))
    _invitation(world, email="open@example.com")
    _invitation(world, email="gone@example.com", status="cancelled", expires_at=_ago(6))

    items = _queue(world.browser, where="page")["invitations"]  # every one, not the first 3

    assert items == [
        f"Bo accepted your invitation on {_day(_ago(2))}. Open session Dismiss",
        f"Dee declined your invitation on {_day(_ago(3))}. Invite again Dismiss",
        f"Your invitation to eve@example.com expired unanswered on {_day(_ago(4))}. "
        "Resend for 14 more days Dismiss",
        f"Your invitation with code {code_only.code} expired unanswered on {_day(_ago(5))}. "
        "Make a new invitation Dismiss",
    ]


def test_the_actions_lead_to_the_session_the_invite_form_and_the_resend(
    world: SimpleNamespace,
) -> None:
    declined_by = make_user(email="dee@example.com")
    _invitation(
        world, email="dee@example.com", status="declined", client=declined_by, responded_at=_ago(3)
    )
    expired = _invitation(world, email="eve@example.com", expires_at=_ago(4))

    page = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()
    invite = world.browser.get(reverse("coaching:invite"), {"email": "dee@example.com"})

    assert f'href="{reverse("coaching:invite")}?email=dee%40example.com"' in page
    assert f'action="{reverse("coaching:invitation_send_again", args=[expired.pk])}"' in page
    assert 'value="dee@example.com"' in invite.content.decode()


def test_dismissed_answers_leave_the_queue_and_dismissing_twice_is_harmless(
    world: SimpleNamespace,
) -> None:
    declined = _invitation(world, status="declined", client=world.ana, responded_at=_ago(3))
    url = reverse("coaching:attention_invitation_dismiss", args=[declined.pk])
    assert len(_queue(world.browser)["invitations"]) == 1

    first = world.browser.post(url, {"where": "page", "quiet_days": "14"})
    second = world.browser.post(url, **HTMX)

    assert first.status_code == 302
    assert first["Location"] == f"{reverse('coaching:attention')}?quiet_days=14"
    assert second.status_code == 200
    assert "Cleared from your attention queue." in second.content.decode()
    assert _queue(world.browser)["invitations"] == []


def test_an_expiry_dismissed_comes_back_when_a_resent_invitation_expires_again(
    world: SimpleNamespace,
) -> None:
    # Expired 20 days ago, dismissed the day after.
    expired = _invitation(
        world, email="eve@example.com", expires_at=_ago(20), coach_seen_at=_ago(19)
    )
    assert _queue(world.browser)["invitations"] == []

    # Resent, and expired again: moved in time behind the app's back, so the coach's kept
    # queue is forgotten by hand (a real resend bumps the coach's version).
    Invitation.objects.filter(pk=expired.pk).update(expires_at=_ago(1))
    forget_kept_pages()

    assert len(_queue(world.browser)["invitations"]) == 1


def test_an_open_invitation_has_nothing_to_dismiss(world: SimpleNamespace) -> None:
    pending = _invitation(world, email="open@example.com")

    response = world.browser.post(
        reverse("coaching:attention_invitation_dismiss", args=[pending.pk]), follow=True
    )

    assert "This invitation has no answer to clear yet." in response.content.decode()
    assert Invitation.objects.get(pk=pending.pk).coach_seen_at is None


def test_a_revoked_consent_is_told_instead_of_the_client_silently_leaving(
    world: SimpleNamespace,
) -> None:
    relationship_revoke(relationship=world.relationship)

    dashboard = world.browser.get(reverse("coaching:clients")).content.decode()
    queue = _queue(world.browser)

    assert "0 clients" in dashboard  # no longer a client
    assert reverse("coaching:session", args=[world.relationship.pk]) not in dashboard
    assert queue["invitations"] == [
        f"Ana revoked their consent on {_day(timezone.now())}: you no longer see anything of "
        "theirs. Dismiss"
    ]
    assert queue["submissions"] == queue["quiet"] == []


def test_a_revocation_dismissed_or_older_than_30_days_is_not_listed(
    world: SimpleNamespace,
) -> None:
    relationship_revoke(relationship=world.relationship)
    bo = _client_of(world.coach, "bo@example.com", "Bo")
    relationship_revoke(relationship=bo)
    CoachRelationship.objects.filter(pk=bo.pk).update(revoked_at=_ago(31))
    url = reverse("coaching:attention_revocation_dismiss", args=[world.relationship.pk])
    assert len(_queue(world.browser)["invitations"]) == 1

    assert world.browser.post(url).status_code == 302
    assert world.browser.post(url).status_code == 302  # again: harmless

    assert _queue(world.browser)["invitations"] == []


def test_an_accepted_invitation_whose_consent_was_revoked_is_told_once(
    world: SimpleNamespace,
) -> None:
    bo = _client_of(world.coach, "bo@example.com", "Bo", days_ago=2)
    Invitation.objects.filter(relationship=bo).update(responded_at=_ago(2))
    relationship_revoke(relationship=bo)

    items = _queue(world.browser)["invitations"]

    assert len(items) == 1
    assert items[0].startswith("Bo revoked their consent on")


# --- kept a minute, dropped by what changes it --------------------------------------------


def _queue_queries(browser: Client) -> tuple[dict[str, list[str]], int]:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse("coaching:attention"), **HTMX)
    count = len(queries.captured_queries)
    return _groups(response.content.decode()), count


def test_the_queue_is_kept_until_something_it_shows_changes(world: SimpleNamespace) -> None:
    first, cold = _queue_queries(world.browser)
    again, kept = _queue_queries(world.browser)
    assert again == first and kept < cold

    # Bo, a client sharing everything, submits a report: the coach's version moves.
    bo = _client_of(world.coach, "bo@example.com", "Bo")
    make_submitted_assessment(role=world.role, owner=bo.client)
    after_submission, _ = _queue_queries(world.browser)
    # The coach marks Ana's report seen from the queue: gone at the next load too.
    world.browser.post(reverse("coaching:attention_seen", args=[world.relationship.pk]))
    after_seen, _ = _queue_queries(world.browser)

    assert [i.split(" shared")[0] for i in after_submission["submissions"]] == ["Bo", "Ana"]
    assert [i.split(" shared")[0] for i in after_seen["submissions"]] == ["Bo"]


def test_opening_a_client_with_nothing_new_keeps_the_queue(world: SimpleNamespace) -> None:
    world.browser.get(reverse("coaching:session", args=[world.relationship.pk]))
    _queue_queries(world.browser)

    world.browser.get(reverse("coaching:session", args=[world.relationship.pk]))
    _, count = _queue_queries(world.browser)

    assert count < ATTENTION_QUERIES  # still the kept one: nothing it shows changed


# --- a whole group at once ------------------------------------------------------------


def _clear_all(browser: Client, group: str, until: str, **extra: Any) -> Any:
    url = reverse("coaching:attention_clear_all", args=[group])
    return browser.post(url, {"until": until}, **extra)


def _until(page: str, group: str) -> str:
    """The moment the page's list was read, as its "Mark all seen"/"Dismiss all" sends it."""
    form = page.split(f'action="{reverse("coaching:attention_clear_all", args=[group])}"', 1)[1]
    return re.search(r'name="until" value="([^"]+)"', form).group(1)


def test_mark_all_seen_clears_what_was_listed_but_not_a_report_shared_since(
    world: SimpleNamespace,
) -> None:
    bo = _client_of(world.coach, "bo@example.com", "Bo")
    make_submitted_assessment(role=world.role, owner=bo.client)
    _dated(bo, created=_ago(60), report=bo.client.assessments.get(), submitted=_ago(10))
    page = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()
    assert len(_groups(page)["submissions"]) == 2
    until = _until(page, "submissions")
    # Cy shares a report after the coach read the list: not theirs to clear unseen.
    cy = _client_of(world.coach, "cy@example.com", "Cy")
    make_submitted_assessment(role=world.role, owner=cy.client)

    response = _clear_all(world.browser, "submissions", until, **HTMX)

    assert "Marked seen: 2 new reports." in response.content.decode()
    assert [item.split(" shared")[0] for item in _queue(world.browser)["submissions"]] == ["Cy"]


def test_dismiss_all_clears_answers_expiries_and_revocations_up_to_the_list(
    world: SimpleNamespace,
) -> None:
    _invitation(world, status="declined", client=world.ana, responded_at=_ago(3))
    _invitation(world, email="eve@example.com", expires_at=_ago(4))
    relationship_revoke(relationship=_client_of(world.coach, "bo@example.com", "Bo"))
    others = make_coach()
    theirs = Invitation.objects.create(coach=others, email="x@example.com", expires_at=_ago(2))
    page = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()
    assert len(_groups(page)["invitations"]) == 3
    until = _until(page, "invitations")
    later = _invitation(world, email="late@example.com", expires_at=timezone.now())

    response = _clear_all(world.browser, "invitations", until)

    assert response.status_code == 302 and response["Location"] == reverse("coaching:clients")
    left = _queue(world.browser)["invitations"]
    assert left == [
        f"Your invitation to late@example.com expired unanswered on {_day(later.expires_at)}. "
        "Resend for 14 more days Dismiss"
    ]
    # Another coach's invitation is never touched.
    assert Invitation.objects.get(pk=theirs.pk).coach_seen_at is None


@pytest.mark.parametrize("until", ["", "yesterday-ish", "2026-13-45T99:00:00", "9" * 10_000])
def test_a_missing_or_garbled_moment_clears_up_to_now(world: SimpleNamespace, until: str) -> None:
    response = _clear_all(world.browser, "submissions", until)

    assert response.status_code == 302
    assert _queue(world.browser)["submissions"] == []


def test_a_group_that_cannot_be_cleared_at_once_is_a_404(world: SimpleNamespace) -> None:
    for group in ("quiet", "disagreements", "everything"):
        assert _clear_all(world.browser, group, "").status_code == 404
    assert len(_queue(world.browser)["submissions"]) == 1


def test_the_clear_all_buttons_appear_for_groups_of_two_or_more(world: SimpleNamespace) -> None:
    one = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()
    _client_of(world.coach, "bo@example.com", "Bo")
    bo = CoachRelationship.objects.get(client__email="bo@example.com")
    make_submitted_assessment(role=world.role, owner=bo.client)
    two = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()

    assert 'data-testid="attention-clear-all"' not in one
    assert _text(two).count("Mark all seen") == 1


# --- nudge ------------------------------------------------------------------------------


def _nudge(browser: Client, relationship: CoachRelationship, **extra: Any) -> Any:
    return browser.post(reverse("coaching:attention_nudge", args=[relationship.pk]), **extra)


def test_a_nudge_mails_the_client_once_from_the_coach_with_a_link(
    world: SimpleNamespace,
) -> None:
    response = _nudge(world.browser, world.relationship, follow=True)

    assert "Nudge sent: Ana gets an e-mail from you to retake." in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    assert message.subject == "Cora Coach suggests you retake your careerpath self-assessment"
    assert "Hello Ana," in message.body
    assert (
        "Cora Coach, your coach on careerpath, suggests you retake your self-assessment for "
        "ML Team Lead"
    ) in message.body
    assert f"http://testserver{reverse('assessments:mine')}" in message.body
    world.relationship.refresh_from_db()
    assert world.relationship.nudged_at is not None


def test_a_nudged_client_shows_it_and_a_second_nudge_within_a_week_is_refused(
    world: SimpleNamespace,
) -> None:
    _nudge(world.browser, world.relationship)

    second = _nudge(world.browser, world.relationship, **HTMX)

    page = second.content.decode()
    assert len(mail.outbox) == 1
    assert "You already nudged this client on" in page and "one nudge a week at most" in page
    assert 'id="attention-quiet-heading" tabindex="-1" autofocus' in page
    (item,) = _groups(page)["quiet"]
    assert f"Nudged on {_day(timezone.now())}" in item
    assert re.search(r"<button [^>]* disabled>Nudge to retake</button>", page)


def _nudger(relationship: CoachRelationship) -> Any:
    def nudge(barrier: threading.Barrier) -> str:
        barrier.wait()
        try:
            client_nudge(relationship=relationship, url="http://testserver/assessments/")
        except CoachingError as exc:
            return str(exc)
        return "sent"

    return nudge


@pytest.mark.django_db(transaction=True)
def test_two_nudges_at_the_same_moment_send_one_mail() -> None:
    """A double click or two tabs: the claim is one conditional UPDATE, so one of the two
    requests finds the client nudged already (threads, each on its own connection)."""
    coach = make_coach(email="cora@example.com")
    for round_ in range(5):  # several rounds, so that some really overlap
        mail.outbox = []
        relationship = make_relationship(coach=coach, client=make_user())

        outcomes = run_together([_nudger(relationship), _nudger(relationship)])

        assert sorted(outcomes)[-1] == "sent", round_
        assert sorted(outcomes)[0].startswith("You already nudged this client on"), round_
        assert len(mail.outbox) == 1, round_


def test_a_week_after_a_nudge_the_client_can_be_nudged_again(world: SimpleNamespace) -> None:
    CoachRelationship.objects.filter(pk=world.relationship.pk).update(nudged_at=_ago(8))
    assert f"Last nudged on {_day(_ago(8))}" in _queue(world.browser)["quiet"][0]

    _nudge(world.browser, world.relationship)

    assert len(mail.outbox) == 1


def test_a_client_without_a_shared_report_is_nudged_without_a_role(world: SimpleNamespace) -> None:
    bo = _client_of(world.coach, "bo@example.com", "")

    _nudge(world.browser, bo)

    assert mail.outbox[0].body.startswith("Hello,")
    assert "suggests you retake your self-assessment: a fresh one" in mail.outbox[0].body


def test_nudging_another_coachs_client_or_as_a_non_coach_is_a_404(world: SimpleNamespace) -> None:
    other = _browser(make_coach(email="otto@example.com"))
    not_a_coach = _browser(world.ana)
    relationship_revoke(relationship=_client_of(world.coach, "bo@example.com", "Bo"))
    revoked = CoachRelationship.objects.get(client__email="bo@example.com")

    assert _nudge(other, world.relationship).status_code == 404
    assert _nudge(not_a_coach, world.relationship).status_code == 404
    assert _nudge(world.browser, revoked).status_code == 404
    assert mail.outbox == []
    assert not CoachRelationship.objects.filter(nudged_at__isnull=False).exists()


def test_another_coachs_ids_are_404_for_every_action(world: SimpleNamespace) -> None:
    other = _browser(make_coach(email="otto@example.com"))
    declined = _invitation(world, status="declined", client=world.ana, responded_at=_ago(3))
    relationship_revoke(relationship=world.relationship)

    for name, pk in [
        ("coaching:attention_seen", world.relationship.pk),
        ("coaching:attention_invitation_dismiss", declined.pk),
        ("coaching:attention_revocation_dismiss", world.relationship.pk),
    ]:
        assert other.post(reverse(name, args=[pk])).status_code == 404, name
    declined.refresh_from_db()
    world.relationship.refresh_from_db()
    assert declined.coach_seen_at is None and world.relationship.revocation_seen_at is None


# --- the page and the dashboard ---------------------------------------------------------


def test_the_dashboard_loads_the_queue_rather_than_keeping_it(world: SimpleNamespace) -> None:
    page = world.browser.get(reverse("coaching:clients")).content.decode()

    assert f'hx-get="{reverse("coaching:attention")}" hx-trigger="load"' in page
    assert f'<a href="{reverse("coaching:attention")}">See what needs your attention</a>' in page
    assert "shared a new report" not in page


def test_the_dashboard_lists_three_of_a_group_and_the_full_page_all(
    world: SimpleNamespace,
) -> None:
    for i in range(6):
        _client_of(world.coach, f"quiet-{i}@example.com", f"Quiet {i}", days_ago=50 + i)

    preview = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()
    full = world.browser.get(reverse("coaching:attention")).content.decode()

    assert len(_groups(preview)["quiet"]) == 3
    assert "Quiet for 30 days or more (7)" in _text(preview)
    assert "See all 7 of quiet for 30 days or more (4 more)" in _text(preview)
    assert len(_groups(full)["quiet"]) == 7
    assert "<h1" in full and "See all" not in full


def test_an_empty_queue_is_one_line(world: SimpleNamespace) -> None:
    CoachRelationship.objects.filter(pk=world.relationship.pk).update(coach_seen_at=timezone.now())
    Assessment.objects.filter(pk=world.report.pk).update(updated_at=_ago(1))

    page = world.browser.get(reverse("coaching:attention"), **HTMX).content.decode()

    assert _text(page) == "Nothing needs your attention."


# --- queries ----------------------------------------------------------------------------


def _bulk_world(coach: Any, role: Any, count: int, prefix: str) -> None:
    """`count` clients of every kind the queue lists, by bulk_create: a new report, a
    quiet one with a disagreement, a revoked consent, and declined and expired invitations."""
    user_model = get_user_model()
    user_model.objects.bulk_create(
        user_model(username=f"{prefix}-{i}@example.com", email=f"{prefix}-{i}@example.com")
        for i in range(count)
    )
    clients = list(user_model.objects.filter(username__startswith=f"{prefix}-").order_by("pk"))
    reports = Assessment.objects.bulk_create(
        Assessment(
            owner=client,
            role=role,
            status=Assessment.Status.SUBMITTED,
            snapshot={"version": 1},
            answers_frozen={"skills": {}, "experience": {}, "education": "none"},
            report={"readiness": 50.0, "requirements": []},
            readiness=50,
            verdict="developing",
            submitted_at=_ago(40 + i % 3),
        )
        for i, client in enumerate(clients)
    )
    Assessment.objects.filter(owner__in=clients).update(updated_at=_ago(40))
    relationships = CoachRelationship.objects.bulk_create(
        CoachRelationship(coach=coach, client=client, revoked_at=_ago(2) if i % 5 == 0 else None)
        for i, client in enumerate(clients)
    )
    CoachRelationship.objects.filter(coach=coach).update(created_at=_ago(60))
    SharedAssessment.objects.bulk_create(
        SharedAssessment(relationship=r, assessment=a)
        for r, a in zip(relationships, reports, strict=True)
    )
    CoachRelationship.objects.filter(coach=coach).refresh_results()
    ReportSkillGap.objects.bulk_create(
        ReportSkillGap(assessment=a, slug="python", name="Python", required=4, self_level=1, gap=3)
        for a in reports
    )
    Calibration.objects.bulk_create(
        Calibration(assessment=a, coach=coach, skill="python", level=4) for a in reports
    )
    Invitation.objects.bulk_create(
        Invitation(
            coach=coach,
            email=f"{prefix}-invited-{i}@example.com",
            code=f"{prefix[:2].upper()}{i:06}",
            token=f"{prefix}-token-{i}",
            status="declined" if i % 2 else "pending",
            client=clients[i] if i % 2 else None,
            responded_at=_ago(3) if i % 2 else None,
            expires_at=_ago(4),
        )
        for i in range(count)
    )


# The queue, whatever the number of clients:
#  1. the session
#  2. the user
#  3. is the user a coach (with the count of new notes, for the navigation)
#  4. new submissions (the first few, and how many in all, by a window count)
#  5. quiet clients (their last activity, a subquery over their assessments)
#  6. disagreements (a count per client over ReportSkillGap × Calibration)
#  7. answered and expired invitations
#  8. revoked consents
ATTENTION_QUERIES = 8


@pytest.mark.parametrize("full", [False, True], ids=["dashboard", "full-page"])
def test_the_queue_costs_the_same_queries_for_5_clients_as_for_200(
    world: SimpleNamespace, full: bool
) -> None:
    small, large = make_coach(email="small@example.com"), make_coach(email="large@example.com")
    _bulk_world(small, world.role, 5, "few")
    _bulk_world(large, world.role, 200, "many")
    headers = {} if full else HTMX
    counted = []
    for coach in (small, large):
        browser = _browser(coach)
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(reverse("coaching:attention"), **headers)
        assert response.status_code == 200
        counted.append(len(queries))

    assert counted == [ATTENTION_QUERIES, ATTENTION_QUERIES]
    groups = _groups(response.content.decode())
    # 200 clients: 40 revoked, 160 active, each with a report shared 40 days ago, never
    # opened, quiet and 3 levels apart on Python; 100 declined and 100 expired invitations.
    text = _text(response.content.decode())
    assert "New submissions (160)" in text
    assert "Quiet for 30 days or more (160)" in text
    assert "Disagreements (160)" in text
    assert "Invitations and consent (240)" in text
    # The dashboard lists 3 a group; the full page the 100 most recent, and says so.
    expected = 100 if full else 3
    assert [len(groups[g]) for g in ("submissions", "quiet", "disagreements")] == [expected] * 3
    assert len(groups["invitations"]) == expected
    if full:
        assert "The 100 most recent of 160 are listed" in text
        assert "The 100 most recent of 240 are listed" in text
