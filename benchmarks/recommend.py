"""The "For you" ranking on the bundled month (June 2026), and the feed's latency at scale.

    python benchmarks/recommend.py                 # quality and latency
    python benchmarks/recommend.py --skip-latency  # quality only -> results/recommend.json
    python benchmarks/recommend.py --skip-quality --papers 100000 --bookmarks 200
                                                   # latency -> results/recommend_latency.json

Quality: readers are the sample's authors with papers on both sides of a cut-off; their
papers before it are their bookmarks, and every paper announced after it is ranked for
them. Two relevance sets: their own later papers, and the later papers in the topics of
their own later papers (topics: the app's clustering, ``papers.topics.clustering``, of the
later papers' vectors; outliers are no topic). Recall@20 and nDCG@20 (binary gains) per
method, averaged over 150 readers drawn at random, with the standard deviation of that
mean over 200 bootstrap resamples of the readers. The SVM's and the linear model's C are
chosen on a development split (cut-off 7 June, later papers 8-14 June, 80 readers, own
papers' nDCG@20); the test split (cut-off 14 June, later papers 15-30 June) is reported
once.

Methods: newest first; same categories (candidates by how many of their categories the
profile's papers use, newest first within a tie); TF-IDF + linear SVM per reader as
arxiv-sanity-lite does (its vectoriser and SVM settings; every other paper a negative);
and on the all-MiniLM-L6-v2 vectors: the centroid of the bookmarks (``reader.recommend``),
the nearest bookmark (max cosine), and a per-reader logistic regression (every other
paper a negative).

Latency: ``reader.foryou.feed_for`` for a reader with ``--bookmarks`` bookmarks in a
scratch database of ``--papers`` papers (the sample replicated with noisy vectors, as
benchmarks/search_latency.py does: the month's 30 days hold all of them, so a day's
window holds about 3,300 papers and a week's about 23,000), for the day's and the week's
window; p50/p95 over 50 requests each.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark, percentile, setup_django
from benchmarks.topic_quality import SampleDoc

K = 20
BOOTSTRAP = 200
MAX_READERS = 150  # readers per split, drawn at random (seeded): the SVM per reader is slow
SPLITS = {
    "dev": (date(2026, 6, 7), date(2026, 6, 14)),
    "test": (date(2026, 6, 14), date(2026, 6, 30)),
}


@dataclass
class Corpus:
    ids: list[str]
    texts: list[str]
    days: np.ndarray  # announcement day ordinal
    submitted: np.ndarray  # submission timestamp
    categories: list[tuple[str, ...]]
    authors: list[tuple[str, ...]]
    vectors: np.ndarray


def cached_embeddings(docs: list[SampleDoc]) -> np.ndarray:
    """The sample's vectors: the exact cache of benchmarks/topic_quality.py if present, else
    the latest cached run over the same papers (a change in how LaTeX is rendered to text
    moves a few vectors slightly; embedding the month again costs many CPU-minutes)."""
    from django.conf import settings

    from benchmarks.topic_quality import sample_embeddings

    model = settings.EMBEDDING_MODEL.replace("/", "_")
    cached = sorted((Path(settings.DATA_DIR) / "bench-cache").glob(f"sample-{model}-*.npy"))
    for path in sorted(cached, key=lambda p: p.stat().st_mtime, reverse=True):
        vectors: np.ndarray = np.load(path)
        if len(vectors) == len(docs):
            print(f"  vectors from {path.name}")
            return vectors
    return sample_embeddings(docs)


def load_corpus() -> Corpus:
    from benchmarks.ingest import sample_records
    from benchmarks.topic_quality import sample_docs

    docs = sample_docs()
    vectors = dict(zip([d.arxiv_id for d in docs], cached_embeddings(docs), strict=True))
    texts = {d.arxiv_id: d.text for d in docs}
    records = [r for r in sample_records() if r.arxiv_id in vectors and r.announced_on]
    return Corpus(
        ids=[r.arxiv_id for r in records],
        texts=[texts[r.arxiv_id] for r in records],
        days=np.array([(r.announced_on or date.min).toordinal() for r in records]),
        submitted=np.array([r.submitted_at.timestamp() if r.submitted_at else 0 for r in records]),
        categories=[tuple(r.categories) for r in records],
        authors=[tuple(" ".join(a.casefold().split()) for a in r.authors) for r in records],
        vectors=np.stack([vectors[r.arxiv_id] for r in records]).astype(np.float32),
    )


@dataclass
class Reader:
    profile: np.ndarray  # indices of their earlier papers (the "bookmarks")
    own: set[int]  # their later papers, as candidate positions
    topical: set[int]  # later papers in the topics of their own later papers


def readers_for(
    corpus: Corpus, *, cutoff: date, end: date, seed: int = 7
) -> tuple[np.ndarray, list[Reader], int]:
    """The candidates (indices of the later papers) and the readers of one split."""
    from papers.topics.clustering import cluster_vectors

    days = corpus.days
    train = np.flatnonzero(days <= cutoff.toordinal())
    later = np.flatnonzero((days > cutoff.toordinal()) & (days <= end.toordinal()))
    position = {int(i): n for n, i in enumerate(later)}
    labels = cluster_vectors(vectors=corpus.vectors[later]).labels
    topic_members: dict[int, set[int]] = defaultdict(set)
    for n, label in enumerate(labels):
        if label != -1:
            topic_members[int(label)].add(n)
    earlier: dict[str, list[int]] = defaultdict(list)
    for i in train:
        for name in corpus.authors[i]:
            earlier[name].append(int(i))
    own: dict[str, set[int]] = defaultdict(set)
    for i in later:
        for name in corpus.authors[i]:
            if name in earlier:
                own[name].add(position[int(i)])
    readers = []
    for name in sorted(own):
        topics = {int(labels[n]) for n in own[name] if labels[n] != -1}
        topical = set().union(*(topic_members[t] for t in topics)) if topics else set()
        readers.append(Reader(np.array(earlier[name]), own[name], topical))
    random.Random(seed).shuffle(readers)
    return later, readers[:MAX_READERS], len(set(labels) - {-1})


def metrics(ranking: np.ndarray, relevant: set[int]) -> tuple[float, float]:
    """Recall@K and nDCG@K (binary gains) of one ranking."""
    top = ranking[:K]
    hits = np.array([int(i) in relevant for i in top], dtype=float)
    dcg = float(np.sum(hits / np.log2(np.arange(2, len(top) + 2))))
    ideal = float(np.sum(1 / np.log2(np.arange(2, min(len(relevant), K) + 2))))
    return float(hits.sum() / len(relevant)), dcg / ideal if ideal else 0.0


class Methods:
    """Each method ranks a split's candidates for a reader: candidate positions, best first."""

    def __init__(self, corpus: Corpus, later: np.ndarray, *, c_svm: float, c_linear: float):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.corpus, self.later = corpus, later
        self.c_svm, self.c_linear = c_svm, c_linear
        # Everything up to the split's end, as arxiv-sanity trains on the whole database.
        self.pool = np.flatnonzero(corpus.days <= corpus.days[later].max())
        # arxiv-sanity-lite's compute.py settings.
        tfidf = TfidfVectorizer(
            input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode",
            lowercase=True, analyzer="word", stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
            max_features=20000, norm="l2", use_idf=True, smooth_idf=True,
            sublinear_tf=True, max_df=0.1, min_df=5,
        )  # fmt: skip
        self.tfidf = tfidf.fit_transform([corpus.texts[i] for i in self.pool])
        self.pool_position = {int(i): n for n, i in enumerate(self.pool)}
        self.later_in_pool = np.array([self.pool_position[int(i)] for i in later])
        self.newest: np.ndarray = np.argsort(-corpus.submitted[later], kind="stable")

    def rank(self, method: str, reader: Reader) -> np.ndarray:
        ranking: np.ndarray = getattr(self, method.replace(" ", "_"))(reader)
        return ranking

    def newest_first(self, reader: Reader) -> np.ndarray:
        return self.newest

    def same_categories(self, reader: Reader) -> np.ndarray:
        used: dict[str, int] = defaultdict(int)
        for i in reader.profile:
            for category in self.corpus.categories[i]:
                used[category] += 1
        overlap = np.array(
            [sum(used.get(c, 0) for c in self.corpus.categories[i]) for i in self.later]
        )
        return np.lexsort((-self.corpus.submitted[self.later], -overlap))

    def tfidf_svm(self, reader: Reader) -> np.ndarray:
        from sklearn import svm

        y = np.zeros(len(self.pool))
        y[[self.pool_position[int(i)] for i in reader.profile]] = 1
        clf = svm.LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=self.c_svm)
        clf.fit(self.tfidf, y)
        return np.argsort(-clf.decision_function(self.tfidf[self.later_in_pool]), kind="stable")

    def centroid(self, reader: Reader) -> np.ndarray:
        from reader.recommend import centroid_scores

        candidates = self.corpus.vectors[self.later]
        scores = centroid_scores(
            candidates=candidates, positives=self.corpus.vectors[reader.profile]
        )
        return np.argsort(-scores, kind="stable")

    def nearest_bookmark(self, reader: Reader) -> np.ndarray:
        from reader.recommend import max_similarity_scores

        scores = max_similarity_scores(
            candidates=self.corpus.vectors[self.later],
            positives=self.corpus.vectors[reader.profile],
        )
        return np.argsort(-scores, kind="stable")

    def linear_model(self, reader: Reader) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression

        x = self.corpus.vectors[self.pool]
        y = np.zeros(len(self.pool))
        y[[self.pool_position[int(i)] for i in reader.profile]] = 1
        clf = LogisticRegression(C=self.c_linear, class_weight="balanced", max_iter=200)
        clf.fit(x, y)
        return np.argsort(-clf.decision_function(x[self.later_in_pool]), kind="stable")


METHODS = (
    "newest first", "same categories", "tfidf svm", "centroid", "nearest bookmark",
    "linear model",
)  # fmt: skip
BASELINES = ("newest first", "same categories", "tfidf svm")


Results = dict[str, dict[str, tuple[float, float]]]


def evaluate(methods: Methods, readers: list[Reader], names: tuple[str, ...]) -> Results:
    """{method: {metric: (mean, bootstrap std)}} over the readers."""
    rng = np.random.default_rng(3)
    samples = rng.integers(0, len(readers), size=(BOOTSTRAP, len(readers)))
    found = {}
    for name in names:
        per_reader = []
        for reader in readers:
            ranking = methods.rank(name, reader)
            own = metrics(ranking, reader.own)
            topical = metrics(ranking, reader.topical) if reader.topical else (0.0, 0.0)
            per_reader.append((*own, *topical))
        table = np.array(per_reader)
        found[name] = {
            metric: (float(table[:, n].mean()), float(table[samples, n].mean(axis=1).std()))
            for n, metric in enumerate(("own_recall", "own_ndcg", "topic_recall", "topic_ndcg"))
        }
    return found


def print_table(split: str, results: Results, readers: int, candidates: int, topics: int) -> None:
    print(f"  {split}: {readers} readers, {candidates} later papers, {topics} topics")
    print(f"  {'method':<18} {'own R@20':>16} {'own nDCG@20':>16} {'topic R@20':>16} "
          f"{'topic nDCG@20':>16}")  # fmt: skip
    for name, row in results.items():
        cells = " ".join(f"{m:>9.4f} ±{s:.4f}" for m, s in row.values())
        print(f"  {name:<18} {cells}")


def tune(corpus: Corpus) -> tuple[float, float]:
    """C for the SVM and the logistic model, chosen on the development split's own papers."""
    cutoff, end = SPLITS["dev"]
    later, readers, _ = readers_for(corpus, cutoff=cutoff, end=end)
    readers = readers[:80]
    best = {}
    for key, grid in (("svm", (0.01, 0.1, 1.0)), ("linear", (0.1, 1.0))):
        scored = {}
        for c in grid:
            methods = Methods(corpus, later, c_svm=c, c_linear=c)
            name = "tfidf svm" if key == "svm" else "linear model"
            scored[c] = evaluate(methods, readers, (name,))[name]["own_ndcg"][0]
            print(f"  dev: {name} C={c}: own nDCG@20 {scored[c]:.4f}")
        best[key] = max(scored, key=scored.__getitem__)
    return best["svm"], best["linear"]


def quality(bench: Benchmark) -> None:
    setup_django()
    corpus = load_corpus()
    c_svm, c_linear = tune(corpus)
    bench.record("svm_C_chosen_on_dev", c_svm)
    bench.record("linear_C_chosen_on_dev", c_linear)
    for split in ("test",):  # the development split only chose the parameters above
        cutoff, end = SPLITS[split]
        later, readers, topics = readers_for(corpus, cutoff=cutoff, end=end)
        methods = Methods(corpus, later, c_svm=c_svm, c_linear=c_linear)
        results = evaluate(methods, readers, METHODS)
        print_table(split, results, len(readers), len(later), topics)
        bench.record(f"{split}_readers", len(readers))
        for name, row in results.items():
            for metric, (mean, std) in row.items():
                key = f"{split}_{name.replace(' ', '_')}_{metric}"
                bench.figures[key] = {"value": round(mean, 5), "std": round(std, 5)}
        chosen = results["centroid"]
        for baseline in BASELINES:
            for metric in chosen:
                beats = chosen[metric][0] > results[baseline][metric][0]
                bench.figures[f"{split}_centroid_beats_{baseline.replace(' ', '_')}_{metric}"] = {
                    "value": beats
                }


def latency(bench: Benchmark, *, papers: int, bookmarks: int, requests: int = 50) -> None:
    from benchmarks.scratch_db import scratch_database

    with scratch_database():
        user_id, day = _load_scale(papers=papers, bookmarks=bookmarks)
        from django.contrib.auth import get_user_model

        from reader.foryou import feed_for

        user = get_user_model().objects.get(pk=user_id)
        for window in ("day", "week"):
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                feed = feed_for(user=user, window=window, day=day)
                timings.append((time.perf_counter() - started) * 1000)
            assert feed.items, "the feed must list papers"
            p50, p95 = percentile(timings, 50), percentile(timings, 95)
            bench.record(f"feed_{window}_p50_ms", round(p50, 2), unit="ms")
            bench.record(f"feed_{window}_p95_ms", round(p95, 2), unit="ms", target="< 150")


def _load_scale(*, papers: int, bookmarks: int) -> tuple[int, date]:
    """The sample replicated to ``papers`` with noisy vectors; a reader with bookmarks."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from benchmarks.ingest import sample_records, synthetic_records, timed_upsert
    from benchmarks.search_latency import load_vectors
    from benchmarks.topic_quality import sample_docs
    from papers.models import Paper
    from reader.models import Bookmark

    base = list(sample_records())
    timed_upsert(synthetic_records(papers, base))
    docs = sample_docs()
    by_id = dict(zip([d.arxiv_id for d in docs], cached_embeddings(docs), strict=True))
    vectors = np.stack([by_id[record.arxiv_id] for record in base])
    load_vectors(Benchmark("scratch"), papers=papers, base=base, vectors=vectors)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = get_user_model().objects.create_user("bench-reader", "bench@example.org", "x" * 20)
    day = max(r.announced_on for r in base if r.announced_on is not None)
    earlier = Paper.objects.filter(announced_on__lt=day).order_by("?")[:bookmarks]
    Bookmark.objects.bulk_create([Bookmark(user=user, paper=p) for p in earlier])
    return user.pk, day


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--bookmarks", type=int, default=200)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    setup_django()
    if not args.skip_quality:
        with Benchmark("recommend", k=K, bootstrap=BOOTSTRAP, max_readers=MAX_READERS) as bench:
            quality(bench)
    if not args.skip_latency:
        with Benchmark("recommend_latency", papers=args.papers, bookmarks=args.bookmarks) as bench:
            latency(bench, papers=args.papers, bookmarks=args.bookmarks)


if __name__ == "__main__":
    main()
