"""Quality and cost of a weekly draft written from the bundled sample, per backend.

    DEBUG=0 python -m benchmarks.draft_quality [--items 5] [--backends extractive,local,openai]

Loads the sample (original June 2026 dates) into a scratch database, where its Hugging Face
list is replayed as the trending list of 24–30 June; computes the topics of every week
from the sample's cached vectors (``benchmarks.topic_quality``: embedded once, then read
from ``var/bench-cache``), since the papers trending in a week were mostly announced in
earlier ones; then drafts the week of 22 June once per backend: always ``extractive``
(no model); ``local`` when the ``local-llm`` extra and a model are installed; ``openai``
when ``LLM_BASE_URL`` / ``LLM_API_KEY`` name an endpoint. For each it prints:

* the share of paper sections that pass the grounding check (no blocking flag: every
  title, link and number found in the sources) and the share of sentences whose best
  abstract span overlaps at least ``WEAK_SUPPORT``;
* coverage of the week's top-10 trending papers (items among them / 10);
* words per section (the section's prose, without the label and link lines);
* seconds per draft (choosing and writing; topics are computed once beforehand);
* the seeds' shape: the share of sections with each role (problem, contribution, a result
  with a number, what it enables, links to arXiv and this site's page) and with each
  residue (LaTeX, a connective-led first sentence, an editor's label, repetition), the
  checker's findings (``writing.checking``) and the share of sections they block;
* ``<backend>_quality_score`` = mean role share − mean residue share − blocked share:
  ``LLM_BACKEND=auto`` takes the local model only where its score beats extractive's
  (``digest.lib.llm.local_model_earned`` reads this file).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from benchmarks.harness import Benchmark
from benchmarks.scratch_db import scratch_database
from papers.text import split_sentences

if TYPE_CHECKING:
    from digest.lib.llm import LLMClient
    from writing.models import DraftItem

WEEK = date(2026, 6, 22)
TOPIC_WEEKS = [date(2026, 6, 1), date(2026, 6, 8), date(2026, 6, 15), date(2026, 6, 22)]


def _store_vectors() -> None:
    """The sample's vectors (cached by the topic benchmark) as the papers' embeddings."""
    from django.conf import settings

    from benchmarks.topic_quality import sample_docs, sample_embeddings
    from papers.models import Paper, PaperEmbedding
    from papers.services.embeddings import embedding_text_hash

    docs = sample_docs()
    ids = dict(Paper.objects.values_list("arxiv_id", "pk"))
    PaperEmbedding.objects.bulk_create(
        (
            PaperEmbedding(
                paper_id=ids[doc.arxiv_id],
                model_name=settings.EMBEDDING_MODEL,
                vector=vector,
                text_hash=embedding_text_hash(text=doc.text),
            )
            for doc, vector in zip(docs, sample_embeddings(docs), strict=True)
            if doc.arxiv_id in ids
        ),
        batch_size=1000,
    )


def _clients(wanted: list[str]) -> list[tuple[str, LLMClient | None]]:
    from django.conf import settings

    from digest.lib.llm import llm_client

    clients: list[tuple[str, LLMClient | None]] = []
    for name in wanted:
        if name == "extractive":
            clients.append((name, None))
            continue
        if name == "openai" and not settings.LLM_ENDPOINT_CONFIGURED:
            print("  openai: no endpoint configured (LLM_BASE_URL), skipped")
            continue
        original = settings.LLM_BACKEND
        settings.LLM_BACKEND = name
        try:
            client = llm_client()
        finally:
            settings.LLM_BACKEND = original
        if client is None:
            print(f"  {name}: not available here, skipped")
        else:
            clients.append((name, client))
    return clients


def _section_words(markdown: str) -> int:
    from writing.markdown import EXTRACTIVE_LABEL

    prose = [
        line
        for line in markdown.replace(EXTRACTIVE_LABEL, "").splitlines()
        if not re.match(r"^(Paper|Code):", line.strip())
    ]
    return len(" ".join(prose).split())


_LATEX_RESIDUE = re.compile(r"\\[A-Za-z]+|\{[A-Za-z]+\}|\w~\w|\$[^$\s]|[_^]\{")
ROLES = ("problem", "contribution", "result", "enables", "links")


def section_shape(section_md: str) -> dict[str, bool]:
    """Which roles a section has (the seeds' shape) and which residue it shows."""
    from writing.checking import check
    from writing.extractive import _LEADING_CONNECTIVE, sentence_roles
    from writing.grounding import plain

    prose = plain(re.sub(r"^(Paper: |Code: |\[Similar).*$", "", section_md, flags=re.M))
    sentences = [s.text for s in split_sentences(prose)]
    roles = set().union(*(sentence_roles(s) for s in sentences)) if sentences else set()
    findings = {str(f["kind"]) for f in check(text=section_md, sources=None)}
    return {
        "problem": "problem" in roles,
        "contribution": "contribution" in roles,
        "result": "result" in roles,  # a result sentence with a number
        "enables": "enables" in roles,
        "links": "arxiv.org/abs/" in section_md and "/papers/" in section_md,
        "latex": bool(_LATEX_RESIDUE.search(section_md)),
        "connective_start": bool(sentences and _LEADING_CONNECTIVE.match(sentences[0])),
        "label": "label" in findings,
        "repetition": "repetition" in findings,
    }


def _shape(bench: Benchmark, name: str, rows: list[DraftItem]) -> None:
    """Role and residue shares, checker findings, and the score ``auto`` compares."""
    shapes = [section_shape(item.section_md) for item in rows]
    share = {key: sum(s[key] for s in shapes) / len(shapes) for key in shapes[0]}
    for key, value in share.items():
        kind = "role" if key in ROLES else "residue"
        bench.record(f"{name}_{kind}_{key}_share", value, unit="sections")
    blocked = sum(bool(item.blocking_flags) for item in rows) / len(rows)
    findings = sum(len(item.blocking_flags) for item in rows)
    bench.record(f"{name}_checker_findings", findings, unit="findings")
    bench.record(f"{name}_checker_blocked_share", blocked, unit="sections")
    # Roles present, less residue, less sections the checker blocks: higher is better.
    roles = sum(share[r] for r in ROLES) / len(ROLES)
    residue = sum(share[r] for r in share if r not in ROLES) / (len(share) - len(ROLES))
    bench.record(f"{name}_quality_score", roles - residue - blocked)


def _measure(
    bench: Benchmark, name: str, client: LLMClient | None, items: int, top10: set[int]
) -> None:
    from writing import grounding
    from writing.models import Draft, LLMCall
    from writing.services import drafting

    Draft.objects.all().delete()
    started = time.perf_counter()
    draft = drafting.draft_prepare(week_start=WEEK, item_count=items)
    draft = drafting.draft_write(draft_id=draft.pk, client=client)
    elapsed = time.perf_counter() - started
    rows = list(draft.items.select_related("paper"))
    passing = [item for item in rows if not item.blocking_flags]
    evidence = [e for item in rows for e in item.evidence]
    supported = [e for e in evidence if e["score"] >= grounding.WEAK_SUPPORT]
    words = [_section_words(item.section_md) for item in rows]
    calls = LLMCall.objects.filter(draft=draft)
    bench.record(f"{name}_grounding_pass_share", len(passing) / len(rows), unit="sections")
    bench.record(
        f"{name}_supported_sentence_share", len(supported) / max(1, len(evidence)), unit="sentences"
    )
    bench.record(f"{name}_top10_trending_coverage", len({i.paper_id for i in rows} & top10) / 10)
    bench.record(f"{name}_top10_trending_coverage_max", min(items, 10) / 10)
    bench.record(f"{name}_words_per_section", statistics.mean(words), unit="words")
    bench.record(f"{name}_seconds_per_draft", elapsed, unit="s")
    bench.record(f"{name}_llm_calls", calls.count())
    bench.record(f"{name}_llm_failed_calls", calls.filter(ok=False).count())
    bench.record(f"{name}_tokens", draft.tokens_spent, unit="tokens")
    _shape(bench, name, rows)
    flagged = [(i.paper_id, f["kind"], f["text"]) for i in rows for f in i.blocking_flags]
    print(f"  {name}: '{draft.title}'; flagged facts: {flagged[:8] or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--backends", default="extractive,local,openai")
    args = parser.parse_args()
    with scratch_database(), Benchmark("draft_quality", week=str(WEEK), items=args.items) as bench:
        from papers.services.sample import sample_load
        from papers.services.topics import topics_compute
        from papers.trending import trending_papers

        started = time.perf_counter()
        sample_load(today=None)
        _store_vectors()
        for week in TOPIC_WEEKS:
            topics_compute(week_start=week)
        bench.record("setup_sample_and_topics_s", time.perf_counter() - started, unit="s")
        week_end = WEEK + timedelta(days=6)
        top10 = {e.paper.pk for e in trending_papers(window="week", day=week_end, limit=10)}
        for name, client in _clients(args.backends.split(",")):
            _measure(bench, name, client, args.items, top10)


if __name__ == "__main__":
    main()
