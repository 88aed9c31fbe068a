"""manage.py bm25 {index [--paper ID ...] | refresh | status}: maintain the BM25 index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.selectors import bm25_status
from search.services import bm25_index_papers, bm25_refresh


class Command(BaseCommand):
    help = "Index papers for BM25, recompute every impact (refresh), or show the statistics."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        index = actions.add_parser("index", help="index new and changed papers (default: all)")
        index.add_argument("--paper", dest="paper_ids", type=int, action="append")
        actions.add_parser("refresh", help="recompute statistics and impacts atomically")
        actions.add_parser("status", help="show live and scored statistics")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "index":
            counts = bm25_index_papers(paper_ids=options["paper_ids"])
            self.stdout.write(
                f"indexed {counts.indexed}, unchanged {counts.unchanged}, "
                f"removed {counts.removed}, refreshed: {counts.refreshed}"
            )
        elif action == "refresh":
            corpus = bm25_refresh()
            self.stdout.write(
                f"refreshed: N={corpus.scored_doc_count} avgdl={corpus.scored_avgdl:.2f}"
            )
        status = bm25_status()
        self.stdout.write(
            f"N={status.doc_count} avgdl={status.avgdl:.2f} terms={status.terms} "
            f"(scored with N={status.scored_doc_count} avgdl={status.scored_avgdl:.2f})"
        )
