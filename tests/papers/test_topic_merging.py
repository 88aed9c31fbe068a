"""Near-twin topics (HDBSCAN's size cap splitting one subject) are merged; others are not."""

from __future__ import annotations

import numpy as np

from papers.topics.clustering import OUTLIER, merge_similar_topics


def _unit(rows: list[list[float]]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_topics_with_near_identical_centroids_are_merged_and_distinct_ones_kept() -> None:
    vectors = _unit([[1, 0.1, 0], [1, 0, 0.1], [1, 0.2, 0.1], [0, 1, 0], [0, 0, 1], [1, 1, 1]])
    labels = np.array([0, 0, 1, 2, 3, OUTLIER])

    merged = merge_similar_topics(labels, vectors=vectors, threshold=0.9)

    assert merged.tolist() == [0, 0, 0, 2, 3, OUTLIER]
    assert labels.tolist() == [0, 0, 1, 2, 3, OUTLIER]  # the input is left as it was


def test_merging_repeats_with_the_merged_centroid_until_no_pair_is_alike() -> None:
    # a ~ b (0.95) merge; then (a+b) ~ c (0.884), though a ~ c is only 0.8; d stays apart.
    vectors = _unit([[1, 0, 0], [0.95, 0.31, 0], [0.8, 0.6, 0], [0, 0, 1]])
    labels = np.array([0, 1, 2, 3])

    assert merge_similar_topics(labels, vectors=vectors, threshold=0.88).tolist() == [0, 0, 0, 3]
    assert merge_similar_topics(labels, vectors=vectors, threshold=0.99).tolist() == [0, 1, 2, 3]
