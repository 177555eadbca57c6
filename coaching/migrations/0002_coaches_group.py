from __future__ import annotations

from django.db import migrations

COACHES_GROUP = "Coaches"


def create_group(apps, schema_editor) -> None:
    # A user becomes a coach by joining this group in the admin.
    apps.get_model("auth", "Group").objects.get_or_create(name=COACHES_GROUP)


def remove_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=COACHES_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
