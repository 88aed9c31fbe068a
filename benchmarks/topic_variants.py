"""Clustering variants against primary categories, each beside k-means at the same k.

    python -m benchmarks.topic_variants [--weeks] [--only NAME ...]

The search behind the parameters in papers/topics/clustering.py. Every variant is scored
like ``benchmarks.topic_quality`` (outliers count as one more cluster, "Other") against
k-means on the raw vectors with k = the variant's own number of topics, so that a variant
cannot win by choosing a more convenient number of clusters.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import date

import numpy as np

from benchmarks.harness import Benchmark, setup_django
from benchmarks.topic_quality import WEEKS, sample_docs, sample_embeddings, score


@dataclass(frozen=True)
class Variant:
    name: str
    neighbours: int = 15
    dimensions: int = 5  # 0: HDBSCAN on the full normalised vectors, no UMAP
    selection: str = "eom"
    min_size_share: float = 0.01  # of the window, clamped to [8, 40] as in the app
    max_share: float = 1 / 8
    absorb_at: float | None = 0.4  # None: outliers stay outliers
    min_samples: int | None = None
    merge_below: float | None = None  # merge topics whose centroids are this similar
    refine: bool = False  # then reassign every clustered paper to its nearest centroid


VARIANTS = [
    Variant("current (umap5 n15, eom, absorb 0.4)"),
    Variant("no absorption", absorb_at=None),
    Variant("absorb all outliers", absorb_at=-1.0),
    Variant("umap n30", neighbours=30),
    Variant("umap n50", neighbours=50),
    Variant("umap n30, absorb all", neighbours=30, absorb_at=-1.0),
    Variant("umap10 n30", neighbours=30, dimensions=10),
    Variant("umap n30, leaf", neighbours=30, selection="leaf"),
    Variant("umap n30, no size cap", neighbours=30, max_share=1.0),
    Variant("umap n30, min size 2%", neighbours=30, min_size_share=0.02),
    Variant("umap n30, min_samples 5", neighbours=30, min_samples=5),
    Variant("umap n30, merge > 0.8", neighbours=30, merge_below=0.8),
    Variant("full 384-d, no umap", dimensions=0),
    Variant("merge > 0.85", merge_below=0.85),
    Variant("merge > 0.8", merge_below=0.8),
    Variant("merge > 0.75", merge_below=0.75),
    Variant("merge > 0.7", merge_below=0.7),
    Variant("umap n30, merge > 0.75", neighbours=30, merge_below=0.75),
    Variant("merge > 0.8, refine", merge_below=0.8, refine=True),
    Variant("refine", refine=True),
]


def cluster(variant: Variant, vectors: np.ndarray) -> np.ndarray:
    import umap
    from sklearn.cluster import HDBSCAN

    from papers.topics.clustering import absorb_outliers

    n = len(vectors)
    size = int(min(40, max(8, round(n * variant.min_size_share))))
    if variant.dimensions:
        reduced = umap.UMAP(
            n_neighbors=variant.neighbours,
            n_components=variant.dimensions,
            min_dist=0.0,
            metric="cosine",
            random_state=42,
            n_jobs=1,
        ).fit_transform(vectors)
    else:
        reduced = vectors
    cap = max(int(n * variant.max_share), 5 * size) if variant.max_share < 1 else None
    model = HDBSCAN(
        min_cluster_size=size,
        min_samples=variant.min_samples,
        max_cluster_size=cap,
        cluster_selection_method=variant.selection,
        copy=True,
    ).fit(reduced)
    labels, probabilities = model.labels_, model.probabilities_
    if variant.merge_below is not None:
        labels = merge_similar(labels, vectors, variant.merge_below)
    if variant.absorb_at is not None:
        import papers.topics.clustering as clustering

        saved, clustering.ABSORB_AT = clustering.ABSORB_AT, variant.absorb_at
        try:
            labels, _ = absorb_outliers(labels, probabilities, vectors=vectors)
        finally:
            clustering.ABSORB_AT = saved
    if variant.refine:
        labels = reassign(labels, vectors)
    return labels


def reassign(labels: np.ndarray, vectors: np.ndarray, rounds: int = 10) -> np.ndarray:
    """Spherical k-means steps seeded by the clusters: each clustered paper to its nearest
    centroid; outliers stay outliers."""
    labels = labels.copy()
    clustered = labels != -1
    for _ in range(rounds):
        topics = sorted(set(labels[clustered].tolist()))
        c = np.stack([vectors[labels == t].mean(axis=0) for t in topics])
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        new = np.asarray(topics)[(vectors[clustered] @ c.T).argmax(axis=1)]
        if np.array_equal(new, labels[clustered]):
            break
        labels[clustered] = new
    return labels


def merge_similar(labels: np.ndarray, vectors: np.ndarray, threshold: float) -> np.ndarray:
    labels = labels.copy()
    while True:
        topics = sorted(set(labels.tolist()) - {-1})
        if len(topics) < 2:
            return labels
        c = np.stack([vectors[labels == t].mean(axis=0) for t in topics])
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        sim = c @ c.T
        np.fill_diagonal(sim, -1)
        i, j = np.unravel_index(sim.argmax(), sim.shape)
        if sim[i, j] < threshold:
            return labels
        labels[labels == topics[j]] = topics[i]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", action="store_true", help="score each week too")
    parser.add_argument("--only", nargs="*", help="variant names to run (substring match)")
    args = parser.parse_args()
    setup_django()
    from papers.topics.clustering import kmeans_vectors

    docs = sample_docs()
    vectors = sample_embeddings(docs)
    windows = [("month", (date(2026, 6, 1), date(2026, 6, 30)))]
    windows += [(f"week_{a:%m%d}", (a, b)) for a, b in WEEKS] if args.weeks else []
    variants = [v for v in VARIANTS if not args.only or any(o.lower() in v.name for o in args.only)]
    with Benchmark("topic_variants", papers=len(docs), weeks=args.weeks) as bench:
        for variant in variants:
            wins = []
            for window, (first, last) in windows:
                index = [i for i, d in enumerate(docs) if first <= d.announced_on <= last]
                truth = [docs[i].primary_category for i in index]
                started = time.perf_counter()
                labels = cluster(variant, vectors[index])
                ours = score(variant.name, labels, truth, time.perf_counter() - started)
                k = max(ours.topics, 2)
                base = score("k-means", kmeans_vectors(vectors=vectors[index], k=k), truth, 0.0)
                wins.append(ours.nmi - base.nmi)
                print(
                    f"{variant.name:<38} {window:<10} topics {ours.topics:>3}"
                    f" out {ours.outliers:>4}"
                    f"  NMI {ours.nmi:.3f} vs {base.nmi:.3f}  ARI {ours.ari:.3f} vs {base.ari:.3f}"
                    f"  {ours.seconds:5.1f} s",
                    flush=True,
                )
                key = f"{variant.name}|{window}"
                bench.record(f"{key}|nmi", ours.nmi)
                bench.record(f"{key}|kmeans_nmi", base.nmi)
                bench.record(f"{key}|ari", ours.ari)
                bench.record(f"{key}|kmeans_ari", base.ari)
                bench.record(f"{key}|topics", ours.topics)
                bench.record(f"{key}|outliers", ours.outliers)
            print(f"{variant.name:<38} mean NMI margin {np.mean(wins):+.3f}", flush=True)


if __name__ == "__main__":
    main()
