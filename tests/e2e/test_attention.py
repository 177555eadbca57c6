"""The attention queue on the coach's dashboard: a new submission and a quiet client are
there; the coach nudges the quiet client (it then says so) and dismisses a declined
invitation, in place; on a phone nothing scrolls sideways."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect

from assessments.models import Assessment
from coaching.models import CoachRelationship, Invitation
from tests.e2e.signing_in import PASSWORD, signed_in
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

pytestmark = pytest.mark.django_db(transaction=True)


def _ago(days: float):
    return timezone.now() - timedelta(days=days)


def _world() -> SimpleNamespace:
    """Cora's clients: Maximiliana shared a report two days ago, after Cora last looked;
    Bo accepted 45 days ago and has done nothing since; Dee declined an invitation."""
    category = make_category(name="Technical")
    python = make_skill(slug="python", name="Python programming", category=category)
    role = make_role(title="ML Team Lead", track=make_track(), skills=[(python, 4, 3, True)])
    coach = make_coach(email="cora@example.com", first_name="Cora", password=PASSWORD)
    maxi = make_user(email="maxi@example.com", first_name="Maximiliana Fitzgerald-Worthington")
    bo = make_user(email="bo@example.com", first_name="Bo")
    dee = make_user(email="dee@example.com", first_name="Dee")
    new = make_relationship(coach=coach, client=maxi)
    quiet = make_relationship(coach=coach, client=bo)
    report = make_submitted_assessment(role=role, owner=maxi, levels={"python": 2})
    Assessment.objects.filter(pk=report.pk).update(submitted_at=_ago(2), updated_at=_ago(2))
    CoachRelationship.objects.filter(pk=new.pk).update(created_at=_ago(60))
    CoachRelationship.objects.filter(pk=quiet.pk).update(created_at=_ago(45))
    CoachRelationship.objects.filter(coach=coach).refresh_results()
    # The two accepted invitations are old news; Dee's answer is not.
    Invitation.objects.filter(coach=coach).update(responded_at=_ago(45))
    declined = Invitation.objects.create(
        coach=coach, email="dee@example.com", status="declined", client=dee, responded_at=_ago(1)
    )
    return SimpleNamespace(quiet=quiet, declined=declined)


def test_a_coach_nudges_a_quiet_client_and_dismisses_a_declined_invitation(
    live_server, browser: Browser
) -> None:
    world = _world()
    page = signed_in(browser, live_server.url, "cora@example.com", 1280)
    page.goto(f"{live_server.url}{reverse('coaching:clients')}")

    queue = page.get_by_test_id("attention")
    expect(queue.get_by_role("heading", name="Needs your attention")).to_be_visible()
    expect(queue.get_by_test_id("attention-submissions")).to_contain_text(
        "Maximiliana Fitzgerald-Worthington shared a new report on"
    )
    quiet = queue.get_by_test_id("attention-quiet")
    expect(quiet).to_contain_text("Bo has shown no activity since")

    quiet.get_by_role("button", name=re.compile("^Nudge to retake")).click()

    quiet = page.get_by_test_id("attention-quiet")
    expect(quiet.get_by_test_id("nudged")).to_have_text(re.compile(r"^Nudged on \d+ \w+ \d{4}$"))
    expect(quiet.get_by_role("button", name=re.compile("^Nudge to retake"))).to_be_disabled()
    expect(page.locator("#messages")).to_contain_text("Nudge sent: Bo")
    assert page.url.endswith(reverse("coaching:clients"))  # swapped in place
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bo@example.com"]
    world.quiet.refresh_from_db()
    assert world.quiet.nudged_at is not None

    invitations = page.get_by_test_id("attention-invitations")
    expect(invitations).to_contain_text("Dee declined your invitation on")
    invitations.get_by_role("button", name=re.compile("^Dismiss")).click()

    expect(page.get_by_test_id("attention-invitations")).to_have_count(0)
    expect(page.get_by_test_id("attention-quiet")).to_contain_text("Nudged on")
    world.declined.refresh_from_db()
    assert world.declined.coach_seen_at is not None
    page.context.close()


def test_the_dashboard_with_its_queue_does_not_scroll_sideways_on_a_phone(
    live_server, browser: Browser
) -> None:
    _world()
    page = signed_in(browser, live_server.url, "cora@example.com", 390)
    page.goto(f"{live_server.url}{reverse('coaching:clients')}")

    expect(page.get_by_test_id("attention-quiet")).to_be_visible()
    expect(page.get_by_test_id("attention-submissions")).to_contain_text(
        "Maximiliana Fitzgerald-Worthington"
    )
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.context.close()
