"""manage.py refresh_search: queue BM25 indexing and embedding of what changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from digest.pipeline import refresh_derived_data


class Command(BaseCommand):
    help = "Queue BM25 indexing, embedding and new weeks' topics for the worker (returns at once)."

    def handle(self, *args: Any, **options: Any) -> None:
        refresh_derived_data().apply_async()
        self.stdout.write(
            "Queued: BM25 indexing, embeddings, then topics of new weeks (the worker shows "
            "progress)."
        )
