"""Roles get an explicit rung below (the ladder an admin chose) and start unpublished.

The rung below of every existing role is taken from the roles leading to it on its own
track, so the ladders shown before this migration stay as they were.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


def _set_rung_below(apps, schema_editor) -> None:
    Role = apps.get_model("roles", "Role")
    Link = Role.next_roles.through
    roles = {role.pk: role for role in Role.objects.all()}
    candidates: dict[int, list] = {}
    for source_id, target_id in Link.objects.values_list("from_role_id", "to_role_id"):
        source, target = roles[source_id], roles[target_id]
        if source.track_id == target.track_id and source.rank < target.rank:
            candidates.setdefault(target_id, []).append(source)
    for target_id, sources in candidates.items():
        # The ladder used to take the highest-ranked role leading here. Among those, a
        # published one, then the oldest: a later copy of a rung never displaces it.
        below = max(sources, key=lambda r: (r.is_published, r.rank, -r.pk))
        Role.objects.filter(pk=target_id).update(ladder_previous=below)


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0002_catalogue_sources_and_education_routes"),
    ]

    operations = [
        migrations.AddField(
            model_name="role",
            name="ladder_previous",
            field=models.ForeignKey(
                blank=True,
                help_text="The rung below this one on its track's ladder. Choose it when "
                "several roles of the track lead here; left empty, the one published role "
                "of the track that leads here is the rung below.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="ladder_above",
                to="roles.role",
                verbose_name="rung below",
            ),
        ),
        migrations.AlterField(
            model_name="role",
            name="is_published",
            field=models.BooleanField(
                default=False,
                help_text="Only published roles appear on public pages, ladders and links.",
                verbose_name="published",
            ),
        ),
        migrations.RunPython(_set_rung_below, migrations.RunPython.noop),
    ]
