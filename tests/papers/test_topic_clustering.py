"""Clustering that holds still: float noise and seeds change nothing, caps hold, outliers
join a topic only when clearly close. Pure numpy, no database."""

from __future__ import annotations

import numpy as np

from papers.topics.clustering import (
    MAX_SHARE,
    OUTLIER,
    cluster_vectors,
    dissolve_small,
    unit_rows,
)


def _blobs(
    sizes: list[int], *, spread: float = 0.35, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around ``len(sizes)`` random directions in 64-d, and the blob of each."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), 64))
    rows = [
        c + spread * rng.normal(size=(n, 64)) * np.linalg.norm(c) / 8
        for c, n in zip(centres, sizes, strict=True)
    ]
    truth = np.repeat(np.arange(len(sizes)), sizes)
    return unit_rows(np.vstack(rows)).astype(np.float32), truth


def _moved(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(a, b)
    rows, cols = linear_sum_assignment(-table)
    return 1.0 - table[rows, cols].sum() / len(a)


def test_noise_of_a_millionth_and_another_seed_move_no_paper() -> None:
    vectors, _ = _blobs([95, 90, 85, 80, 75, 75])  # each under the cap: none must be cut
    noise = np.random.default_rng(1).normal(0, 1e-6, vectors.shape).astype(np.float32)

    # as many topics as subjects: cutting a structureless blob in two is arbitrary anyway
    clean = cluster_vectors(vectors=vectors, topics=6, with_map=False).labels
    noisy = cluster_vectors(vectors=vectors + noise, topics=6, seed=7, with_map=False).labels

    assert _moved(clean, noisy) == 0.0


def test_clear_subjects_are_found() -> None:
    from sklearn.metrics import normalized_mutual_info_score

    vectors, truth = _blobs([120, 100, 90, 80, 60, 50])

    labels = cluster_vectors(vectors=vectors, topics=6, with_map=False).labels

    assert normalized_mutual_info_score(truth, labels) > 0.9


def test_no_topic_holds_more_than_a_fifth_of_the_week_even_when_one_subject_dominates() -> None:
    vectors, _ = _blobs([700, 60, 50, 40], spread=0.5)

    labels = cluster_vectors(vectors=vectors, with_map=False).labels

    sizes = np.bincount(labels[labels != OUTLIER])
    assert sizes.max() <= MAX_SHARE * len(vectors)
    assert len(sizes) >= 5 and sizes.sum() + np.sum(labels == OUTLIER) == len(vectors)


def test_a_small_topic_s_papers_join_a_neighbour_only_when_clearly_close() -> None:
    axis = np.eye(4)
    big = unit_rows(axis[0] + 0.1 * np.random.default_rng(0).normal(size=(20, 4)))
    near = unit_rows(np.array([[1.0, 0.02, 0.0, 0.0]]))  # as close as big's members
    far = unit_rows(np.array([[0.3, 0.0, 1.0, 0.0]]))  # nearest to big, but not close
    vectors = np.vstack([big, near, far])
    labels = np.array([0] * 20 + [1, 1])

    result = dissolve_small(labels, vectors=vectors, min_size=5, cap=100)

    assert result[:20].tolist() == [0] * 20
    assert result[20] == 0 and result[21] == OUTLIER


def test_an_absorbed_paper_never_takes_a_topic_over_the_cap() -> None:
    axis = np.eye(4)
    big = unit_rows(axis[0] + 0.01 * np.random.default_rng(0).normal(size=(10, 4)))
    vectors = np.vstack([big, axis[0:1]])
    labels = np.array([0] * 10 + [1])

    assert dissolve_small(labels, vectors=vectors, min_size=2, cap=10)[-1] == OUTLIER
