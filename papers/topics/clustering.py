"""Cluster paper vectors: UMAP (5-d) + HDBSCAN for topics, UMAP (2-d) for the map.

Measured by ``python -m benchmarks.topic_quality`` on the June 2026 sample (6,633 papers,
7 primary categories; NMI / ARI against the primary category, outliers as one more
cluster; k-means on the raw vectors with k = the number of topics we found):

    window        ours: topics  NMI    ARI   | k-means: NMI    ARI
    month             13        0.409  0.340 |          0.371  0.173
    week 06-01        13        0.398  0.346 |          0.372  0.184
    week 06-08        10        0.451  0.440 |          0.393  0.226
    week 06-15        17        0.345  0.195 |          0.323  0.128
    week 06-22        19        0.387  0.178 |          0.399  0.146
    week 06-29        16        0.408  0.179 |          0.359  0.131

NMI 0.400 against 0.370 on average (5 windows of 6), ARI better in every window. The
gain is the merge of near-twin topics (centroid cosine >= ``MERGE_AT``): HDBSCAN's size
cap splits a big subject into several topics that look alike, which also read as
duplicates on the Pulse page. Without the merge NMI was a tie (0.363 vs 0.362).
``benchmarks/topic_variants.py`` has the search, each variant beside k-means at its own
k: 30 or 50 UMAP neighbours, 10 dimensions, absorbing every outlier or none, "leaf"
selection, ``min_samples`` 5, spherical k-means steps after HDBSCAN: all within ±0.01 of
a tie or worse; HDBSCAN on the full 384-d vectors finds no cluster at all; merging at
0.75 wins by more (+0.07) only by leaving 5 or 6 topics a week, too coarse to read.
Plain HDBSCAN ("excess of mass") and BERTopic with its defaults, on the same vectors, swing
from 3 to 26 topics from one week to the next and once put 1,320 of 1,383 papers in one
topic; ``max_cluster_size`` (an eighth of the week) prevents that. PCA to 50-d instead of
UMAP finds 2 or 3 topics (NMI 0.04 to 0.22). Clustering 5,000 papers with the map takes
9 s once numba has compiled UMAP, 37 s in a fresh process, on the 2 shared cores.

Both UMAP runs share one nearest-neighbour graph, which is most of UMAP's cost.
umap-learn and scikit-learn are imported inside the functions: web processes that only
read stored topics never load numba.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OUTLIER = -1
N_NEIGHBORS = 15
CLUSTER_DIMENSIONS = 5
RANDOM_STATE = 42
ABSORB_AT = 0.4
MERGE_AT = 0.8


@dataclass(frozen=True)
class Clustering:
    """Per input row: topic number (``OUTLIER`` for none), membership strength, map point."""

    labels: np.ndarray
    probabilities: np.ndarray
    xy: np.ndarray

    @property
    def topic_count(self) -> int:
        return len({int(label) for label in self.labels if label != OUTLIER})

    @property
    def outlier_count(self) -> int:
        return int(np.sum(self.labels == OUTLIER))


def min_cluster_size_for(n: int) -> int:
    """Smallest topic worth naming: 1 % of the week, at least 8 papers, at most 40."""
    return int(min(40, max(8, round(n / 100))))


def cluster_vectors(*, vectors: np.ndarray, min_cluster_size: int | None = None) -> Clustering:
    """Topics of unit-length ``vectors`` (n >= 2 * N_NEIGHBORS); numbered by size, largest 0."""
    knn = _neighbour_graph(vectors)
    reduced = _umap(vectors, knn=knn, dimensions=CLUSTER_DIMENSIONS, min_dist=0.0)
    size = min_cluster_size or min_cluster_size_for(len(vectors))
    labels, probabilities = _hdbscan(reduced, size, max_size=max(len(vectors) // 8, 5 * size))
    labels = merge_similar_topics(labels, vectors=vectors)
    labels, probabilities = absorb_outliers(labels, probabilities, vectors=vectors)
    xy = _umap(vectors, knn=knn, dimensions=2, min_dist=0.1, epochs=200)
    return Clustering(labels=_by_size(labels), probabilities=probabilities, xy=unit_square(xy))


def merge_similar_topics(
    labels: np.ndarray, *, vectors: np.ndarray, threshold: float = MERGE_AT
) -> np.ndarray:
    """Merge the two topics whose centroids are most alike while their cosine >= threshold.

    HDBSCAN's size cap splits a big subject into near-twin topics; merging them is what
    lifts NMI clearly over k-means (see the table above).
    """
    labels = labels.copy()
    topics = sorted({int(label) for label in labels} - {OUTLIER})
    if len(topics) < 2:
        return labels
    sums = np.stack([vectors[labels == t].sum(axis=0) for t in topics]).astype(np.float64)
    while len(topics) > 1:
        centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -1.0)
        i, j = np.unravel_index(int(similarity.argmax()), similarity.shape)
        if similarity[i, j] < threshold:
            break
        labels[labels == topics[j]] = topics[i]
        sums[i] += sums[j]
        sums = np.delete(sums, j, axis=0)
        del topics[j]
    return labels


def absorb_outliers(
    labels: np.ndarray, probabilities: np.ndarray, *, vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Give an outlier to the topic whose centroid it is close to (cosine >= ABSORB_AT).

    HDBSCAN leaves a third of a week unclustered, many of them plainly on a topic's edge;
    the rest stay outliers (shown as "Other"). An absorbed paper's membership strength is
    its similarity to the centroid.
    """
    topics = sorted({int(label) for label in labels} - {OUTLIER})
    outliers = np.flatnonzero(labels == OUTLIER)
    if not topics or not len(outliers):
        return labels, probabilities
    centroids = np.stack([vectors[labels == t].mean(axis=0) for t in topics])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    similarity = vectors[outliers] @ centroids.T
    best = similarity.argmax(axis=1)
    nearest = similarity[np.arange(len(outliers)), best]
    close = nearest >= ABSORB_AT
    labels, probabilities = labels.copy(), probabilities.astype(np.float64)
    labels[outliers[close]] = np.asarray(topics)[best[close]]
    probabilities[outliers[close]] = nearest[close]
    return labels, probabilities


def kmeans_vectors(*, vectors: np.ndarray, k: int) -> np.ndarray:
    """The baseline: k-means on the raw vectors (no reduction, no outliers)."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=4, random_state=RANDOM_STATE).fit_predict(vectors)


def project_small(vectors: np.ndarray) -> np.ndarray:
    """A 2-d map for a handful of papers, where UMAP has too few neighbours: PCA."""
    if len(vectors) < 3:
        return np.full((len(vectors), 2), 0.5)
    from sklearn.decomposition import PCA

    return unit_square(PCA(n_components=2, random_state=RANDOM_STATE).fit_transform(vectors))


def unit_square(xy: np.ndarray) -> np.ndarray:
    """Points scaled into [0, 1] x [0, 1], so pages draw them without knowing the spread."""
    low, span = xy.min(axis=0), np.ptp(xy, axis=0)
    return (xy - low) / np.where(span > 0, span, 1.0)


def _neighbour_graph(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, object]:
    from umap.umap_ import nearest_neighbors

    indices, distances, index = nearest_neighbors(
        vectors,
        n_neighbors=N_NEIGHBORS,
        metric="cosine",
        metric_kwds=None,
        angular=False,
        random_state=np.random.RandomState(RANDOM_STATE),
    )
    return indices, distances, index


def _umap(
    vectors: np.ndarray,
    *,
    knn: tuple[np.ndarray, np.ndarray, object],
    dimensions: int,
    min_dist: float,
    epochs: int | None = None,
) -> np.ndarray:
    import umap

    reducer = umap.UMAP(
        n_neighbors=N_NEIGHBORS,
        n_components=dimensions,
        min_dist=min_dist,
        metric="cosine",
        precomputed_knn=knn,
        n_epochs=epochs,  # the map needs fewer than the default 500 (below 10,000 points)
        random_state=RANDOM_STATE,
        n_jobs=1,  # a fixed random_state makes umap single-threaded anyway; say so
    )
    return reducer.fit_transform(vectors)


def _hdbscan(
    reduced: np.ndarray, min_cluster_size: int, *, max_size: int
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import HDBSCAN

    # max_cluster_size stops "excess of mass" from keeping one cluster of most of the week,
    # as it did on two of the five June weeks (1,320 of 1,383 papers in one topic).
    model = HDBSCAN(min_cluster_size=min_cluster_size, max_cluster_size=max_size, copy=True)
    return model.fit(reduced).labels_, model.probabilities_


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters so that 0 is the largest; outliers stay ``OUTLIER``."""
    numbers, counts = np.unique(labels[labels != OUTLIER], return_counts=True)
    order = numbers[np.argsort(-counts, kind="stable")]
    mapping = {int(old): new for new, old in enumerate(order)}
    return np.array([mapping.get(int(label), OUTLIER) for label in labels], dtype=np.int64)
