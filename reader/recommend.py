"""The "For you" ranking as pure functions of vectors (no database): one place, used by the
feed (``reader.foryou``) and measured by ``benchmarks/recommend.py``.

A reader's profile is the unit vectors of the papers they bookmarked, upvoted or asked
"more like this" of (positives) and of those they marked "not for me" (negatives). A
candidate paper scores its cosine to the centroid of the positives (the method chosen by
measurement against a per-reader linear model, nearest-bookmark and three baselines:
docs/foryou.md), less ``NEGATIVE_WEIGHT`` times its cosine to the centroid of the
negatives, so that "not for me" pushes away what resembles the paper refused.
"""

from __future__ import annotations

import numpy as np

# Not measured (the benchmark has no refusals to learn from): half, so that one refused
# paper moves the list without outweighing the reader's bookmarks.
NEGATIVE_WEIGHT = 0.5


def unit(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def centroid(vectors: np.ndarray) -> np.ndarray | None:
    """The unit mean direction of ``vectors``; None when there are none."""
    if len(vectors) == 0:
        return None
    return unit(np.asarray(vectors, dtype=np.float32).mean(axis=0))


def centroid_scores(
    *, candidates: np.ndarray, positives: np.ndarray, negatives: np.ndarray | None = None
) -> np.ndarray:
    """Each candidate's score: cosine to the positives' centroid, less the negatives' pull."""
    scores = np.zeros(len(candidates), dtype=np.float32)
    liked = centroid(positives)
    if liked is not None:
        scores += candidates @ liked
    if negatives is not None:
        disliked = centroid(negatives)
        if disliked is not None:
            scores -= NEGATIVE_WEIGHT * (candidates @ disliked)
    return scores


def nearest(*, candidates: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """For each candidate, the index of the positive it lies nearest (for its reason)."""
    found: np.ndarray = np.argmax(candidates @ positives.T, axis=1)
    return found


def max_similarity_scores(*, candidates: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """A candidate's cosine to its nearest positive (a measured alternative, not used)."""
    found: np.ndarray = (candidates @ positives.T).max(axis=1)
    return found
