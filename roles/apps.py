from __future__ import annotations

from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = "Role catalogue"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from roles.cache import catalogue_version_bump, connect_catalogue_signals

        # Whatever is cached from the catalogue is keyed by its version; a change bumps it.
        connect_catalogue_signals()
        # So does a deploy: every release runs `migrate`, and pages kept in the shared cache
        # were rendered by the previous release's templates (or before a data migration).
        post_migrate.connect(
            lambda **kwargs: catalogue_version_bump(),
            sender=self,
            weak=False,
            dispatch_uid="catalogue-version-on-migrate",
        )
