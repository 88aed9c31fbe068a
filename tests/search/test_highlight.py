"""Highlights: marked as PostgreSQL's english analysis matches, fragments as a reader wants."""

from __future__ import annotations

import gzip
import re
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from papers.harvest.sample import LISTINGS_DIR, parse_listing_line
from search.highlight import (
    FRAGMENT_CHARS,
    LEAD_IN_CHARS,
    MARK_CLOSE,
    MARK_OPEN,
    highlight_snippet,
    highlight_title,
)

DAY = date(2026, 6, 3)
MARKED = re.compile(f"{MARK_OPEN}(.*?){MARK_CLOSE}")


def lexemes(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector('english'::regconfig, %s))", [text])
        return [lexeme for (lexeme,) in cursor.fetchall()]


def real_titles(count: int) -> list[str]:
    path = Path(LISTINGS_DIR) / "2026-06-03.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [
            parse_listing_line(line, announced_on=DAY).title
            for line, _ in zip(lines, range(count), strict=False)
        ]


@pytest.mark.django_db
def test_marks_the_words_postgresql_marks_in_real_titles() -> None:
    """Same marked words as ts_headline(HighlightAll) for real titles and real queries."""
    titles = real_titles(200)
    differ = []
    for title, other in zip(titles, titles[1:] + titles[:1], strict=True):
        query = " ".join(title.split()[1:4] + other.split()[:2])  # some words match, some not
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ts_headline('english', %s, plainto_tsquery('english', %s),"
                f" 'HighlightAll=true, StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}')",
                [title, query.replace(MARK_OPEN, "")],
            )
            expected = MARKED.findall(cursor.fetchone()[0])
        ours = MARKED.findall(highlight_title(title, lexemes(query)))
        if [w.lower() for w in ours] != [w.lower() for w in expected]:
            differ.append((title, query, ours, expected))
    # PostgreSQL's parser keeps some compounds whole (URLs, file names, e-mail); allow a few.
    assert len(differ) <= 2, differ[:5]


@pytest.mark.django_db
def test_stop_words_and_non_matching_words_are_not_marked() -> None:
    marked = highlight_title("The Attention of the Models", lexemes("the attention"))
    assert MARKED.findall(marked) == ["Attention"]


def test_snippet_shows_at_most_two_fragments_with_the_most_query_words() -> None:
    filler = "plain words without any of the terms here. " * 12
    text = f"Intro on attention. {filler} Transformers and attention together. {filler} End."
    snippet = highlight_snippet(text, ["attent", "transform"])
    fragments = snippet.split(" … ")
    assert 1 <= len([f for f in fragments if MARK_OPEN in f]) <= 2
    assert f"{MARK_OPEN}Transformers{MARK_CLOSE}" in snippet
    longest_word = max(len(w) for w in text.split())
    assert all(len(f.strip(" …")) <= FRAGMENT_CHARS + 2 * longest_word for f in fragments)
    assert LEAD_IN_CHARS < FRAGMENT_CHARS


def test_no_match_gives_the_lead_and_markers_in_the_text_are_dropped() -> None:
    text = f"A {MARK_OPEN}sneaky{MARK_CLOSE} abstract " + "word " * 60
    snippet = highlight_snippet(text, ["zebra"])
    assert MARK_OPEN not in snippet and snippet.startswith("A sneaky abstract")
    assert snippet.endswith(" …") and len(snippet.split()) == 46
