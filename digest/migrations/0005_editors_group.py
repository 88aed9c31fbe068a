"""The "editors" group: who may draft, edit, schedule and publish research logs."""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    ("draft", ["view", "add", "change"]),
    ("draftitem", ["view", "add", "change", "delete"]),
    ("revision", ["view"]),
    ("llmcall", ["view"]),
    ("researchlog", ["view"]),
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Permissions are normally created after migrate; make sure ours exist now.
    config = apps.get_app_config("digest")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="editors")
    codenames = [f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS for action in actions]
    codenames.append("publish_draft")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="digest", codename__in=codenames)
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("auth", "Group").objects.filter(name="editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digest", "0004_writing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
