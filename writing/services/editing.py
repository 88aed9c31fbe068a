"""Editors' writes to a draft. Every one is version-checked and kept as a revision.

An editor's form carries the version it was loaded at; a write made against an older
version raises ``DraftConflict`` (nothing is written), and the view shows what the other
editor saved next to the text this editor tried to save, so nothing is lost silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from papers.models import Paper
from writing.models import Draft, DraftItem
from writing.services.drafting import front_flags, item_grounding, roundup_title
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
    headings: Mapping[int, str] = field(default_factory=dict)  # free-form item id -> heading
    closing: str | None = None  # None: left as it is
    acknowledge: bool = False  # the editor checked the flagged facts and keeps them


def _editable(draft_id: int, expected_version: int) -> Draft:
    draft = Draft.objects.select_for_update().get(pk=draft_id)
    if draft.status == Draft.Status.PUBLISHED:
        raise DraftLocked("a published log cannot be edited")
    return draft


def draft_save(*, draft_id: int, expected_version: int, changes: DraftChanges, user: User) -> Draft:
    """Save an editor's edits, then run the checker over the whole draft; one revision.

    A new theme flows into the automatic title and into every place the intro and the
    overview named the old one; anywhere else it is still named, the checker flags it.
    """
    with transaction.atomic():
        draft = _editable(draft_id, expected_version)
        theme = changes.theme.strip() or draft.theme
        title, intro, overview = changes.title.strip(), changes.intro, changes.pulse_overview
        previous = list(draft.previous_themes)
        if theme != draft.theme:
            if title in (
                draft.title,
                roundup_title(week_start=draft.week_start, theme=draft.theme),
            ):
                title = title.replace(draft.theme, theme) if draft.theme else theme
            intro, overview = (_retheme(t, draft.theme, theme) for t in (intro, overview))
            previous = [t for t in [*previous, draft.theme] if t and t != theme]
        draft = draft_bump(
            draft_id=draft_id,
            expected_version=expected_version,
            title=title or theme,
            theme=theme,
            intro=intro,
            pulse_overview=overview,
            closing=draft.closing if changes.closing is None else changes.closing,
            previous_themes=previous,
            updated_by=user,
        )
        for item in draft.items.select_related("paper"):
            _save_item(draft, item, changes, user)
        _recheck_front(draft, user=user if changes.acknowledge else None)
        draft.refresh_from_db()
        revision_record(draft=draft, author=user, note="edited")
        return draft


def _retheme(text: str, old: str, new: str) -> str:
    if not old.strip():
        return text
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


def _save_item(draft: Draft, item: DraftItem, changes: DraftChanges, user: User) -> None:
    section = changes.sections.get(item.pk, item.section_md).replace("\r\n", "\n")
    note = changes.notes.get(item.pk, item.pulse_note).replace("\r\n", "\n")
    heading = changes.headings.get(item.pk, item.heading).strip()
    changed = (section, note, heading) != (item.section_md, item.pulse_note, item.heading)
    if changed:
        item.section_md, item.pulse_note, item.heading = section, note, heading
        item.origin = DraftItem.Origin.EDITOR
    if item.origin != DraftItem.Origin.PENDING:
        evidence, flags = item_grounding(
            paper=item.paper,
            section_md=item.section_md,
            pulse_note=item.pulse_note,
            theme=draft.theme,
            stale_themes=draft.previous_themes,
        )
        if (evidence, flags) != (item.evidence, item.flags):
            item.evidence, item.flags = evidence, flags
            item.flags_acknowledged_by = None
            changed = True
    if changes.acknowledge and item.blocking_flags:
        item.flags_acknowledged_by = user
    if changed or changes.acknowledge:
        item.save()


def _recheck_front(draft: Draft, *, user: User | None) -> None:
    """Findings of intro, overview and closing; an acceptance holds while they stay the same."""
    flags = front_flags(draft=draft)
    accepted = draft.flags_acknowledged_by if flags == draft.flags else None
    Draft.objects.filter(pk=draft.pk).update(
        flags=flags, flags_acknowledged_by=(user or accepted) if flags else None
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


def item_add_freeform(
    *,
    draft_id: int,
    expected_version: int,
    heading: str,
    body_md: str,
    position: int | None,
    user: User,
) -> Draft:
    """Add a free-form item (news, a project update) at ``position`` (None: at the end)."""

    def change(draft: Draft) -> None:
        order = list(draft.items.order_by("position", "id").values_list("pk", flat=True))
        at = len(order) if position is None else max(0, min(len(order), position))
        _, flags = item_grounding(
            paper=None,
            section_md=body_md,
            pulse_note="",
            stale_themes=draft.previous_themes,
        )
        item = DraftItem.objects.create(
            draft=draft,
            paper=None,
            heading=heading.strip(),
            section_md=body_md.replace("\r\n", "\n"),
            origin=DraftItem.Origin.EDITOR,
            position=at,
            flags=flags,
        )
        order.insert(at, item.pk)
        _renumber(draft, order)

    return _structural(draft_id, expected_version, user, f"added “{heading.strip()}”", change)
