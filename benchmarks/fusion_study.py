"""Choosing hybrid fusion on training data only (docs/search.md, "Fusion").

Each training query's two sides are drawn once through the app's own code (BM25's top
100 by ``search.bm25.keyword_ranking``, the 100 most similar papers by an exact scan,
each candidate's score on the other side), with no similarity floor; then every variant
is scored offline by ``search.fusion.fuse``, the function the search page runs:

    rrf             reciprocal rank fusion, k = 60, equal weights (the previous default)
    convex          a fixed keyword weight w, scores normalised by the best of each side
    adaptive        w rising with BM25 coverage (search.fusion.keyword_weight)

each with a similarity floor. Training data: the known-item train half
(benchmarks/known_item.py) and, with ``--beir``, a BEIR set's train split (SciFact).
The objective is the mean MRR@10 over query kinds (nDCG@10 for BEIR) less twice the
largest shortfall of hybrid below the better single mode on any kind. The choice and
the table are printed and written to benchmarks/results/fusion_study.json; test figures
come from known_item.py and search_quality.py, run once with the chosen settings.

    python benchmarks/fusion_study.py [--per-kind 100] [--beir benchmarks/data/beir-scifact]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.harness import Benchmark

NONSENSE = ("xyzzyplugh quuxfrobnicate", "!!!", "asdf qwer zxcv", "lorem ipsum dolor sit",
            "banana bread recipe", "football world cup final", "hello")  # fmt: skip
FLOORS = (0.2, 0.25, 0.3, 0.35)
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
COVERAGES = ((0.3, 0.8), (0.5, 1.0), (0.6, 1.2), (0.4, 0.9))


@dataclass
class Drawn:
    """One query's two sides, unfloored, with every candidate's score on both."""

    group: str  # the query kind, or the BEIR set
    relevant: dict[str, int]  # arxiv id -> grade
    keyword: list[tuple[int, float]]
    semantic: list[tuple[int, float]]
    keyword_scores: dict[int, float]
    similarities: dict[int, float]
    idf_sum: float


def draw(query: str, *, group: str, relevant: dict[str, int], ids: dict[int, str]) -> Drawn:
    from django.test import override_settings

    from papers.embeddings.encoder import encode_query
    from search.bm25 import keyword_ranking, query_terms
    from search.selectors import _other_side_scores
    from search.vectors import semantic_ranking

    terms = query_terms(text=query)
    keyword = keyword_ranking(text=query, k=100) if any(terms.dfs) else []
    vector = encode_query(query)
    with override_settings(SEARCH_SEMANTIC_FLOOR=-1.0, SEARCH_EXACT_KNN_MAX=10**7):
        semantic = semantic_ranking(vector=vector, k=100, where="TRUE", params={},
                                    filtered=False).ranking  # fmt: skip
    kw, sim = dict(keyword), dict(semantic)
    relevant_ids = {i: grade for i, a in ids.items() if (grade := relevant.get(a, 0)) > 0}
    extra_kw, extra_sim = _other_side_scores(
        terms=terms, vector=vector, keyword_of=[i for i in sim if i not in kw],
        similarity_of=[i for i in {*kw, *relevant_ids} if i not in sim],
    )  # fmt: skip
    return Drawn(group, {str(i): g for i, g in relevant_ids.items()}, keyword, semantic,
                 kw | extra_kw, sim | extra_sim, terms.idf_sum)  # fmt: skip


def ranked(d: Drawn, variant: dict[str, Any], mode: str) -> list[int]:
    """The paper ids a variant ranks first for ``d`` (floor applied to the vector side)."""
    from search.fusion import FusionParams, coverage, fuse, keyword_weight

    floor = variant["floor"]
    semantic = [(i, s) for i, s in d.semantic if s >= floor]
    keyword = d.keyword if mode != "semantic" else []
    semantic = semantic if mode != "keyword" else []
    if variant["kind"] == "rrf" and mode == "hybrid":
        scores: dict[int, float] = {}
        for side in (keyword, semantic):
            for rank, (i, _) in enumerate(side, 1):
                scores[i] = scores.get(i, 0.0) + 1.0 / (60 + rank)
        return [i for i, _ in sorted(scores.items(), key=lambda x: (-x[1], x[0]))][:10]
    params = FusionParams(floor, variant.get("w_low", 0.5), variant.get("w_high", 0.5),
                          variant.get("c_low", 0.0), variant.get("c_high", 0.0))  # fmt: skip
    best = keyword[0][1] if keyword else 0.0
    cov = coverage(best_keyword=best, idf_sum=d.idf_sum)
    weight = keyword_weight(mode=mode, coverage=cov, params=params)
    fused = fuse(keyword=keyword, semantic=semantic, keyword_scores=d.keyword_scores,
                 similarities=d.similarities, weight=weight, floor=floor)  # fmt: skip
    return [f.paper_id for f in fused[:10]]


def quality(d: Drawn, ids: list[int]) -> float:
    """MRR@10 for a known item (one relevant paper), nDCG@10 for graded BEIR judgements."""
    if d.group.startswith("beir"):
        from benchmarks.beir import ndcg_at

        return ndcg_at([str(i) for i in ids], d.relevant, 10)
    found = [n for n, i in enumerate(ids, 1) if str(i) in d.relevant]
    return 1.0 / found[0] if found else 0.0


def variants() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"kind": "rrf", "floor": f} for f in FLOORS]
    out += [{"kind": "convex", "floor": f, "w_low": w, "w_high": w}
            for f, w in itertools.product(FLOORS, WEIGHTS)]  # fmt: skip
    out += [
        {"kind": "adaptive", "floor": f, "w_low": lo, "w_high": hi, "c_low": c[0], "c_high": c[1]}
        for f, lo, hi, c in itertools.product(FLOORS, WEIGHTS, WEIGHTS, COVERAGES) if hi > lo
    ]  # fmt: skip
    return out


def score_variant(drawn: list[Drawn], variant: dict[str, Any]) -> dict[str, Any]:
    groups = sorted({d.group for d in drawn})
    table = {g: {m: float(np.mean([quality(d, ranked(d, variant, m)) for d in drawn
                                   if d.group == g])) for m in ("keyword", "semantic", "hybrid")}
             for g in groups}  # fmt: skip
    shortfall = max(max(t["keyword"], t["semantic"]) - t["hybrid"] for t in table.values())
    mean = float(np.mean([t["hybrid"] for t in table.values()]))
    return {"variant": variant, "table": table, "shortfall": shortfall,
            "objective": mean - 2 * max(0.0, shortfall)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--beir", type=Path, help="also a BEIR set's train split (SciFact)")
    args = parser.parse_args()
    with Benchmark("fusion_study", per_kind=args.per_kind, beir=str(args.beir or "")) as bench:
        drawn = _known_item_train(args.per_kind)
        if args.beir:
            drawn += _beir_train(args.beir)
        _report(bench, drawn)


def _known_item_train(per_kind: int) -> list[Drawn]:
    from benchmarks.known_item import known_items, load_papers
    from benchmarks.scratch_db import scratch_database

    with scratch_database():
        from django.db import connection

        from papers.harvest.sample import LISTINGS_DIR

        papers = load_papers(LISTINGS_DIR)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, arxiv_id FROM papers_paper")
            ids = dict(cursor.fetchall())
        items = [i for i in known_items(papers, per_kind=per_kind) if i.split == "train"]
        drawn = [draw(i.query, group=i.kind, relevant={i.arxiv_id: 1}, ids=ids) for i in items]
        drawn += [draw(q, group="nonsense", relevant={}, ids=ids) for q in NONSENSE]
    return drawn


def _beir_train(path: Path) -> list[Drawn]:
    from benchmarks.beir import load_qrels, load_queries
    from benchmarks.scratch_db import scratch_database
    from benchmarks.search_quality import load_documents, prepare_indexes

    with scratch_database():
        from django.db import connection

        beir_ids = load_documents(path)
        prepare_indexes()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, arxiv_id FROM papers_paper")
            ids = {i: beir_ids[a] for i, a in cursor.fetchall()}
        qrels = load_qrels(path, split="train")
        queries = load_queries(path, ids=set(qrels))
        return [draw(text, group=f"beir-{path.name}", relevant=qrels[qid], ids=ids)
                for qid, text in queries.items()]  # fmt: skip


def _report(bench: Benchmark, drawn: list[Drawn]) -> None:
    nonsense = [d for d in drawn if d.group == "nonsense"]
    judged = [d for d in drawn if d.group != "nonsense"]
    scored = [score_variant(judged, v) for v in variants()]
    best_by_kind = {
        k: max((s for s in scored if s["variant"]["kind"] == k), key=lambda s: s["objective"])
        for k in ("rrf", "convex", "adaptive")
    }
    chosen = max(best_by_kind.values(), key=lambda s: s["objective"])
    for kind, s in best_by_kind.items():
        bench.record(f"{kind}_objective", s["objective"])
        bench.record(f"{kind}_shortfall", s["shortfall"])
        for group, row in s["table"].items():
            for mode, value in row.items():
                bench.record(f"{kind}_{group}_{mode}", value)
    floor = chosen["variant"]["floor"]
    top_nonsense = max((d.semantic[0][1] for d in nonsense if d.semantic), default=0.0)
    bench.record("nonsense_best_similarity", top_nonsense, target=f"< floor {floor}")
    relevant_sims = [d.similarities.get(int(i), -1.0) for d in judged for i in d.relevant]
    lost = float(np.mean([s < floor for s in relevant_sims])) if relevant_sims else 0.0
    bench.record("relevant_below_floor_share", lost)
    bench.parameters["chosen"] = chosen["variant"]
    print(f"  chosen: {chosen['variant']}")


if __name__ == "__main__":
    main()
