"""Editors' writes to a draft. Every one is version-checked and kept as a revision.

An editor's form carries the version it was loaded at; a write made against an older
version raises ``DraftConflict`` (nothing is written), and the view shows what the other
editor saved next to the text this editor tried to save, so nothing is lost silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from papers.models import Paper
from writing import grounding
from writing.models import Draft, DraftItem
from writing.services.drafting import (
    _topics_source,
    _week_topics,
    item_grounding,
    paper_source,
    roundup_title,
)
from writing.services.revisions import draft_bump, revision_record


class DraftLocked(Exception):
    """The draft is published (or being written) and cannot take this change."""


@dataclass(frozen=True)
class DraftChanges:
    """What an editor's save form sends: the draft's fields and each item's texts."""

    title: str
    theme: str
    intro: str
    pulse_overview: str
    sections: Mapping[int, str] = field(default_factory=dict)  # item id -> Markdown
    notes: Mapping[int, str] = field(default_factory=dict)  # item id -> Markdown
    acknowledge: bool = False  # the editor checked the flagged facts and keeps them


def _editable(draft_id: int, expected_version: int) -> Draft:
    draft = Draft.objects.select_for_update().get(pk=draft_id)
    if draft.status == Draft.Status.PUBLISHED:
        raise DraftLocked("a published log cannot be edited")
    return draft


def draft_save(*, draft_id: int, expected_version: int, changes: DraftChanges, user: User) -> Draft:
    """Save an editor's edits; regrounds what changed; one revision."""
    with transaction.atomic():
        draft = _editable(draft_id, expected_version)
        theme = changes.theme.strip() or draft.theme
        title = changes.title.strip()
        if (
            title == draft.title
            and theme != draft.theme
            and title == roundup_title(week_start=draft.week_start, theme=draft.theme)
        ):
            title = roundup_title(week_start=draft.week_start, theme=theme)
        front_changed = (changes.intro, changes.pulse_overview) != (
            draft.intro,
            draft.pulse_overview,
        )
        draft = draft_bump(
            draft_id=draft_id,
            expected_version=expected_version,
            title=title,
            theme=theme,
            intro=changes.intro,
            pulse_overview=changes.pulse_overview,
            updated_by=user,
        )
        for item in draft.items.select_related("paper"):
            _save_item(item, changes, user)
        if front_changed or changes.acknowledge:
            _reground_front(draft, user=user if changes.acknowledge else None)
        draft.refresh_from_db()
        revision_record(draft=draft, author=user, note="edited")
        return draft


def _save_item(item: DraftItem, changes: DraftChanges, user: User) -> None:
    section = changes.sections.get(item.pk, item.section_md).replace("\r\n", "\n")
    note = changes.notes.get(item.pk, item.pulse_note).replace("\r\n", "\n")
    changed = (section, note) != (item.section_md, item.pulse_note)
    if changed:
        item.section_md, item.pulse_note = section, note
        item.origin = DraftItem.Origin.EDITOR
        item.evidence, item.flags = item_grounding(
            paper=item.paper, section_md=section, pulse_note=note
        )
        item.flags_acknowledged_by = None
    if changes.acknowledge and item.blocking_flags:
        item.flags_acknowledged_by = user
    if changed or changes.acknowledge:
        item.save()


def _reground_front(draft: Draft, *, user: User | None) -> None:
    items = list(draft.items.select_related("paper"))
    sources = [paper_source(paper=i.paper) for i in items]
    sources.append(_topics_source(_week_topics(draft.week_start)))
    flags = grounding.fact_flags(text=f"{draft.intro}\n\n{draft.pulse_overview}", sources=sources)
    Draft.objects.filter(pk=draft.pk).update(
        flags=[f | {"where": "front"} for f in flags],
        flags_acknowledged_by=user if flags else None,
    )


def _structural(
    draft_id: int, expected_version: int, user: User, note: str,
    change: Callable[[Draft], None],
) -> Draft:  # fmt: skip
    with transaction.atomic():
        draft = _editable(draft_id, expected_version)
        draft = draft_bump(draft_id=draft_id, expected_version=expected_version, updated_by=user)
        change(draft)
        revision_record(draft=draft, author=user, note=note)
        return draft


def _renumber(draft: Draft, order: list[int]) -> None:
    for position, item_id in enumerate(order):
        DraftItem.objects.filter(pk=item_id, draft=draft).update(position=position)


def item_move(
    *, draft_id: int, expected_version: int, item_id: int, offset: int, user: User
) -> Draft:
    """Move an item ``offset`` places (-1 up, +1 down), clamped to the list."""

    def change(draft: Draft) -> None:
        order = list(draft.items.order_by("position", "id").values_list("pk", flat=True))
        index = order.index(item_id)
        order.insert(max(0, min(len(order) - 1, index + offset)), order.pop(index))
        _renumber(draft, order)

    return _structural(draft_id, expected_version, user, "reordered", change)


def item_remove(*, draft_id: int, expected_version: int, item_id: int, user: User) -> Draft:
    def change(draft: Draft) -> None:
        DraftItem.objects.filter(pk=item_id, draft=draft).delete()
        _renumber(draft, list(draft.items.order_by("position").values_list("pk", flat=True)))

    return _structural(draft_id, expected_version, user, "removed a paper", change)


def item_add(*, draft_id: int, expected_version: int, paper: Paper, user: User) -> Draft:
    """Append a paper (pending: the drafting task writes its section)."""

    def change(draft: Draft) -> None:
        if draft.items.filter(paper=paper).exists():
            return
        last = draft.items.aggregate(last=Max("position"))["last"]
        DraftItem.objects.create(draft=draft, paper=paper, position=(last or 0) + 1)
        Draft.objects.filter(pk=draft.pk).update(generation=Draft.Generation.QUEUED)

    return _structural(draft_id, expected_version, user, f"added {paper.arxiv_id}", change)


def item_regenerate(*, draft_id: int, expected_version: int, item_id: int, user: User) -> Draft:
    """Mark one section to be written again; the drafting task replaces it."""

    def change(draft: Draft) -> None:
        DraftItem.objects.filter(pk=item_id, draft=draft).update(origin=DraftItem.Origin.PENDING)
        Draft.objects.filter(pk=draft.pk).update(generation=Draft.Generation.QUEUED)

    return _structural(draft_id, expected_version, user, "regenerate a section", change)
