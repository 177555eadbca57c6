from __future__ import annotations

from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = "Role catalogue"

    def ready(self) -> None:
        from roles.cache import connect_catalogue_signals

        # Whatever is cached from the catalogue is keyed by its version; a change bumps it.
        connect_catalogue_signals()
