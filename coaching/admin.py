from __future__ import annotations

from django.contrib import admin

from coaching.models import ActionItem, Calibration, CoachNote, CoachRelationship, Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["coach", "email", "code", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["coach__email", "email", "code"]
    list_select_related = ["coach"]
    raw_id_fields = ["coach", "client", "relationship"]
    readonly_fields = ["token", "resent_count", "last_resent_at", "cancelled_at"]


@admin.register(CoachRelationship)
class CoachRelationshipAdmin(admin.ModelAdmin):
    list_display = ["coach", "client", "scope", "created_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["coach__email", "client__email"]
    list_select_related = ["coach", "client"]
    raw_id_fields = ["coach", "client"]


@admin.register(CoachNote)
class CoachNoteAdmin(admin.ModelAdmin):
    list_display = ["coach", "assessment", "visibility", "created_at", "seen_at"]
    list_filter = ["visibility"]
    list_select_related = ["coach", "assessment__role"]
    raw_id_fields = ["coach", "assessment"]


@admin.register(Calibration)
class CalibrationAdmin(admin.ModelAdmin):
    list_display = ["coach", "assessment", "skill", "level", "updated_at"]
    list_select_related = ["coach", "assessment__role"]
    raw_id_fields = ["coach", "assessment"]


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["text", "relationship", "due_date", "done_at", "created_at"]
    list_select_related = ["relationship__coach", "relationship__client"]
    raw_id_fields = ["relationship"]
