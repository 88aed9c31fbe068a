"""Reads of the papers app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import islice

from django.conf import settings
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    Func,
    Min,
    OuterRef,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Concat
from django.utils import timezone

from digest.lib.progress import Progress
from papers.models import AnnouncementDay, HarvestRun, Paper, PaperEmbedding, QuarantinedRecord


def harvest_runs_recent(*, limit: int = 20) -> QuerySet[HarvestRun]:
    return HarvestRun.objects.order_by("-started_at")[:limit]


def quarantined_records_recent(*, limit: int = 20) -> QuerySet[QuarantinedRecord]:
    """Records harvests set aside, latest sighting first (for the admin and status views)."""
    return QuarantinedRecord.objects.select_related("run").order_by("-last_seen", "-pk")[:limit]


def announcement_days_recent(*, days: int = 7, today: date) -> QuerySet[AnnouncementDay]:
    """Completeness per announcement day and category, newest first."""
    return AnnouncementDay.objects.filter(day__gt=today - timedelta(days=days)).order_by(
        "-day", "category"
    )


def papers_needing_embedding(
    *, model_name: str, paper_ids: list[int] | None = None, only_missing: bool = True
) -> QuerySet[Paper]:
    """Papers without a current vector (none, another model's, or of an older text), by id.

    With ``only_missing=False`` every selected paper is returned, to re-embed by force.
    """
    papers = Paper.objects.order_by("pk").only("pk", "title_text", "abstract_text")
    if paper_ids is not None:
        papers = papers.filter(pk__in=paper_ids)
    if not only_missing:
        return papers
    current = PaperEmbedding.objects.filter(
        paper=OuterRef("pk"),
        model_name=model_name,
        text_hash=embedding_text_hash_sql(title="title_text", abstract="abstract_text"),
    )
    return papers.filter(~Exists(current))


def embedding_progress(*, model_name: str, window_s: int = 120) -> Progress:
    """Papers with a current vector out of all papers; the rate is every worker's together
    (vectors written in the last ``window_s`` seconds), so the time left is the library's."""
    total = Paper.objects.count()
    missing = papers_needing_embedding(model_name=model_name).count()
    now = timezone.now()
    recent = PaperEmbedding.objects.filter(
        model_name=model_name, created__gte=now - timedelta(seconds=window_s)
    ).aggregate(n=Count("pk"), first=Min("created"))
    span = (now - recent["first"]).total_seconds() if recent["first"] else 0.0
    return Progress(
        stage="embedding", done=total - missing, total=total, unit="papers",
        rate=recent["n"] / span if span >= 5 else 0.0,  # a rate needs a few seconds of work
    )  # fmt: skip


def embedding_backlog_chunks(*, model_name: str, size: int) -> Iterator[list[int]]:
    """Ids of the papers without a current vector, ``size`` at a time, in id order."""
    ids = papers_needing_embedding(model_name=model_name).values_list("pk", flat=True)
    iterator = ids.iterator(chunk_size=max(size, 2000))
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Sha256Hex(Func):
    template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
    output_field = CharField()


def embedding_text_hash_sql(*, title: str, abstract: str) -> Func:
    """In SQL, what ``papers.services.embeddings.embedding_text_hash`` computes in Python."""
    text = Concat(OuterRef(title), Value(". "), OuterRef(abstract), output_field=TextField())
    return _Sha256Hex(text)


def papers_with_authors(queryset: QuerySet[Paper] | None = None) -> QuerySet[Paper]:
    """Papers with their authors prefetched in byline order (two queries for any count)."""
    return (queryset if queryset is not None else Paper.objects.all()).prefetch_related(
        "authorships__author"
    )


def similar_papers(*, paper: Paper, limit: int = 6) -> list[Paper]:
    """Nearest papers to ``paper``'s own vector (none if it has no vector yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.paper_id FROM papers_paperembedding own,
            LATERAL (SELECT e.paper_id FROM papers_paperembedding e
                     WHERE e.model_name = own.model_name AND e.paper_id <> own.paper_id
                     ORDER BY e.vector <=> own.vector LIMIT %s) n
            WHERE own.paper_id = %s AND own.model_name = %s
            """,
            [limit, paper.pk, settings.EMBEDDING_MODEL],
        )
        ids = [paper_id for (paper_id,) in cursor.fetchall()]
    by_id = papers_with_authors().in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def trending_harvested(*, day: date, started_after: datetime | None = None) -> bool:
    """Whether the day's Hugging Face list has been harvested: a run for that date that
    succeeded (and started after ``started_after``, if given), or the bundled sample, whose
    replay ends on the day it was loaded, loaded that day."""
    runs = HarvestRun.objects.filter(status=HarvestRun.Status.SUCCEEDED)
    hf = runs.filter(source=HarvestRun.Source.HUGGING_FACE, params__date=day.isoformat())
    if started_after is not None:
        hf = hf.filter(started_at__gte=started_after)
    return (
        hf.exists() or runs.filter(source=HarvestRun.Source.SAMPLE, finished_at__date=day).exists()
    )
