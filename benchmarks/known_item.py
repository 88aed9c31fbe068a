"""Known-item search: can a reader find a paper again from what they remember of it?

Queries are generated deterministically from a paper set (default: the bundled June
2026 sample of arXiv listings; ``--papers DIR`` takes any directory of listing files in
the same format), of the kinds readers type:

    abstract_4      four distinctive abstract words that are not in the title
    abstract_2      two of them
    method_word     the method or system name the abstract introduces, and one such word
    method          the method name alone
    first_sentence  the abstract's first sentence, cut to 12 words

"Distinctive" = the rarest words of the abstract in the paper set (at least two papers
hold each, so that a word alone is not the answer). A method name is the first word of
the abstract with two capitals or more (``FlashAttention``, ``GRPO``) held by at most
three papers. Papers are split by a hash of their id: train (for choosing parameters,
benchmarks/fusion_study.py) and test (reported once). Every query runs through
``search.selectors.search_papers`` as served (first page, 20 results) in each mode;
MRR@10 and Recall@10 per kind and mode, with a bootstrap standard error.

    python benchmarks/known_item.py [--papers DIR] [--per-kind 100] [--split test]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark

if TYPE_CHECKING:
    from papers.harvest.records import ArxivRecord

KINDS = ("abstract_4", "abstract_2", "method_word", "method", "first_sentence")
MODES = ("keyword", "semantic", "hybrid")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")
_METHOD = re.compile(r"\b(?:[A-Z][a-z0-9]*[A-Z][A-Za-z0-9\-]*|[A-Z]{2,}[a-z0-9\-]*)\b")
_STOP = frozenset(
    [
        "this",
        "that",
        "with",
        "from",
        "their",
        "these",
        "those",
        "which",
        "where",
        "while",
        "have",
        "been",
        "were",
        "into",
        "about",
        "such",
        "than",
        "then",
        "also",
        "more",
        "most",
        "over",
        "under",
        "show",
        "shows",
        "shown",
        "using",
        "used",
        "based",
        "paper",
        "propose",
        "proposed",
        "approach",
        "method",
        "methods",
        "results",
        "model",
        "models",
        "study",
        "work",
        "across",
        "between",
        "both",
        "each",
        "other",
        "when",
        "what",
        "without",
        "within",
        "however",
        "further",
        "present",
        "novel",
        "demonstrate",
        "achieve",
        "achieves",
        "existing",
        "significantly",
        "performance",
        "data",
        "task",
        "tasks",
    ]
)


@dataclass(frozen=True)
class Paper:
    arxiv_id: str
    title: str
    abstract: str


@dataclass(frozen=True)
class KnownItem:
    kind: str
    split: str  # "train" or "test"
    query: str
    arxiv_id: str


def split_of(arxiv_id: str) -> str:
    """A fixed half of the papers: by the parity of a hash of the id."""
    return "train" if int(hashlib.sha1(arxiv_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def read_records(listings: Path) -> list[ArxivRecord]:
    """Every paper of the listing files under ``listings`` once (its first listing)."""
    from papers.harvest.sample import SampleSource

    source = SampleSource(listings_dir=listings)
    records: list[ArxivRecord] = []
    seen: set[str] = set()
    for path in sorted(listings.glob("*.jsonl.gz")):
        day = date.fromisoformat(path.name.split(".")[0])
        for record in source._read(path, day)[0]:
            if record.arxiv_id not in seen:
                seen.add(record.arxiv_id)
                records.append(record)
    return records


def known_items(papers: list[Paper], *, per_kind: int) -> list[KnownItem]:
    """Up to ``per_kind`` queries of each kind in each split, from papers in hash order."""
    df = Counter(w for p in papers for w in {w.lower() for w in _WORD.findall(_text(p))})
    ordered = sorted(papers, key=lambda p: hashlib.sha1(p.arxiv_id.encode()).hexdigest())
    wanted = {(kind, split): per_kind for kind in KINDS for split in ("train", "test")}
    items = []
    for paper in ordered:
        for kind, query in _queries(paper, df):
            key = (kind, split_of(paper.arxiv_id))
            if wanted[key] > 0:
                wanted[key] -= 1
                items.append(KnownItem(kind, key[1], query, paper.arxiv_id))
    return items


def _text(paper: Paper) -> str:
    return f"{paper.title} {paper.abstract}"


def _queries(paper: Paper, df: Counter[str]) -> Iterator[tuple[str, str]]:
    title = {w.lower() for w in _WORD.findall(paper.title)}
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(paper.abstract)))
    pool = [w for w in words if len(w) >= 4 and w not in title and w not in _STOP and df[w] >= 2]
    rarest = sorted(pool, key=lambda w: (df[w], words.index(w)))
    if len(rarest) >= 4:
        yield "abstract_4", " ".join(sorted(rarest[:4], key=words.index))
    if len(rarest) >= 2:
        yield "abstract_2", " ".join(sorted(rarest[:2], key=words.index))
    method = next((m for m in _METHOD.findall(paper.abstract)
                   if len(m) >= 3 and df[m.lower()] <= 3), None)  # fmt: skip
    if method:
        other = next((w for w in rarest if w != method.lower()), None)
        if other:
            yield "method_word", f"{method} {other}"
        yield "method", method
    first = re.split(r"(?<=[.!?])\s+", paper.abstract.strip(), maxsplit=1)[0].split()
    if len(first) >= 12:
        yield "first_sentence", " ".join(first[:12]).rstrip(".,;:")


def load_papers(listings: Path) -> list[Paper]:
    """Store the paper set in the (scratch) database: papers, BM25 index, vectors.

    Vectors come from the benchmark cache (computed once by the configured model, as
    papers_embed would) and are bulk-loaded; the HNSW index is rebuilt after.
    """
    from benchmarks.topic_quality import SampleDoc, sample_embeddings
    from papers.services import papers_upsert
    from papers.services.embeddings import embedding_text
    from papers.text import latex_to_text
    from search.services import bm25_index_papers

    records = read_records(listings)
    papers_upsert(records=records)
    bm25_index_papers()
    docs = [
        SampleDoc(r.arxiv_id, embedding_text(title=latex_to_text(r.title),
                  abstract=latex_to_text(r.abstract)), r.primary_category, date.today())
        for r in records
    ]  # fmt: skip
    _load_vectors([d.arxiv_id for d in docs], sample_embeddings(docs))
    return [Paper(r.arxiv_id, latex_to_text(r.title), latex_to_text(r.abstract)) for r in records]


def _load_vectors(arxiv_ids: list[str], vectors: np.ndarray) -> None:
    from django.conf import settings
    from django.db import connection

    from search.vectors import vector_literal

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS paperembedding_vector_hnsw")
        cursor.execute("SELECT arxiv_id, id FROM papers_paper")
        ids = dict(cursor.fetchall())
        with cursor.cursor.copy(
            "COPY papers_paperembedding (paper_id, model_name, vector, text_hash, created)"
            " FROM STDIN"
        ) as copy:
            for arxiv_id, vector in zip(arxiv_ids, vectors, strict=True):
                copy.write_row((ids[arxiv_id], settings.EMBEDDING_MODEL, vector_literal(vector),
                                "", "now"))  # fmt: skip
        cursor.execute(
            "CREATE INDEX paperembedding_vector_hnsw ON papers_paperembedding"
            " USING hnsw (vector vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        cursor.execute("ANALYZE papers_paperembedding")


def reciprocal_ranks(items: list[KnownItem], *, mode: str) -> list[float]:
    """1 / rank of the known paper in the first page's top 10 (0 when not there)."""
    from search.selectors import SearchRequest, search_papers

    ranks = []
    for item in items:
        hits = search_papers(request=SearchRequest(q=item.query, mode=mode)).hits[:10]
        found = [n for n, hit in enumerate(hits, 1) if hit.paper.arxiv_id == item.arxiv_id]
        ranks.append(1.0 / found[0] if found else 0.0)
    return ranks


def bootstrap_se(values: list[float], *, rounds: int = 1000, seed: int = 7) -> float:
    """Standard error of the mean by resampling the queries."""
    data = np.asarray(values)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), (rounds, len(data)))].mean(axis=1)
    return float(means.std())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=Path, help="listings directory (default: the sample)")
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--split", choices=("train", "test"), default="test")
    args = parser.parse_args()
    from benchmarks.scratch_db import scratch_database

    name = f"known_item_{args.split}"
    parameters = {"papers": str(args.papers or "sample"), "split": args.split,
                  "per_kind": args.per_kind}  # fmt: skip
    with scratch_database(), Benchmark(name, **parameters) as bench:
        from papers.harvest.sample import LISTINGS_DIR

        started = time.perf_counter()
        papers = load_papers(args.papers or LISTINGS_DIR)
        bench.record("papers", len(papers), unit="papers")
        bench.record("load_s", time.perf_counter() - started, unit="s")
        items = [i for i in known_items(papers, per_kind=args.per_kind) if i.split == args.split]
        for kind in KINDS:
            of_kind = [i for i in items if i.kind == kind]
            bench.record(f"{kind}_queries", len(of_kind), unit="queries")
            for mode in MODES:
                ranks = reciprocal_ranks(of_kind, mode=mode)
                bench.record(f"{kind}_{mode}_mrr@10", float(np.mean(ranks)))
                bench.record(f"{kind}_{mode}_mrr@10_se", bootstrap_se(ranks))
                bench.record(f"{kind}_{mode}_recall@10", float(np.mean([r > 0 for r in ranks])))


if __name__ == "__main__":
    main()
