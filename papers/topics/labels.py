"""Keyword labels by class-based TF-IDF: the words that set one topic's papers apart.

c-TF-IDF (as in BERTopic) treats each topic's papers as one document: a term's weight is
its frequency in the topic times log(1 + A / f), where A is the average number of words
per topic and f the term's frequency over all topics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

LABEL_TERMS = 4
# Words every abstract uses: they would top every topic's list and say nothing.
ABSTRACT_STOP_WORDS = frozenset(
    (
        "paper",
        "propose",
        "proposed",
        "proposes",
        "present",
        "presents",
        "approach",
        "approaches",
        "method",
        "methods",
        "results",
        "result",
        "based",
        "using",
        "use",
        "used",
        "new",
        "novel",
        "work",
        "study",
        "studies",
        "show",
        "shows",
        "shown",
        "demonstrate",
        "existing",
        "achieve",
        "achieves",
        "performance",
        "state",
        "art",
        "experiments",
        "extensive",
        "significantly",
        "significant",
        "furthermore",
        "additionally",
        "address",
        "problem",
        "code",
        "available",
        "introduce",
        "introduces",
        "key",
        "challenge",
        "challenges",
        "task",
        "tasks",
        "model",
        "models",
        "framework",
        "data",
        "stage",
        "current",
        "recent",
        "existing",
        "limited",
        "including",
        "github",
        "com",
        "https",
        "http",
    )
)


def ctfidf_keywords(
    *, texts: Sequence[str], labels: Sequence[int], top_n: int = LABEL_TERMS
) -> dict[int, list[str]]:
    """Top ``top_n`` distinctive terms (unigrams and bigrams) per label, best first."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    classes = sorted(set(labels))
    joined = [
        " ".join(t for t, lab in zip(texts, labels, strict=True) if lab == c) for c in classes
    ]
    vectorizer = CountVectorizer(
        stop_words=list(ENGLISH_STOP_WORDS | ABSTRACT_STOP_WORDS),
        ngram_range=(1, 2),
        min_df=1,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b",
    )
    try:
        counts = vectorizer.fit_transform(joined).toarray().astype(np.float64)
    except ValueError:  # only stop words: no vocabulary
        return {c: [] for c in classes}
    terms = vectorizer.get_feature_names_out()
    weights = _ctfidf(counts)
    return {c: _distinct_top(terms, weights[i], top_n) for i, c in enumerate(classes)}


def keyword_label(keywords: Sequence[str]) -> str:
    """The label shown when no human label exists: ``"diffusion, video generation, 3d"``."""
    return ", ".join(keywords) if keywords else "(no keywords)"


def _ctfidf(counts: np.ndarray) -> np.ndarray:
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    average_words = counts.sum() / max(len(counts), 1)
    idf = np.log(1.0 + average_words / np.maximum(counts.sum(axis=0), 1.0))
    return tf * idf


def _distinct_top(terms: np.ndarray, weights: np.ndarray, top_n: int) -> list[str]:
    """Best terms, skipping one whose words an earlier pick already says ("model" after
    "language model") and a unigram that a later bigram would only repeat."""
    chosen: list[str] = []
    said: set[str] = set()
    for index in np.argsort(-weights)[: top_n * 10]:
        if weights[index] <= 0:
            break
        term = str(terms[index])
        words = _stems(term)
        if words <= said:
            continue
        chosen = [c for c in chosen if not _stems(c) < words]  # bigram absorbs unigram
        chosen.append(term)
        said |= words
        if len(chosen) == top_n:
            break
    return chosen


def _stems(term: str) -> set[str]:
    """Words with a plural "s" dropped, so "agent" and "agents" count as one."""
    return {word[:-1] if len(word) > 3 and word.endswith("s") else word for word in term.split()}
