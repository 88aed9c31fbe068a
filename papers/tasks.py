"""Celery entry points for harvesting. Each source is one task; the rule lives in services."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from celery import chord, shared_task, signature
from celery.result import GroupResult
from celery.signals import worker_init, worker_process_init
from celery.utils.log import get_task_logger
from django.conf import settings
from django.utils import timezone

from digest.lib.tasks import DATABASE_ERRORS, worker_stopping
from papers.embeddings.encoder import EmbeddingStopped, share_cores_among
from papers.harvest.sources import default_params
from papers.models import HarvestRun
from papers.selectors import embedding_backlog_chunks, embedding_progress
from papers.services.embeddings import papers_embed
from papers.services.harvest import HarvestAlreadyRunning, harvest_source

logger = get_task_logger(__name__)
_worker: Any = None


@worker_init.connect
def _remember_worker(sender: Any, **kwargs: Any) -> None:
    global _worker
    _worker = sender  # its pool size is final once the pool forks its processes


@worker_process_init.connect
def _share_cores_with_the_pool(**kwargs: Any) -> None:
    if _worker is not None:  # each prefork child would otherwise run torch on every core
        share_cores_among(processes=int(_worker.concurrency))


class HarvestFailed(Exception):
    """The run failed (network, source error); a retry resumes it from its cursor."""


# A failed run is retried by Celery from its decorator (autoretry_for): waits of up to
# 1, 2, 4... minutes (full jitter), at most an hour, five times; the next retry resumes
# the run from its cursor.
HARVEST_RETRIES_FOR: tuple[type[Exception], ...] = (HarvestFailed, *DATABASE_ERRORS)


def _run(source: str, params: dict[str, Any] | None) -> int | None:
    params = params or default_params(source)
    try:
        run = harvest_source(source=source, params=params)
    except HarvestAlreadyRunning as exc:
        logger.info("%s", exc)
        return None
    if run.status == HarvestRun.Status.FAILED:
        raise HarvestFailed(run.error)
    return run.id


@shared_task(
    name="papers.tasks.harvest_arxiv",
    acks_late=True,
    autoretry_for=HARVEST_RETRIES_FOR,
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def harvest_arxiv(params: dict[str, Any] | None = None) -> int | None:
    return _run("arxiv", params)


@shared_task(
    name="papers.tasks.harvest_oai",
    acks_late=True,
    autoretry_for=HARVEST_RETRIES_FOR,
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def harvest_oai(params: dict[str, Any] | None = None) -> int | None:
    return _run("oai", params)


@shared_task(
    name="papers.tasks.harvest_rss",
    acks_late=True,
    autoretry_for=HARVEST_RETRIES_FOR,
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def harvest_rss(params: dict[str, Any] | None = None) -> int | None:
    return _run("rss", params)


@shared_task(
    name="papers.tasks.harvest_hf",
    acks_late=True,
    autoretry_for=HARVEST_RETRIES_FOR,
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def harvest_hf(params: dict[str, Any] | None = None) -> int | None:
    return _run("hf", params)


@shared_task(
    name="papers.tasks.harvest_reconcile",
    acks_late=True,
    autoretry_for=HARVEST_RETRIES_FOR,
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def harvest_reconcile(params: dict[str, Any] | None = None) -> int | None:
    return _run("reconcile", params)


@shared_task(
    name="papers.tasks.embed_papers",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def embed_papers(paper_ids: list[int] | None = None) -> dict[str, int]:
    """Embed the given papers, or every paper lacking a current vector; idempotent.

    A worker shutting down stops between model batches and queues the same chunk again:
    the papers it embedded are current by then, so the next worker embeds only the rest.
    """

    def report(_count: int) -> None:
        logger.info("%s", embedding_progress(model_name=settings.EMBEDDING_MODEL).line())

    try:
        counts = papers_embed(paper_ids=paper_ids, on_batch=report, should_stop=worker_stopping)
        return asdict(counts)
    except EmbeddingStopped:
        logger.info("worker stopping: embedding chunk queued again")
        embed_papers.delay(paper_ids=paper_ids)
        return {"embedded": 0, "batches": 0, "requeued": 1}


@shared_task(
    name="papers.tasks.queue_embeddings",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def queue_embeddings(then: dict[str, Any] | None = None) -> list[str]:
    """Fan the embedding backlog out, one ``embed_papers`` task per chunk; returns their ids.

    Each chunk goes to the ``embed`` queue, so every embed worker process on every machine
    (CPU or GPU) takes chunks as it frees up. Idempotent: a chunk queued twice embeds its
    papers once, the second task finds them current. The ids are the chunks' completion
    signals (their results), for whoever waits on the fan-out. ``then`` (a signature) runs
    once every chunk has finished (a chord), or at once when there is nothing to embed.
    """
    chunks = embedding_backlog_chunks(
        model_name=settings.EMBEDDING_MODEL, size=settings.EMBEDDING_TASK_CHUNK
    )
    header = [embed_papers.si(paper_ids=chunk) for chunk in chunks]
    if then is None:
        return [task.apply_async().id for task in header]
    if not header:
        signature(then).apply_async()
        return []
    chunks_done = chord(header)(signature(then)).parent
    assert isinstance(chunks_done, GroupResult)  # a chord's body hangs on its header's group
    return [result.id for result in chunks_done.results or []]


@shared_task(
    name="papers.tasks.compute_topics",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def compute_topics(week: str | None = None) -> dict[str, Any]:
    """Recompute a week's topics (``"2026-W23"``; default: the week of yesterday, UTC)."""
    from papers.weeks import week_label, week_parse

    start = week_parse(week) if week else timezone.now().date() - timedelta(days=1)
    stored = _topics_compute(start)
    return {"week": week_label(stored.week_start), "papers": stored.paper_count}


@shared_task(
    name="papers.tasks.topics_for_new_weeks",
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=5,
)
def topics_for_new_weeks() -> list[str]:
    """Cluster every week that has papers but no topics yet (after the embedding fan-out)."""
    from papers.topics.selectors import weeks_without_topics
    from papers.weeks import week_label

    weeks = weeks_without_topics()
    for n, monday in enumerate(weeks, start=1):
        stored = _topics_compute(monday)
        logger.info(
            "topics %d / %d weeks · %s: %d papers", n, len(weeks), week_label(monday),
            stored.paper_count,
        )  # fmt: skip
    return [week_label(monday) for monday in weeks]


def _topics_compute(week_start: Any) -> Any:
    from papers.services.topics import topics_compute
    from papers.topics.naming import topic_writers

    writers = topic_writers()  # None without a model: keyword labels, counts overview
    return topics_compute(
        week_start=week_start,
        namer=writers.namer if writers else None,
        overview=writers.overview if writers else None,
        written_by=writers.source if writers else "",
    )
