"""Topic quality on the bundled June 2026 sample: NMI/ARI against primary categories.

    python -m benchmarks.topic_quality            # whole month, per week, 5,000-paper timing
    python -m benchmarks.topic_quality --embed-only

The sample's 6,633 abstracts take minutes to embed on a small CPU, so their vectors are
cached once under DATA_DIR/bench-cache, keyed by model name and a hash of the texts.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import Benchmark, setup_django


@dataclass(frozen=True)
class SampleDoc:
    arxiv_id: str
    text: str
    primary_category: str
    announced_on: date


def sample_docs() -> list[SampleDoc]:
    """Every paper of the sample once (its first listing), as the app would embed it."""
    from papers.harvest.sample import LISTINGS_DIR, SampleSource
    from papers.services.embeddings import embedding_text
    from papers.text import latex_to_text

    docs: dict[str, SampleDoc] = {}
    source = SampleSource()
    for path in sorted(LISTINGS_DIR.glob("*.jsonl.gz")):
        day = date.fromisoformat(path.name.split(".")[0])
        for r in source._read(path, day)[0]:
            if r.arxiv_id in docs:
                continue
            text = embedding_text(title=latex_to_text(r.title), abstract=latex_to_text(r.abstract))
            docs[r.arxiv_id] = SampleDoc(r.arxiv_id, text, r.primary_category, day)
    return list(docs.values())


def sample_embeddings(docs: list[SampleDoc]) -> np.ndarray:
    """Vectors of ``docs`` in order, from the cache file or computed once and cached."""
    from django.conf import settings

    from papers.embeddings.encoder import encode_documents

    digest = hashlib.sha256("\n".join(d.text for d in docs).encode()).hexdigest()[:16]
    model = settings.EMBEDDING_MODEL.replace("/", "_")
    path = Path(settings.DATA_DIR) / "bench-cache" / f"sample-{model}-{digest}.npy"
    if path.exists():
        return np.load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    vectors = encode_documents([d.text for d in docs])
    np.save(path, vectors)
    return vectors


@dataclass
class Scored:
    method: str
    topics: int
    outliers: int
    nmi: float
    ari: float
    seconds: float


def score(method: str, labels: np.ndarray, truth: list[str], seconds: float) -> Scored:
    """NMI and ARI with outliers counted as one more cluster ("Other" is shown, not dropped)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    topics = len({int(x) for x in labels if x != -1})
    return Scored(
        method,
        topics,
        int(np.sum(labels == -1)),
        float(normalized_mutual_info_score(truth, labels)),
        float(adjusted_rand_score(truth, labels)),
        seconds,
    )


def run_methods(
    vectors: np.ndarray, texts: list[str], truth: list[str], bertopic: bool
) -> list[Scored]:
    from papers.topics.clustering import cluster_vectors, kmeans_vectors, min_cluster_size_for

    results = []
    started = time.perf_counter()
    ours = cluster_vectors(vectors=vectors)
    results.append(score("umap+hdbscan (ours)", ours.labels, truth, time.perf_counter() - started))
    for name, k in (
        ("k-means, k = our topics", max(ours.topic_count, 2)),
        ("k-means, k = categories", len(set(truth))),
    ):
        started = time.perf_counter()
        labels = kmeans_vectors(vectors=vectors, k=k)
        results.append(score(name, labels, truth, time.perf_counter() - started))
    started = time.perf_counter()
    labels = pca_hdbscan(vectors, min_cluster_size_for(len(vectors)))
    results.append(score("pca50+hdbscan", labels, truth, time.perf_counter() - started))
    if bertopic:
        started = time.perf_counter()
        labels = bertopic_labels(vectors, texts, min_cluster_size_for(len(vectors)))
        results.append(score("bertopic", labels, truth, time.perf_counter() - started))
    return results


def pca_hdbscan(vectors: np.ndarray, min_cluster_size: int) -> np.ndarray:
    """The dependency-light candidate: no UMAP (no numba), PCA to 50 dims, then HDBSCAN."""
    from sklearn.cluster import HDBSCAN
    from sklearn.decomposition import PCA

    reduced = PCA(n_components=50, random_state=42).fit_transform(vectors)
    return HDBSCAN(min_cluster_size=min_cluster_size, min_samples=5, copy=True).fit(reduced).labels_


def bertopic_labels(vectors: np.ndarray, texts: list[str], min_cluster_size: int) -> np.ndarray:
    """BERTopic 0.17 with its default UMAP and HDBSCAN, on the same stored vectors.

    Not a dependency of the app: install it elsewhere and put it on PYTHONPATH to compare.
    """
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    model = BERTopic(
        umap_model=UMAP(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42
        ),
        hdbscan_model=HDBSCAN(min_cluster_size=min_cluster_size, prediction_data=True),
        calculate_probabilities=False,
    )
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    return np.asarray(topics)


def time_5000(vectors: np.ndarray, bench: Any) -> None:
    """Clustering 5,000 papers with the projection, first in a fresh process (numba compiles
    UMAP's functions on first use) and again once compiled, as in a long-lived worker."""
    from papers.topics.clustering import cluster_vectors

    subset = vectors[np.random.default_rng(0).choice(len(vectors), 5000, replace=False)]
    for run in ("cold", "warm"):
        started = time.perf_counter()
        cluster_vectors(vectors=subset)
        bench.record(
            f"cluster_5000_{run}_s", time.perf_counter() - started, unit="s", target="< 60"
        )


def label_samples(docs: list[SampleDoc], vectors: np.ndarray, week: tuple[date, date]) -> list[str]:
    """The keyword labels of one week's ten largest topics, to read by eye; with an LLM
    configured (``LLM_BACKEND``, see README "LLM"), its label beside each."""
    from papers.services.topics import week_plan
    from papers.topics.naming import topic_writers

    index = [i for i, d in enumerate(docs) if week[0] <= d.announced_on <= week[1]]
    texts = [docs[i].text for i in index]
    plan = week_plan(paper_ids=index, texts=texts, vectors=vectors[index])
    writers = topic_writers()
    lines = []
    for topic in plan.topics[:10]:
        line = f"{topic.size:>4}  {topic.label}"
        if writers and not topic.is_outlier:
            core = sorted(topic.rows, key=lambda row: -row[1])[:8]
            titles = [docs[row[0]].text.split(". ", 1)[0] for row in core]
            line += f"  ->  {writers.namer(topic.keywords, titles)}  [{writers.source}]"
        lines.append(line)
    return lines


WEEKS = [
    (date(2026, 6, 1), date(2026, 6, 7)),
    (date(2026, 6, 8), date(2026, 6, 14)),
    (date(2026, 6, 15), date(2026, 6, 21)),
    (date(2026, 6, 22), date(2026, 6, 28)),
    (date(2026, 6, 29), date(2026, 6, 30)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embed-only", action="store_true")
    parser.add_argument("--bertopic", action="store_true", help="compare BERTopic too")
    parser.add_argument("--skip-weeks", action="store_true")
    args = parser.parse_args()
    setup_django()
    docs = sample_docs()
    vectors = sample_embeddings(docs)
    print(f"{len(docs)} papers, vectors {vectors.shape}")
    if args.embed_only:
        return
    with Benchmark("topic_quality", papers=len(docs)) as bench:
        time_5000(vectors, bench)
        windows = [("month", (date(2026, 6, 1), date(2026, 6, 30)))]
        windows += [] if args.skip_weeks else [(f"week_{a:%m%d}", (a, b)) for a, b in WEEKS]
        for name, (first, last) in windows:
            index = [i for i, d in enumerate(docs) if first <= d.announced_on <= last]
            truth = [docs[i].primary_category for i in index]
            print(f"-- {name}: {len(index)} papers, {len(set(truth))} categories")
            for r in run_methods(
                vectors[index], [docs[i].text for i in index], truth, args.bertopic
            ):
                print(
                    f"   {r.method:<26} topics {r.topics:>4}  outliers {r.outliers:>5}  "
                    f"NMI {r.nmi:.3f}  ARI {r.ari:.3f}  {r.seconds:6.1f} s"
                )
                key = f"{name}_{r.method.split(' ')[0].replace('+', '_').replace(',', '')}"
                if "categories" in r.method:
                    key += "_k_categories"
                for field in ("nmi", "ari", "topics", "outliers", "seconds"):
                    bench.record(f"{key}_{field}", getattr(r, field))
        print("-- labels, week of 2026-06-08:")
        for line in label_samples(docs, vectors, WEEKS[1]):
            print("   " + line)


if __name__ == "__main__":
    main()
