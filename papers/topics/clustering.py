"""Cluster paper vectors into topics that hold still: exact neighbours, a spectral map of
the neighbour graph, Ward's hierarchy cut with a size cap; UMAP (2-d) only draws the map.

Every step is deterministic: the neighbour graph is exact (a matrix product, no random
search), the spectral coordinates are eigenvectors (the solver's random start changes
nothing but rounding; signs are fixed), and Ward's agglomeration has no seed. Float noise
of 1e-6 on the vectors, a different CPU or another seed therefore move few papers; the
benchmark (``python -m benchmarks.topic_quality``, figures in docs/topics.md) measures it.

The steps, each keeping every topic at or under ``MAX_SHARE`` of the week:
1. cosine k-nearest neighbours of the vectors less the week's mean direction, symmetrised
   into a weighted graph;
2. the graph's leading non-trivial eigenvectors, scaled by their eigenvalues (a diffusion
   map: the papers of one dense region land together, as UMAP would put them, but the
   coordinates do not depend on a random layout);
3. Ward's tree over those coordinates, cut top-down into ``topic_count_for(n)`` topics,
   splitting further any topic above the cap;
4. topics smaller than ``min_topic_size_for(n)`` are dissolved: a member joins the nearest
   topic only when it is as close to that topic's centre as its usual members are (and the
   topic stays under the cap), otherwise it goes to "Other".

Scikit-learn, SciPy and umap-learn are imported inside the functions: web processes that
only read stored topics never load them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

OUTLIER = -1
N_NEIGHBORS = 15
SPECTRAL_DIMENSIONS = 8
DIFFUSION_TIME = 1.0
MAX_SHARE = 0.2
RANDOM_STATE = 42
# A dissolved topic's paper joins a neighbour only if it is at least as close to the
# neighbour's centre as this quantile of the neighbour's own members.
CLOSE_QUANTILE = 0.25


@dataclass(frozen=True)
class Clustering:
    """Per input row: topic number (``OUTLIER`` for none), closeness to its topic's centre
    (cosine), map point."""

    labels: np.ndarray
    probabilities: np.ndarray
    xy: np.ndarray

    @property
    def topic_count(self) -> int:
        return len({int(label) for label in self.labels if label != OUTLIER})

    @property
    def outlier_count(self) -> int:
        return int(np.sum(self.labels == OUTLIER))


def topic_count_for(n: int) -> int:
    """How many topics a week of ``n`` papers is cut into: one per ~100 papers, 8 to 24."""
    return int(min(24, max(8, round(n / 100))))


def min_topic_size_for(n: int) -> int:
    """Smallest topic worth naming: 0.5 % of the week, at least 5 papers."""
    return int(max(5, round(n / 200)))


def cluster_vectors(
    *,
    vectors: np.ndarray,
    topics: int | None = None,
    seed: int = RANDOM_STATE,
    with_map: bool = True,
) -> Clustering:
    """Topics of ``vectors`` (n >= 2 * N_NEIGHBORS); numbered by size, largest 0."""
    unit = unit_rows(vectors)
    # Every abstract leans the same way (the week's mean direction); neighbours are found
    # on what sets papers apart, which separates subjects more clearly (tune weeks).
    centred = unit_rows(unit - unit.mean(axis=0))
    indices, similarities = exact_neighbours(centred, N_NEIGHBORS)
    coordinates = spectral_coordinates(neighbour_graph(indices, similarities), seed=seed)
    cap = max(int(MAX_SHARE * len(unit)), 1)
    labels = capped_ward(coordinates, topics=topics or topic_count_for(len(unit)), cap=cap)
    min_size = min_topic_size_for(len(unit))
    labels = dissolve_small(labels, vectors=centred, min_size=min_size, cap=cap)
    labels = by_size(labels)
    xy = umap_map(unit, indices, similarities, seed=seed) if with_map else np.zeros((len(unit), 2))
    return Clustering(labels=labels, probabilities=closeness(labels, vectors=unit), xy=xy)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def exact_neighbours(
    unit: np.ndarray, k: int, *, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` most similar other rows (indices, cosines), by brute force: exact,
    so the graph does not depend on a random search; ties go to the lower index."""
    n = len(unit)
    k = min(k, n - 1)
    indices = np.empty((n, k), dtype=np.int64)
    similarities = np.empty((n, k))
    for start in range(0, n, chunk):
        block = unit[start : start + chunk] @ unit.T
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf
        best = np.argsort(-block, axis=1, kind="stable")[:, :k]
        indices[start : start + chunk] = best
        similarities[start : start + chunk] = np.take_along_axis(block, best, axis=1)
    return indices, similarities


def neighbour_graph(indices: np.ndarray, similarities: np.ndarray) -> object:
    """Symmetric sparse graph: an edge where either paper is among the other's neighbours,
    weighted by their cosine (negative cosines count as none)."""
    from scipy import sparse

    n, k = indices.shape
    rows = np.repeat(np.arange(n), k)
    weights = np.clip(similarities.ravel(), 0.0, None)
    graph = sparse.csr_matrix((weights, (rows, indices.ravel())), shape=(n, n))
    return graph.maximum(graph.T).tocsr()


def spectral_coordinates(
    graph: object, *, dimensions: int | None = None, seed: int = RANDOM_STATE
) -> np.ndarray:
    """Diffusion-map coordinates: the normalised graph's leading non-trivial eigenvectors
    times their eigenvalues, each sign fixed so its largest entry is positive."""
    from scipy import sparse
    from scipy.sparse.linalg import eigsh

    matrix = sparse.csr_matrix(graph)
    degree = np.asarray(matrix.sum(axis=1)).ravel()
    scale = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
    normalised = sparse.diags(scale) @ matrix @ sparse.diags(scale)
    count = min((dimensions or SPECTRAL_DIMENSIONS) + 1, matrix.shape[0] - 2)
    start = np.random.default_rng(seed).uniform(0.5, 1.0, matrix.shape[0])
    values, vectors = eigsh(normalised, k=count, which="LA", v0=start, tol=1e-10)
    order = np.argsort(-values)[1:]  # the first is the trivial, constant-degree one
    coordinates = (
        vectors[:, order] * scale[:, None] * np.clip(values[order], 0, None) ** DIFFUSION_TIME
    )
    signs = np.sign(
        coordinates[np.abs(coordinates).argmax(axis=0), np.arange(coordinates.shape[1])]
    )
    return np.asarray(coordinates * np.where(signs == 0, 1.0, signs))


def capped_ward(coordinates: np.ndarray, *, topics: int, cap: int) -> np.ndarray:
    """Ward's tree cut from the top: split the latest merge until there are ``topics``
    clusters, and keep splitting any cluster larger than ``cap``."""
    from scipy.cluster.hierarchy import linkage

    n = len(coordinates)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    tree = linkage(coordinates, method="ward")
    size = dict.fromkeys(range(n), 1) | {n + i: int(row[3]) for i, row in enumerate(tree)}
    clusters = {2 * n - 2}
    while True:
        over = [c for c in clusters if c >= n and size[c] > cap]
        splittable = [c for c in clusters if c >= n]
        if over:
            node = max(over, key=lambda c: (size[c], c))
        elif len(clusters) < topics and splittable:
            node = max(splittable)  # the latest merge: the most distant pair of the cut
        else:
            break
        left, right = tree[node - n, :2].astype(int)
        clusters = (clusters - {node}) | {int(left), int(right)}
    return _leaves_to_labels(tree, n, sorted(clusters))


def _leaves_to_labels(tree: np.ndarray, n: int, roots: list[int]) -> np.ndarray:
    labels = np.full(n, OUTLIER, dtype=np.int64)
    for number, root in enumerate(roots):
        stack = [root]
        while stack:
            node = stack.pop()
            if node < n:
                labels[node] = number
            else:
                stack.extend(int(child) for child in tree[node - n, :2])
    return labels


def dissolve_small(
    labels: np.ndarray, *, vectors: np.ndarray, min_size: int, cap: int
) -> np.ndarray:
    """Topics under ``min_size`` give up their papers: each joins the nearest remaining topic
    if it is as close to its centre as that topic's usual members, else goes to Other."""
    labels = labels.copy()
    numbers, counts = np.unique(labels[labels != OUTLIER], return_counts=True)
    kept = [int(t) for t, c in zip(numbers, counts, strict=True) if c >= min_size]
    loose = np.flatnonzero(np.isin(labels, numbers[counts < min_size]))
    if not len(loose):
        return labels
    labels[loose] = OUTLIER
    if not kept:
        return labels
    centres = unit_rows(np.stack([vectors[labels == t].mean(axis=0) for t in kept]))
    usual = np.array(
        [np.quantile(vectors[labels == t] @ centres[i], CLOSE_QUANTILE) for i, t in enumerate(kept)]
    )
    sizes = {t: int(np.sum(labels == t)) for t in kept}
    similarity = vectors[loose] @ centres.T
    for row, paper in enumerate(loose):
        best = int(similarity[row].argmax())
        topic = kept[best]
        if similarity[row, best] >= usual[best] and sizes[topic] < cap:
            labels[paper] = topic
            sizes[topic] += 1
    return labels


def closeness(labels: np.ndarray, *, vectors: np.ndarray) -> np.ndarray:
    """Each paper's cosine to its topic's centre (Other's papers: to Other's centre)."""
    result = np.zeros(len(labels))
    for topic in np.unique(labels):
        members = np.flatnonzero(labels == topic)
        centre = unit_rows(vectors[members].mean(axis=0, keepdims=True))[0]
        result[members] = vectors[members] @ centre
    return result


def kmeans_vectors(*, vectors: np.ndarray, k: int, seed: int = RANDOM_STATE) -> np.ndarray:
    """The baseline: k-means on the raw vectors (no reduction, no outliers)."""
    from sklearn.cluster import KMeans

    return np.asarray(KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors))


def umap_map(
    unit: np.ndarray, indices: np.ndarray, similarities: np.ndarray, *, seed: int = RANDOM_STATE
) -> np.ndarray:
    """A 2-d map of the papers for the page, from the same exact neighbours (UMAP)."""
    import umap

    n = len(unit)
    knn_indices = np.hstack([np.arange(n)[:, None], indices])
    knn_distances = np.hstack([np.zeros((n, 1)), 1.0 - similarities]).astype(np.float32)
    reducer = umap.UMAP(
        n_neighbors=knn_indices.shape[1],
        n_components=2,
        min_dist=0.1,
        metric="cosine",
        precomputed_knn=(knn_indices, knn_distances, None),
        n_epochs=200,  # the map needs fewer than the default 500 (below 10,000 points)
        random_state=seed,
        n_jobs=1,  # a fixed random_state makes umap single-threaded anyway; say so
    )
    with warnings.catch_warnings():  # no search index: the map never places new papers
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        return unit_square(reducer.fit_transform(unit))


def project_small(vectors: np.ndarray) -> np.ndarray:
    """A 2-d map for a handful of papers, where UMAP has too few neighbours: PCA."""
    if len(vectors) < 3:
        return np.full((len(vectors), 2), 0.5)
    from sklearn.decomposition import PCA

    return unit_square(PCA(n_components=2, random_state=RANDOM_STATE).fit_transform(vectors))


def unit_square(xy: np.ndarray) -> np.ndarray:
    """Points scaled into [0, 1] x [0, 1], so pages draw them without knowing the spread."""
    low, span = xy.min(axis=0), np.ptp(xy, axis=0)
    return np.asarray((xy - low) / np.where(span > 0, span, 1.0))


def by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters so that 0 is the largest (ties: first paper); Other stays ``OUTLIER``."""
    numbers, first, counts = np.unique(
        labels[labels != OUTLIER], return_index=True, return_counts=True
    )
    order = numbers[np.lexsort((first, -counts))]
    mapping = {int(old): new for new, old in enumerate(order)}
    return np.array([mapping.get(int(label), OUTLIER) for label in labels], dtype=np.int64)
