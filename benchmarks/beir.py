"""Reading BEIR-format retrieval sets (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).

SciFact as bundled here comes with its corpus as a CSV inside a zip (see
benchmarks/data/beir-scifact/README.md); ``load_corpus`` converts it the way BEIR did:
``_id`` = doc_id, ``title`` = title, ``text`` = the abstract's sentences joined by spaces.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(sys.maxsize)
_SENTENCE = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""", re.DOTALL)


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    text: str


def load_corpus(path: Path) -> Iterator[Document]:
    if (path / "corpus.jsonl").exists():
        with (path / "corpus.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                item = json.loads(line)
                yield Document(str(item["_id"]), item.get("title", ""), item.get("text", ""))
        return
    with zipfile.ZipFile(path / "scifact.zip") as archive, archive.open("corpus_train.csv") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            sentences = [ast.literal_eval(s) for s in _SENTENCE.findall(row["abstract"])]
            yield Document(row["doc_id"], row["title"], " ".join(s.strip() for s in sentences))


def load_queries(path: Path, *, ids: set[str]) -> dict[str, str]:
    queries = {}
    with (path / "queries.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if str(item["_id"]) in ids:
                queries[str(item["_id"])] = item["text"]
    return queries


def load_qrels(path: Path, *, split: str = "test") -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with (path / "qrels" / f"{split}.tsv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return qrels


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    from math import log2

    dcg = sum(relevant.get(doc, 0) / log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(rel / log2(i + 2) for i, rel in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 100) -> float:
    hits = sum(1 for doc in ranked[:k] if relevant.get(doc, 0) > 0)
    positives = sum(1 for rel in relevant.values() if rel > 0)
    return hits / positives if positives else 0.0
