"""Writes of weekly topics: cluster a week in memory, then swap it in with one transaction.

A recompute builds every row of the week first (embedding, clustering, labels: seconds to
a minute) and only then, in one short transaction, deletes the week's old rows and inserts
the new ones; readers see the old week or the new one, never half of either, and a failure
anywhere leaves the previous result in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from digest.lib.llm import LLMBudgetExceeded
from papers.models import Paper, PaperEmbedding, Topic, TopicPaper, TopicWeek
from papers.services.embeddings import embedding_text, papers_embed
from papers.topics.clustering import (
    N_NEIGHBORS,
    OUTLIER,
    Clustering,
    cluster_vectors,
    project_small,
)
from papers.topics.labels import ctfidf_keywords, topic_name
from papers.topics.linking import TopicState, centroid, link_centroids
from papers.topics.selectors import TOPIC_CHOICES_CACHE_KEY, share_change
from papers.weeks import week_label, week_start_of

logger = logging.getLogger(__name__)

MIN_PAPERS_TO_CLUSTER = 3 * N_NEIGHBORS
METHOD = "spectral+capped ward, c-tf-idf phrases"
# Names a topic from its keywords and a few titles; the LLM boundary plugs in here.
TopicNamer = Callable[[Sequence[str], Sequence[str]], str]
# Writes the week's overview from the stored week (``week=``) and the labels-and-counts
# text (``fallback=``); "" keeps the fallback. papers/topics/naming.py has the LLM's.
OverviewWriter = Callable[..., str]
Progress = Callable[[str], None]


class TopicsError(Exception):
    """A week could not be computed (bad week string, embedding failure)."""


@dataclass
class TopicPlan:
    number: int
    keywords: list[str]
    size: int
    is_outlier: bool
    centroid: np.ndarray | None
    rows: list[tuple[int, float, float, float]] = field(default_factory=list)  # id, p, x, y
    human_label: str = ""

    @property
    def label(self) -> str:
        return "Other" if self.is_outlier else topic_name(self.keywords)


@dataclass
class WeekPlan:
    paper_count: int
    topics: list[TopicPlan]
    note: str = ""


def topics_compute(
    *,
    week_start: date,
    namer: TopicNamer | None = None,
    overview: OverviewWriter | None = None,
    written_by: str = "",
    progress: Progress | None = None,
) -> TopicWeek:
    """Cluster the papers announced in the week and replace its stored topics atomically.

    Papers without a current vector are embedded first. Fewer than
    ``MIN_PAPERS_TO_CLUSTER`` papers give one "All papers" topic and a note. ``namer`` and
    ``overview`` (the LLM's, named ``written_by``) add human labels and the overview.
    """
    say = progress or (lambda _message: None)
    week_start = week_start_of(week_start)
    paper_ids = _week_paper_ids(week_start)
    say(f"{week_label(week_start)}: {len(paper_ids)} papers")
    counts = papers_embed(paper_ids=paper_ids) if paper_ids else None
    if counts and counts.embedded:
        say(f"embedded {counts.embedded} papers")
    ids, texts, vectors = _week_inputs(paper_ids)
    plan = week_plan(paper_ids=ids, texts=texts, vectors=vectors, progress=say)
    if namer is not None:
        say("naming topics")
        _name_topics(plan, texts=dict(zip(ids, texts, strict=True)), namer=namer)
    named = any(t.human_label and not t.is_outlier for t in plan.topics) and not plan.note
    week = topics_store(week_start=week_start, plan=plan, written_by=written_by if named else "")
    say(f"stored {len(plan.topics)} topics")
    if overview is not None and not week.note:
        say("writing the overview")
        _write_overview(week, overview=overview, written_by=written_by)
    return week


def _write_overview(week: TopicWeek, *, overview: OverviewWriter, written_by: str) -> None:
    """Replace the labels-and-counts overview by the writer's, outside the swap's transaction
    (an LLM call must not hold it open); a failure or an empty answer keeps the first."""
    try:
        text = overview(week=week, fallback=week.overview)
    except LLMBudgetExceeded as exc:
        logger.warning("no LLM overview for %s: %s", week_label(week.week_start), exc)
        return
    except Exception:  # the overview from labels and counts is already stored
        logger.exception("writing the overview of %s failed", week_label(week.week_start))
        return
    if text:
        method = _method(week.method.split("; ", 1)[0], written_by, "labels and overview")
        # A recompute meanwhile has deleted this row: then there is nothing to update.
        TopicWeek.objects.filter(pk=week.pk).update(overview=text, method=method)
        week.overview, week.method = text, method


def _method(base: str, written_by: str, what: str) -> str:
    return f"{base}; {what} by {written_by}"[:100] if written_by else base


def week_plan(
    *,
    paper_ids: Sequence[int],
    texts: Sequence[str],
    vectors: np.ndarray,
    progress: Progress | None = None,
) -> WeekPlan:
    """Every topic of a week in memory: clusters, keywords, centroids, map points."""
    say = progress or (lambda _message: None)
    if len(paper_ids) < MIN_PAPERS_TO_CLUSTER:
        return _single_topic_plan(paper_ids=paper_ids, texts=texts, vectors=vectors)
    say("clustering")
    clustering = cluster_vectors(vectors=vectors)
    say(f"{clustering.topic_count} topics, {clustering.outlier_count} outliers; labelling")
    labels = [int(label) for label in clustering.labels]
    keywords = ctfidf_keywords(texts=texts, labels=labels)
    topics = []
    for number in sorted(set(labels), key=lambda n: (n == OUTLIER, n)):
        members = np.flatnonzero(clustering.labels == number)
        topics.append(
            TopicPlan(
                number=number,
                keywords=keywords.get(number, []),
                size=len(members),
                is_outlier=number == OUTLIER,
                centroid=None if number == OUTLIER else centroid(vectors[members]),
                rows=[_row(paper_ids, clustering, int(i)) for i in members],
            )
        )
    return WeekPlan(paper_count=len(paper_ids), topics=topics)


def _row(
    paper_ids: Sequence[int], clustering: Clustering, i: int
) -> tuple[int, float, float, float]:
    """A paper's membership row: id, closeness to its topic's centre (rounded, so that
    near-equals tie and the more upvoted paper is shown first), map x and y."""
    x, y = (float(v) for v in clustering.xy[i])
    return int(paper_ids[i]), round(float(clustering.probabilities[i]), 3), x, y


def _single_topic_plan(
    *, paper_ids: Sequence[int], texts: Sequence[str], vectors: np.ndarray
) -> WeekPlan:
    count = len(paper_ids)
    note = (
        f"Only {count} paper{'' if count == 1 else 's'} this week: too few to find topics "
        f"(at least {MIN_PAPERS_TO_CLUSTER} are needed), so they are shown as one group."
    )
    if not count:
        return WeekPlan(paper_count=0, topics=[], note=note)
    keywords = ctfidf_keywords(texts=texts, labels=[0] * count)[0]
    xy = project_small(vectors)
    topic = TopicPlan(
        number=0,
        keywords=keywords,
        size=count,
        is_outlier=False,
        centroid=centroid(vectors),
        rows=[
            (int(pid), 1.0, float(x), float(y)) for pid, (x, y) in zip(paper_ids, xy, strict=True)
        ],
        human_label="All papers",
    )
    return WeekPlan(paper_count=count, topics=[topic], note=note)


def _week_paper_ids(week_start: date) -> list[int]:
    papers = Paper.objects.filter(
        announced_on__gte=week_start,
        announced_on__lt=week_start + timedelta(days=7),
        is_complete=True,
        withdrawn=False,
    )
    return list(papers.order_by("pk").values_list("pk", flat=True))


def _week_inputs(paper_ids: list[int]) -> tuple[list[int], list[str], np.ndarray]:
    """Ids, texts and vectors of the papers that have a current vector, in id order."""
    vectors = dict(
        PaperEmbedding.objects.filter(
            paper_id__in=paper_ids, model_name=settings.EMBEDDING_MODEL
        ).values_list("paper_id", "vector")
    )
    rows = Paper.objects.filter(pk__in=vectors).order_by("pk")
    texts = {
        pk: embedding_text(title=title, abstract=abstract)
        for pk, title, abstract in rows.values_list("pk", "title_text", "abstract_text")
    }
    ids = sorted(vectors)
    matrix = np.array([vectors[i] for i in ids], dtype=np.float32)
    matrix = matrix.reshape(len(ids), settings.EMBEDDING_DIMENSIONS)
    return ids, [texts[i] for i in ids], matrix


def _name_topics(plan: WeekPlan, *, texts: dict[int, str], namer: TopicNamer) -> None:
    """Human labels, largest topics first, from the titles of each topic's core papers."""
    for topic in plan.topics:
        if topic.is_outlier or topic.human_label:
            continue
        core = sorted(topic.rows, key=lambda row: -row[1])[:8]
        titles = [texts[row[0]].split(". ", 1)[0] for row in core]
        try:
            topic.human_label = namer(topic.keywords, titles)[:200]
        except LLMBudgetExceeded as exc:  # the smaller topics keep their keyword labels
            logger.warning("naming topics stopped at topic %s: %s", topic.number, exc)
            return
        except Exception:  # a label is a nicety: the keywords still name the topic
            logger.exception("naming topic %s failed", topic.number)


def topics_store(*, week_start: date, plan: WeekPlan, written_by: str = "") -> TopicWeek:
    """Replace the week's stored topics by ``plan`` in one transaction (the atomic swap)."""
    with transaction.atomic():
        transaction.on_commit(lambda: cache.delete(TOPIC_CHOICES_CACHE_KEY))
        with connection.cursor() as cursor:  # one recompute of a week at a time
            cursor.execute("SELECT pg_advisory_xact_lock(7231, %s)", [week_start.toordinal()])
        TopicWeek.objects.filter(week_start=week_start).delete()
        week = TopicWeek.objects.create(
            week_start=week_start,
            computed_at=timezone.now(),
            paper_count=plan.paper_count,
            method=_method(METHOD, written_by, "labels") if not plan.note else "single group",
            note=plan.note,
            last_day=_last_day(plan),
        )
        topics = Topic.objects.bulk_create(_topic_rows(week, plan))
        _link(topics, previous_week_start=week_start - timedelta(days=7))
        TopicPaper.objects.bulk_create(_membership_rows(week, topics, plan), batch_size=2000)
        _relink_following_week(week_start=week_start, topics=topics)
        week.overview = overview_text(week=week, topics=topics)
        week.save(update_fields=["overview"])
    return week


def _last_day(plan: WeekPlan) -> date | None:
    ids = [row[0] for topic in plan.topics for row in topic.rows]
    last: date | None = Paper.objects.filter(pk__in=ids).aggregate(last=Max("announced_on"))["last"]
    return last


def _topic_rows(week: TopicWeek, plan: WeekPlan) -> list[Topic]:
    return [
        Topic(
            week=week,
            number=t.number,
            keywords=t.keywords,
            label=t.label,
            human_label=t.human_label,
            size=t.size,
            is_outlier=t.is_outlier,
            centroid=t.centroid,
        )
        for t in plan.topics
    ]


def _membership_rows(week: TopicWeek, topics: list[Topic], plan: WeekPlan) -> list[TopicPaper]:
    return [
        TopicPaper(week=week, topic=topic, paper_id=pid, probability=p, x=x, y=y)
        for topic, topic_plan in zip(topics, plan.topics, strict=True)
        for pid, p, x, y in topic_plan.rows
    ]


def _link(topics: list[Topic], *, previous_week_start: date) -> None:
    """Point each topic at the topic it continues from the week before, if any."""
    previous = list(
        Topic.objects.filter(week__week_start=previous_week_start, is_outlier=False).exclude(
            centroid=None
        )
    )
    current = [t for t in topics if t.centroid is not None and not t.is_outlier]
    links = link_centroids(
        current=_matrix(t.centroid for t in current), previous=_matrix(t.centroid for t in previous)
    )
    for topic, link in zip(current, links, strict=True):
        topic.state = link.state.value
        topic.previous = None if link.previous_index is None else previous[link.previous_index]
        topic.origin = None if link.origin_index is None else previous[link.origin_index]
        topic.previous_similarity = link.similarity
    Topic.objects.bulk_update(current, ["previous", "previous_similarity", "state", "origin"])


def _relink_following_week(*, week_start: date, topics: list[Topic]) -> None:
    """The deleted topics' successors (a recomputed past week) now continue the new ones."""
    following = list(Topic.objects.filter(week__week_start=week_start + timedelta(days=7)))
    if following:
        _link(following, previous_week_start=week_start)


def _matrix(centroids: object) -> np.ndarray:
    rows = [np.asarray(c, dtype=np.float32) for c in centroids]  # type: ignore[attr-defined]
    return np.vstack(rows) if rows else np.zeros((0, settings.EMBEDDING_DIMENSIONS))


def overview_text(*, week: TopicWeek, topics: list[Topic]) -> str:
    """The week in three sentences, from labels and counts (no LLM needed)."""
    if week.note:
        return week.note
    real = sorted((t for t in topics if not t.is_outlier), key=lambda t: -t.size)
    if not real:
        return f"{week.paper_count} papers this week; none formed a topic."
    largest = "; ".join(f"{t.display_label} ({t.size})" for t in real[:3])
    parts = [f"{week.paper_count} papers in {len(real)} topics. Largest: {largest}."]
    rising = [t for t in real if (change := share_change(t)) is not None and change > 0.25]
    if rising:
        parts.append("Rising: " + "; ".join(t.display_label for t in rising[:3]) + ".")
    new = [t for t in real if t.state == TopicState.NEW][:3]
    if new and any(t.previous_id for t in real):
        parts.append("New this week: " + "; ".join(t.display_label for t in new) + ".")
    return " ".join(parts)
