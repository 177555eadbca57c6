from __future__ import annotations

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from assessments.receivers import claim_visitor_assessments

        user_logged_in.connect(claim_visitor_assessments, dispatch_uid="claim_visitor_assessments")
