"""Assessments: one person's answers for one target role, draft until submitted."""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.viewpoint import DISPLAY_NAME_MAX_LENGTH
from roles.models import EducationLevel, Role, Skill

EVIDENCE_MAX_LENGTH = 2000
MAX_YEARS = Decimal(60)


class AssessmentQuerySet(models.QuerySet):
    def drafts(self) -> AssessmentQuerySet:
        return self.filter(status=Assessment.Status.DRAFT)

    def submitted(self) -> AssessmentQuerySet:
        return self.filter(status=Assessment.Status.SUBMITTED)


class Assessment(models.Model):
    """Owned by a user, or by a visitor's browser session until they sign up or log in."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    # A random id in URLs, so one assessment's address reveals nothing about any other.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessments",
    )
    visitor_token = models.CharField(max_length=64, blank=True, db_index=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    education = models.PositiveSmallIntegerField(
        choices=EducationLevel.choices, null=True, blank=True
    )
    last_question = models.CharField(max_length=120, blank=True)
    retake_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retakes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Frozen on submission: what it was scored against, the answers, and the report.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    answers_frozen = models.JSONField(null=True, blank=True, editable=False)
    report = models.JSONField(null=True, blank=True, editable=False)
    readiness = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, editable=False
    )
    verdict = models.CharField(max_length=12, blank=True, editable=False)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | ~Q(visitor_token=""),
                name="assessment_has_owner_or_visitor",
            ),
            models.UniqueConstraint(
                fields=["owner", "role"],
                condition=Q(status="draft", owner__isnull=False),
                name="one_draft_per_owner_and_role",
            ),
            models.UniqueConstraint(
                fields=["visitor_token", "role"],
                condition=Q(status="draft", owner__isnull=True),
                name="one_draft_per_visitor_and_role",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(snapshot__isnull=False) & Q(report__isnull=False)),
                name="submitted_assessment_is_frozen",
            ),
        ]
        indexes = [models.Index(fields=["owner", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.role} ({self.get_status_display()}, {self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        if self.is_draft:
            return reverse("assessments:questionnaire", args=[self.pk])
        return reverse("assessments:result", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class SkillAnswer(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="skill_answers"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    evidence = models.TextField(blank=True, validators=[MaxLengthValidator(EVIDENCE_MAX_LENGTH)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "skill"], name="one_answer_per_skill"),
            models.CheckConstraint(
                condition=Q(level__gte=0) & Q(level__lte=5), name="skill_answer_level_0_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.level}"


class ExperienceAnswer(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="experience_answers"
    )
    slug = models.SlugField()
    years = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_YEARS)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "slug"], name="one_answer_per_experience"
            ),
            models.CheckConstraint(
                condition=Q(years__gte=0) & Q(years__lte=60), name="experience_years_0_to_60"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug}: {self.years}"


def _share_token() -> str:
    return secrets.token_urlsafe(32)


class ShareLinkQuerySet(models.QuerySet):
    def active(self) -> ShareLinkQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ShareLink(models.Model):
    """A read-only link to one submitted report, until it expires or its owner revokes it."""

    DEFAULT_DAYS = 30
    MAX_DAYS = 365

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="share_links")
    # 256 random bits: a link cannot be guessed, and the id of the report is not in it.
    token = models.CharField(max_length=64, unique=True, default=_share_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The name the owner chose to show on the shared page ("Shared by Ana"); blank: none.
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX_LENGTH, blank=True, default="")

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link for {self.assessment}"

    def get_absolute_url(self) -> str:
        return reverse("shared_report", args=[self.token])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ReportPDF(models.Model):
    """The PDF of a submitted report, rendered once by a worker and served from here: a
    submitted report never changes, and the app servers keep nothing on their disks."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, primary_key=True, related_name="stored_pdf"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    content = models.BinaryField(blank=True, default=b"", editable=False)
    error = models.CharField(max_length=300, blank=True)
    # When it was last queued: a render still pending long after is queued again.
    requested_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)
    # What drew it (exports.pdf_layout_version): a PDF kept from before a change of the
    # report's templates or stylesheet is drawn again on its next download.
    layout = models.CharField(max_length=16, blank=True, editable=False)

    def __str__(self) -> str:
        return f"PDF of {self.assessment_id} ({self.get_status_display()})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class ReportSkillGap(models.Model):
    """One skill of a submitted report as rows: the frozen report's skill requirements,
    written once at submission, so questions over many reports (a coach's cohort: the most
    common gaps, a clients × skills map) are aggregates in SQL, not JSON read row by row."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="skill_gaps")
    slug = models.SlugField()
    name = models.CharField(max_length=255)
    category = models.CharField(max_length=120, blank=True)
    required = models.PositiveSmallIntegerField()
    self_level = models.PositiveSmallIntegerField()
    gap = models.PositiveSmallIntegerField()
    weight = models.PositiveSmallIntegerField(default=1)
    essential = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "slug"], name="one_gap_row_per_skill"),
        ]
        indexes = [models.Index(fields=["slug", "gap"], name="report_skill_gap_slug_gap")]

    def __str__(self) -> str:
        return f"{self.slug}: {self.self_level}/{self.required}"

    @classmethod
    def rows_of(cls, assessment: Assessment) -> list[ReportSkillGap]:
        """The rows of a submitted report's skill requirements (unsaved)."""
        return [
            cls(
                assessment=assessment,
                slug=item["slug"],
                name=item["name"],
                category=item.get("category") or "",
                required=item["required"],
                self_level=item["self"],
                gap=max(0, item["gap"]),
                weight=item.get("weight", 1),
                essential=bool(item.get("essential")),
            )
            for item in (assessment.report or {}).get("requirements", [])
            if item.get("kind") == "skill"
        ]
