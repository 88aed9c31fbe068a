"""Reads of drafts and logs for the editor and the public pages."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from papers.models import Topic
from writing.markdown import item_line
from writing.models import Draft, DraftItem, ResearchLog, Revision
from writing.services.revisions import draft_snapshot, revision_text


@dataclass
class DraftPage:
    draft: Draft
    items: list[DraftItem]
    item_line: str
    revisions: list[Revision]
    llm_calls: dict[str, Any] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)  # the week's topics, as theme choices


def drafts_list() -> QuerySet[Draft]:
    return Draft.objects.select_related("log").order_by("-week_start")


def draft_page(*, draft_id: int) -> DraftPage | None:
    draft = Draft.objects.select_related("log", "theme_topic").filter(pk=draft_id).first()
    if draft is None:
        return None
    items = list(draft.items.select_related("paper").order_by("position", "id"))
    calls = list(draft.llm_calls.all())
    summary = {
        "count": len(calls),
        "failed": sum(not c.ok for c in calls),
        "tokens": sum(c.prompt_tokens + c.completion_tokens for c in calls),
        "seconds": round(sum(c.duration_s for c in calls), 1),
        "models": sorted({f"{c.backend}:{c.model_name}" for c in calls if c.ok}),
    }
    return DraftPage(
        draft=draft,
        items=items,
        item_line=item_line(items),
        revisions=list(draft.revisions.select_related("author")[:20]),
        llm_calls=summary,
        topics=[
            t.display_label
            for t in Topic.objects.filter(week__week_start=draft.week_start, is_outlier=False)
        ],
    )


def draft_conflict_diff(*, draft: Draft, since_version: int) -> str:
    """What changed since the version an editor loaded, as a unified diff."""
    base = Revision.objects.filter(draft=draft, number__lte=since_version).order_by("-number")
    before = revision_text(base[0].snapshot) if base else ""
    after = revision_text(draft_snapshot(draft=draft))
    return "\n".join(
        difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            fromfile=f"version {since_version} (what you started from)",
            tofile=f"version {draft.version} (saved by someone else)",
            lineterm="",
        )
    )


def research_logs() -> QuerySet[ResearchLog]:
    return ResearchLog.objects.order_by("-number")


def research_log_get(*, slug: str) -> ResearchLog | None:
    return ResearchLog.objects.filter(slug=slug).first()


def research_log_by_number(*, number: int) -> ResearchLog | None:
    return ResearchLog.objects.filter(number=number).first()


def logs_discussing(*, paper_id: int) -> list[ResearchLog]:
    return list(ResearchLog.objects.filter(papers=paper_id).order_by("-number"))
