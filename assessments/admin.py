from __future__ import annotations

from django.contrib import admin

from assessments.models import Assessment, ExperienceAnswer, SkillAnswer


class SkillAnswerInline(admin.TabularInline):
    model = SkillAnswer
    extra = 0
    raw_id_fields = ["skill"]


class ExperienceAnswerInline(admin.TabularInline):
    model = ExperienceAnswer
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["role", "owner", "status", "readiness", "verdict", "updated_at"]
    list_filter = ["status", "verdict", "role"]
    search_fields = ["owner__email", "owner__username", "role__title"]
    list_select_related = ["role", "owner"]
    raw_id_fields = ["owner", "retake_of"]
    readonly_fields = [
        "snapshot",
        "answers_frozen",
        "report",
        "readiness",
        "verdict",
        "submitted_at",
    ]
    inlines = [SkillAnswerInline, ExperienceAnswerInline]
