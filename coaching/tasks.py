"""Mail, sent by a worker (invitations, notices of shared notes, nudges): an SMTP server
that is down never fails the coach's request, and the invitation records whether its mail
went out (docs/operations.md)."""

from __future__ import annotations

import logging
import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from careerpath.celery import enqueue
from coaching.models import CoachNote, CoachRelationship, Invitation

logger = logging.getLogger(__name__)

# Worth another try later: the server refused, timed out, hung up or was not there.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)
MAIL_ERROR_LENGTH = Invitation._meta.get_field("mail_error").max_length


def mail_backoff(retries: int) -> int:
    """Seconds before the next attempt: the first wait, doubled after every failure."""
    return settings.MAIL_RETRY_BACKOFF_SECONDS * 2**retries


def display_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.email or user.get_username()


def invitation_message(invitation: Invitation, url: str) -> EmailMessage:
    coach = invitation.coach
    context = {"invitation": invitation, "coach": coach, "url": url}
    return EmailMessage(
        subject=f"{display_name(coach)} invites you to share your careerpath assessments",
        body=render_to_string("coaching/invitation_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )


def _mail_failed(invitation_id: int, error: str) -> None:
    Invitation.objects.filter(pk=invitation_id, mail_status=Invitation.MailStatus.SENDING).update(
        mail_status=Invitation.MailStatus.FAILED, mail_error=error[:MAIL_ERROR_LENGTH]
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@shared_task(bind=True, ignore_result=True)
def send_invitation_mail(self: Task, invitation_id: int, url: str) -> None:
    """Mail one invitation whose mail is due ("sending"), then record "sent" or, after the
    last retry, "failed" with the reason; the coach can then send it again."""
    invitation = (
        Invitation.objects.select_related("coach")
        .filter(
            pk=invitation_id,
            status=Invitation.Status.PENDING,
            mail_status=Invitation.MailStatus.SENDING,
        )
        .first()
    )
    if invitation is None:  # already sent by an earlier delivery, cancelled, or deleted
        return
    Invitation.objects.filter(pk=invitation_id).update(mail_attempts=F("mail_attempts") + 1)
    try:
        invitation_message(invitation, url).send()
    except TRANSIENT_MAIL_ERRORS as exc:
        if self.request.retries < settings.MAIL_RETRIES:
            Invitation.objects.filter(pk=invitation_id).update(
                mail_error=_describe(exc)[:MAIL_ERROR_LENGTH]
            )
            raise self.retry(
                exc=exc,
                countdown=mail_backoff(self.request.retries),
                max_retries=settings.MAIL_RETRIES,
            ) from exc
        logger.warning("Invitation %s: mail not sent after retries: %s", invitation_id, exc)
        _mail_failed(invitation_id, _describe(exc))
        return
    except Exception as exc:  # a bug, not the server: retrying would fail the same way
        logger.exception("Invitation %s: mail could not be built or sent", invitation_id)
        _mail_failed(invitation_id, _describe(exc))
        return
    Invitation.objects.filter(pk=invitation_id).update(
        mail_status=Invitation.MailStatus.SENT, mail_sent_at=timezone.now(), mail_error=""
    )


def invitation_mail_queue(*, invitation_id: int, url: str) -> None:
    """Queue the mail of an invitation whose mail status is "sending". If even the queue
    cannot be reached, the invitation says "not sent" at once, so the coach can retry."""

    def broker_down(exc: Exception) -> None:
        _mail_failed(invitation_id, f"Could not be queued: {_describe(exc)}")

    enqueue(send_invitation_mail, invitation_id, url, on_failure=broker_down)


# --- the notice of a new shared note ----------------------------------------------------


def note_notice_message(note: CoachNote, url: str) -> EmailMessage:
    """The client's notice: who wrote on which report, and the link to read it. The note
    itself stays in the app, behind the client's login."""
    client = note.assessment.owner
    context = {"note": note, "coach": display_name(note.coach), "client": client, "url": url}
    return EmailMessage(
        subject=f"{display_name(note.coach)} shared a note on your careerpath report",
        body=render_to_string("coaching/note_notice_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[client.email],
    )


@shared_task(ignore_result=True)
def send_note_notice_mail(note_id: int, url: str) -> None:
    """Mail the client of a note that is still shared when the worker gets to it. A mail
    that cannot be sent is logged, never raised: the count beside "My coaches" tells the
    client all the same."""
    note = (
        CoachNote.objects.select_related("coach", "assessment__owner", "assessment__role")
        .filter(pk=note_id, visibility=CoachNote.Visibility.SHARED)
        .first()
    )
    if note is None or note.assessment.owner is None or not note.assessment.owner.email:
        return  # deleted or made private meanwhile, or no address to write to
    try:
        note_notice_message(note, url).send()
    except Exception as exc:
        logger.warning("Note %s: notice mail not sent: %s", note_id, _describe(exc))


def note_notice_queue(*, note_id: int, url: str) -> None:
    """Queue the notice of a newly shared note, after the note is committed."""
    enqueue(send_note_notice_mail, note_id, url)


# --- the nudge to retake (the attention queue) ------------------------------------------


def nudge_message(relationship: CoachRelationship, url: str) -> EmailMessage:
    """From the coach by name: retake the self-assessment (for the role of the latest
    shared report, if any), with the link to the client's assessments."""
    coach = display_name(relationship.coach)
    role = relationship.latest_role.title if relationship.latest_role else ""
    context = {
        "coach": coach,
        "client_name": relationship.client.get_full_name(),
        "role": role,
        "url": url,
    }
    return EmailMessage(
        subject=f"{coach} suggests you retake your careerpath self-assessment",
        body=render_to_string("coaching/nudge_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[relationship.client.email],
    )


@shared_task(ignore_result=True)
def send_nudge_mail(relationship_id: int, url: str) -> None:
    """Mail the nudge if the client still shares with the coach when the worker gets to
    it. A mail that cannot be sent is logged, not retried: a nudge is a suggestion, and
    the coach sees when they sent it."""
    relationship = (
        CoachRelationship.objects.active()
        .select_related("coach", "client", "latest_role")
        .filter(pk=relationship_id)
        .first()
    )
    if relationship is None or not relationship.client.email:
        return  # revoked meanwhile, or no address to write to
    try:
        nudge_message(relationship, url).send()
    except Exception as exc:
        logger.warning("Relationship %s: nudge mail not sent: %s", relationship_id, _describe(exc))


def nudge_mail_queue(*, relationship_id: int, url: str) -> None:
    """Queue the nudge of a client, after the nudge is recorded."""
    enqueue(send_nudge_mail, relationship_id, url)
