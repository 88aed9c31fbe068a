"""Titles and snippets with the query's words marked, for a page of results.

The words match as BM25 matches them: a word of the text is marked when its Snowball
english stem (PyStemmer, the stemmer PostgreSQL's english configuration uses) is one of
the query's lexemes, which come from PostgreSQL itself (``to_tsvector``), stop words
already removed. Done here rather than with ``ts_headline``: that re-parses each
abstract inside PostgreSQL and cost 10 of the 15 ms of a page's statement on 100k
papers (benchmarks/search_latency.py); this takes well under a millisecond per page.

Marks are private-use characters, turned into ``<mark>`` only after escaping
(search/selectors.py), so nothing in a title or abstract can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
# Fragments of about 35 words (ts_headline's MaxWords), measured in characters: cheaper.
FRAGMENTS, FRAGMENT_CHARS, LEAD_IN_CHARS = 2, 240, 40
FRAGMENT_DELIMITER = " … "
LEAD_WORDS = 45


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def highlight_title(text: str, lexemes: Collection[str]) -> str:
    """The whole title, matched words marked."""
    text = _clean(text)
    return _marked(text, _matches(text, frozenset(lexemes)), 0, len(text))


def highlight_snippet(text: str, lexemes: Collection[str]) -> str:
    """Up to two fragments of about 35 words with the most distinct query words, in order."""
    text = _clean(text)
    matches = _matches(text, frozenset(lexemes))
    if not matches:
        return lead(text)
    windows = _best_windows(text, matches)
    parts = [_marked(text, matches, start, end) for start, end in windows]
    head = "… " if windows[0][0] > 0 else ""
    tail = " …" if windows[-1][1] < len(text) else ""
    return head + FRAGMENT_DELIMITER.join(parts) + tail


def lead(text: str, words: int = LEAD_WORDS) -> str:
    """The first ``words`` words of ``text``, for results with no matched words to show."""
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _clean(text: str) -> str:
    return text.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")


def _matches(text: str, lexemes: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, lexeme) of every word part whose stem is a query lexeme, in order."""
    if not lexemes:
        return []
    tokens = list(_candidates(frozenset(lexeme[:2] for lexeme in lexemes)).finditer(text))
    stems = _stemmer().stemWords([token.group().lower() for token in tokens])
    return [(t.start(), t.end(), stem) for t, stem in zip(tokens, stems, strict=True)
            if stem in lexemes]  # fmt: skip


@lru_cache(maxsize=256)
def _candidates(prefixes: frozenset[str]) -> re.Pattern[str]:
    """Word parts that could stem to a lexeme: those starting with a lexeme's first two
    letters (the english stemmer only rewrites endings; its exceptions, dying -> die,
    skies -> sky, keep two). Stemming only these is what makes a page cost ~1 ms."""
    alternatives = "|".join(sorted(map(re.escape, prefixes), key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def _best_windows(text: str, matches: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Up to FRAGMENTS non-overlapping (start, end) character ranges cut at spaces, in order."""
    chosen: list[tuple[int, int]] = []
    remaining = matches
    while remaining and len(chosen) < FRAGMENTS:
        best, best_score = None, (0, 0)
        for match_start, _, _ in remaining:
            start = _word_start(text, max(0, match_start - LEAD_IN_CHARS))
            end = _word_end(text, min(len(text), start + FRAGMENT_CHARS))
            if any(start < b and a < end for a, b in chosen):
                continue
            found = [lexeme for at, until, lexeme in matches if start <= at and until <= end]
            score = (len(set(found)), len(found))
            if score > best_score:
                best, best_score = (start, end), score
        if best is None:
            break
        chosen.append(best)
        remaining = [m for m in remaining if not best[0] <= m[0] < best[1]]
    return sorted(chosen)


def _word_start(text: str, at: int) -> int:
    """``at`` moved back to the start of the word it falls in."""
    return 0 if at == 0 else text.rfind(" ", 0, at) + 1


def _word_end(text: str, at: int) -> int:
    """``at`` moved on to the end of the word it falls in."""
    end = text.find(" ", at)
    return len(text) if end < 0 else end


def _marked(text: str, matches: list[tuple[int, int, str]], start: int, end: int) -> str:
    """``text[start:end]`` with the matches inside it marked."""
    out, at = [], start
    for match_start, match_end, _ in matches:
        if start <= match_start and match_end <= end:
            out += [text[at:match_start], MARK_OPEN, text[match_start:match_end], MARK_CLOSE]
            at = match_end
    out.append(text[at:end])
    return "".join(out)
