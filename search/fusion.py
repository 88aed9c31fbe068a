"""How the two rankings become one: a score-normalised convex combination whose keyword
weight follows the BM25 evidence.

For a paper d and a query q,

    score(d) = w(q) * bm25(d) / bm25_best
             + (1 - w(q)) * max(0, sim(d) - floor) / (sim_best - floor)

where bm25_best and sim_best are the best scores in the whole corpus for q (so a paper's
score does not depend on how deep a page draws), and ``floor`` is the similarity under
which a paper is no semantic match (SEARCH_SEMANTIC_FLOOR). The keyword weight w(q) rises
linearly from SEARCH_KEYWORD_WEIGHT_LOW to _HIGH as the *coverage* rises from
SEARCH_COVERAGE_LOW to _HIGH: coverage = bm25_best / the sum of the query terms' idf, about
1 when one paper holds every query word (a known-item query, where exact words are the
strongest evidence), lower when the words are scattered (a question or a claim, where
meaning helps more). The parameters and the alternatives studied (reciprocal rank fusion,
fixed weights) are in docs/search.md; benchmarks/fusion_study.py chose them on training
data only.

Ties go to the stronger keyword evidence, then the stronger similarity, then the newer
paper (search.selectors orders the page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

MODES = ("hybrid", "keyword", "semantic")
MAX_CANDIDATES = 1000


@dataclass(frozen=True)
class FusionParams:
    floor: float
    weight_low: float
    weight_high: float
    coverage_low: float
    coverage_high: float

    @classmethod
    def from_settings(cls) -> FusionParams:
        return cls(
            floor=settings.SEARCH_SEMANTIC_FLOOR,
            weight_low=settings.SEARCH_KEYWORD_WEIGHT_LOW,
            weight_high=settings.SEARCH_KEYWORD_WEIGHT_HIGH,
            coverage_low=settings.SEARCH_COVERAGE_LOW,
            coverage_high=settings.SEARCH_COVERAGE_HIGH,
        )


@dataclass(frozen=True)
class Fused:
    paper_id: int
    score: float
    keyword_score: float  # BM25, 0 when no query word is in the paper
    similarity: float | None  # cosine similarity, None without a vector or a query vector
    keyword_rank: int | None  # place in the BM25 side's candidates, when among them
    semantic_rank: int | None  # place in the vector side's candidates, when among them


def keyword_weight(*, mode: str, coverage: float, params: FusionParams) -> float:
    """w(q): 1 in keyword mode, 0 in semantic mode, by the BM25 coverage in hybrid mode."""
    if mode != "hybrid":
        return 1.0 if mode == "keyword" else 0.0
    span = params.coverage_high - params.coverage_low
    ramp = 1.0 if span <= 0 else (coverage - params.coverage_low) / span
    ramp = min(1.0, max(0.0, ramp))
    return params.weight_low + (params.weight_high - params.weight_low) * ramp


def coverage(*, best_keyword: float, idf_sum: float) -> float:
    """How much of the query's idf the best BM25 match holds (0 when nothing matches)."""
    return best_keyword / idf_sum if idf_sum > 0 else 0.0


def fuse(
    *,
    keyword: list[tuple[int, float]],
    semantic: list[tuple[int, float]],
    keyword_scores: Mapping[int, float],
    similarities: Mapping[int, float],
    weight: float,
    floor: float,
) -> list[Fused]:
    """Every candidate of either side, scored, best first (ties as the module says, but
    for recency, which the page adds).

    ``keyword`` and ``semantic`` are the sides' candidates, best first, each side's best
    being the corpus's best; ``keyword_scores`` and ``similarities`` complete the other
    side's score of each candidate.
    """
    best_keyword = keyword[0][1] if keyword else 0.0
    best_similarity = semantic[0][1] if semantic else floor
    keyword_ranks = {paper_id: n for n, (paper_id, _) in enumerate(keyword, 1)}
    semantic_ranks = {paper_id: n for n, (paper_id, _) in enumerate(semantic, 1)}
    fused = []
    for paper_id in dict.fromkeys([*keyword_ranks, *semantic_ranks]):
        bm25 = keyword_scores.get(paper_id, 0.0)
        sim = similarities.get(paper_id)
        score = weight * (bm25 / best_keyword if best_keyword > 0 else 0.0)
        if sim is not None and best_similarity > floor:
            score += (1.0 - weight) * max(0.0, sim - floor) / (best_similarity - floor)
        fused.append(Fused(paper_id, score, bm25, sim, keyword_ranks.get(paper_id),
                           semantic_ranks.get(paper_id)))  # fmt: skip
    fused.sort(key=lambda f: (-f.score, -f.keyword_score, -(f.similarity or -1.0), f.paper_id))
    return fused


def candidate_depth(*, limit: int, offset: int) -> int:
    """How many candidates the vector side draws for a page at ``offset``."""
    return min(MAX_CANDIDATES, max(100, limit + offset))


def keyword_depth(*, mode: str, limit: int, offset: int) -> int:
    """How many BM25 candidates a search draws at first (hybrid draws deeper while the
    page is not settled: search.selectors)."""
    return candidate_depth(limit=limit, offset=offset)
