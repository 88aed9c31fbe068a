"""Render every stored title and abstract again with the one LaTeX-to-text function.

It learnt ties, lost-backslash symbols, links and sub- and superscripts; rows stored
before keep residue ("Construction~X") until they are rendered again. Batched by id.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

BATCH = 2000


def rerender(apps: Any, schema_editor: Any) -> None:
    from papers.text import latex_to_text

    paper_model = apps.get_model("papers", "Paper")
    last = 0
    while True:
        rows = list(
            paper_model.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "title", "abstract", "title_text", "abstract_text")[:BATCH]
        )
        if not rows:
            return
        changed = []
        for row in rows:
            title, abstract = latex_to_text(row.title), latex_to_text(row.abstract)
            if (title, abstract) != (row.title_text, row.abstract_text):
                row.title_text, row.abstract_text = title, abstract
                changed.append(row)
        paper_model.objects.bulk_update(changed, ["title_text", "abstract_text"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("papers", "0005_harvest_quarantine")]
    operations = [migrations.RunPython(rerender, migrations.RunPython.noop, elidable=True)]
