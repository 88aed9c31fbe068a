"""The editorial models leave this app for reader, mailing and writing: state only.

The tables stay where they are, under their ``digest_*`` names (each model keeps its
table with ``Meta.db_table``); only Django's record of which app owns them changes. The
new apps' ``0001_initial`` migrations take them over in the state, and ``0008`` moves
their content types, so permissions (the editors group) and admin history follow.
"""

from django.db import migrations

# Dependents first, so the state never holds a relation to a model already gone.
MOVED = [
    "delivery",
    "sendlease",
    "edition",
    "subscriber",
    "bookmark",
    "upvote",
    "follow",
    "paperview",
    "llmcall",
    "revision",
    "researchlog",
    "draftitem",
    "draft",
]


class Migration(migrations.Migration):
    dependencies = [("digest", "0006_merge_writing")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED]
        )
    ]
