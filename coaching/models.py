"""Coaching: a coach sees what a client chose to share, notes it and calibrates it."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.db.models.signals import post_delete
from django.utils import timezone

from assessments.models import Assessment
from careerpath.page_cache import coach_key, data_changed

COACHES_GROUP = "Coaches"
INVITATION_DAYS = 14
NOTE_MAX_LENGTH = 5000
ACTION_ITEM_MAX_LENGTH = 500
TAG_MAX_LENGTH = 40
# No 0/O or 1/I/L: a code read aloud or copied by hand arrives intact.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _invitation_expiry():
    return timezone.now() + timezone.timedelta(days=INVITATION_DAYS)


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    class MailStatus(models.TextChoices):
        NONE = "", "Not emailed"
        SENDING = "sending", "Sending…"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_invitations"
    )
    email = models.EmailField(blank=True, help_text="Where the link was sent, if by email.")
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=_invitation_code)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    responded_at = models.DateTimeField(null=True, blank=True)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="received_invitations",
    )
    # The mail is sent by a worker (coaching/tasks.py); the coach sees where it stands and
    # can send it again after a failure, without a second invitation.
    mail_status = models.CharField(
        max_length=10, choices=MailStatus.choices, default=MailStatus.NONE, blank=True
    )
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_error = models.CharField(max_length=300, blank=True)
    mail_sent_at = models.DateTimeField(null=True, blank=True)
    # Its history, for the coach: how often and when it was sent again, when it was
    # cancelled, and the consent it became (which shows a later revocation).
    resent_count = models.PositiveSmallIntegerField(default=0)
    last_resent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    relationship = models.ForeignKey(
        "CoachRelationship",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    # When the coach cleared its answer (accepted, declined, expired) from their attention
    # queue; None while it is news to them.
    coach_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation from {self.coach} ({self.get_status_display()})"

    def is_for(self, user: Any) -> bool:
        """An emailed invitation is for the account of that address alone (any case); one
        made without an address is for whoever holds its code."""
        if not self.email:
            return True
        return self.email.lower() == (user.email or user.get_username()).strip().lower()

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """Where it stands for the coach: pending, expired, accepted, revoked (accepted,
        then the consent revoked), declined or cancelled. Reads `relationship`: select it."""
        if self.is_expired:
            return "expired"
        revoked = self.relationship_id is not None and self.relationship.revoked_at is not None
        if self.status == self.Status.ACCEPTED and revoked:
            return "revoked"
        return self.status

    def history(self) -> list[tuple[str, Any]]:
        """What happened to it, oldest first, as (what, when). Reads `client` and
        `relationship`: select them."""
        events: list[tuple[str, Any]] = [("Created", self.created_at)]
        if self.mail_sent_at is not None and not self.resent_count:
            events.append(("Emailed", self.mail_sent_at))
        if self.resent_count:
            times = f" ({self.resent_count} times)" if self.resent_count > 1 else ""
            events.append((f"Sent again{times}, expiry extended", self.last_resent_at))
        who = _person(self.client) if self.client_id is not None else "a deleted account"
        if self.status == self.Status.ACCEPTED:
            events.append((f"Accepted by {who}", self.responded_at))
            if self.relationship_id is not None and self.relationship.revoked_at is not None:
                events.append((f"Consent revoked by {who}", self.relationship.revoked_at))
        elif self.status == self.Status.DECLINED:
            events.append((f"Declined by {who}", self.responded_at))
        elif self.status == self.Status.CANCELLED:
            events.append(("Cancelled", self.cancelled_at))
        elif self.is_expired:
            events.append(("Expired", self.expires_at))
        return events

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()


def _person(user: Any) -> str:
    return user.get_full_name() or user.email or user.get_username()


class RelationshipQuerySet(models.QuerySet):
    def active(self) -> RelationshipQuerySet:
        return self.filter(revoked_at__isnull=True)

    def refresh_results(self) -> int:
        """Set each relationship's latest and previous shared results from its shares, in
        one UPDATE. Called whenever what a coach may see changes (coaching/services.py and
        the deletion of a share)."""
        shares = SharedAssessment.objects.filter(relationship=OuterRef("pk")).order_by(
            "-assessment__submitted_at", "-assessment_id"
        )
        return self.update(
            latest_assessment=Subquery(shares.values("assessment_id")[:1]),
            latest_role=Subquery(shares.values("assessment__role_id")[:1]),
            latest_readiness=Subquery(shares.values("assessment__readiness")[:1]),
            latest_verdict=Coalesce(Subquery(shares.values("assessment__verdict")[:1]), Value("")),
            previous_readiness=Subquery(shares.values("assessment__readiness")[1:2]),
            last_activity=Subquery(shares.values("assessment__submitted_at")[:1]),
        )


class CoachRelationship(models.Model):
    """A client's consent for a coach to see their submitted assessments: all of them, or
    the ones chosen. Revoking ends it at once."""

    class Scope(models.TextChoices):
        ALL = "all", "All my submitted assessments"
        CHOSEN = "chosen", "Only the assessments I choose"

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_relationships"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_relationships"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The latest and the previous shared result, kept by refresh_results(), so the client
    # dashboard sorts and filters on columns instead of subqueries over every share.
    latest_assessment = models.ForeignKey(
        Assessment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    latest_role = models.ForeignKey(
        "roles.Role",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    latest_readiness = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, editable=False
    )
    latest_verdict = models.CharField(max_length=12, blank=True, editable=False)
    previous_readiness = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, editable=False
    )
    last_activity = models.DateTimeField(null=True, blank=True, editable=False)
    # For the coach's attention queue: when they last opened this client (a report shared
    # after that is new to them), when they last nudged the client by email, and when they
    # cleared the notice of a revoked consent.
    coach_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    nudged_at = models.DateTimeField(null=True, blank=True, editable=False)
    revocation_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    tags = models.ManyToManyField("ClientTag", blank=True, related_name="relationships")

    objects = RelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["coach", "client"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_relationship_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(coach=models.F("client")), name="coach_is_not_own_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coach} coaches {self.client}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def top_gap(self) -> str:
        """The latest shared report's top gap in words ("Python: 2 levels short"), "" when
        every requirement is met, None-safe for rows without the dashboard's annotations
        (coaching.selectors.clients_dashboard) or without a report."""
        name = getattr(self, "top_gap_name", None)
        size = getattr(self, "top_gap_size", None)
        if not name or size is None:
            return ""
        size = float(size)
        if size <= 0:
            return ""
        kind = getattr(self, "top_gap_kind", "")
        amount = f"{size:g}"
        if kind == "experience":
            return f"{name[:1].upper()}{name[1:]}: {amount} year{'s' if size != 1 else ''} short"
        if kind == "education":
            return f"{name} needed"
        return f"{name}: {amount} level{'s' if size != 1 else ''} short"


class ClientTag(models.Model):
    """A coach's own label for a group of clients ("cohort spring 2027", "career change"):
    the dashboard and the cohort view filter by it. Clients never see tags."""

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_tags"
    )
    name = models.CharField(max_length=TAG_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "coach", name="one_tag_name_per_coach_any_case"),
        ]

    def __str__(self) -> str:
        return self.name


class SharedAssessment(models.Model):
    """One submitted assessment a coach may see. Kept as rows for both scopes (for "all",
    every submission is added as it happens), so what a coach sees is one join away."""

    relationship = models.ForeignKey(
        CoachRelationship, on_delete=models.CASCADE, related_name="shares"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="coach_shares"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "assessment"], name="share_once_per_relationship"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} shared with {self.relationship.coach}"


class CoachNote(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private (only you)"
        SHARED = "shared", "Shared with the client"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="coach_notes")
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_notes"
    )
    text = models.TextField(validators=[MaxLengthValidator(NOTE_MAX_LENGTH)])
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # When the client saw it shared (My coaches, or the link in its mail); None while a
    # shared note is new to them. Cleared again when a private note becomes shared.
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Note by {self.coach} on {self.assessment}"


class Calibration(models.Model):
    """A coach's own view of a client's level for one skill of a report. It never changes
    the client's answers or score."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="calibrations"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calibrations"
    )
    skill = models.SlugField()
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "coach", "skill"], name="one_calibration_per_skill"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=0) & Q(level__lte=5), name="calibration_level_0_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.level} by {self.coach}"


class ActionItemQuerySet(models.QuerySet):
    def open(self) -> ActionItemQuerySet:
        return self.filter(done_at__isnull=True)

    def in_order(self) -> ActionItemQuerySet:
        """Open before done; then the nearest due date first (none last); then oldest."""
        return self.order_by(
            F("done_at").asc(nulls_first=True),
            F("due_date").asc(nulls_last=True),
            "created_at",
            "pk",
        )


class ActionItem(models.Model):
    """Something the client agreed to do before the next session, set by their coach; the
    client ticks it off. It belongs to the consent: revoked, the coach no longer sees it."""

    relationship = models.ForeignKey(
        CoachRelationship, on_delete=models.CASCADE, related_name="action_items"
    )
    text = models.CharField(max_length=ACTION_ITEM_MAX_LENGTH)
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        """Still open after its due day (in the site's time zone)."""
        return (
            self.done_at is None
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


def _share_deleted(
    sender: type[SharedAssessment], instance: SharedAssessment, **kwargs: Any
) -> None:
    # However a share goes (its assessment or a scope change deleted), the relationship's
    # latest results follow; deleting shares in bulk sends this once per share.
    relationship = CoachRelationship.objects.filter(pk=instance.relationship_id)
    relationship.refresh_results()
    # The coach's dashboard shows those results (careerpath/page_cache.py).
    data_changed(*(coach_key(pk) for pk in relationship.values_list("coach_id", flat=True)))


post_delete.connect(_share_deleted, sender=SharedAssessment, dispatch_uid="coaching-share-deleted")
