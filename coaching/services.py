"""Coaching workflows: invitations and consent, sharing, notes and calibration."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Assessment
from careerpath.page_cache import coach_key, data_changed
from coaching.models import (
    COACHES_GROUP,
    NOTE_MAX_LENGTH,
    Calibration,
    CoachNote,
    CoachRelationship,
    Invitation,
    SharedAssessment,
)
from coaching.tasks import invitation_mail_queue


class CoachingError(ValueError):
    """A refused coaching action; the message is for the person who tried it."""


def is_coach(user: AbstractBaseUser) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_is_coach", None)
    if cached is None:
        cached = user._is_coach = user.groups.filter(name=COACHES_GROUP).exists()
    return cached


# --- invitations ----------------------------------------------------------------------


def invitation_create(
    *,
    coach: AbstractBaseUser,
    email: str = "",
    accept_url_for: Callable[[Invitation], str] | None = None,
) -> Invitation:
    """A new invitation with its single-use link and short code; mailed when `email` is
    given (`accept_url_for` turns the invitation into the absolute link). The mail goes
    through the task queue: the invitation exists at once, with mail status "sending"."""
    email = email.strip().lower()
    mailed = bool(email) and accept_url_for is not None
    mail_status = Invitation.MailStatus.SENDING if mailed else Invitation.MailStatus.NONE
    for _ in range(5):  # the code is short: on the rare clash, draw another
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    coach=coach, email=email, mail_status=mail_status
                )
            break
        except IntegrityError:
            continue
    else:
        raise CoachingError("Could not create an invitation just now; please try again.")
    if mailed:
        invitation_mail_queue(invitation_id=invitation.pk, url=accept_url_for(invitation))
    return invitation


def invitation_mail_retry(*, invitation: Invitation, url: str) -> None:
    """Send the mail of an invitation again after it failed: the same invitation, link and
    code, so a retry never makes a second one."""
    if not invitation.is_usable:
        raise CoachingError("This invitation can no longer be used: create a new one.")
    if not invitation.email:
        raise CoachingError("This invitation has no email address: give your client its code.")
    claimed = Invitation.objects.filter(
        pk=invitation.pk, mail_status=Invitation.MailStatus.FAILED
    ).update(mail_status=Invitation.MailStatus.SENDING, mail_error="")
    if not claimed:  # a double click, or a mail already sent or on its way
        raise CoachingError("This invitation's email is already sent or on its way.")
    invitation_mail_queue(invitation_id=invitation.pk, url=url)


def _check_usable(invitation: Invitation, client: AbstractBaseUser) -> None:
    if invitation.coach_id == client.pk:
        raise CoachingError("This is your own invitation: send it to your client instead.")
    if invitation.status != Invitation.Status.PENDING:
        raise CoachingError("This invitation was already used. Ask your coach for a new one.")
    if invitation.expires_at <= timezone.now():
        raise CoachingError("This invitation has expired. Ask your coach for a new one.")


def _owned_submissions(client: AbstractBaseUser, ids: Iterable[object]) -> list[Assessment]:
    wanted = {str(i) for i in ids}
    found = list(Assessment.objects.submitted().filter(owner=client, pk__in=wanted))
    if len(found) != len(wanted):
        raise CoachingError("Choose among your own submitted assessments.")
    return found


@transaction.atomic
def invitation_accept(
    *,
    invitation_id: int,
    client: AbstractBaseUser,
    scope: str,
    assessment_ids: Iterable[object] = (),
) -> CoachRelationship:
    """Accept an invitation: the coach may now see what the client chose."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    _check_usable(invitation, client)
    if scope not in CoachRelationship.Scope.values:
        raise CoachingError("Choose what your coach may see.")
    chosen = _owned_submissions(client, assessment_ids) if scope == "chosen" else []
    _lock_consent_of(client)
    relationship = (
        CoachRelationship.objects.active()
        .filter(coach_id=invitation.coach_id, client=client)
        .first()
    )
    if relationship is None:
        relationship = CoachRelationship.objects.create(
            coach_id=invitation.coach_id, client=client, scope=scope
        )
    _apply_scope(relationship, scope, chosen)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.client = client
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "client", "responded_at"])
    return relationship


@transaction.atomic
def invitation_decline(*, invitation_id: int, client: AbstractBaseUser) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    _check_usable(invitation, client)
    invitation.status = Invitation.Status.DECLINED
    invitation.client = client
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "client", "responded_at"])


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, coach: AbstractBaseUser) -> None:
    if invitation.coach_id != coach.pk:
        raise CoachingError("Only the coach who sent an invitation can cancel it.")
    # Read again under lock: a client accepting at this moment either goes first (and the
    # cancel is refused) or finds it cancelled; never an accepted, cancelled invitation.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise CoachingError(
            f"This invitation was already {invitation.get_status_display().lower()}; "
            "there is nothing to cancel."
        )
    invitation.status = Invitation.Status.CANCELLED
    invitation.save(update_fields=["status"])


# --- consent --------------------------------------------------------------------------


def _lock_consent_of(client: AbstractBaseUser) -> None:
    """Make one client's consent changes take turns, by locking their user row until the
    transaction ends: two invitations from one coach accepted at once then give one
    relationship (the second finds the first's), not a clash on the one-active-relationship
    rule. On SQLite the write lock taken at the start of the transaction does this."""
    list(get_user_model().objects.select_for_update().filter(pk=client.pk).values_list("pk"))


def _apply_scope(relationship: CoachRelationship, scope: str, chosen: list[Assessment]) -> None:
    relationship.scope = scope
    relationship.save(update_fields=["scope"])
    if scope == CoachRelationship.Scope.ALL:
        chosen = list(Assessment.objects.submitted().filter(owner_id=relationship.client_id))
    relationship.shares.exclude(assessment__in=chosen).delete()
    existing = set(relationship.shares.values_list("assessment_id", flat=True))
    SharedAssessment.objects.bulk_create(
        SharedAssessment(relationship=relationship, assessment=a)
        for a in chosen
        if a.pk not in existing
    )
    CoachRelationship.objects.filter(pk=relationship.pk).refresh_results()
    data_changed(coach_key(relationship.coach_id))


@transaction.atomic
def relationship_update_scope(
    *, relationship: CoachRelationship, scope: str, assessment_ids: Iterable[object] = ()
) -> None:
    if scope not in CoachRelationship.Scope.values:
        raise CoachingError("Choose what your coach may see.")
    client = relationship.client
    chosen = _owned_submissions(client, assessment_ids) if scope == "chosen" else []
    _lock_consent_of(client)
    _apply_scope(relationship, scope, chosen)


def relationship_revoke(*, relationship: CoachRelationship) -> None:
    """From now on the coach gets a 404 on everything of this client's."""
    if relationship.revoked_at is None:
        relationship.revoked_at = timezone.now()
        relationship.save(update_fields=["revoked_at"])


def shares_for_new_submission(*, assessment: Assessment) -> None:
    """A new submission is shared at once with every coach the owner lets see all."""
    if assessment.owner_id is None or assessment.is_draft:
        return
    relationships = CoachRelationship.objects.active().filter(
        client_id=assessment.owner_id, scope=CoachRelationship.Scope.ALL
    )
    sharing = list(relationships)
    SharedAssessment.objects.bulk_create(
        (SharedAssessment(relationship=r, assessment=assessment) for r in sharing),
        ignore_conflicts=True,
    )
    relationships.refresh_results()
    data_changed(*(coach_key(r.coach_id) for r in sharing))


# --- notes and calibration ------------------------------------------------------------


def note_create(
    *, assessment: Assessment, coach: AbstractBaseUser, text: str, visibility: str
) -> CoachNote:
    text = text.strip()
    if not text:
        raise CoachingError("Write something before saving the note.")
    if len(text) > NOTE_MAX_LENGTH:
        raise CoachingError(f"Keep a note to {NOTE_MAX_LENGTH:,} characters.")
    if visibility not in CoachNote.Visibility.values:
        raise CoachingError("Choose whether the note is private or shared.")
    return CoachNote.objects.create(
        assessment=assessment, coach=coach, text=text, visibility=visibility
    )


def calibration_save(
    *, assessment: Assessment, coach: AbstractBaseUser, levels: dict[str, str]
) -> int:
    """Record the coach's view of the client's level for skills of the report. Empty
    values clear a calibration. Returns how many were saved. Never touches the answers."""
    skills = {r["slug"] for r in assessment.report["requirements"] if r["kind"] == "skill"}
    parsed: dict[str, int | None] = {}
    for slug, raw in levels.items():
        if slug not in skills:
            raise CoachingError("That skill is not part of this report.")
        if raw == "":
            parsed[slug] = None
        elif raw in {"0", "1", "2", "3", "4", "5"}:
            parsed[slug] = int(raw)
        else:
            raise CoachingError("Choose a level from 0 (None) to 5 (Expert).")
    with transaction.atomic():
        for slug, level in parsed.items():
            if level is None:
                Calibration.objects.filter(assessment=assessment, coach=coach, skill=slug).delete()
            else:
                Calibration.objects.update_or_create(
                    assessment=assessment, coach=coach, skill=slug, defaults={"level": level}
                )
    return sum(1 for level in parsed.values() if level is not None)
