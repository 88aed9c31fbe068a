"""Paper vectors with the real packaged all-MiniLM-L6-v2 on real arXiv abstracts."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from datetime import date
from io import StringIO
from itertools import islice

import numpy as np
import pytest
from celery.result import AsyncResult
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from pgvector.django import CosineDistance

from papers.embeddings import encoder as encoder_module
from papers.embeddings.encoder import (
    EmbeddingError,
    TorchEncoder,
    document_encoder,
    encode_documents,
    encode_query,
    encoding_precision,
    model_path,
    query_encoder,
    share_cores_among,
    torch_threads,
)
from papers.harvest.sample import LISTINGS_DIR, parse_listing_line
from papers.models import Paper, PaperEmbedding
from papers.selectors import papers_needing_embedding
from papers.services import papers_upsert
from papers.services.embeddings import embedding_text, papers_embed
from papers.tasks import embed_papers
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.waiting import BACKGROUND_CEILING_S

SAMPLE_DAY = date(2026, 6, 2)
SAMPLE_PAPERS = 12


@pytest.fixture(scope="session")
def torch_encoder() -> TorchEncoder:
    """The real model, loaded once for the whole session (it costs seconds)."""
    return document_encoder()


@pytest.fixture
def papers(torch_encoder: TorchEncoder) -> list[Paper]:
    path = LISTINGS_DIR / f"{SAMPLE_DAY.isoformat()}.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        records = [parse_listing_line(line, announced_on=SAMPLE_DAY) for line in islice(lines, 16)]
    papers_upsert(records=records[:SAMPLE_PAPERS])
    return list(Paper.objects.order_by("pk"))


def _text(paper: Paper) -> str:
    return embedding_text(title=paper.title_text, abstract=paper.abstract_text)


def _needing() -> int:
    return papers_needing_embedding(model_name=settings.EMBEDDING_MODEL).count()


@pytest.mark.django_db
def test_embedding_stores_one_unit_length_384_d_vector_per_paper(papers: list[Paper]) -> None:
    counts = papers_embed(batch_size=5)
    assert (counts.embedded, counts.batches) == (SAMPLE_PAPERS, 3)
    rows = list(PaperEmbedding.objects.order_by("paper_id"))
    assert [row.paper_id for row in rows] == [paper.pk for paper in papers]
    vectors = np.array([row.vector for row in rows])
    assert vectors.shape == (SAMPLE_PAPERS, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert {row.model_name for row in rows} == {"all-MiniLM-L6-v2"}
    # distinct abstracts give distinct vectors: nothing was zeroed or repeated
    assert len({tuple(np.round(v, 4)) for v in vectors}) == SAMPLE_PAPERS


@pytest.mark.django_db
@override_settings(EMBEDDING_WINDOW=8, EMBEDDING_BATCH_SIZE=4)
def test_a_window_is_encoded_length_sorted_yet_each_vector_stays_with_its_paper(
    papers: list[Paper],
) -> None:
    counts = papers_embed()
    assert (counts.embedded, counts.batches) == (SAMPLE_PAPERS, 2)  # windows of 8, then 4
    for row in PaperEmbedding.objects.select_related("paper"):
        alone = encode_documents([_text(row.paper)])[0]
        assert float(np.dot(np.array(row.vector), alone)) > 0.9999


@pytest.mark.django_db
def test_a_paper_is_its_own_nearest_neighbour_when_queried_with_its_text(
    papers: list[Paper],
) -> None:
    papers_embed()
    for paper in papers[:4]:
        query = encode_query(_text(paper))
        nearest = PaperEmbedding.objects.annotate(
            distance=CosineDistance("vector", query)
        ).order_by("distance")[:2]
        first, second = list(nearest)
        assert first.paper_id == paper.pk
        assert first.distance < 1e-3 < second.distance


@pytest.mark.django_db
def test_a_title_query_finds_its_paper_first(papers: list[Paper]) -> None:
    papers_embed()
    paper = papers[3]
    nearest = PaperEmbedding.objects.order_by(
        CosineDistance("vector", encode_query(paper.title_text))
    ).first()
    assert nearest is not None and nearest.paper_id == paper.pk


@pytest.mark.django_db
def test_embedding_again_embeds_nothing(papers: list[Paper]) -> None:
    papers_embed()
    created = dict(PaperEmbedding.objects.values_list("paper_id", "created"))
    assert _needing() == 0
    assert papers_embed().embedded == 0
    assert dict(PaperEmbedding.objects.values_list("paper_id", "created")) == created


@pytest.mark.django_db
def test_changing_an_abstract_re_embeds_only_that_paper(papers: list[Paper]) -> None:
    papers_embed()
    changed = papers[2]
    before = np.array(PaperEmbedding.objects.get(paper=changed).vector)
    Paper.objects.filter(pk=changed.pk).update(
        abstract_text="We study protein folding with graph neural networks."
    )
    assert list(papers_needing_embedding(model_name=settings.EMBEDDING_MODEL)) == [changed]
    assert papers_embed().embedded == 1
    after = np.array(PaperEmbedding.objects.get(paper=changed).vector)
    assert float(before @ after) < 0.95
    assert _needing() == 0


@pytest.mark.django_db
def test_changing_the_model_name_makes_every_vector_stale_and_re_embeds_all(
    papers: list[Paper],
) -> None:
    papers_embed()
    # The same weights under another name: a different space as far as the app can know.
    other = model_path(name="all-MiniLM-L6-v2")
    with override_settings(EMBEDDING_MODEL=other, EMBEDDING_QUERY_BACKEND="torch"):
        assert _needing() == SAMPLE_PAPERS
        assert papers_embed().embedded == SAMPLE_PAPERS
        assert set(PaperEmbedding.objects.values_list("model_name", flat=True)) == {other}
        assert _needing() == 0
    assert _needing() == SAMPLE_PAPERS


@pytest.mark.django_db
def test_embedding_only_given_ids_leaves_the_others_missing(papers: list[Paper]) -> None:
    ids = [papers[0].pk, papers[5].pk]
    assert papers_embed(paper_ids=ids).embedded == 2
    assert set(PaperEmbedding.objects.values_list("paper_id", flat=True)) == set(ids)
    assert papers_embed(paper_ids=ids, only_missing=False).embedded == 2


@pytest.mark.django_db
def test_manage_py_embed_embeds_missing_then_all_on_request(papers: list[Paper]) -> None:
    out = StringIO()
    call_command("embed", "--batch-size", "5", verbosity=0, stdout=out)
    assert "embedded 12 papers in 3 batches" in out.getvalue()
    call_command("embed", verbosity=0, stdout=out)
    assert "embedded 0 papers in 0 batches" in out.getvalue()
    call_command("embed", "--all", verbosity=0, stdout=out)
    assert out.getvalue().rstrip().endswith("embedded 12 papers in 1 batches with all-MiniLM-L6-v2")


@pytest.mark.django_db
def test_vectors_of_the_wrong_size_for_the_column_are_refused(papers: list[Paper]) -> None:
    with override_settings(EMBEDDING_DIMENSIONS=768), pytest.raises(EmbeddingError, match="384"):
        papers_embed()
    assert PaperEmbedding.objects.count() == 0


def test_onnx_query_vectors_match_torch_within_cosine_0_9999(
    torch_encoder: TorchEncoder,
) -> None:
    pytest.importorskip("onnxruntime")
    onnx = query_encoder()
    assert type(onnx).__name__ == "OnnxQueryEncoder"
    path = LISTINGS_DIR / f"{SAMPLE_DAY.isoformat()}.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        records = [parse_listing_line(line, announced_on=SAMPLE_DAY) for line in islice(lines, 4)]
    long_text = " ".join(r.abstract for r in records)  # over 256 tokens: truncation must agree
    texts = ["x", "diffusion models", "LLM agents for theorem proving", long_text]
    texts += [r.title for r in records]
    fp32 = TorchEncoder(model=torch_encoder.model, batch_size=32, precision="fp32")
    cosines = np.sum(onnx.encode(texts) * fp32.encode(texts), axis=1)
    assert cosines.min() >= 0.9999, cosines
    assert [round(float(c), 4) for c in cosines] == [1.0] * len(texts)
    assert encode_query("x").shape == (384,)
    assert encode_documents(["x"]).shape == (1, 384)


@pytest.mark.django_db
def test_bf16_document_vectors_stay_within_cosine_0_9999_of_float32_ones(
    torch_encoder: TorchEncoder, papers: list[Paper]
) -> None:
    texts = [_text(paper) for paper in papers]
    fp32 = TorchEncoder(model=torch_encoder.model, batch_size=8, precision="fp32").encode(texts)
    bf16 = TorchEncoder(model=torch_encoder.model, batch_size=8, precision="bf16").encode(texts)
    assert bf16.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(fp32 * bf16, axis=1)
    assert cosines.min() >= 0.9999, cosines
    assert not np.array_equal(fp32, bf16)  # the matrix multiplies really ran in bfloat16


@pytest.mark.parametrize(
    ("amx", "avx512_bf16", "expected"),
    [(True, False, "bf16"), (False, True, "bf16"), (False, False, "fp32")],
)
def test_auto_precision_is_bf16_only_where_the_cpu_does_bf16_natively(
    monkeypatch: pytest.MonkeyPatch, amx: bool, avx512_bf16: bool, expected: str
) -> None:
    import torch

    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    assert encoding_precision(setting="auto", device="cpu") == expected
    assert encoding_precision(setting="fp32", device="cpu") == "fp32"
    assert encoding_precision(setting="bf16", device="cpu") == "bf16"
    with override_settings(EMBEDDING_PRECISION="auto"):
        assert document_encoder().precision == expected
    with override_settings(EMBEDDING_PRECISION="fp32"):
        assert document_encoder().precision == "fp32"


def test_importing_the_app_does_not_load_torch() -> None:
    code = (
        "import django, sys; django.setup(); "
        "import papers.tasks, papers.services.embeddings, papers.management.commands.embed; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'onnxruntime') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_query_only_process_with_the_export_cached_does_not_load_torch(
    torch_encoder: TorchEncoder,
) -> None:
    pytest.importorskip("onnxruntime")
    query_encoder()  # exports the model if this session has not yet
    code = (
        "import django, sys; django.setup(); "
        "from papers.embeddings.encoder import encode_query; v = encode_query('graph nets'); "
        "print(v.shape, 'torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(384,) False"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_embed_task_embeds_papers_on_a_real_worker(
    papers: list[Paper], celery_worker_process: object
) -> None:
    ids = [paper.pk for paper in papers[:3]]
    assert embed_papers.delay(paper_ids=ids).get(timeout=BACKGROUND_CEILING_S) == {
        "embedded": 3,
        "batches": 1,
    }
    assert set(PaperEmbedding.objects.values_list("paper_id", flat=True)) == set(ids)
    assert embed_papers.delay().get(timeout=BACKGROUND_CEILING_S)["embedded"] == SAMPLE_PAPERS - 3
    assert _needing() == 0


@pytest.mark.django_db
def test_the_backlog_comes_in_chunks_of_the_papers_still_lacking_a_vector(
    papers: list[Paper],
) -> None:
    from papers.selectors import embedding_backlog_chunks

    papers_embed(paper_ids=[papers[0].pk])
    chunks = list(embedding_backlog_chunks(model_name=settings.EMBEDDING_MODEL, size=5))
    assert [len(chunk) for chunk in chunks] == [5, 5, 1]
    assert [pk for chunk in chunks for pk in chunk] == sorted(p.pk for p in papers[1:])


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_backlog_is_fanned_out_as_one_embed_task_per_chunk(
    papers: list[Paper], celery_worker_process: object
) -> None:
    from papers.tasks import queue_embeddings

    with override_settings(EMBEDDING_TASK_CHUNK=5):
        chunk_tasks = queue_embeddings()  # 12 papers: 5 + 5 + 2, embedded by the worker
    results = [AsyncResult(task_id).get(timeout=BACKGROUND_CEILING_S) for task_id in chunk_tasks]
    assert [r["embedded"] for r in results] == [5, 5, 2]
    assert _needing() == 0
    assert PaperEmbedding.objects.count() == SAMPLE_PAPERS


class _CountingEncoder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(texts)
        return np.full((len(texts), 384), 1 / np.sqrt(384), dtype=np.float32)


def test_a_repeated_query_is_embedded_once_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from papers.embeddings import encoder

    counting = _CountingEncoder()
    monkeypatch.setattr(encoder, "query_encoder", lambda: counting)
    encoder.clear_query_vector_cache()
    first = encode_query("graph  neural\nnets")
    again = encode_query(" graph neural nets ")
    with override_settings(EMBEDDING_MODEL="another-model"):
        encode_query("graph neural nets")
    encoder.clear_query_vector_cache()
    assert counting.calls == [["graph neural nets"], ["graph neural nets"]]
    assert again is first
    assert not first.flags.writeable  # a caller cannot corrupt the cached vector


def test_the_query_vector_cache_forgets_the_least_recent_beyond_its_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from papers.embeddings import encoder

    counting = _CountingEncoder()
    monkeypatch.setattr(encoder, "query_encoder", lambda: counting)
    monkeypatch.setattr(encoder, "QUERY_VECTOR_CACHE_SIZE", 2)
    encoder.clear_query_vector_cache()
    for query in ("a", "b", "a", "c", "a", "b"):
        encode_query(query)
    encoder.clear_query_vector_cache()
    assert [texts[0] for texts in counting.calls] == ["a", "b", "c", "b"]


def test_torch_takes_every_core_unless_processes_share_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(encoder_module, "_processes_sharing_cores", 1)
    assert torch_threads() == 0  # torch's own default: all cores
    share_cores_among(processes=2)
    assert torch_threads() == max(1, len(os.sched_getaffinity(0)) // 2)
    share_cores_among(processes=64)
    assert torch_threads() == 1
    with override_settings(EMBEDDING_TORCH_THREADS=3):
        assert torch_threads() == 3


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_each_process_of_a_prefork_worker_takes_its_share_of_the_cores(
    papers: list[Paper],
) -> None:
    with CeleryWorker(queues=("embed",), concurrency=2) as worker:
        assert (
            embed_papers.delay(paper_ids=[papers[0].pk]).get(timeout=BACKGROUND_CEILING_S)[
                "embedded"
            ]
            == 1
        )
        log = worker.log_path.read_text()
    share = max(1, len(os.sched_getaffinity(0)) // 2)
    assert f"embedding model all-MiniLM-L6-v2 loaded on cpu ({share} torch threads)" in log


def test_encoding_that_may_be_stopped_gives_the_same_vectors_in_the_same_order() -> None:
    texts = ["a short one", "a much longer text about graph neural networks " * 5, "mid size"]
    plain = encode_documents(texts)
    with override_settings(EMBEDDING_BATCH_SIZE=1):  # one model batch per text
        checked = encode_documents(texts, should_stop=lambda: False)
    # Padding differs between the batchings (and bf16 where the CPU has it): near, not equal.
    similarity = checked @ plain.T
    assert similarity.diagonal().min() > 0.999
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]  # each text kept its row


def test_a_stop_request_ends_encoding_between_model_batches() -> None:
    from papers.embeddings.encoder import EmbeddingStopped

    asked: list[int] = []

    def stop_after_one() -> bool:
        asked.append(1)
        return len(asked) > 1

    with override_settings(EMBEDDING_BATCH_SIZE=1), pytest.raises(EmbeddingStopped):
        encode_documents(["first", "second", "third"], should_stop=stop_after_one)
    assert len(asked) == 2  # the first batch ran, the second was refused
