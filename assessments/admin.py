"""Assessments in the admin: drafts may be corrected, submitted ones are read-only.

A submitted assessment is a frozen record (its answers, its snapshot and its report):
changing any of it afterwards would make its report disagree with what was scored.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from assessments.models import Assessment, ExperienceAnswer, SkillAnswer


def _is_frozen(assessment: Assessment | None) -> bool:
    return assessment is not None and not assessment.is_draft


class _AnswerInline(admin.TabularInline):
    """Answers of a draft can be corrected; those of a submitted assessment cannot."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _is_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _is_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _is_frozen(obj) and super().has_delete_permission(request, obj)


class SkillAnswerInline(_AnswerInline):
    model = SkillAnswer
    raw_id_fields = ["skill"]


class ExperienceAnswerInline(_AnswerInline):
    model = ExperienceAnswer


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["role", "owner", "status", "readiness", "verdict", "updated_at"]
    list_filter = ["status", "verdict", "role"]
    search_fields = ["owner__email", "owner__username", "role__title"]
    list_select_related = ["role", "owner"]
    raw_id_fields = ["owner", "retake_of"]
    autocomplete_fields = ["role"]  # hundreds of roles once frameworks are imported
    # Submitting goes through the submission service, which freezes the snapshot and the
    # report with it; a status flipped by hand would have neither.
    readonly_fields = [
        "status",
        "snapshot",
        "answers_frozen",
        "report",
        "readiness",
        "verdict",
        "submitted_at",
    ]
    inlines = [SkillAnswerInline, ExperienceAnswerInline]

    def has_change_permission(self, request: HttpRequest, obj: Assessment | None = None) -> bool:
        # Staff still see a submitted assessment (view permission); saving it is refused.
        return not _is_frozen(obj) and super().has_change_permission(request, obj)
