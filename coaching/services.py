"""Coaching workflows: invitations and consent, sharing, notes and calibration."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from assessments.models import Assessment
from careerpath.page_cache import assessment_key, coach_key, data_changed, person_key
from coaching.models import (
    ACTION_ITEM_MAX_LENGTH,
    COACHES_GROUP,
    INVITATION_DAYS,
    NOTE_MAX_LENGTH,
    TAG_MAX_LENGTH,
    ActionItem,
    Calibration,
    ClientTag,
    CoachNote,
    CoachRelationship,
    Invitation,
    SharedAssessment,
)
from coaching.tasks import invitation_mail_queue, note_notice_queue, nudge_mail_queue


class CoachingError(ValueError):
    """A refused coaching action; the message is for the person who tried it."""


def is_coach(user: AbstractBaseUser) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "_is_coach", None) is None:
        _load_viewer_flags(user)
    return user._is_coach


def unseen_notes_count(user: AbstractBaseUser) -> int:
    """How many notes coaches shared with the user that the user has not seen yet."""
    if not user.is_authenticated:
        return 0
    if getattr(user, "_unseen_notes", None) is None:
        _load_viewer_flags(user)
    return user._unseen_notes


def _load_viewer_flags(user: AbstractBaseUser) -> None:
    """Whether the user coaches and how many shared notes are new to them, in one query,
    kept on the user for the request: the navigation of every page shows both (the
    "Clients" link, the count beside "My coaches"), and a coach's page has already asked
    the first, so the second costs nothing more."""
    user_model = get_user_model()
    in_group = user_model.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name=COACHES_GROUP
    )
    unseen = (
        CoachNote.objects.filter(
            assessment__owner_id=OuterRef("pk"),
            visibility=CoachNote.Visibility.SHARED,
            seen_at__isnull=True,
        )
        .order_by()
        .values("assessment__owner_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = (
        user_model.objects.filter(pk=user.pk)
        .annotate(coach=Exists(in_group), unseen=Coalesce(Subquery(unseen), Value(0)))
        .values_list("coach", "unseen")
        .first()
    )
    user._is_coach, user._unseen_notes = (bool(row[0]), int(row[1])) if row else (False, 0)


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


NOT_YOURS = (
    "This invitation was sent to another email address. Log in with the address it was "
    "sent to, or ask your coach to invite this one."
)


def invitation_send_again(*, invitation: Invitation, url: str) -> None:
    """Send an emailed, unanswered invitation again (expired or not) through the task
    queue: the same link and code, working INVITATION_DAYS from now. Counted in its
    history."""
    if not invitation.email:
        raise CoachingError("This invitation has no email address: give your client its code.")
    if invitation.status != Invitation.Status.PENDING:
        raise CoachingError(
            f"This invitation was already {invitation.get_status_display().lower()}: "
            "create a new one."
        )
    now = timezone.now()
    claimed = (
        Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING)
        .exclude(mail_status=Invitation.MailStatus.SENDING)
        .update(
            mail_status=Invitation.MailStatus.SENDING,
            mail_error="",
            expires_at=now + timedelta(days=INVITATION_DAYS),
            resent_count=F("resent_count") + 1,
            last_resent_at=now,
        )
    )
    if not claimed:  # a double click, an answer meanwhile, or a mail still on its way
        raise CoachingError("This invitation's email is on its way already.")
    data_changed(coach_key(invitation.coach_id))  # update() sends no signal
    invitation_mail_queue(invitation_id=invitation.pk, url=url)


def _check_usable(invitation: Invitation, client: AbstractBaseUser) -> None:
    if invitation.coach_id == client.pk:
        raise CoachingError("This is your own invitation: send it to your client instead.")
    # Before any state: an account it was not sent to learns nothing more about it.
    if not invitation.is_for(client):
        raise CoachingError(NOT_YOURS)
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
    invitation.relationship = relationship
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "client", "relationship", "responded_at"])
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
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["status", "cancelled_at"])


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


def client_seen_by_coach(*, coach: AbstractBaseUser, client_id: int) -> None:
    """The coach has opened this client (their session view or a report): a report shared
    before now is no longer new in their attention queue. One UPDATE, which changes
    something (and so drops the coach's kept queue) only when a report was new."""
    newly_seen = (
        CoachRelationship.objects.active()
        .filter(coach=coach, client_id=client_id)
        .filter(last_activity__gt=Coalesce("coach_seen_at", "created_at"))
        .update(coach_seen_at=timezone.now())
    )
    if newly_seen:
        data_changed(coach_key(coach.pk))


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


def _checked_note(text: str, visibility: str) -> str:
    text = text.strip()
    if not text:
        raise CoachingError("Write something before saving the note.")
    if len(text) > NOTE_MAX_LENGTH:
        raise CoachingError(f"Keep a note to {NOTE_MAX_LENGTH:,} characters.")
    if visibility not in CoachNote.Visibility.values:
        raise CoachingError("Choose whether the note is private or shared.")
    return text


NoticeUrl = Callable[[CoachNote], str] | None


def _client_told(note: CoachNote, notice_url_for: NoticeUrl) -> None:
    """A note the client now sees for the first time: the count beside "My coaches" on
    every page of theirs follows (their person version), and, given the link to read it
    by (`notice_url_for` makes it absolute), a mail goes through the task queue."""
    data_changed(person_key(user_id=note.assessment.owner_id))
    if notice_url_for is not None:
        note_notice_queue(note_id=note.pk, url=notice_url_for(note))


@transaction.atomic
def note_create(
    *,
    assessment: Assessment,
    coach: AbstractBaseUser,
    text: str,
    visibility: str,
    notice_url_for: NoticeUrl = None,
) -> CoachNote:
    """A new note; a shared one is news to the client (`_client_told`)."""
    text = _checked_note(text, visibility)
    note = CoachNote.objects.create(
        assessment=assessment, coach=coach, text=text, visibility=visibility
    )
    if visibility == CoachNote.Visibility.SHARED:
        _client_told(note, notice_url_for)
    return note


@transaction.atomic
def note_update(
    *, note: CoachNote, text: str, visibility: str, notice_url_for: NoticeUrl = None
) -> CoachNote:
    """Change a note's text or who sees it. Saved through the ORM, so the client's kept
    report page follows at once (careerpath/page_cache.py: the assessment's version). A
    private note now shared is news to the client, as a new one; a shared note made
    private leaves their count."""
    shared = CoachNote.Visibility.SHARED
    newly_shared = visibility == shared and note.visibility != shared
    changed_visibility = visibility != note.visibility
    note.text = _checked_note(text, visibility)
    note.visibility = visibility
    note.edited_at = timezone.now()
    fields = ["text", "visibility", "edited_at"]
    if newly_shared:
        note.seen_at = None
        fields.append("seen_at")
    note.save(update_fields=fields)
    if newly_shared:
        _client_told(note, notice_url_for)
    elif changed_visibility:
        data_changed(person_key(user_id=note.assessment.owner_id))
    return note


@transaction.atomic
def note_delete(*, note: CoachNote) -> None:
    """Delete a note for good: gone from the client's report at once, as above, and from
    their count of new notes."""
    owner_id = note.assessment.owner_id
    note.delete()
    data_changed(person_key(user_id=owner_id))


def notes_mark_seen(*, client: AbstractBaseUser, note_id: int | None = None) -> list[CoachNote]:
    """Mark the notes shared with the client (or one of them) as seen, and return the ones
    that were new, newest first, with their coach and report's role, for the page that
    shows them. The count in the client's navigation follows on every page."""
    notes = CoachNote.objects.filter(
        assessment__owner=client,
        visibility=CoachNote.Visibility.SHARED,
        seen_at__isnull=True,
    )
    if note_id is not None:
        notes = notes.filter(pk=note_id)
    new = list(
        notes.select_related("coach", "assessment__role")
        .defer("assessment__report", "assessment__snapshot", "assessment__answers_frozen")
        .order_by("-created_at", "-pk")
    )
    if new:
        # By id: a note shared between the read and now stays new, to be shown next time.
        CoachNote.objects.filter(pk__in=[n.pk for n in new]).update(seen_at=timezone.now())
        data_changed(person_key(user_id=client.pk))  # update() sends no signal
        client._unseen_notes = None  # asked again if this request's page shows it
    return new


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
                # A double submit, or two autosaves of one skill at once: the second finds
                # the first's row (update_or_create retries its read on a unique clash).
                Calibration.objects.update_or_create(
                    assessment=assessment, coach=coach, skill=slug, defaults={"level": level}
                )
        # The client's kept report shows it (the saves above bump it too, a clear of
        # nothing does not), and the coach's pages read disagreements from it.
        data_changed(assessment_key(assessment.pk), coach_key(coach.pk))
    return sum(1 for level in parsed.values() if level is not None)


# --- action items ---------------------------------------------------------------------


def _items_changed(relationship: CoachRelationship) -> None:
    # Both sides' pages show the items: the coach's session, the client's "My coaches".
    data_changed(coach_key(relationship.coach_id), person_key(user_id=relationship.client_id))


@transaction.atomic
def action_item_create(
    *, relationship: CoachRelationship, text: str, due_date: date | None = None
) -> ActionItem:
    """A new open action item for the client of an active relationship."""
    if not relationship.is_active:
        raise CoachingError("This client no longer shares anything with you.")
    text = " ".join(text.split())
    if not text:
        raise CoachingError("Write what the client is to do before adding it.")
    if len(text) > ACTION_ITEM_MAX_LENGTH:
        raise CoachingError(f"Keep an action item to {ACTION_ITEM_MAX_LENGTH} characters.")
    item = ActionItem.objects.create(relationship=relationship, text=text, due_date=due_date)
    _items_changed(relationship)
    return item


def action_item_complete(*, item: ActionItem) -> None:
    """The client ticks an open item off. A second tick (a double submit, another tab)
    is refused with a message and changes nothing: the first time stands."""
    done = ActionItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
        done_at=timezone.now()
    )
    if not done:
        raise CoachingError("You have already ticked this action item off.")
    _items_changed(item.relationship)


@transaction.atomic
def action_item_delete(*, item: ActionItem) -> None:
    relationship = item.relationship
    item.delete()
    _items_changed(relationship)


# --- tags -------------------------------------------------------------------------------

# Enough for any real grouping of clients; a cap keeps the dashboard's tag filter a list a
# person can read.
TAGS_PER_COACH = 100


def _tag_name(name: str) -> str:
    """A tag's name as kept: spaces trimmed and runs of them made one."""
    name = " ".join(name.split())
    if not name:
        raise CoachingError("Give the tag a name.")
    if len(name) > TAG_MAX_LENGTH:
        raise CoachingError(f"Keep a tag to {TAG_MAX_LENGTH} characters.")
    return name


def _coach_tag_named(coach: AbstractBaseUser, name: str) -> ClientTag | None:
    # Lowered by the database on both sides, as the unique constraint lowers it, so "Été"
    # and "été" are one tag wherever the database says they are.
    return (
        ClientTag.objects.filter(coach=coach)
        .alias(lowered=Lower("name"))
        .filter(lowered=Lower(Value(name)))
        .first()
    )


def _check_tag_owner(coach: AbstractBaseUser, *objects: CoachRelationship | ClientTag) -> None:
    # The views look both up by the coach already; a service called with another coach's
    # object refuses all the same.
    if any(obj.coach_id != coach.pk for obj in objects):
        raise CoachingError("This is not one of your clients or tags.")


@transaction.atomic
def tag_add(*, coach: AbstractBaseUser, relationship: CoachRelationship, name: str) -> ClientTag:
    """Tag a client: the coach's tag of that name in any case, or a new one. Tagging a
    client twice with one tag changes nothing."""
    return tag_add_to_clients(coach=coach, relationships=[relationship], name=name)


@transaction.atomic
def tag_add_to_clients(
    *, coach: AbstractBaseUser, relationships: Sequence[CoachRelationship], name: str
) -> ClientTag:
    """Tag several clients at once (the dashboard's ticked rows), as tag_add does one: a
    client who has the tag already keeps it once. The same queries for 2 clients as 25."""
    _check_tag_owner(coach, *relationships)
    if any(not relationship.is_active for relationship in relationships):
        raise CoachingError("This client no longer shares anything with you.")
    tag = _tag_named_or_new(coach, _tag_name(name))
    through = CoachRelationship.tags.through
    through.objects.bulk_create(
        (through(coachrelationship_id=r.pk, clienttag_id=tag.pk) for r in relationships),
        ignore_conflicts=True,
    )
    data_changed(coach_key(coach.pk))
    return tag


def _tag_named_or_new(coach: AbstractBaseUser, name: str) -> ClientTag:
    tag = _coach_tag_named(coach, name)
    if tag is None:
        if ClientTag.objects.filter(coach=coach).count() >= TAGS_PER_COACH:
            raise CoachingError(
                f"You have {TAGS_PER_COACH} tags, the most there can be: reuse one, or delete "
                "one you no longer need in the cohort view's “Manage tags”."
            )
        try:
            with transaction.atomic():
                tag = ClientTag.objects.create(coach=coach, name=name)
        except IntegrityError:  # made at the same moment in another request
            tag = _coach_tag_named(coach, name)
            if tag is None:
                raise CoachingError("Could not add the tag just now; please try again.") from None
    return tag


@transaction.atomic
def tag_remove(*, coach: AbstractBaseUser, relationship: CoachRelationship, tag: ClientTag) -> None:
    """Take a tag off a client; the tag stays, for other clients and for later."""
    _check_tag_owner(coach, relationship, tag)
    relationship.tags.remove(tag)
    data_changed(coach_key(coach.pk))


@transaction.atomic
def tag_rename(*, coach: AbstractBaseUser, tag: ClientTag, name: str) -> ClientTag:
    """A new name for a tag, on every client it is on. A name another of the coach's tags
    has (in any case) is refused: merging two groups is for the coach to do by hand."""
    _check_tag_owner(coach, tag)
    name = _tag_name(name)
    same = _coach_tag_named(coach, name)
    if same is not None and same.pk != tag.pk:
        raise CoachingError(f"You already have a tag named “{same.name}”.")
    tag.name = name
    try:
        with transaction.atomic():
            tag.save(update_fields=["name"])
    except IntegrityError:
        raise CoachingError(f"You already have a tag named “{name}”.") from None
    data_changed(coach_key(coach.pk))
    return tag


@transaction.atomic
def tag_delete(*, coach: AbstractBaseUser, tag: ClientTag) -> None:
    """Delete a tag and take it off every client; the clients stay."""
    _check_tag_owner(coach, tag)
    tag.delete()
    data_changed(coach_key(coach.pk))


# --- attention queue --------------------------------------------------------------------
# What these change shows in the attention queue only (coaching/attention.py), which is kept
# under the coach's version: each bumps it. update() sends no signal.

# One nudge a week at most: more would be nagging on the coach's behalf.
NUDGE_DAYS = 7


@transaction.atomic
def client_nudge(*, relationship: CoachRelationship, url: str) -> None:
    """Mail the client of an active relationship, from their coach, suggesting they retake
    their self-assessment (`url`: their assessments page). Once in NUDGE_DAYS at most: the
    claim is one conditional UPDATE, so a double submit or two tabs send one mail."""
    now = timezone.now()
    claimed = (
        CoachRelationship.objects.active()
        .filter(pk=relationship.pk)
        .exclude(nudged_at__gt=now - timedelta(days=NUDGE_DAYS))  # never nudged, or long ago
        .update(nudged_at=now)
    )
    if not claimed:
        last = (
            CoachRelationship.objects.filter(pk=relationship.pk)
            .values_list("nudged_at", flat=True)
            .first()
        )
        if last is None:
            raise CoachingError("This client no longer shares anything with you.")
        last = timezone.localtime(last)
        again = last + timedelta(days=NUDGE_DAYS)
        raise CoachingError(
            f"You already nudged this client on {last.day} {last:%b %Y}: one nudge a week "
            f"at most, the next from {again.day} {again:%b %Y}."
        )
    relationship.nudged_at = now
    data_changed(coach_key(relationship.coach_id))
    nudge_mail_queue(relationship_id=relationship.pk, url=url)


def invitation_dismiss(*, invitation: Invitation) -> None:
    """The coach clears an answered or expired invitation from their queue. Clearing it
    twice is harmless; an open or cancelled one has nothing to clear."""
    state = invitation.state
    if state not in ("accepted", "declined", "expired", "revoked"):
        raise CoachingError("This invitation has no answer to clear yet.")
    Invitation.objects.filter(pk=invitation.pk).update(coach_seen_at=timezone.now())
    data_changed(coach_key(invitation.coach_id))


def revocation_dismiss(*, relationship: CoachRelationship) -> None:
    """The former coach acknowledges that the client revoked their consent."""
    if relationship.revoked_at is None:
        raise CoachingError("This client still shares with you.")
    CoachRelationship.objects.filter(pk=relationship.pk).update(revocation_seen_at=timezone.now())
    data_changed(coach_key(relationship.coach_id))


def submissions_seen_all(*, coach: AbstractBaseUser, until: datetime) -> int:
    """Every new submission the coach's queue showed at `until` marked seen at once (a
    coach back from holiday, a cohort that all submitted on one day). A report shared
    after `until` stays new: the coach has not seen it listed. One UPDATE."""
    seen = (
        CoachRelationship.objects.active()
        .filter(coach=coach, last_activity__lte=until)
        .filter(last_activity__gt=Coalesce("coach_seen_at", "created_at"))
        .update(coach_seen_at=timezone.now())
    )
    data_changed(coach_key(coach.pk))
    return seen


def invitation_news_dismiss_all(*, coach: AbstractBaseUser, until: datetime) -> int:
    """Every answer to an invitation, expiry and revoked consent that happened by `until`
    cleared from the coach's queue; anything later stays. Two UPDATEs."""
    now = timezone.now()
    answered = Q(
        status__in=[Invitation.Status.ACCEPTED, Invitation.Status.DECLINED],
        responded_at__lte=until,
    )
    expired = Q(status=Invitation.Status.PENDING, expires_at__lte=until)
    invitations = Invitation.objects.filter(coach=coach).filter(answered | expired)
    revoked = CoachRelationship.objects.filter(
        coach=coach, revoked_at__lte=until, revocation_seen_at__isnull=True
    )
    cleared = invitations.update(coach_seen_at=now) + revoked.update(revocation_seen_at=now)
    data_changed(coach_key(coach.pk))
    return cleared
