"""manage.py embed [--missing | --all] [--batch-size N]: compute paper vectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from papers.selectors import papers_needing_embedding
from papers.services.embeddings import papers_embed


class Command(BaseCommand):
    help = "Embed papers lacking a current vector (default), or re-embed all of them."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--missing", dest="everything", action="store_false", help="(default)")
        which.add_argument("--all", dest="everything", action="store_true", help="re-embed all")
        parser.set_defaults(everything=False)  # else --missing's store_false default wins
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, everything: bool, batch_size: int | None, **options: Any) -> None:
        only_missing = not everything
        total = papers_needing_embedding(
            model_name=settings.EMBEDDING_MODEL, only_missing=only_missing
        ).count()
        with tqdm(
            total=total, desc="embed", unit=" paper", disable=options["verbosity"] == 0
        ) as bar:
            counts = papers_embed(
                only_missing=only_missing, batch_size=batch_size, on_batch=bar.update
            )
        self.stdout.write(
            f"embedded {counts.embedded} papers in {counts.batches} batches "
            f"with {settings.EMBEDDING_MODEL}"
        )
