"""An embed worker SIGKILLed mid-chunk: its chunk is taken up again in minutes by Celery's
own redelivery (the visibility timeout, sized to the longest task), and every paper ends
with exactly one vector. Nothing is re-run by hand.

Its own module: no other worker may be listening on the embed queue while it runs.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db.models import Count
from django.test import override_settings

from papers.models import Paper, PaperEmbedding
from papers.tasks import queue_embeddings
from tests.helpers.celery_worker import CeleryWorker
from tests.helpers.faults import FaultFigures, fault_record
from tests.helpers.waiting import BACKGROUND_CEILING_S
from tests.papers.factories import PaperFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

PAPERS = 90
CHUNK = 30
# One paper per encode call and commit, so that a kill lands mid-chunk; a task time limit
# above the longest chunk (with the model's load) and the visibility timeout above that.
CRASH_SAFE = {
    "EMBEDDING_WINDOW": "1",
    "CELERY_TASK_TIME_LIMIT": "60",
    "CELERY_VISIBILITY_TIMEOUT": "70",
    "CELERY_RESTORE_INTERVAL_S": "1",
}


def vectors() -> int:
    return PaperEmbedding.objects.filter(model_name=settings.EMBEDDING_MODEL).count()


def test_a_chunk_whose_worker_was_killed_is_embedded_again_within_minutes() -> None:
    for n in range(PAPERS):
        PaperFactory(
            title_text=f"Paper {n} on graph neural networks",
            abstract_text=f"We study message passing variant {n} and its expressive power.",
        )
    with CeleryWorker(queues=("embed",), **CRASH_SAFE) as worker:
        with override_settings(EMBEDDING_TASK_CHUNK=CHUNK):
            assert len(queue_embeddings()) == PAPERS // CHUNK
        deadline = time.monotonic() + BACKGROUND_CEILING_S
        while vectors() == 0:
            assert time.monotonic() < deadline, "the worker embedded nothing"
            time.sleep(0.02)
        worker.kill()  # the whole worker, as a machine lost: its chunk is unacknowledged
        at_kill = vectors()
    assert at_kill < CHUNK, "the kill came after the first chunk was done; nothing to recover"

    killed = time.monotonic()
    with CeleryWorker(queues=("embed",), purge=False, **CRASH_SAFE):
        while vectors() < PAPERS:
            # Minutes, where the old 6-hour visibility timeout left the chunk for hours.
            assert time.monotonic() - killed < 300, f"{vectors()} of {PAPERS} embedded"
            time.sleep(0.5)
        took = time.monotonic() - killed

    per_paper = PaperEmbedding.objects.values("paper").annotate(n=Count("pk"))
    fault_record(
        FaultFigures(
            scenario="kill-mid-embed, whole worker", unit="vectors", expected=PAPERS,
            present=per_paper.count(), duplicated=sum(row["n"] - 1 for row in per_paper),
            recovered_by="visibility timeout", recovery_s=took,
        )
    )  # fmt: skip
    assert per_paper.count() == Paper.objects.count() == PAPERS
    assert {row["n"] for row in per_paper} == {1}
