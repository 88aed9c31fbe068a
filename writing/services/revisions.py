"""Revisions and the version check every write of a draft goes through."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from writing.models import Draft, Revision


class DraftConflict(Exception):
    """The draft changed since the editor loaded it (someone else saved in between)."""

    def __init__(self, *, draft: Draft, expected_version: int) -> None:
        self.draft = draft
        self.expected_version = expected_version
        super().__init__(
            f"draft {draft.pk} is at version {draft.version}, not {expected_version}: "
            "someone else saved it meanwhile"
        )


def draft_snapshot(*, draft: Draft) -> dict[str, Any]:
    """The editable state of a draft, as a revision stores it."""
    return {
        "title": draft.title,
        "theme": draft.theme,
        "intro": draft.intro,
        "pulse_overview": draft.pulse_overview,
        "closing": draft.closing,
        "items": [
            {
                "paper_id": item.paper_id,
                "arxiv_id": item.paper.arxiv_id if item.paper else "",
                "title": item.title,
                "section_md": item.section_md,
                "pulse_note": item.pulse_note,
                "origin": item.origin,
            }
            for item in draft.items.select_related("paper").order_by("position", "id")
        ],
    }


def draft_bump(*, draft_id: int, expected_version: int | None, **fields: Any) -> Draft:
    """Advance the draft's version (conditionally on ``expected_version`` unless None).

    Must run inside a transaction; raises DraftConflict when another write came first.
    """
    rows = Draft.objects.filter(pk=draft_id)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(version=F("version") + 1, **fields):
        current = Draft.objects.get(pk=draft_id)
        raise DraftConflict(draft=current, expected_version=expected_version or 0)
    return Draft.objects.get(pk=draft_id)


def revision_record(*, draft: Draft, author: User | None, note: str) -> Revision:
    """Keep the draft as it stands now as revision number ``draft.version``."""
    assert transaction.get_connection().in_atomic_block, "record revisions inside the write"
    revision, _ = Revision.objects.update_or_create(
        draft=draft,
        number=draft.version,
        defaults={"author": author, "note": note[:200], "snapshot": draft_snapshot(draft=draft)},
    )
    return revision


def revision_text(snapshot: dict[str, Any]) -> str:
    """A revision as plain text, for showing what another editor changed."""
    lines = [f"Title: {snapshot.get('title', '')}", f"Theme: {snapshot.get('theme', '')}"]
    lines += ["", snapshot.get("intro", ""), ""]
    for item in snapshot.get("items", []):
        lines += [f"## {item['title']}", item["section_md"], "", f"Pulse: {item['pulse_note']}", ""]
    lines += ["## Pulse of AI", snapshot.get("pulse_overview", "")]
    if snapshot.get("closing"):
        lines += ["", snapshot["closing"]]
    return "\n".join(lines)
