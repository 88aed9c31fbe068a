"""The harvest sources by name, and the parameters each runs with by default."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from papers.harvest.runs import Source

SOURCE_NAMES = ("arxiv", "oai", "rss", "hf", "reconcile")


def source_for(name: str) -> Source:
    """Build the source called ``name`` (imports lazily: each pulls its own client library)."""
    if name == "arxiv":
        from papers.harvest.arxiv_api import ArxivApiSource

        return ArxivApiSource()
    if name == "oai":
        from papers.harvest.oai import OaiPmhSource

        return OaiPmhSource()
    if name == "rss":
        from papers.harvest.rss import RssSource

        return RssSource()
    if name == "hf":
        from papers.harvest.hf import HuggingFaceSource

        return HuggingFaceSource()
    if name == "reconcile":
        from papers.harvest.reconcile import ReconcileSource

        return ReconcileSource()
    raise ValueError(f"unknown harvest source {name!r}; choose one of {', '.join(SOURCE_NAMES)}")


def harvest_categories() -> list[str]:
    return list(settings.ARXIV_CATEGORIES)


def default_params(name: str, *, today: date | None = None) -> dict[str, Any]:
    """What the scheduled run of ``name`` harvests: a small window ending today (UTC).

    Windows overlap on purpose: harvesting a day twice adds nothing, and the overlap
    catches papers a source published late.
    """
    today = today or timezone.now().date()
    if name == "arxiv":
        return {
            "categories": harvest_categories(),
            "from": (today - timedelta(days=3)).isoformat(),
            "until": today.isoformat(),
        }
    if name == "oai":
        return {"from": (today - timedelta(days=2)).isoformat(), "set": "cs",
                "metadataPrefix": "arXivRaw"}  # fmt: skip
    if name == "rss":
        return {"categories": harvest_categories()}
    if name == "hf":
        return {"date": today.isoformat()}
    if name == "reconcile":
        return {"from": (today - timedelta(days=7)).isoformat(), "until": today.isoformat()}
    raise ValueError(f"unknown harvest source {name!r}")
