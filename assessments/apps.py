from __future__ import annotations

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from assessments.receivers import claim_visitor_assessments

        user_logged_in.connect(claim_visitor_assessments, dispatch_uid="claim_visitor_assessments")

        from assessments.selectors import current_rung_on_track
        from roles.selectors import register_track_position

        # The track page marks where a signed-in person stands, from their latest report.
        register_track_position(current_rung_on_track)
