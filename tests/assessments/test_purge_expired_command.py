from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.models import Assessment, ShareLink, SkillAnswer
from tests.factories import (
    make_assessment,
    make_role,
    make_skill,
    make_submitted_assessment,
    make_user,
)

pytestmark = pytest.mark.django_db


def _purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def _aged(assessment: Assessment, days: int) -> Assessment:
    # updated_at is set on every save; an update() sets it in the past.
    Assessment.objects.filter(pk=assessment.pk).update(
        updated_at=timezone.now() - timedelta(days=days)
    )
    return assessment


@pytest.fixture
def role():
    skill = make_skill(slug="python")
    return make_role(skills=[(skill, 3, 3, False)])


def _session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["visitor"] = "x"
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_expired_sessions_go_and_live_ones_stay():
    _session(expires_in=timedelta(seconds=-1))
    live = _session(expires_in=timedelta(days=1))

    output = _purge()

    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    assert "Deleted 1 expired sessions" in output


def test_expired_share_links_go_and_active_or_revoked_unexpired_ones_stay(role):
    report = make_submitted_assessment(role=role, owner=make_user())
    now = timezone.now()
    expired = ShareLink.objects.create(assessment=report, expires_at=now - timedelta(minutes=1))
    active = ShareLink.objects.create(assessment=report, expires_at=now + timedelta(days=3))
    revoked = ShareLink.objects.create(
        assessment=report, expires_at=now + timedelta(days=3), revoked_at=now
    )

    output = _purge()

    assert set(ShareLink.objects.values_list("pk", flat=True)) == {active.pk, revoked.pk}
    assert not ShareLink.objects.filter(pk=expired.pk).exists()
    assert Assessment.objects.filter(pk=report.pk).exists()
    assert "1 expired share links" in output


def test_old_visitor_drafts_go_with_their_answers(role):
    skill = role.skill_requirements.get().skill
    old = _aged(make_assessment(role=role, levels={skill: 2}), days=31)

    output = _purge()

    assert not Assessment.objects.filter(pk=old.pk).exists()
    assert not SkillAnswer.objects.filter(assessment_id=old.pk).exists()
    # Counted once, not once per answer.
    assert "1 visitor drafts older than 30 days" in output


def test_recent_visitor_drafts_and_every_account_holders_assessment_stay(role):
    recent = _aged(make_assessment(role=role), days=29)
    owner = make_user()
    members_draft = _aged(make_assessment(role=role, owner=owner), days=400)
    visitors_submitted = make_submitted_assessment(role=role, visitor_token="visitor-kept")
    _aged(visitors_submitted, days=400)

    output = _purge()

    assert set(Assessment.objects.values_list("pk", flat=True)) == {
        recent.pk,
        members_draft.pk,
        visitors_submitted.pk,
    }
    assert "0 visitor drafts" in output


def test_days_option_sets_the_age_of_drafts_that_go(role, settings):
    settings.VISITOR_DRAFT_DAYS = 30
    draft = _aged(make_assessment(role=role), days=8)

    _purge("--days", "10")
    assert Assessment.objects.filter(pk=draft.pk).exists()
    output = _purge("--days", "7")
    assert not Assessment.objects.filter(pk=draft.pk).exists()
    assert "older than 7 days" in output


def test_days_below_one_is_refused_with_a_message():
    with pytest.raises(CommandError, match="--days must be 1 or more"):
        _purge("--days", "0")
