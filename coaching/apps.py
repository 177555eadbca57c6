from __future__ import annotations

from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = "Coaching"

    def ready(self) -> None:
        from careerpath.page_cache import connect_data_signals

        # Pages kept per viewer are keyed by versions of what they show; writes bump them.
        connect_data_signals()
