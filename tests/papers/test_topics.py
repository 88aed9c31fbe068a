"""Weekly topics on real sample papers with real vectors: clusters, Other, swap, links."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from sklearn.metrics import normalized_mutual_info_score

from papers.harvest.records import ArxivRecord
from papers.harvest.sample import LISTINGS_DIR, parse_listing_line
from papers.models import Paper, PaperEmbedding, Topic, TopicPaper, TopicWeek
from papers.services import topics as topics_service
from papers.services.embeddings import embedding_text, embedding_text_hash
from papers.services.papers import papers_upsert
from papers.services.topics import MIN_PAPERS_TO_CLUSTER, topics_compute
from papers.text import latex_to_text
from papers.topics.labels import ctfidf_keywords, topic_name
from papers.topics.linking import LINK_THRESHOLD, TopicState
from papers.weeks import week_label

pytestmark = pytest.mark.django_db

WEEK = date(2026, 6, 1)  # a Monday (2026-W23)
# 40 papers from each of four subjects, and three each from two that fit none of them:
# 166 papers, or two weeks of 83.
QUOTAS = {"cs.CV": 40, "cs.IT": 40, "cs.GT": 40, "cs.CL": 40, "cs.GR": 3, "cs.CE": 3}


@pytest.fixture(scope="session")
def sample() -> list[tuple[ArxivRecord, np.ndarray]]:
    """166 real June papers (see ``QUOTAS``), each with its real vector."""
    from papers.embeddings.encoder import encode_documents

    chosen: dict[str, list[ArxivRecord]] = {c: [] for c in QUOTAS}
    seen: set[str] = set()  # a paper listed on two days is one paper
    for path in sorted(LISTINGS_DIR.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = parse_listing_line(line, announced_on=WEEK)
                bucket = chosen.get(record.primary_category)
                if (
                    bucket is not None
                    and len(bucket) < QUOTAS[record.primary_category]
                    and record.arxiv_id not in seen
                ):
                    bucket.append(record)
                    seen.add(record.arxiv_id)
    records = [r for c in QUOTAS for r in chosen[c]]
    vectors = encode_documents([_text(r) for r in records])
    return list(zip(records, vectors, strict=True))


def _text(record: ArxivRecord) -> str:
    return embedding_text(
        title=latex_to_text(record.title), abstract=latex_to_text(record.abstract)
    )


def _store(items: list[tuple[ArxivRecord, np.ndarray]], *, week: date) -> list[Paper]:
    """Papers announced in ``week`` with current vectors, as the embed step leaves them."""
    papers_upsert(records=[replace(r, announced_on=week) for r, _ in items])
    by_id = Paper.objects.in_bulk([r.arxiv_id for r, _ in items], field_name="arxiv_id")
    PaperEmbedding.objects.bulk_create(
        PaperEmbedding(
            paper=by_id[r.arxiv_id],
            model_name=settings.EMBEDDING_MODEL,
            vector=vector,
            text_hash=embedding_text_hash(text=_text(r)),
        )
        for r, vector in items
    )
    return list(by_id.values())


def _half(sample: list[tuple[ArxivRecord, np.ndarray]], which: int) -> list:
    return [item for i, item in enumerate(sample) if i % 2 == which]


def test_a_week_of_sample_papers_gets_labelled_topics_that_follow_the_categories(
    sample: list,
) -> None:
    _store(sample, week=WEEK)

    week = topics_compute(week_start=WEEK + timedelta(days=3))

    assert week.week_start == WEEK and week.paper_count == len(sample) and week.note == ""
    real = list(week.topics.filter(is_outlier=False))
    assert len(real) >= 3
    assert all(t.keywords and t.label == topic_name(t.keywords) for t in real)
    members = TopicPaper.objects.filter(week=week).values_list(
        "topic__number", "paper__primary_category"
    )
    topic_of, category = zip(*members, strict=True)
    assert normalized_mutual_info_score(category, topic_of) > 0.5
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in TopicPaper.objects.values_list("x", "y"))
    assert week.overview.startswith(f"{len(sample)} papers in {len(real)} topics.")


def test_papers_that_fit_no_topic_are_kept_in_other_never_dropped(sample: list) -> None:
    _store(sample, week=WEEK)

    week = topics_compute(week_start=WEEK)

    assert TopicPaper.objects.filter(week=week).count() == len(sample)
    assert sum(week.topics.values_list("size", flat=True)) == len(sample)
    for other in week.topics.filter(is_outlier=True):  # only papers clearly apart form it
        assert other.label == "Other" and other.number == -1
        assert other.size == TopicPaper.objects.filter(topic=other).count() > 0
    largest = week.topics.filter(is_outlier=False).order_by("-size").first()
    assert largest is not None and largest.size <= 0.2 * len(sample)


def test_a_recompute_that_fails_mid_swap_leaves_the_previous_topics(
    sample: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(_half(sample, 0), week=WEEK)
    before = topics_compute(week_start=WEEK)
    kept = sorted(TopicPaper.objects.values_list("pk", "topic_id", "paper_id"))

    def fail(**kwargs: object) -> None:
        raise RuntimeError("worker killed mid-recompute")

    monkeypatch.setattr(topics_service, "_relink_following_week", fail)  # after the inserts
    with pytest.raises(RuntimeError):
        topics_compute(week_start=WEEK)

    assert TopicWeek.objects.get().computed_at == before.computed_at
    assert sorted(TopicPaper.objects.values_list("pk", "topic_id", "paper_id")) == kept


def test_a_week_with_too_few_papers_is_one_all_papers_topic_with_a_note(sample: list) -> None:
    _store(sample[:5], week=WEEK)

    week = topics_compute(week_start=WEEK)

    topic = week.topics.get()
    assert (topic.display_label, topic.size, topic.is_outlier) == ("All papers", 5, False)
    assert "Only 5 papers this week" in week.note and str(MIN_PAPERS_TO_CLUSTER) in week.note
    assert topic.keywords and TopicPaper.objects.filter(topic=topic).count() == 5


def test_an_empty_week_stores_a_note_and_no_topics() -> None:
    week = topics_compute(week_start=WEEK)

    assert week.paper_count == 0 and not week.topics.exists()
    assert week.note.startswith("Only 0 papers this week")


def test_topics_continue_one_topic_of_the_week_before_at_most(sample: list) -> None:
    _store(_half(sample, 0), week=WEEK - timedelta(days=7))
    _store(_half(sample, 1), week=WEEK)
    earlier = topics_compute(week_start=WEEK - timedelta(days=7))

    later = topics_compute(week_start=WEEK)

    linked = list(later.topics.exclude(previous=None).select_related("previous"))
    assert len(linked) >= 3, "the same four subjects in both weeks must give continuing topics"
    assert len({t.previous_id for t in linked}) == len(linked)  # continued by one at most
    for topic in linked:
        assert topic.previous.week_id == earlier.pk
        assert topic.state in (TopicState.CONTINUING, TopicState.MERGED)
        assert topic.previous_similarity >= LINK_THRESHOLD
    unlinked = later.topics.filter(previous=None, is_outlier=False)
    assert all(t.state in (TopicState.NEW, TopicState.SPLIT) for t in unlinked)


def test_recomputing_the_earlier_week_relinks_the_later_one(sample: list) -> None:
    _store(_half(sample, 0), week=WEEK - timedelta(days=7))
    _store(_half(sample, 1), week=WEEK)
    topics_compute(week_start=WEEK - timedelta(days=7))
    later = topics_compute(week_start=WEEK)
    links_before = later.topics.exclude(previous=None).count()

    redone = topics_compute(week_start=WEEK - timedelta(days=7))

    relinked = Topic.objects.filter(week=later).exclude(previous=None)
    assert relinked.count() == links_before > 0
    assert set(relinked.values_list("previous__week", flat=True)) == {redone.pk}


def test_keywords_are_the_terms_that_set_a_topic_apart() -> None:
    texts = [
        "Diffusion models for video generation with temporal attention",
        "Video generation by latent diffusion at scale",
        "Channel capacity of MIMO wireless systems with feedback",
        "Capacity bounds for MIMO channels under fading",
    ]

    keywords = ctfidf_keywords(texts=texts, labels=[0, 0, 1, 1], top_n=3)

    assert keywords[0][0] == "video generation" and any("diffusion" in k for k in keywords[0])
    assert any("MIMO" in k for k in keywords[1])  # in the authors' casing
    assert not any("video" in k or "diffusion" in k for k in keywords[1])


def test_manage_py_topics_computes_the_named_week(sample: list) -> None:
    _store(sample[:4], week=WEEK)

    call_command("topics", "--week", "2026-W23", verbosity=0)

    assert TopicWeek.objects.get().week_start == WEEK
    assert Topic.objects.get().size == 4


def test_the_topics_task_defaults_to_the_week_of_yesterday(sample: list) -> None:
    from papers.tasks import compute_topics

    yesterday = timezone.now().date() - timedelta(days=1)
    result = compute_topics()

    assert result == {
        "week": week_label(yesterday - timedelta(days=yesterday.weekday())),
        "papers": 0,
    }
    beat = settings.CELERY_BEAT_SCHEDULE["compute-topics"]
    assert beat["task"] == compute_topics.name == "papers.tasks.compute_topics"
