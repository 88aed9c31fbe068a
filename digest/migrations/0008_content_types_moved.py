"""Content types of the moved models follow them to their new apps.

Permissions (and so the editors group's grants and any user's own) and admin log
entries point at a content type, not at an app label: relabelling the content type row
keeps every one of them pointing at the model. Should the new app's content type exist
already (a ``post_migrate`` that ran between 0007 and here), the old one's permissions,
grants and log entries are merged into it and the old row goes.
"""

from django.db import migrations

MOVED = {
    "mailing": ["subscriber", "edition", "delivery", "sendlease"],
    "reader": ["bookmark", "upvote", "follow", "paperview"],
    "writing": ["draft", "draftitem", "revision", "llmcall", "researchlog"],
}


def _relabel(apps, *, source, target, model):  # type: ignore[no-untyped-def]
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label=source, model=model).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=target, model=model).first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type=old):
        twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        twin.group_set.add(*permission.group_set.all())
        twin.user_set.add(*permission.user_set.all())
        permission.delete()
    apps.get_model("admin", "LogEntry").objects.filter(content_type=old).update(content_type=new)
    old.delete()


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for app, models in MOVED.items():
        for model in models:
            _relabel(apps, source="digest", target=app, model=model)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    for app, models in MOVED.items():
        for model in models:
            _relabel(apps, source=app, target="digest", model=model)


class Migration(migrations.Migration):
    dependencies = [
        ("digest", "0007_models_moved_to_apps"),
        ("mailing", "0001_initial"),
        ("reader", "0001_initial"),
        ("writing", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
